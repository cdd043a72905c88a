-- Who this store is: an id drawn once, when this migration runs, and never changed. Feed entry ids carry it, so
-- two stores (two clinics, the offline demo and a real install) never publish the same id for their digest #1,
-- and a feed reader that follows both keeps both.
CREATE TABLE store_identity (
    id          INTEGER PRIMARY KEY CHECK (id = 1),  -- one row
    store_uuid  TEXT NOT NULL,                       -- a random (version 4) UUID
    created_at  TEXT NOT NULL
);

INSERT INTO store_identity (id, store_uuid, created_at) VALUES (
    1,
    lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2)
        || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2)
        || '-' || lower(hex(randomblob(6))),
    strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')
);
