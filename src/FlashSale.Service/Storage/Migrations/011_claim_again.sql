-- Claiming again (immediate checkout): a buyer whose claim ended payment_failed may make a new claim, so a user may
-- have several claims in a sale, of which at most one is not payment_failed. The admit script decides it
-- (lua/admit.lua); this is the same rule enforced here, where UNIQUE (sale_id, user_id) stood.
-- One index, not a partial unique index beside a plain one: the sale's totals over all statuses and the pool healer
-- read claims by (sale_id, user_id), and each index is one more entry per claim per write (004). The third column
-- is NULL for every claim not payment_failed, and NULLS NOT DISTINCT makes those collide (one per user); a failed
-- claim carries its own id there, so failed claims never collide. The worker's ON CONFLICT DO NOTHING covers this
-- index as it covered the constraint: a second live claim of a user is not recorded, and is dead-lettered.
ALTER TABLE claims DROP CONSTRAINT claims_sale_id_user_id_key;
CREATE UNIQUE INDEX claims_sale_user_idx
    ON claims (sale_id, user_id, (CASE WHEN status = 'payment_failed' THEN claim_id END)) NULLS NOT DISTINCT;
