-- A claim with a payment attempt may have been charged: it is settled through the gateway, never expired.
ALTER TABLE claims ADD COLUMN payment_attempted_at timestamptz;

-- Every repair the reconciler makes, for the sale's report.
CREATE TABLE reconciliation_repairs (
    repair_id   bigserial PRIMARY KEY,
    sale_id     text NOT NULL REFERENCES sales (sale_id),
    kind        text NOT NULL,
    claim_id    text,
    units       integer NOT NULL DEFAULT 0,
    detail      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX reconciliation_repairs_sale_idx ON reconciliation_repairs (sale_id, repair_id);
CREATE INDEX claims_unsettled_idx ON claims (updated_at) WHERE status IN ('admitted', 'confirmed');
