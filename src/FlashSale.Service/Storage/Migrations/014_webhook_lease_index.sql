-- What the deliverer's lease reads, made to cost what it takes whatever the planner knows of the table: a backlog
-- is written in one statement, so the table's statistics still describe it empty while the backlog is sent.

-- Each endpoint's due deliveries in next_attempt_at order, read from the index's start no further than the lease
-- needs. (The index over all endpoints' due rows together made the lease sort the whole backlog.)
CREATE INDEX webhook_deliveries_endpoint_due_idx ON webhook_deliveries (webhook_id, next_attempt_at) WHERE status = 'pending';
DROP INDEX webhook_deliveries_due_idx;

-- A claim's (or a sale's) events go to an endpoint in order: each delivery waits for the one before it in its line
-- that was still pending when it was written, looked up by primary key. (A search of the line for any earlier
-- pending delivery, with no statistics yet, was planned as a scan of every pending delivery of the endpoint.)
ALTER TABLE webhook_deliveries ADD COLUMN after_delivery_id bigint;

-- Sending a delivery writes its row twice (leased, then delivered) and one attempt. Room left in each page lets
-- the lease (a column no index holds) update in place, without new index entries; the attempt is written for a
-- delivery its writer has leased, so the foreign-key check (a lookup and a row lock per attempt) buys nothing.
ALTER TABLE webhook_deliveries SET (fillfactor = 70);
ALTER TABLE webhook_attempts DROP CONSTRAINT webhook_attempts_delivery_id_fkey;

CREATE OR REPLACE FUNCTION webhook_claim_fanout(changed_rows jsonb) RETURNS void LANGUAGE sql AS $$
    WITH changed AS (
        SELECT c.*, 'claim.' || c.status AS type
        FROM jsonb_populate_recordset(NULL::claims, coalesce(changed_rows, '[]')) c
        WHERE c.status IN ('held', 'paid', 'payment_failed', 'expired', 'released', 'refunded')
    ), subscribed AS (
        SELECT c.* FROM changed c
        WHERE EXISTS (SELECT 1 FROM webhook_endpoints e WHERE c.type = ANY (e.events) AND e.deleted_at IS NULL AND e.disabled_at IS NULL)
    ), events AS (
        INSERT INTO webhook_events (event_id, type, sale_id, claim_id, snapshot)
        SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), c.type, c.sale_id, c.claim_id,
               to_jsonb(c) - 'type' - 'payment_method_id' || jsonb_build_object('max_payment_attempts', s.max_payment_attempts)
        FROM subscribed c JOIN sales s ON s.sale_id = c.sale_id
        ORDER BY c.claim_id
        RETURNING event_id, seq, type, claim_id
    )
    INSERT INTO webhook_deliveries (webhook_id, event_id, order_key, seq, after_delivery_id)
    SELECT e.webhook_id, ev.event_id, ev.claim_id, ev.seq,
           (SELECT p.delivery_id FROM webhook_deliveries p
            WHERE p.webhook_id = e.webhook_id AND p.order_key = ev.claim_id AND p.status = 'pending' ORDER BY p.seq DESC LIMIT 1)
    FROM events ev JOIN webhook_endpoints e ON ev.type = ANY (e.events) AND e.deleted_at IS NULL AND e.disabled_at IS NULL;
$$;

CREATE OR REPLACE FUNCTION webhook_sale_event(event_type text, sale text, snapshot jsonb) RETURNS void LANGUAGE sql AS $$
    WITH events AS (
        INSERT INTO webhook_events (event_id, type, sale_id, snapshot)
        SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), event_type, sale, snapshot
        WHERE EXISTS (SELECT 1 FROM webhook_endpoints e WHERE event_type = ANY (e.events) AND e.deleted_at IS NULL AND e.disabled_at IS NULL)
        RETURNING event_id, seq, type, sale_id
    )
    INSERT INTO webhook_deliveries (webhook_id, event_id, order_key, seq, after_delivery_id)
    SELECT e.webhook_id, ev.event_id, ev.sale_id, ev.seq,
           (SELECT p.delivery_id FROM webhook_deliveries p
            WHERE p.webhook_id = e.webhook_id AND p.order_key = ev.sale_id AND p.status = 'pending' ORDER BY p.seq DESC LIMIT 1)
    FROM events ev JOIN webhook_endpoints e ON ev.type = ANY (e.events) AND e.deleted_at IS NULL AND e.disabled_at IS NULL;
$$;
