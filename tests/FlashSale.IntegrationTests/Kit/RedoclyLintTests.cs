using System.Text.Json;
using System.Text.RegularExpressions;
using FlashSale.IntegrationTests.Faults;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Kit;

/// <summary>
/// The document a storefront generates its client from passes Redocly CLI's recommended ruleset with no error, and
/// each warning left is one docs/openapi.md names and justifies (rule and location), so a new one fails here.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed partial class RedoclyLintTests(ServiceFixture app)
{
    [Fact]
    public async Task The_served_document_has_no_lint_error_and_only_the_warnings_docs_justify()
    {
        var cli = NodeTools.ModulePath("@redocly/cli/bin/cli.js");
        var file = await NodeTools.SaveDocumentAsync(app.Storefront.Http, Path.Combine(Path.GetTempPath(), $"flashsale-openapi-{Guid.NewGuid():N}.json"));
        try
        {
            var (exitCode, output, stdout) = await NodeTools.NodeAsync([cli, "lint", file, "--extends=recommended", "--format=json", "--max-problems=1000"],
                TimeSpan.FromMinutes(2));
            Assert.True(stdout.Contains('{'), "Redocly printed no report:\n" + output);
            using var report = JsonDocument.Parse(stdout[stdout.IndexOf('{')..]);
            var problems = report.RootElement.GetProperty("problems").EnumerateArray()
                .Select(p => (Rule: p.GetProperty("ruleId").GetString()!, Severity: p.GetProperty("severity").GetString()!,
                    Pointer: p.GetProperty("location")[0].GetProperty("pointer").GetString()!, Message: p.GetProperty("message").GetString()!))
                .ToList();
            var errors = problems.Where(p => p.Severity == "error").ToList();
            Assert.True(errors.Count == 0, "Redocly errors:\n" + string.Join('\n', errors.Select(e => $"{e.Rule} at {e.Pointer}: {e.Message}")));
            Assert.Equal(0, exitCode);

            var justified = JustifiedWarnings();
            var unjustified = problems.Where(p => !justified.Contains((p.Rule, p.Pointer))).ToList();
            Assert.True(unjustified.Count == 0, "warnings docs/openapi.md does not justify:\n"
                + string.Join('\n', unjustified.Select(w => $"| `{w.Rule}` | `{w.Pointer}` | {w.Message} |")));
        }
        finally
        {
            File.Delete(file);
        }
    }

    // The table rows of docs/openapi.md's "Warnings left" section: | `rule` | `pointer` | why |
    private static HashSet<(string, string)> JustifiedWarnings()
    {
        var doc = File.ReadAllText(Path.Combine(Repo.Root, "docs", "openapi.md"));
        return WarningRow().Matches(doc).Select(m => (m.Groups["rule"].Value, m.Groups["pointer"].Value)).ToHashSet();
    }

    [GeneratedRegex(@"^\| `(?<rule>[a-z0-9.-]+)` \| `(?<pointer>#[^`]*)` \|", RegexOptions.Multiline)]
    private static partial Regex WarningRow();
}
