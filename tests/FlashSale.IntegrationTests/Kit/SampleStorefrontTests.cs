using System.Diagnostics;
using FlashSale.IntegrationTests.Faults;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Kit;

/// <summary>The console storefront of docs/samples/storefront, built with the solution, run against the service as its README says.</summary>
[Collection(ServiceCollection.Name)]
public sealed class SampleStorefrontTests(ServiceFixture app)
{
    private static string Dll => Path.Combine(Repo.Root, "docs", "samples", "storefront", "bin", Repo.Configuration, "net10.0", "Storefront.dll");

    [Fact]
    public async Task The_sample_buys_the_last_unit_of_a_hold_sale_and_the_next_buyer_is_told_sold_out()
    {
        Assert.True(File.Exists(Dll), $"{Dll} is missing: dotnet build FlashSale.sln builds it");
        var sale = await app.Admin.LiveSaleAsync(stock: 1, checkout: Checkout.Hold());

        var (paid, paidOutput) = await RunAsync(sale.SaleId, "sample-buyer");
        Assert.True(paid == 0, paidOutput);
        Assert.Contains("held until", paidOutput);
        Assert.Contains("paid: order", paidOutput);

        var (late, lateOutput) = await RunAsync(sale.SaleId, "sample-late");
        Assert.Equal(1, late);
        Assert.Contains("sold out", lateOutput);
    }

    private async Task<(int ExitCode, string Output)> RunAsync(string saleId, string userId)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Dll, "--url", app.Storefront.Http.BaseAddress!.ToString(), "--key", ServiceFixture.StorefrontKey, "--sale", saleId, "--user", userId })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
