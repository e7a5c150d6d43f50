-- A sale's stock may be split over several Redis pools (poolShards, docs/hot-sales.md §3). Units move between them
-- when a buyer's home pool runs dry; each move is booked here before Redis sees it, so a move cut short by a crash
-- is finished from its row, and a pool rebuilt after a failover gets back what it gave and took.
ALTER TABLE sales ADD COLUMN pool_shards int NOT NULL DEFAULT 1 CHECK (pool_shards BETWEEN 1 AND 64);

CREATE TABLE pool_transfers (
    transfer_id text PRIMARY KEY,
    sale_id     text NOT NULL REFERENCES sales (sale_id),
    from_pool   int  NOT NULL,
    to_pool     int  NOT NULL,
    units       int  NOT NULL CHECK (units > 0),
    -- What the donor gave (NULL until its Redis step answered; it may be less than asked, or 0).
    taken       int,
    -- intended: booked, the donor may or may not have given; taken: the donor gave (taken); done: the receiver has them.
    state       text NOT NULL DEFAULT 'intended' CHECK (state IN ('intended', 'taken', 'done')),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pool_transfers_sale_idx ON pool_transfers (sale_id);
CREATE INDEX pool_transfers_open_idx ON pool_transfers (sale_id) WHERE state <> 'done';
