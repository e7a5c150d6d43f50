CREATE TABLE sales (
    sale_id          text PRIMARY KEY,
    sku              text NOT NULL,
    name             text NOT NULL,
    stock            integer NOT NULL CHECK (stock > 0),
    price_cents      bigint NOT NULL CHECK (price_cents > 0),
    currency         text NOT NULL,
    starts_at        timestamptz NOT NULL,
    ends_at          timestamptz NOT NULL,
    per_user_limit   integer NOT NULL,
    status           text NOT NULL,
    idempotency_key  text UNIQUE,
    request_hash     text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at)
);

CREATE INDEX sales_scheduled_idx ON sales (starts_at) WHERE status = 'scheduled';

-- The hot row lives apart from the sale so confirming stock never contends with admin reads or updates.
-- The CHECK is the last line against overselling, behind the conditional UPDATE.
CREATE TABLE sale_inventory (
    sale_id     text PRIMARY KEY REFERENCES sales (sale_id),
    total       integer NOT NULL,
    sold        integer NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (sold >= 0 AND sold <= total)
);

CREATE TABLE claims (
    claim_id           text PRIMARY KEY,
    sale_id            text NOT NULL REFERENCES sales (sale_id),
    user_id            text NOT NULL,
    quantity           integer NOT NULL CHECK (quantity > 0),
    payment_method_id  text NOT NULL,
    status             text NOT NULL,
    order_id           text,
    payment_id         text,
    failure_reason     text,
    admitted_at        timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    -- One claim per user per sale, enforced here as well as by the admit script.
    UNIQUE (sale_id, user_id)
);

CREATE INDEX claims_sale_status_idx ON claims (sale_id, status);

-- The simulated gateway's own ledger: it outlives worker restarts the way a real gateway would,
-- and counts every attempt so tests can prove a claim was charged once.
CREATE TABLE simulated_charges (
    idempotency_key    text PRIMARY KEY,
    payment_id         text NOT NULL,
    amount_cents       bigint NOT NULL,
    currency           text NOT NULL,
    payment_method_id  text NOT NULL,
    outcome            text NOT NULL,
    decline_code       text,
    attempts           integer NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT now()
);
