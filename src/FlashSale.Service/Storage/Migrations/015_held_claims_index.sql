-- The reconciler's "sale still has work" probe asks for a held claim of each sale too; no index answered that
-- (claims_active_idx holds only the worker's statuses, claims_hold_expiry_idx orders holds by expiry), so every
-- pass read all of the claims table. A hold adds one entry, which its end (paid, expired, released) takes away.
CREATE INDEX claims_held_idx ON claims (sale_id) WHERE status = 'held';
