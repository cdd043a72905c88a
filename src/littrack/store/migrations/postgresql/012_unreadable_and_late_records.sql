-- Records a fetch could not read (a control character, bytes that are not UTF-8, an entity bomb) are set
-- aside, not allowed to fail their batch: one row per record and topic until a later fetch reads it.
CREATE TABLE unreadable_records (
    pmid            BIGINT NOT NULL,
    topic_id        TEXT NOT NULL,
    reason          TEXT NOT NULL,          -- the parser's message, one line
    first_run       BIGINT REFERENCES runs(id),
    last_run        BIGINT REFERENCES runs(id),
    attempts        BIGINT NOT NULL DEFAULT 1,
    first_failed_at TEXT NOT NULL,
    last_failed_at  TEXT NOT NULL,
    resolved_run    BIGINT REFERENCES runs(id),
    resolved_at     TEXT,                   -- NULL while it still cannot be read
    PRIMARY KEY (pmid, topic_id)
);
CREATE INDEX unreadable_open ON unreadable_records(resolved_at, topic_id);

-- The PMIDs a fetch run could not read, comma-separated (NULL: none).
ALTER TABLE runs ADD COLUMN skipped TEXT;

-- Papers a reconciliation sweep found after the date window of their Entrez date had passed.
CREATE TABLE late_papers (
    pmid            BIGINT PRIMARY KEY REFERENCES papers(pmid),
    topic_id        TEXT NOT NULL,
    run_id          BIGINT REFERENCES runs(id),
    found_at        TEXT NOT NULL
);

-- Per topic: the first Entrez day its fetches cover (the backfill's start), and the last reconciliation sweep.
-- Stores from before this migration: coverage starts at the topic's oldest stored paper, a sweep is due.
ALTER TABLE watermarks ADD COLUMN covered_from TEXT;
ALTER TABLE watermarks ADD COLUMN reconciled_on TEXT;
UPDATE watermarks SET covered_from = coalesce(
    (SELECT min(p.entrez_date) FROM papers p JOIN paper_topics t ON t.pmid = p.pmid
     WHERE t.topic_id = watermarks.topic_id),
    through_date
);
