-- The waiting room of a sale (contract v2): off unless asked for, with the contract's defaults.
ALTER TABLE sales
    ADD COLUMN waiting_room boolean NOT NULL DEFAULT false,
    ADD COLUMN prequeue_minutes integer NOT NULL DEFAULT 10 CHECK (prequeue_minutes BETWEEN 0 AND 1440),
    ADD COLUMN outflow_per_minute integer NOT NULL DEFAULT 60000 CHECK (outflow_per_minute BETWEEN 1 AND 10000000),
    ADD COLUMN token_seconds integer NOT NULL DEFAULT 120 CHECK (token_seconds BETWEEN 10 AND 3600);

-- The shuffle's seed, made with the sale and never changed: the commitment published when the queue opens must
-- still match it after any restart. A table apart from sales, so no query of sale rows can carry it out early.
CREATE TABLE waiting_room_seeds (
    sale_id text PRIMARY KEY REFERENCES sales (sale_id),
    seed bytea NOT NULL CHECK (length(seed) = 32),
    created_at timestamptz NOT NULL DEFAULT now()
);
