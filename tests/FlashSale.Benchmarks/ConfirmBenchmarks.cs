using BenchmarkDotNet.Attributes;
using Dapper;
using FlashSale.Core;
using FlashSale.Service.Queue;
using FlashSale.Service.Sales;
using FlashSale.Service.Storage;
using FlashSale.Service.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace FlashSale.Benchmarks;

/// <summary>
/// Confirming claims of ONE hot sale in PostgreSQL (fsync on, as configured): the worker's ClaimConfirmer with
/// batches of 1 and of 100, against the naive pattern of one transaction per claim. Means are per claim
/// (OperationsPerInvoke), so claims/s = 1 s / mean.
/// </summary>
public class ConfirmBenchmarks
{
    private NpgsqlDataSource _db = null!;
    private ClaimConfirmer _confirmer = null!;
    private readonly string _saleId = Ids.NewSaleId();
    private long _claims;

    [GlobalSetup]
    public async Task SetUp()
    {
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
        _db = NpgsqlDataSource.Create(Servers.Postgres);
        await new SchemaMigrator(_db, NullLogger<SchemaMigrator>.Instance).MigrateAsync(default);
        _confirmer = new ClaimConfirmer(_db, NullLogger<ClaimConfirmer>.Instance);
        var now = DateTime.UtcNow;
        await new SaleStore(_db).CreateAsync(new SaleRow
        {
            SaleId = _saleId, Sku = "BENCH", Name = "confirm benchmark", Stock = int.MaxValue, PriceCents = 100, Currency = "usd",
            StartsAt = now.AddMinutes(-1), EndsAt = now.AddHours(3), PerUserLimit = 1, Status = SaleStatus.Live,
        }, default);
    }

    private List<ClaimMessage> Batch(int size) => Enumerable.Range(0, size).Select(_ =>
    {
        var n = Interlocked.Increment(ref _claims);
        return new ClaimMessage(Ids.NewClaimId(), _saleId, "u-" + n, 1, "pm_card_visa", DateTimeOffset.UtcNow);
    }).ToList();

    [Benchmark(OperationsPerInvoke = 1)]
    public Task Confirmer_batch_of_1() => _confirmer.ConfirmAsync(_saleId, Batch(1), default);

    [Benchmark(OperationsPerInvoke = 100)]
    public Task Confirmer_batch_of_100() => _confirmer.ConfirmAsync(_saleId, Batch(100), default);

    /// <summary>The largest batch QueueOptions allows (FlashSale:Queue:BatchSize up to 1000).</summary>
    [Benchmark(OperationsPerInvoke = 1000)]
    public Task Confirmer_batch_of_1000() => _confirmer.ConfirmAsync(_saleId, Batch(1000), default);

    /// <summary>Four workers' batches at once on the same hot row: they queue on its row lock.</summary>
    [Benchmark(OperationsPerInvoke = 400)]
    public Task Confirmer_4_batches_of_100_at_once() =>
        Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _confirmer.ConfirmAsync(_saleId, Batch(100), default)));

    /// <summary>The worker's defaults: batches of up to 500, four in flight (FlashSale:Queue:BatchesInFlight).</summary>
    [Benchmark(OperationsPerInvoke = 2000)]
    public Task Confirmer_4_batches_of_500_at_once() =>
        Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _confirmer.ConfirmAsync(_saleId, Batch(500), default)));

    /// <summary>Two batches of the largest size at once: the inserts overlap, only the hot-row update and commit queue.</summary>
    [Benchmark(OperationsPerInvoke = 2000)]
    public Task Confirmer_2_batches_of_1000_at_once() =>
        Task.WhenAll(Enumerable.Range(0, 2).Select(_ => _confirmer.ConfirmAsync(_saleId, Batch(1000), default)));

    /// <summary>
    /// Not the service's code: what ClaimConfirmer could do instead (docs/performance.md). Take the batch's stock
    /// first, then insert the claims as 'confirmed' directly (one write per claim instead of an insert plus an
    /// update that is never HOT, since status is indexed), giving back the units of any claim already recorded.
    /// </summary>
    [Benchmark(OperationsPerInvoke = 100)]
    public async Task Alternative_insert_as_confirmed_batch_of_100()
    {
        var claims = Batch(100);
        await using var conn = await _db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var units = claims.Sum(c => c.Quantity);
        var taken = await conn.ExecuteAsync(
            "UPDATE sale_inventory SET sold = sold + @units, updated_at = now() WHERE sale_id = @_saleId AND sold + @units <= total",
            new { units, _saleId }, tx);
        if (taken != 1) throw new InvalidOperationException("the benchmark sale ran out of stock");
        var inserted = (await conn.QueryAsync<(string ClaimId, int Quantity)>("""
            INSERT INTO claims (claim_id, sale_id, user_id, quantity, payment_method_id, status, admitted_at)
            SELECT c.claim_id, @_saleId, c.user_id, c.quantity, c.payment_method_id, 'confirmed', c.admitted_at
            FROM unnest(@ids, @users, @quantities, @paymentMethods, @admittedAt) AS c(claim_id, user_id, quantity, payment_method_id, admitted_at)
            ON CONFLICT DO NOTHING
            RETURNING claim_id, quantity
            """, new
        {
            _saleId, ids = claims.Select(c => c.ClaimId).ToArray(), users = claims.Select(c => c.UserId).ToArray(),
            quantities = claims.Select(c => c.Quantity).ToArray(), paymentMethods = claims.Select(c => c.PaymentMethodId).ToArray(),
            admittedAt = claims.Select(c => c.AdmittedAt.UtcDateTime).ToArray(),
        }, tx)).ToList();
        var back = units - inserted.Sum(c => c.Quantity);
        if (back > 0) await conn.ExecuteAsync("UPDATE sale_inventory SET sold = sold - @back WHERE sale_id = @_saleId", new { back, _saleId }, tx);
        await tx.CommitAsync();
    }

    /// <summary>The pattern batching replaces: per claim, its own transaction with the hot-row UPDATE and a commit (an fsync).</summary>
    [Benchmark(OperationsPerInvoke = 100, Baseline = true)]
    public async Task Naive_one_claim_per_transaction_x100()
    {
        foreach (var claim in Batch(100))
        {
            await using var conn = await _db.OpenConnectionAsync();
            await using var tx = await conn.BeginTransactionAsync();
            await conn.ExecuteAsync("""
                INSERT INTO claims (claim_id, sale_id, user_id, quantity, payment_method_id, status, admitted_at)
                VALUES (@ClaimId, @SaleId, @UserId, @Quantity, @PaymentMethodId, 'admitted', @AdmittedAt)
                ON CONFLICT DO NOTHING
                """, new { claim.ClaimId, claim.SaleId, claim.UserId, claim.Quantity, claim.PaymentMethodId, AdmittedAt = claim.AdmittedAt.UtcDateTime }, tx);
            var taken = await conn.ExecuteAsync(
                "UPDATE sale_inventory SET sold = sold + @Quantity, updated_at = now() WHERE sale_id = @SaleId AND sold + @Quantity <= total",
                new { claim.Quantity, claim.SaleId }, tx);
            await conn.ExecuteAsync("UPDATE claims SET status = @status, updated_at = now() WHERE claim_id = @ClaimId AND status = 'admitted'",
                new { status = taken == 1 ? "confirmed" : "rejected", claim.ClaimId }, tx);
            await tx.CommitAsync();
        }
    }

    [GlobalCleanup]
    public async Task CleanUp()
    {
        await using var conn = await _db.OpenConnectionAsync();
        await conn.ExecuteAsync("DELETE FROM claims WHERE sale_id = @_saleId; DELETE FROM sale_inventory WHERE sale_id = @_saleId; DELETE FROM sales WHERE sale_id = @_saleId;",
            new { _saleId });
        await _db.DisposeAsync();
    }
}
