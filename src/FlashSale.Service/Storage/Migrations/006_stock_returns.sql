-- Units on their way back to a sale's Redis pool. A row is written in the transaction that gives the units back
-- in PostgreSQL (sold -= quantity: a decline, an expiry) and deleted once lua/release.lua has returned them to
-- Redis, so a return that failed or was cut short between the two steps is retried until done, and the drift
-- repair, which sets Redis from PostgreSQL, waits while any return of the sale is outstanding.
CREATE TABLE stock_returns (
    claim_id    text PRIMARY KEY,
    sale_id     text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX stock_returns_sale_idx ON stock_returns (sale_id, created_at);
