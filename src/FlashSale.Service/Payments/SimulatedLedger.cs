using System.Threading.Channels;
using Dapper;
using Npgsql;

namespace FlashSale.Service.Payments;

/// <summary>
/// The simulated gateway's ledger writes, group-committed: charges arriving while a write is in flight wait
/// and go together in the next one, so a thousand concurrent charges cost a few PostgreSQL commits instead
/// of a thousand. Each charge still gets its own answer, the stored one when its key was seen before.
/// </summary>
public sealed class SimulatedLedger : IAsyncDisposable
{
    private const int MaxPerWrite = 1000;

    private readonly NpgsqlDataSource _db;
    private readonly ILogger<SimulatedLedger> _logger;
    private readonly Channel<Entry> _entries = Channel.CreateUnbounded<Entry>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    public SimulatedLedger(NpgsqlDataSource db, ILogger<SimulatedLedger> logger)
    {
        _db = db;
        _logger = logger;
        _writer = Task.Run(WriteLoopAsync);
    }

    public readonly record struct Stored(string PaymentId, string Outcome, string? DeclineCode);

    /// <summary>Records the charge under its key unless the key is known; returns what the ledger holds for the key.</summary>
    public Task<Stored> RecordAsync(ChargeRequest request, string outcome, string? declineCode, CancellationToken ct)
    {
        var entry = new Entry(request, "pi_sim_" + Guid.CreateVersion7().ToString("N"), outcome, declineCode,
            new TaskCompletionSource<Stored>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_entries.Writer.TryWrite(entry)) throw new ObjectDisposedException(nameof(SimulatedLedger));
        // A caller that gives up does not unsend the charge: like a real gateway, it may still be recorded.
        return entry.Result.Task.WaitAsync(ct);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Entry>(MaxPerWrite);
        while (await _entries.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxPerWrite && _entries.Reader.TryRead(out var entry)) batch.Add(entry);
            try
            {
                await WriteAsync(batch);
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "Simulated ledger write of {Count} charges failed", batch.Count);
                foreach (var entry in batch) entry.Result.TrySetException(e);
            }
            batch.Clear();
        }
    }

    private async Task WriteAsync(List<Entry> batch)
    {
        // One row per key (a retry can meet its first attempt in the same write); every attempt is counted.
        var byKey = batch.GroupBy(e => e.Request.IdempotencyKey).ToList();
        var first = byKey.Select(g => g.First()).ToList();
        await using var conn = await _db.OpenConnectionAsync();
        var stored = (await conn.QueryAsync<(string Key, string PaymentId, string Outcome, string? DeclineCode)>("""
            INSERT INTO simulated_charges (idempotency_key, payment_id, amount_cents, currency, payment_method_id, outcome, decline_code, attempts)
            SELECT * FROM unnest(@keys, @paymentIds, @amounts, @currencies, @paymentMethods, @outcomes, @declineCodes, @attempts)
            ON CONFLICT (idempotency_key) DO UPDATE SET attempts = simulated_charges.attempts + excluded.attempts
            RETURNING idempotency_key, payment_id, outcome, decline_code
            """, new
        {
            keys = first.Select(e => e.Request.IdempotencyKey).ToArray(),
            paymentIds = first.Select(e => e.PaymentId).ToArray(),
            amounts = first.Select(e => e.Request.AmountCents).ToArray(),
            currencies = first.Select(e => e.Request.Currency).ToArray(),
            paymentMethods = first.Select(e => e.Request.PaymentMethodId).ToArray(),
            outcomes = first.Select(e => e.Outcome).ToArray(),
            declineCodes = first.Select(e => e.DeclineCode).ToArray(),
            attempts = byKey.Select(g => g.Count()).ToArray(),
        })).ToDictionary(r => r.Key);
        foreach (var entry in batch)
        {
            var row = stored[entry.Request.IdempotencyKey];
            entry.Result.TrySetResult(new Stored(row.PaymentId, row.Outcome, row.DeclineCode));
        }
    }

    public async ValueTask DisposeAsync()
    {
        _entries.Writer.TryComplete();
        await _writer;
    }

    private sealed record Entry(ChargeRequest Request, string PaymentId, string Outcome, string? DeclineCode, TaskCompletionSource<Stored> Result);
}
