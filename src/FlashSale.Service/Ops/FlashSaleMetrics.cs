using Prometheus;

namespace FlashSale.Service.Ops;

/// <summary>
/// The service's Prometheus series. Labels stay bounded: sale id and outcome, never a user id.
/// </summary>
public static class FlashSaleMetrics
{
    // The two series recorded on every claim carry no exemplars: recording one read the clock and the request's
    // trace context per claim, and nothing here exports traces to follow them to.
    public static readonly Counter Claims = Metrics.CreateCounter(
        "flashsale_claims_total", "Claim requests by sale and outcome.",
        new CounterConfiguration { LabelNames = ["sale", "outcome"], ExemplarBehavior = ExemplarBehavior.NoExemplars() });

    public static readonly Histogram AdmitDuration = Metrics.CreateHistogram(
        "flashsale_admit_duration_seconds", "Time of the admit decision (one Redis round trip, plus the wait for the call in flight before it).",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0001, 2, 16), ExemplarBehavior = ExemplarBehavior.NoExemplars() });

    public static readonly Histogram AdmitBatchSize = Metrics.CreateHistogram(
        "flashsale_admit_batch_claims", "Claims per admit call to Redis (claims of one sale that arrived while its previous call was in flight).",
        new HistogramConfiguration { Buckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024], ExemplarBehavior = ExemplarBehavior.NoExemplars() });

    public static readonly Gauge StockRemaining = Metrics.CreateGauge(
        "flashsale_stock_remaining", "Units left in the Redis pool, as last seen by this process.", "sale");

    public static readonly Counter Confirmations = Metrics.CreateCounter(
        "flashsale_worker_confirmations_total", "Claims the worker confirmed or rejected in PostgreSQL.", "outcome");

    public static readonly Histogram BatchSize = Metrics.CreateHistogram(
        "flashsale_worker_batch_size", "Claims per worker batch.",
        new HistogramConfiguration { Buckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] });

    public static readonly Histogram ConfirmDuration = Metrics.CreateHistogram(
        "flashsale_worker_confirm_duration_seconds", "Time of one batch's confirm transaction in PostgreSQL.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 14) });

    public static readonly Counter Payments = Metrics.CreateCounter(
        "flashsale_payments_total", "Payment gateway calls by final outcome after retries (succeeded, declined, transient, circuit_open).", "outcome");

    public static readonly Counter PaymentRetries = Metrics.CreateCounter(
        "flashsale_payment_retries_total", "Gateway attempts retried after a transient failure or timeout.");

    public static readonly Gauge PaymentCircuitState = Metrics.CreateGauge(
        "flashsale_payment_circuit_state", "Payment circuit breaker: 0 closed, 1 open, 2 half-open, 3 isolated.");

    public static readonly Counter PaymentSettlements = Metrics.CreateCounter(
        "flashsale_payment_settlements_total", "Claims moved to a payment status, by status and by who moved them (worker, pending_settler).", "status", "by");

    public static readonly Counter StripeEvents = Metrics.CreateCounter(
        "flashsale_stripe_events_total", "Stripe events applied (duplicates are not counted), by type and what applying them did.", "type", "outcome");

    public static readonly Counter WebhookDeliveries = Metrics.CreateCounter(
        "flashsale_webhook_delivery_attempts_total", "Attempts to deliver events to merchants' endpoints, by outcome (delivered, failed).", "outcome");

    public static readonly Counter Refunds = Metrics.CreateCounter(
        "flashsale_refunds_total", "Refunds of payments a claim could not keep, by outcome (refunded, transient, refused).", "outcome");

    public static readonly Counter OrderEventsPublished = Metrics.CreateCounter(
        "flashsale_order_events_published_total", "Order events the outbox relay published (a republish after a crash counts again).");

    public static readonly Counter OrderEventPublishFailures = Metrics.CreateCounter(
        "flashsale_order_event_publish_failures_total", "Outbox relay batches whose publish failed and will be retried.");

    public static readonly Counter DeadLetters = Metrics.CreateCounter(
        "flashsale_queue_dead_letters_total", "Queue entries moved to a dead-letter stream.");

    public static readonly Gauge QueuePending = Metrics.CreateGauge(
        "flashsale_queue_pending", "Claims queued but not yet acknowledged, per sale, as last seen by a worker.", "sale");

    public static readonly Counter Repairs = Metrics.CreateCounter(
        "flashsale_reconciler_repairs_total", "Repairs the reconciler made, by kind.", "kind");

    public static readonly Counter PoolTransfers = Metrics.CreateCounter(
        "flashsale_pool_transfers_total", "Moves of units into a sale's pool that ran dry from another of its pools (poolShards > 1).", "sale");

    public static readonly Counter LostAdmits = Metrics.CreateCounter(
        "flashsale_lost_admits_total", "Units PostgreSQL recorded that Redis had lost (failover or restart) and the pool got back.", "sale");

    public static readonly Gauge Drift = Metrics.CreateGauge(
        "flashsale_reconciler_drift_units", "PostgreSQL units left (total - sold) minus Redis remaining, when nothing is in flight.", "sale");

    public static readonly Gauge OldestPaymentPending = Metrics.CreateGauge(
        "flashsale_payment_pending_oldest_seconds", "Age of the oldest claim whose charge outcome is unknown (payment_pending), 0 when there is none.");

    public static readonly Counter PaymentConfigurationErrors = Metrics.CreateCounter(
        "flashsale_payment_configuration_errors_total",
        "Charges the gateway refused for a reason of the merchant's account or request (not the card), by gateway error code.", "code");

    public static readonly Gauge PaymentsHeld = Metrics.CreateGauge(
        "flashsale_payments_held_sales", "Sales whose charging is held after a configuration error, until a trial charge goes through.");

    public static readonly Counter QueueTakeovers = Metrics.CreateCounter(
        "flashsale_queue_takeovers_total", "Queue entries taken over from a consumer whose lease lapsed (it died or lost Redis).");

    // Waiting rooms. The room's counts are the sale's, not this process's: every edge reports the same values (take
    // the max by sale), while the admissions counter counts what this edge's ticks let in (sum them).
    public static readonly Gauge QueueTickets = Metrics.CreateGauge(
        "flashsale_queue_tickets", "Waiting-room tickets by sale and state (waiting in line, admitted ever, used for a claim), as last read.", "sale", "state");

    public static readonly Gauge QueueOutflowRate = Metrics.CreateGauge(
        "flashsale_queue_outflow_per_minute", "Waiting-room outflow rate set for the sale (tickets admitted per minute).", "sale");

    public static readonly Counter QueueAdmissions = Metrics.CreateCounter(
        "flashsale_queue_admissions_total", "Waiting-room tickets this edge's outflow ticks admitted, by sale.", "sale");

    public static readonly Counter QueueRequeues = Metrics.CreateCounter(
        "flashsale_queue_requeued_total", "Admitted tickets whose token lapsed unused, sent back to the end of the line by this edge.", "sale");

    public static readonly Counter AdmissionRefusals = Metrics.CreateCounter(
        "flashsale_admission_refusals_total",
        "Claims on waiting-room sales refused for their admission token, by reason (missing, invalid, unknown, used, expired).", "reason");

    public static readonly Gauge Ready = Metrics.CreateGauge(
        "flashsale_ready", "1 while this process's /readyz checks pass, 0 while one fails.");
}
