using FlashSale.Core;
using Microsoft.Extensions.Options;

namespace FlashSale.Service.Sales;

/// <summary>Preloads each scheduled sale into Redis shortly before it starts, so nobody has to remember to.</summary>
public sealed class SalePreloader(
    SaleStore store, SaleLifecycle lifecycle, TimeProvider clock, IOptions<SaleOptions> options, ILogger<SalePreloader> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PreloadInterval, clock);
        do
        {
            try
            {
                var horizon = clock.GetUtcNow().UtcDateTime + options.Value.PreloadLead;
                foreach (var saleId in await store.DueForPreloadAsync(horizon, stoppingToken))
                {
                    var outcome = await lifecycle.ApplyAsync(saleId, SaleTransitions.Preload, stoppingToken);
                    if (outcome == TransitionOutcome.Done) logger.LogInformation("Preloaded sale {SaleId} ahead of its start", saleId);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Redis or PostgreSQL is down; the next tick tries again.
                logger.LogWarning(e, "Automatic preload failed; retrying");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
