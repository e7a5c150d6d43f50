using Microsoft.Playwright;

namespace FlashSale.IntegrationTests.Infrastructure;

/// <summary>
/// Debian's Chromium, headless, driven by Playwright, as the page tests use it. The flags keep it off the network this
/// machine does not have (its background connections are refused, many at a time, otherwise).
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    public const string Path = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private HeadlessChromium(IPlaywright playwright, IBrowser browser, IBrowserContext context)
    {
        _playwright = playwright;
        _browser = browser;
        Context = context;
    }

    public IBrowserContext Context { get; }

    public static async Task<HeadlessChromium> LaunchAsync(BrowserNewContextOptions context)
    {
        Assert.True(File.Exists(Path), $"{Path} is missing: `make test` installs Debian's chromium package");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Path, Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync"],
        });
        return new HeadlessChromium(playwright, browser, await browser.NewContextAsync(context));
    }

    public async ValueTask DisposeAsync()
    {
        await Context.DisposeAsync();
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
