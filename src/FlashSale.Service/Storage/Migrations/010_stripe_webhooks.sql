-- Stripe's events (contract v2, Payments): each one received is kept with its raw payload, as signed, for
-- reconciliation, and applied once: its id is the key, so a re-sent event finds its row and changes nothing.
CREATE TABLE stripe_events (
    event_id           text PRIMARY KEY,
    type               text NOT NULL,
    payment_intent_id  text,
    claim_id           text,
    payload            text NOT NULL,
    -- What applying it did (paid, held, payment_failed, refund_owed, ignored: ...).
    outcome            text NOT NULL,
    received_at        timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX stripe_events_claim_idx ON stripe_events (claim_id) WHERE claim_id IS NOT NULL;

-- Client confirm: client_attempt is the attempt whose PaymentIntent the storefront confirms in the browser
-- (null when none is open), payment_intent_id that intent once created. A payment that succeeded for a claim
-- that can no longer keep it (its hold ended, or another payment was kept) is refunded: refund_payment_id is
-- the payment to refund, refunded_at when the refund went through.
ALTER TABLE claims
    ADD COLUMN client_attempt integer,
    ADD COLUMN payment_intent_id text,
    ADD COLUMN refund_payment_id text,
    ADD COLUMN refunded_at timestamptz;

CREATE INDEX claims_refund_owed_idx ON claims (updated_at) WHERE refund_payment_id IS NOT NULL AND refunded_at IS NULL;

-- The simulated provider's PaymentIntents for client confirm, and its refunds, keyed like Stripe's by their
-- idempotency keys.
CREATE TABLE simulated_intents (
    payment_intent_id  text PRIMARY KEY,
    idempotency_key    text NOT NULL UNIQUE,
    client_secret      text NOT NULL,
    claim_id           text NOT NULL,
    sale_id            text NOT NULL,
    attempt            integer NOT NULL,
    amount_cents       bigint NOT NULL,
    currency           text NOT NULL,
    status             text NOT NULL,
    payment_method_id  text,
    decline_code       text,
    created_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE simulated_refunds (
    idempotency_key    text PRIMARY KEY,
    refund_id          text NOT NULL,
    payment_id         text NOT NULL,
    attempts           integer NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT now()
);
