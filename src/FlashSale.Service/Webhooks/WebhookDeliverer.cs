using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Dapper;
using FlashSale.Service.Ops;
using Microsoft.Extensions.Options;
using Npgsql;
using Polly.Timeout;

namespace FlashSale.Service.Webhooks;

/// <summary>
/// Sends the outbox's deliveries (worker role), at least once. It leases the due deliveries that head their claim's
/// line (an earlier event of the same claim to the same endpoint still pending holds the later ones back, so a
/// claim's events arrive in order), a few rounds of an endpoint's slots at a time, sends at most
/// <see cref="WebhookOptions.MaxConcurrentPerEndpoint"/> at once per endpoint, and each on its own: a slow endpoint fills its own slots and never holds a batch back. Outcomes are
/// written in groups; a failure is retried with exponential backoff and jitter until <see cref="WebhookOptions.RetryFor"/>,
/// then the delivery fails and its endpoint, if nothing reached it meanwhile, is disabled. A worker killed mid-send
/// leaves its leases to lapse: another sends those again, with the same <c>webhook-id</c>.
/// </summary>
public sealed class WebhookDeliverer(
    NpgsqlDataSource db, IHttpClientFactory http, WebhookMessage messages, IOptions<WebhookOptions> options, TimeProvider clock,
    ILogger<WebhookDeliverer> logger)
    : BackgroundService
{
    public const string HttpClientName = "merchant-webhooks";
    private const int QueuedRounds = 4;

    // Per endpoint: deliveries leased and not yet done (queued or sending), and the slots of those sending.
    private readonly ConcurrentDictionary<string, int> _inFlight = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _sending = new(StringComparer.Ordinal);
    private readonly Channel<Outcome> _outcomes = Channel.CreateUnbounded<Outcome>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _capacityFreed = new(0);
    private WebhookOptions Options => options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var recorder = RecordLoopAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            var saturated = false;
            try
            {
                saturated = await LeaseAndSendAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Leasing webhook deliveries failed; trying again in {Interval}", Options.PollInterval);
            }
            // Held back by a full lease or a full endpoint, more is due: go on once a send frees its slot (a few at a time).
            // Otherwise nothing more is due before the next poll.
            if (saturated)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(10), clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                while (_capacityFreed.CurrentCount > 0) _capacityFreed.Wait(0, CancellationToken.None);
                await _capacityFreed.WaitAsync(Options.PollInterval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            else
            {
                await Task.Delay(Options.PollInterval, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        _outcomes.Writer.TryComplete();
        await recorder;
    }

    /// <returns>Whether an endpoint's deliveries were held back for lack of room.</returns>
    private async Task<bool> LeaseAndSendAsync(CancellationToken ct)
    {
        // A lease takes up to four rounds of an endpoint's slots, queued here, so one lease query feeds many sends;
        // four rounds of the slowest answers still fit in the lease.
        var cap = Options.MaxConcurrentPerEndpoint * QueuedRounds;
        var busy = _inFlight.Where(e => e.Value > 0).ToArray();
        List<Due> due;
        await using (var conn = await db.OpenConnectionAsync(ct))
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            await AsynchronousCommitAsync(conn, tx, ct);
            // Per endpoint, the due deliveries that head their claim's line (the delivery each waits for is no longer
            // pending), read from the endpoint's due index in order and no further than its room: the cost follows
            // what is taken, not the size of the backlog (014_webhook_lease_index.sql).
            // Two workers that pick the same rows are settled by the UPDATE's lease test: the second waits for the
            // first's commit, sees the lease taken and leaves the row (locking the rows as they are picked would write
            // each row twice).
            due = (await conn.QueryAsync<Due>(new CommandDefinition("""
                WITH rooms AS (
                    SELECT w.webhook_id, @cap - coalesce(b.in_flight, 0) AS room
                    FROM webhook_endpoints w LEFT JOIN unnest(@busyIds, @busyCounts) AS b(webhook_id, in_flight) ON b.webhook_id = w.webhook_id
                    WHERE w.deleted_at IS NULL AND w.disabled_at IS NULL
                    ORDER BY random()
                ), fitting AS (
                    SELECT f.delivery_id
                    FROM rooms r CROSS JOIN LATERAL (
                        SELECT d.delivery_id FROM webhook_deliveries d
                        WHERE d.webhook_id = r.webhook_id AND d.status = 'pending' AND d.next_attempt_at <= now()
                          AND (d.leased_until IS NULL OR d.leased_until < now())
                          AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.delivery_id = d.after_delivery_id AND p.status = 'pending')
                        ORDER BY d.next_attempt_at
                        LIMIT greatest(r.room, 0)) f
                    WHERE r.room > 0
                    LIMIT @batch
                ), leased AS (
                    UPDATE webhook_deliveries d SET leased_until = now() + @lease
                    FROM fitting f
                    WHERE d.delivery_id = f.delivery_id AND d.status = 'pending' AND (d.leased_until IS NULL OR d.leased_until < now())
                    RETURNING d.delivery_id, d.webhook_id, d.event_id, d.attempts, d.created_at
                )
                SELECT l.delivery_id, l.webhook_id, l.event_id, l.attempts, l.created_at, w.url, w.secret, e.type, e.sale_id, e.created_at AS event_at,
                       e.snapshot::text AS snapshot
                FROM leased l JOIN webhook_endpoints w ON w.webhook_id = l.webhook_id JOIN webhook_events e ON e.event_id = l.event_id
                """, new
            {
                cap, batch = Options.BatchSize, lease = Options.Lease,
                busyIds = busy.Select(b => b.Key).ToArray(), busyCounts = busy.Select(b => b.Value).ToArray(),
            }, tx, cancellationToken: ct))).AsList();
            await tx.CommitAsync(ct);
        }
        foreach (var delivery in due)
        {
            _inFlight.AddOrUpdate(delivery.WebhookId, 1, (_, n) => n + 1);
            _ = SendAsync(delivery, ct);
        }
        // A full lease, or an endpoint given all its room, may leave more due: lease again as soon as a send frees a slot.
        var before = busy.ToDictionary(b => b.Key, b => b.Value, StringComparer.Ordinal);
        return due.Count == Options.BatchSize || due.GroupBy(d => d.WebhookId).Any(g => g.Count() >= cap - before.GetValueOrDefault(g.Key));
    }

    private async Task SendAsync(Due delivery, CancellationToken ct)
    {
        var slots = _sending.GetOrAdd(delivery.WebhookId, _ => new SemaphoreSlim(Options.MaxConcurrentPerEndpoint));
        try
        {
            await slots.WaitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            _inFlight.AddOrUpdate(delivery.WebhookId, 0, (_, n) => n - 1);
            return;
        }
        var started = clock.GetUtcNow();
        var watch = Stopwatch.StartNew();
        int? status = null;
        string? error = null;
        try
        {
            var body = await messages.BodyOfAsync(delivery.Type, delivery.SaleId, delivery.EventAt, delivery.Snapshot, ct);
            var timestamp = started.ToUnixTimeSeconds();
            using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url)
            {
                Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("webhook-id", delivery.EventId);
            request.Headers.Add("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
            request.Headers.Add("webhook-signature", WebhookSecret.Sign(WebhookSecret.KeyOf(delivery.Secret)!, delivery.EventId, timestamp, body));
            // The client's resilience pipeline ends an attempt after Timeout (WebhooksRegistration).
            using var response = await http.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode) error = $"answered {status}";
        }
        catch (TimeoutRejectedException)
        {
            error = $"no answer within {Options.Timeout.TotalSeconds:0.#} s";
        }
        catch (HttpRequestException e)
        {
            error = e.Message;
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            error = e.GetType().Name;
            logger.LogWarning(e, "Delivery {DeliveryId} failed unexpectedly", delivery.DeliveryId);
        }
        finally
        {
            slots.Release();
            _inFlight.AddOrUpdate(delivery.WebhookId, 0, (_, n) => n - 1);
            _capacityFreed.Release();
        }
        if (ct.IsCancellationRequested) return;
        _outcomes.Writer.TryWrite(new Outcome(delivery, started.UtcDateTime, status, error, (int)watch.ElapsedMilliseconds));
    }

    private async Task RecordLoopAsync(CancellationToken ct)
    {
        var batch = new List<Outcome>();
        while (await _outcomes.Reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < 2000 && _outcomes.Reader.TryRead(out var outcome)) batch.Add(outcome);
            try
            {
                await RecordAsync(batch, CancellationToken.None);
            }
            catch (Exception e)
            {
                // Their leases lapse and they are sent again: at least once.
                logger.LogWarning(e, "Recording {Count} webhook delivery outcomes failed", batch.Count);
            }
            batch.Clear();
        }
    }

    private async Task RecordAsync(List<Outcome> outcomes, CancellationToken ct)
    {
        var delivered = outcomes.Where(o => o.Error is null).ToList();
        var failed = outcomes.Where(o => o.Error is not null).ToList();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await AsynchronousCommitAsync(conn, tx, ct);
        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO webhook_attempts (delivery_id, attempted_at, status_code, error, duration_ms)
            SELECT * FROM unnest(@ids, @ats, @codes, @errors, @durations)
            """, new
        {
            ids = outcomes.Select(o => o.Delivery.DeliveryId).ToArray(), ats = outcomes.Select(o => o.At).ToArray(),
            codes = outcomes.Select(o => o.Status).ToArray(), errors = outcomes.Select(o => o.Error).ToArray(),
            durations = outcomes.Select(o => o.DurationMs).ToArray(),
        }, tx, cancellationToken: ct));
        if (delivered.Count > 0)
            await conn.ExecuteAsync(new CommandDefinition("""
                UPDATE webhook_deliveries d SET status = 'delivered', delivered_at = r.at, attempts = d.attempts + 1, last_status_code = r.code,
                       last_error = NULL, leased_until = NULL
                FROM unnest(@ids, @ats, @codes) AS r(id, at, code)
                WHERE d.delivery_id = r.id AND d.status = 'pending'
                """, new
            {
                ids = delivered.Select(o => o.Delivery.DeliveryId).ToArray(), ats = delivered.Select(o => o.At).ToArray(),
                codes = delivered.Select(o => o.Status!.Value).ToArray(),
            }, tx, cancellationToken: ct));
        List<string> givenUp = [];
        if (failed.Count > 0)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            givenUp = (await conn.QueryAsync<string>(new CommandDefinition("""
                UPDATE webhook_deliveries d SET attempts = d.attempts + 1, last_status_code = r.code, last_error = r.error, leased_until = NULL,
                       next_attempt_at = r.next, status = CASE WHEN r.next > d.created_at + @retryFor THEN 'failed' ELSE 'pending' END
                FROM unnest(@ids, @codes, @errors, @nexts) AS r(id, code, error, next)
                WHERE d.delivery_id = r.id AND d.status = 'pending'
                RETURNING CASE WHEN d.status = 'failed' THEN d.webhook_id END
                """, new
            {
                ids = failed.Select(o => o.Delivery.DeliveryId).ToArray(), codes = failed.Select(o => o.Status).ToArray(),
                errors = failed.Select(o => o.Error).ToArray(), nexts = failed.Select(o => now + Backoff(o.Delivery.Attempts)).ToArray(),
                retryFor = Options.RetryFor,
            }, tx, cancellationToken: ct))).Where(w => w is not null).Distinct().ToList();
            // Disabled only if nothing reached it since the failed delivery's event: an endpoint that refuses one event is not down.
            if (givenUp.Count > 0)
                await conn.ExecuteAsync(new CommandDefinition("""
                    UPDATE webhook_endpoints w SET disabled_at = now()
                    WHERE w.webhook_id = ANY(@givenUp) AND w.disabled_at IS NULL
                      AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.webhook_id = w.webhook_id AND d.status = 'delivered'
                                      AND d.delivered_at > now() - @retryFor)
                    """, new { givenUp = givenUp.ToArray(), retryFor = Options.RetryFor }, tx, cancellationToken: ct));
        }
        await tx.CommitAsync(ct);
        FlashSaleMetrics.WebhookDeliveries.WithLabels("delivered").Inc(delivered.Count);
        FlashSaleMetrics.WebhookDeliveries.WithLabels("failed").Inc(failed.Count);
        foreach (var webhookId in givenUp)
            logger.LogWarning("Webhook {WebhookId} failed every delivery for {RetryFor}; it is disabled until a delivery is retried by hand", webhookId, Options.RetryFor);
    }

    // A lease or an outcome lost with PostgreSQL's last moments only means a delivery is sent again, which at least
    // once allows: neither waits for its commit to reach the disk.
    private static Task AsynchronousCommitAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition("SET LOCAL synchronous_commit = off", transaction: tx, cancellationToken: ct));

    /// <summary>The first retry after <see cref="WebhookOptions.FirstRetryDelay"/>, each next one twice as late, with jitter (50–100%).</summary>
    private TimeSpan Backoff(int attemptsBefore)
    {
        var doubled = Options.FirstRetryDelay.Ticks * Math.Pow(2, Math.Min(attemptsBefore, 30));
        var capped = Math.Min(doubled, Options.MaxRetryDelay.Ticks);
        return TimeSpan.FromTicks((long)(capped * (0.5 + Random.Shared.NextDouble() * 0.5)));
    }

    private sealed class Due
    {
        public long DeliveryId { get; init; }
        public string WebhookId { get; init; } = "";
        public string EventId { get; init; } = "";
        public int Attempts { get; init; }
        public DateTime CreatedAt { get; init; }
        public string Url { get; init; } = "";
        public string Secret { get; init; } = "";
        public string Type { get; init; } = "";
        public string SaleId { get; init; } = "";
        public DateTime EventAt { get; init; }
        public string Snapshot { get; init; } = "";
    }

    private sealed record Outcome(Due Delivery, DateTime At, int? Status, string? Error, int DurationMs);
}
