using Dapper;
using FlashSale.Core;
using Npgsql;

namespace FlashSale.Service.Sales;

/// <summary>Sales in PostgreSQL, the source of truth for what was scheduled and what is sold.</summary>
public sealed class SaleStore(NpgsqlDataSource db)
{
    /// <summary>The columns of a <see cref="SaleRow"/>, for every query that reads one.</summary>
    public const string Columns = """
        sale_id, sku, name, stock, price_cents, currency, starts_at, ends_at, per_user_limit, status, idempotency_key, request_hash,
        checkout, hold_seconds, max_payment_attempts, waiting_room, prequeue_minutes, outflow_per_minute, token_seconds, pool_shards
        """;

    /// <summary>Inserts the sale and its inventory row; with an idempotency key already used, returns that key's sale instead.</summary>
    public async Task<(SaleRow Sale, bool Created)> CreateAsync(SaleRow sale, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var inserted = await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO sales (sale_id, sku, name, stock, price_cents, currency, starts_at, ends_at, per_user_limit, status, idempotency_key, request_hash,
                               checkout, hold_seconds, max_payment_attempts, waiting_room, prequeue_minutes, outflow_per_minute, token_seconds,
                               pool_shards)
            VALUES (@SaleId, @Sku, @Name, @Stock, @PriceCents, @Currency, @StartsAt, @EndsAt, @PerUserLimit, @Status, @IdempotencyKey, @RequestHash,
                    @Checkout, @HoldSeconds, @MaxPaymentAttempts, @WaitingRoom, @PrequeueMinutes, @OutflowPerMinute, @TokenSeconds,
                    @PoolShards)
            ON CONFLICT (idempotency_key) DO NOTHING
            """, sale, tx, cancellationToken: ct));
        if (inserted == 0)
        {
            await tx.RollbackAsync(ct);
            var existing = await conn.QuerySingleAsync<SaleRow>(new CommandDefinition(
                $"SELECT {Columns} FROM sales WHERE idempotency_key = @IdempotencyKey", sale, cancellationToken: ct));
            return (existing, false);
        }
        await conn.ExecuteAsync(new CommandDefinition(
            "INSERT INTO sale_inventory (sale_id, total) VALUES (@SaleId, @Stock)", sale, tx, cancellationToken: ct));
        // The shuffle's seed is made with the sale, in its transaction: one seed per sale, whatever restarts later.
        if (sale.WaitingRoom)
            await conn.ExecuteAsync(new CommandDefinition("INSERT INTO waiting_room_seeds (sale_id, seed) VALUES (@SaleId, @seed)",
                new { sale.SaleId, seed = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32) }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return (sale, true);
    }

    public async Task<SaleRow?> GetAsync(string saleId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<SaleRow>(new CommandDefinition(
            $"SELECT {Columns} FROM sales WHERE sale_id = @saleId", new { saleId }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<SaleRow>> ListAsync(int limit, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<SaleRow>(new CommandDefinition(
            $"SELECT {Columns} FROM sales ORDER BY created_at DESC, sale_id DESC LIMIT @limit", new { limit }, cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>Compare-and-set of the stored status; false when another caller moved the sale first.</summary>
    public async Task<bool> TransitionAsync(string saleId, string[] from, string to, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var moved = await conn.ExecuteAsync(new CommandDefinition("""
            UPDATE sales SET status = @to, updated_at = now()
            WHERE sale_id = @saleId AND status = ANY(@from)
            """, new { saleId, from, to }, cancellationToken: ct));
        return moved == 1;
    }

    /// <summary>Sets the waiting room's outflow of a sale that is not closed; false when there is none such.</summary>
    /// <summary>
    /// Changes what <c>PATCH /admin/sales/{id}</c> may change (null: left as it is) on a sale that is not closed; false
    /// when it is closed. A new end must fall after the start, checked here against the row itself.
    /// </summary>
    public async Task<PatchOutcome> PatchAsync(string saleId, int? outflowPerMinute, DateTime? endsAt, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var changed = await conn.QuerySingleOrDefaultAsync<string>(new CommandDefinition("""
            UPDATE sales SET outflow_per_minute = coalesce(@outflowPerMinute, outflow_per_minute), ends_at = coalesce(@endsAt, ends_at),
                   updated_at = now()
            WHERE sale_id = @saleId AND status <> 'closed' AND (@endsAt::timestamptz IS NULL OR @endsAt::timestamptz > starts_at)
            RETURNING sale_id
            """, new { saleId, outflowPerMinute, endsAt }, cancellationToken: ct));
        if (changed is not null) return PatchOutcome.Changed;
        var sale = await conn.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT status FROM sales WHERE sale_id = @saleId", new { saleId }, cancellationToken: ct));
        return sale switch { null => PatchOutcome.NotFound, SaleStatus.Closed => PatchOutcome.Closed, _ => PatchOutcome.EndsBeforeStart };
    }

    /// <summary>Waiting-room sales whose queue is open and that have not ended or closed.</summary>
    public async Task<IReadOnlyList<SaleRow>> OpenWaitingRoomsAsync(DateTime now, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<SaleRow>(new CommandDefinition($"""
            SELECT {Columns} FROM sales
            WHERE waiting_room AND status IN ('scheduled', 'preloaded', 'paused') AND ends_at > @now
              AND starts_at - make_interval(mins => prequeue_minutes) <= @now
            ORDER BY starts_at LIMIT 1000
            """, new { now }, cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>
    /// Of the given sales, those whose every unit is paid: none held, in flight or being paid for can come back, so
    /// a waiting room may tell its line the sale is sold out (CONTRACT.md, Waiting room).
    /// </summary>
    public async Task<IReadOnlyList<string>> AllPaidAsync(IReadOnlyCollection<string> saleIds, CancellationToken ct)
    {
        if (saleIds.Count == 0) return [];
        await using var conn = await db.OpenConnectionAsync(ct);
        var ids = await conn.QueryAsync<string>(new CommandDefinition("""
            SELECT s.sale_id FROM sales s
            CROSS JOIN LATERAL (SELECT coalesce(sum(c.quantity), 0) AS paid FROM claims c WHERE c.sale_id = s.sale_id AND c.status = 'paid') p
            WHERE s.sale_id = ANY(@saleIds) AND p.paid >= s.stock
            """, new { saleIds = saleIds.ToArray() }, cancellationToken: ct));
        return ids.AsList();
    }

    public async Task<IReadOnlyList<string>> DueForPreloadAsync(DateTime horizon, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var ids = await conn.QueryAsync<string>(new CommandDefinition("""
            SELECT sale_id FROM sales
            WHERE status = 'scheduled' AND starts_at <= @horizon AND ends_at > now()
            ORDER BY starts_at LIMIT 100
            """, new { horizon }, cancellationToken: ct));
        return ids.AsList();
    }

    /// <summary>Quantities by claim outcome, from PostgreSQL.</summary>
    public async Task<ClaimTotals> TotalsAsync(string saleId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.QuerySingleAsync<ClaimTotals>(new CommandDefinition("""
            SELECT
              coalesce(sum(quantity), 0)::int AS recorded,
              coalesce(sum(quantity) FILTER (WHERE status IN ('confirmed', 'payment_pending', 'paid', 'payment_failed')), 0)::int AS confirmed,
              coalesce(sum(quantity) FILTER (WHERE status = 'paid'), 0)::int AS paid,
              coalesce(sum(quantity) FILTER (WHERE status = 'payment_failed'), 0)::int AS payment_failed,
              coalesce(sum(quantity) FILTER (WHERE status IN ('payment_failed', 'released', 'expired', 'refunded')), 0)::int AS released,
              coalesce(sum(quantity) FILTER (WHERE status = 'rejected'), 0)::int AS rejected,
              (SELECT sold FROM sale_inventory WHERE sale_id = @saleId) AS sold
            FROM claims WHERE sale_id = @saleId
            """, new { saleId }, cancellationToken: ct));
    }
}

public sealed class ClaimTotals
{
    public int Recorded { get; init; }
    public int Confirmed { get; init; }
    public int Paid { get; init; }
    public int PaymentFailed { get; init; }
    public int Released { get; init; }
    public int Rejected { get; init; }
    public int Sold { get; init; }
}

public enum PatchOutcome { Changed, NotFound, Closed, EndsBeforeStart }
