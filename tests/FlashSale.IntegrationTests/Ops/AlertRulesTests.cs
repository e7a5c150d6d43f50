using System.ComponentModel;
using System.Diagnostics;
using System.Text.RegularExpressions;
using FlashSale.IntegrationTests.Faults;
using FlashSale.IntegrationTests.Infrastructure;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace FlashSale.IntegrationTests.Ops;

/// <summary>
/// docs/ops/alerts.yml is a rule file Prometheus loads, its alerts read series the service exports, and each one
/// tells the person paged how long, how bad and where to read on.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed partial class AlertRulesTests(ServiceFixture app)
{
    private static readonly string RulesPath = Path.Combine(Repo.Root, "docs", "ops", "alerts.yml");

    [Fact]
    public async Task Promtool_accepts_the_rule_file()
    {
        var start = new ProcessStartInfo("promtool", ["check", "rules", RulesPath]) { RedirectStandardOutput = true, RedirectStandardError = true };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception)
        {
            Assert.Fail("promtool is not on PATH: run `make services-up` (it installs Debian's prometheus package for promtool).");
            return;
        }
        using (process)
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
            var errors = process.StandardError.ReadToEndAsync(deadline.Token);
            await process.WaitForExitAsync(deadline.Token);
            Assert.True(process.ExitCode == 0, $"promtool check rules failed ({process.ExitCode}): {await output}{await errors}");
        }
    }

    [Fact]
    public async Task Every_series_an_alert_reads_is_one_the_service_exports()
    {
        var exported = await ExportedMetrics.AfterASaleAsync(app);
        var missing = Rules().SelectMany(r => ExportedMetrics.SeriesIn(r.Expr).Select(s => $"{r.Alert}: {s}"))
            .Where(named => !exported.Exists(named[(named.IndexOf(": ", StringComparison.Ordinal) + 2)..])).ToList();
        Assert.True(missing.Count == 0, $"not exported: {string.Join("; ", missing)} ({exported.Describe()})");
    }

    [Fact]
    public void The_night_is_covered_drift_dead_letters_payments_queue_readiness_latency_lost_admits()
    {
        var read = Rules().SelectMany(r => ExportedMetrics.SeriesIn(r.Expr)).ToHashSet();
        string[] watched =
        [
            "flashsale_reconciler_drift_units", "flashsale_queue_dead_letters_total", "flashsale_payment_pending_oldest_seconds",
            "flashsale_payment_circuit_state", "flashsale_queue_pending", "flashsale_kafka_consumer_lag", "flashsale_ready",
            "flashsale_admit_duration_seconds_bucket", "flashsale_lost_admits_total", "flashsale_payment_configuration_errors_total",
            "flashsale_payments_held_sales",
        ];
        Assert.Empty(watched.Except(read));
    }

    [Fact]
    public void Every_alert_has_a_for_a_severity_a_summary_a_description_and_a_runbook_section_that_exists()
    {
        var rules = Rules();
        Assert.NotEmpty(rules);
        Assert.Equal(rules.Count, rules.Select(r => r.Alert).Distinct().Count());
        foreach (var rule in rules)
        {
            Assert.False(string.IsNullOrWhiteSpace(rule.For), $"{rule.Alert}: no for:");
            Assert.Contains(rule.Labels.GetValueOrDefault("severity"), new[] { "critical", "warning", "page" });
            foreach (var key in new[] { "summary", "description", "runbook" })
                Assert.False(string.IsNullOrWhiteSpace(rule.Annotations.GetValueOrDefault(key)), $"{rule.Alert}: no {key}");

            // docs/<file>.md#<section>: the file is in the repository and has a heading of that anchor.
            var runbook = rule.Annotations["runbook"].Split('#');
            Assert.True(runbook.Length == 2 && runbook[0].StartsWith("docs/", StringComparison.Ordinal), $"{rule.Alert}: runbook {rule.Annotations["runbook"]}");
            var doc = Path.Combine(Repo.Root, runbook[0]);
            Assert.True(File.Exists(doc), $"{rule.Alert}: {runbook[0]} does not exist");
            var anchors = Heading().Matches(File.ReadAllText(doc)).Select(m => Anchor(m.Groups[1].Value)).ToHashSet();
            Assert.True(anchors.Contains(runbook[1]), $"{rule.Alert}: no section #{runbook[1]} in {runbook[0]}");
        }
    }

    private static List<Rule> Rules()
    {
        var file = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).Build()
            .Deserialize<RuleFile>(File.ReadAllText(RulesPath));
        return file.Groups.SelectMany(g => g.Rules).ToList();
    }

    // GitHub's anchor of a heading: lower case, punctuation dropped (backticks, commas), spaces to hyphens.
    private static string Anchor(string heading) =>
        new string(heading.Trim().ToLowerInvariant().Where(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '_').ToArray()).Replace(' ', '-');

    [GeneratedRegex(@"^#+ (.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    private sealed class RuleFile
    {
        public List<RuleGroup> Groups { get; set; } = [];
    }

    private sealed class RuleGroup
    {
        public string Name { get; set; } = "";
        public List<Rule> Rules { get; set; } = [];
    }

    private sealed class Rule
    {
        public string Alert { get; set; } = "";
        public string Expr { get; set; } = "";
        public string? For { get; set; }
        public Dictionary<string, string> Labels { get; set; } = [];
        public Dictionary<string, string> Annotations { get; set; } = [];
    }
}
