using System.Collections.Concurrent;
using Dapper;
using FlashSale.Service.Hosting;
using FlashSale.Service.Ops;
using FlashSale.Service.Payments;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FlashSale.Service.Worker;

/// <summary>
/// Settles claims whose charge outcome is unknown (<c>payment_pending</c>) by asking the gateway what became
/// of the charge, with the claim's own idempotency key. Only a definite answer moves a claim, so stock is
/// never released while the charge may still have gone through; an unknown claim is asked again later.
/// Claims being asked about are leased to this settler (their check time, renewed while it waits for the
/// gateway), so no other worker's settler asks about them at the same time, however slow the gateway is.
/// </summary>
public sealed class PendingPaymentSettler(
    NpgsqlDataSource db, IPaymentGateway gateway, ClaimPaymentRecorder recorder, SaleChargeHolds holds, IOptions<PaymentOptions> options,
    TimeProvider clock, ILogger<PendingPaymentSettler> logger) : BackgroundService
{
    private PendingPaymentOptions Options => options.Value.Pending;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var taken = 0;
            try
            {
                taken = await SettleBatchAsync(stoppingToken);
                await MeasureOldestAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Settling pending payments failed; trying again in {Interval}", Options.Interval);
            }
            if (taken < Options.BatchSize)
                await Task.Delay(Options.Interval, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <returns>How many pending claims were asked about.</returns>
    public async Task<int> SettleBatchAsync(CancellationToken ct)
    {
        var pending = await TakeDueAsync(ct);
        if (pending.Count == 0) return 0;
        var answers = new ConcurrentBag<ChargeAnswer>();
        var asking = new ConcurrentDictionary<string, bool>(pending.Select(c => KeyValuePair.Create(c.ClaimId, true)));
        using var stopRenewing = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var renewing = RenewLeaseAsync(asking, stopRenewing.Token);
        try
        {
            await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = options.Value.MaxConcurrentCharges, CancellationToken = ct },
                async (claim, token) =>
                {
                    var charge = ChargeRequest.For(claim.ClaimId, claim.SaleId, claim.Quantity, claim.PaymentMethodId, claim.PriceCents, claim.Currency,
                        claim.Attempt);
                    if (!holds.MayCharge(claim.SaleId))
                    {
                        asking.TryRemove(claim.ClaimId, out _);
                        return;
                    }
                    var mayReplay = claim.FirstAttemptAt is { } first && clock.GetUtcNow() - first < Options.ReplayCreateWithin;
                    var result = await gateway.ResolveAsync(charge, mayReplay, token);
                    holds.Observe(claim.SaleId, result);
                    if (result.Outcome is ChargeOutcome.Succeeded or ChargeOutcome.Declined) answers.Add(new ChargeAnswer(charge, result));
                    else
                    {
                        asking.TryRemove(claim.ClaimId, out _);
                        logger.LogInformation("Charge of pending claim {ClaimId} is still unknown ({Error})", claim.ClaimId, result.Error);
                    }
                });
            if (!answers.IsEmpty) await recorder.RecordAsync([.. answers], "pending_settler", ct);
        }
        finally
        {
            await stopRenewing.CancelAsync();
            await renewing;
        }
        return pending.Count;
    }

    /// <summary>Sets the age of the oldest claim still payment_pending (since its first charge attempt), 0 when there is none.</summary>
    /// <returns>That age.</returns>
    public async Task<TimeSpan> MeasureOldestAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var oldest = await conn.ExecuteScalarAsync<double?>(new CommandDefinition("""
            SELECT extract(epoch FROM now() - min(coalesce(payment_attempted_at, admitted_at)))::float8
            FROM claims WHERE status = 'payment_pending'
            """, cancellationToken: ct));
        var seconds = Math.Max(0, oldest ?? 0);
        FlashSaleMetrics.OldestPaymentPending.Set(seconds);
        return TimeSpan.FromSeconds(seconds);
    }

    // Three renewals per RecheckAfter: the lease lapses only when this process stops renewing (it died).
    private Task RenewLeaseAsync(ConcurrentDictionary<string, bool> asking, CancellationToken stop) =>
        LeaseRenewal.RunAsync(Options.RecheckAfter / 3, clock, () => asking.Keys.ToArray(), async (claimIds, ct) =>
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE claims SET payment_checked_at = now() WHERE claim_id = ANY(@claimIds) AND status = 'payment_pending'",
                new { claimIds }, cancellationToken: ct));
        }, logger, "pending claims", stop);

    // Stamping the check time as they are taken leases them: another worker's settler skips them until RecheckAfter
    // (renewed while this one waits for their answers).
    private async Task<List<PendingClaim>> TakeDueAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<PendingClaim>(new CommandDefinition("""
            UPDATE claims c SET payment_checked_at = now()
            FROM sales s
            WHERE s.sale_id = c.sale_id AND c.claim_id IN (
                SELECT claim_id FROM claims
                WHERE status = 'payment_pending'
                  AND (payment_checked_at IS NULL OR payment_checked_at < now() - @recheckAfter)
                ORDER BY payment_checked_at NULLS FIRST
                LIMIT @BatchSize
                FOR UPDATE SKIP LOCKED)
            RETURNING c.claim_id, c.sale_id, c.quantity, c.payment_method_id, s.price_cents, s.currency,
                      coalesce(c.payment_attempted_at, c.admitted_at) AS first_attempt_at,
                      CASE WHEN c.hold_expires_at IS NULL THEN 0 ELSE c.payment_attempts END AS attempt
            """, new { recheckAfter = Options.RecheckAfter, Options.BatchSize }, cancellationToken: ct))).ToList();
    }

    private sealed record PendingClaim(
        string ClaimId, string SaleId, int Quantity, string PaymentMethodId, long PriceCents, string Currency, DateTime? FirstAttemptAt, int Attempt);
}
