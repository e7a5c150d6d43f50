-- Only claims still moving are indexed by status. A claim's last write (to paid, payment_failed, ...) then
-- adds no entry to a status index, and a new claim adds one instead of two: on a hot sale the worker writes
-- every claim twice, so each index entry saved is one per claim per write.
-- Serves: the reconciler's expiry (sale, status, updated_at), its "sale still has work" probe, the sale report's
-- in-flight sum. Totals over all statuses read the sale's claims through the (sale_id, user_id) unique index.
CREATE INDEX claims_active_idx ON claims (sale_id, status, updated_at) WHERE status IN ('admitted', 'confirmed', 'payment_pending');
DROP INDEX claims_sale_status_idx;
DROP INDEX claims_unsettled_idx;
