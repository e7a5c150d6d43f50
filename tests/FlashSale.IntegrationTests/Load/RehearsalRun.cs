using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Load;
using FlashSale.Load.Cli;
using Spectre.Console;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Load;

/// <summary>Runs the rehearsal tool's library entry point against the test host, its console captured.</summary>
internal static class RehearsalRun
{
    public static Task<(RehearsalResult Result, string Console)> RunAsync(ServiceFixture app, ITestOutputHelper output, params string[] flags) =>
        RunAsync(app.Admin.Http.BaseAddress!, output, default, flags);

    /// <param name="stopCrowd">What Ctrl-C cancels: the crowd, not the audit.</param>
    public static Task<(RehearsalResult Result, string Console)> RunAsync(ServiceFixture app, ITestOutputHelper output, CancellationToken stopCrowd, params string[] flags) =>
        RunAsync(app.Admin.Http.BaseAddress!, output, stopCrowd, flags);

    public static Task<(RehearsalResult Result, string Console)> RunAsync(Uri url, ITestOutputHelper output, params string[] flags) =>
        RunAsync(url, output, default, flags);

    public static async Task<(RehearsalResult Result, string Console)> RunAsync(Uri url, ITestOutputHelper output, CancellationToken stopCrowd, params string[] flags)
    {
        var reports = Path.Combine(Path.GetTempPath(), "flashsale-rehearsal-" + Guid.NewGuid().ToString("N"));
        string[] args =
        [
            "--url", url.ToString(),
            "--admin-key", ServiceFixture.AdminKey, "--storefront-key", ServiceFixture.StorefrontKey,
            "--report-dir", reports, "--progress", "plain",
            // The tool shares this process with the service under test, so its CPU is not the generator's alone, and a
            // loaded test machine stalls its scheduler: the self-watch is checked where a test asks for it.
            .. flags.Contains("--max-send-lag") ? Array.Empty<string>() : ["--max-send-lag", "10s"],
            .. flags.Contains("--max-generator-cpu") ? Array.Empty<string>() : ["--max-generator-cpu", "1"],
            .. flags,
        ];
        var (options, error) = RehearsalCommand.Parse(args);
        Assert.True(options is not null, error);
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 240;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var result = await Rehearsal.RunAsync(options!, console, timeout.Token, stopCrowd);
        output.WriteLine(writer.ToString());
        return (result, writer.ToString());
    }
}
