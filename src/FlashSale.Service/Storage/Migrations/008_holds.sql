-- Hold checkout (contract v2): a held claim keeps its units until hold_expires_at; the expirer finds the due ones
-- by the partial index, not by a sweep of every claim. payment_attempts counts the charges its buyer tried.
ALTER TABLE claims
    ADD COLUMN hold_expires_at timestamptz,
    ADD COLUMN payment_attempts integer NOT NULL DEFAULT 0,
    ADD COLUMN last_payment_error text;

CREATE INDEX claims_hold_expiry_idx ON claims (hold_expires_at) WHERE status = 'held';
