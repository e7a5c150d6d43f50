using System.Diagnostics;
using System.Text;
using FlashSale.IntegrationTests.Faults;

namespace FlashSale.IntegrationTests.Kit;

/// <summary>
/// The npm tools of tests/openapi, run as a storefront developer would run them. <c>make test</c> installs them
/// (scripts/ensure-node-tools.sh, pinned by tests/openapi/package-lock.json); a test without them fails, never skips.
/// </summary>
internal static class NodeTools
{
    public static string Folder { get; } = Path.Combine(Repo.Root, "tests", "openapi");

    public static string ModulePath(string relative)
    {
        var path = Path.Combine(Folder, "node_modules", relative);
        Assert.True(File.Exists(path), $"{path} is missing: `make test` installs it (bash scripts/ensure-node-tools.sh)");
        return path;
    }

    /// <summary>Runs node with these arguments in tests/openapi, within the deadline: its exit code, its standard output, and all it printed.</summary>
    public static async Task<(int ExitCode, string Output, string Stdout)> NodeAsync(IEnumerable<string> args, TimeSpan within, IDictionary<string, string>? env = null)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = Folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        // Nothing leaves the machine: Redocly's usage telemetry and update check stay off.
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        start.Environment["NO_UPDATE_NOTIFIER"] = "1";
        foreach (var (key, value) in env ?? new Dictionary<string, string>()) start.Environment[key] = value;

        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var output = new StringBuilder();
        var stdoutOnly = new StringBuilder();
        var stdout = PumpAsync(process.StandardOutput, output, stdoutOnly);
        var stderr = PumpAsync(process.StandardError, output, null);
        using var deadline = new CancellationTokenSource(within);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"node {string.Join(' ', start.ArgumentList)} did not finish within {within}:\n{output}");
        }
        await Task.WhenAll(stdout, stderr);
        return (process.ExitCode, output.ToString(), stdoutOnly.ToString());
    }

    private static async Task PumpAsync(StreamReader reader, StringBuilder output, StringBuilder? alone)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (output) output.AppendLine(line);
            alone?.AppendLine(line);
        }
    }

    /// <summary>The document as the running service serves it.</summary>
    public static async Task<string> SaveDocumentAsync(HttpClient http, string path)
    {
        var document = await http.GetStringAsync("/openapi/v1.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, document);
        return path;
    }
}
