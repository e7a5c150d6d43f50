-- Order events, written in the same transaction that moves a claim to paid or payment_failed (transactional
-- outbox); the relay publishes the rows whose published_at is null, then stamps them.
CREATE TABLE order_events (
    event_id        uuid PRIMARY KEY,
    type            text NOT NULL CHECK (type IN ('OrderPaid', 'OrderPaymentFailed')),
    order_id        text,
    -- A claim settles its payment once, so it has one order event.
    claim_id        text NOT NULL UNIQUE REFERENCES claims (claim_id),
    sale_id         text NOT NULL,
    amount_cents    bigint NOT NULL,
    currency        text NOT NULL,
    payment_id      text,
    failure_reason  text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    published_at    timestamptz
);

CREATE INDEX order_events_unpublished_idx ON order_events (created_at) WHERE published_at IS NULL;

-- When the pending settler last asked the gateway about a payment_pending claim: it asks the longest-waiting first.
ALTER TABLE claims ADD COLUMN payment_checked_at timestamptz;

CREATE INDEX claims_payment_pending_idx ON claims (payment_checked_at NULLS FIRST) WHERE status = 'payment_pending';
