using FlashSale.Core;

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
            // Another admin call moved the sale first; report the state it is in now.
            var now2 = await store.GetAsync(saleId, ct);
            return TransitionOutcome.Invalid(now2 is null ? current : SaleStatus.Effective(now2.Status, now2.StartsAt, now2.EndsAt, now));
        }
        if (action == SaleTransitions.Resume) await pool.SetStatusAsync(saleId, SalePool.Open);

        logger.LogInformation("Sale {SaleId}: {Action} ({From} -> {To})", saleId, action, current, target);
        return TransitionOutcome.Done;
    }
}

public sealed record TransitionOutcome(bool Found, bool Allowed, string? CurrentStatus)
{
    public static readonly TransitionOutcome Done = new(true, true, null);
    public static readonly TransitionOutcome NotFound = new(false, false, null);
    public static TransitionOutcome Invalid(string status) => new(true, false, status);
}
