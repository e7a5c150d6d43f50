-- Outbound webhooks to the merchant's systems (contract v2, "Webhooks (merchants' systems)").
-- Endpoints are registered through the admin API; their secret signs every delivery and is never shown again.
CREATE TABLE webhook_endpoints (
    webhook_id   text PRIMARY KEY,
    url          text NOT NULL,
    events       text[] NOT NULL,
    secret       text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    disabled_at  timestamptz,
    deleted_at   timestamptz
);

-- One row per event, written by the trigger below in the transaction of the change it announces (an outbox),
-- only while an endpoint subscribes to its type. event_id is the webhook-id of every delivery of it; seq orders
-- a claim's events. snapshot is the claim's row as the change left it: the delivery renders it as the API does.
CREATE TABLE webhook_events (
    event_id    text PRIMARY KEY,
    seq         bigserial NOT NULL UNIQUE,
    type        text NOT NULL,
    sale_id     text NOT NULL,
    claim_id    text,
    snapshot    jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- One row per event and subscribed endpoint. A delivery is leased (leased_until) while a worker sends it, so a
-- worker killed mid-send leaves it to another once the lease ends: at least once, the same webhook-id each time.
CREATE TABLE webhook_deliveries (
    delivery_id       bigserial PRIMARY KEY,
    webhook_id        text NOT NULL REFERENCES webhook_endpoints (webhook_id),
    event_id          text NOT NULL REFERENCES webhook_events (event_id),
    -- Deliveries with the same key (the claim, or the sale for sale events) go in seq order.
    order_key         text NOT NULL,
    seq               bigint NOT NULL,
    status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed', 'canceled')),
    attempts          integer NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    leased_until      timestamptz,
    last_status_code  integer,
    last_error        text,
    delivered_at      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_order_idx ON webhook_deliveries (webhook_id, order_key, seq) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (webhook_id, delivery_id DESC);

CREATE TABLE webhook_attempts (
    delivery_id   bigint NOT NULL REFERENCES webhook_deliveries (delivery_id),
    attempted_at  timestamptz NOT NULL,
    status_code   integer,
    error         text,
    duration_ms   integer NOT NULL
);

CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, attempted_at);

-- The claim events, from every status change of claims wherever it happens, once per statement: a batch of a
-- thousand confirmations costs one trigger call, and nothing at all while no endpoint subscribes.
CREATE OR REPLACE FUNCTION webhook_claim_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhook_endpoints WHERE deleted_at IS NULL AND disabled_at IS NULL) THEN
        RETURN NULL;
    END IF;
    -- An insert has no old rows to compare with (and its transition table may not even be named).
    IF TG_OP = 'INSERT' THEN
        PERFORM webhook_claim_fanout(jsonb_agg(to_jsonb(n))) FROM new_rows n;
    ELSE
        PERFORM webhook_claim_fanout(jsonb_agg(to_jsonb(n))) FROM new_rows n
        -- claim.held announces a hold beginning; a decline that puts a hold back to held is not a new hold.
        WHERE n.status <> 'held' AND NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.claim_id = n.claim_id AND o.status = n.status);
    END IF;
    RETURN NULL;
END $$;

-- The events of claims whose status just became one that is announced, and their deliveries to the subscribers.
-- (Transition-table rows are anonymous records in PL/pgSQL, so they travel as JSON and are read back as claims rows.)
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
    INSERT INTO webhook_deliveries (webhook_id, event_id, order_key, seq)
    SELECT e.webhook_id, ev.event_id, ev.claim_id, ev.seq
    FROM events ev JOIN webhook_endpoints e ON ev.type = ANY (e.events) AND e.deleted_at IS NULL AND e.disabled_at IS NULL;
$$;

CREATE TRIGGER claims_webhook_insert AFTER INSERT ON claims
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION webhook_claim_events();
CREATE TRIGGER claims_webhook_update AFTER UPDATE ON claims
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION webhook_claim_events();

-- The sale events, each with the sale's deliveries kept in order by the sale's id: a change of the stored status
-- (preloaded, paused, live again, closed), and the moment PostgreSQL holds every unit as taken (sold out; units
-- that come back and sell out again announce it again). The delivery renders the sale as the admin API shows it.
CREATE OR REPLACE FUNCTION webhook_sale_event(event_type text, sale text, snapshot jsonb) RETURNS void LANGUAGE sql AS $$
    WITH events AS (
        INSERT INTO webhook_events (event_id, type, sale_id, snapshot)
        SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), event_type, sale, snapshot
        WHERE EXISTS (SELECT 1 FROM webhook_endpoints e WHERE event_type = ANY (e.events) AND e.deleted_at IS NULL AND e.disabled_at IS NULL)
        RETURNING event_id, seq, type, sale_id
    )
    INSERT INTO webhook_deliveries (webhook_id, event_id, order_key, seq)
    SELECT e.webhook_id, ev.event_id, ev.sale_id, ev.seq
    FROM events ev JOIN webhook_endpoints e ON ev.type = ANY (e.events) AND e.deleted_at IS NULL AND e.disabled_at IS NULL;
$$;

CREATE OR REPLACE FUNCTION webhook_sale_status_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status IS DISTINCT FROM NEW.status THEN
        PERFORM webhook_sale_event('sale.status_changed', NEW.sale_id, jsonb_build_object('previous_status', OLD.status, 'status', NEW.status));
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION webhook_sale_sold_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.sold >= NEW.total AND OLD.sold < OLD.total THEN
        PERFORM webhook_sale_event('sale.sold_out', NEW.sale_id, jsonb_build_object('sold', NEW.sold));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER sales_webhook_status AFTER UPDATE OF status ON sales
    FOR EACH ROW EXECUTE FUNCTION webhook_sale_status_changed();
CREATE TRIGGER sale_inventory_webhook_sold_out AFTER UPDATE OF sold ON sale_inventory
    FOR EACH ROW EXECUTE FUNCTION webhook_sale_sold_out();
