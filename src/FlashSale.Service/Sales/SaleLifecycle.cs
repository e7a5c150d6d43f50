using FlashSale.Core;
using FlashSale.Service.Pool;

namespace FlashSale.Service.Sales;

/// <summary>The admin actions on a sale: preload, pause, resume, close, guarded by the sale's state machine.</summary>
public sealed class SaleLifecycle(SaleStore store, SalePool pool, TimeProvider clock, ILogger<SaleLifecycle> logger)
{
    public async Task<TransitionOutcome> ApplyAsync(string saleId, string action, CancellationToken ct)
    {
        var sale = await store.GetAsync(saleId, ct);
        if (sale is null) return TransitionOutcome.NotFound;

        var now = clock.GetUtcNow().UtcDateTime;
        var current = SaleStatus.Effective(sale.Status, sale.StartsAt, sale.EndsAt, now);
        var target = SaleTransitions.Apply(action, current);
        if (target is null) return TransitionOutcome.Invalid(current);

        switch (action)
        {
            case SaleTransitions.Preload:
                await pool.PreloadAsync(sale);
                break;
            // Stop admitting before recording it: a crash in between errs towards selling less, never more.
            case SaleTransitions.Pause:
                await pool.SetStatusAsync(saleId, SalePool.Paused);
                break;
            case SaleTransitions.Close:
                await pool.SetStatusAsync(saleId, SalePool.Closed);
                break;
        }

        if (!await store.TransitionAsync(saleId, SaleTransitions.AllowedFromStored(action), target, ct))
        {
            // Another admin call (or the preloader) moved the sale first. The pool may now say something the
            // row does not (a preload racing a close opened it): make it follow the row, then report.
            var latest = (await store.GetAsync(saleId, ct))!;
            await pool.SetStatusAsync(saleId, PoolStatusOf(latest.Status));
            return TransitionOutcome.Invalid(SaleStatus.Effective(latest.Status, latest.StartsAt, latest.EndsAt, now));
        }
        if (action == SaleTransitions.Resume) await pool.SetStatusAsync(saleId, SalePool.Open);

        logger.LogInformation("Sale {SaleId}: {Action} ({From} -> {To})", saleId, action, current, target);
        return TransitionOutcome.Done;
    }

    private static string PoolStatusOf(string stored) => stored switch
    {
        SaleStatus.Paused => SalePool.Paused,
        SaleStatus.Closed => SalePool.Closed,
        _ => SalePool.Open,
    };
}

public sealed record TransitionOutcome(bool Found, bool Allowed, string? CurrentStatus)
{
    public static readonly TransitionOutcome Done = new(true, true, null);
    public static readonly TransitionOutcome NotFound = new(false, false, null);
    public static TransitionOutcome Invalid(string status) => new(true, false, status);
}
