-- Who this store is: an id drawn once, when this migration runs, and never changed. Feed entry ids carry it, so
-- two stores (two clinics, the offline demo and a real install) never publish the same id for their digest #1,
-- and a feed reader that follows both keeps both.
CREATE TABLE store_identity (
    id          BIGINT PRIMARY KEY CHECK (id = 1),  -- one row
    store_uuid  TEXT NOT NULL,                       -- a random (version 4) UUID
    created_at  TEXT NOT NULL
);

INSERT INTO store_identity (id, store_uuid, created_at) VALUES (
    1,
    gen_random_uuid()::text,  -- PostgreSQL 13+
    to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"')
);
