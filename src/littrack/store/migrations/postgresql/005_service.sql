-- The state `littrack run` publishes for `littrack status`: one row, rewritten at start-up, after every
-- job and config reload, and stamped stopped_at on a clean exit. Whether a service is alive is decided by
-- its lock file, not by this row (a killed service cannot clear it).
CREATE TABLE service_state (
    id              BIGINT PRIMARY KEY CHECK (id = 1),
    pid             BIGINT NOT NULL,
    config          TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    stopped_at      TEXT,
    schedule        TEXT NOT NULL DEFAULT '{}',  -- JSON {fetch, digest, timezone} in force
    next_runs       TEXT NOT NULL DEFAULT '{}',  -- JSON {fetch: iso time, digest: iso time}
    retries         TEXT NOT NULL DEFAULT '{}'   -- JSON {kind: failures so far} for jobs being retried
);
