-- The two foreign keys on the rows the worker writes per claim cost a row-level trigger each: a lookup and a
-- key-share lock on the parent row, for every claim, a large share of a batch insert (docs/performance.md).
-- What they guard holds by construction and is kept in code:
-- - claims.sale_id: the worker records a claim only after reading its sale (a claim of an unknown sale is
--   dead-lettered), and nothing deletes sales.
-- - order_events.claim_id: an event is written in the transaction that moves its claim, by the update that
--   found the claim; nothing deletes claims. claim_id stays UNIQUE: one event per claim.
ALTER TABLE claims DROP CONSTRAINT claims_sale_id_fkey;
ALTER TABLE order_events DROP CONSTRAINT order_events_claim_id_fkey;
