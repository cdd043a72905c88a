-- Digests and exactly-once delivery. A paper is in at most one *delivered* digest per profile: the
-- primary key of delivered_papers enforces it, whatever the code above does.
CREATE TABLE digests (
    id              INTEGER PRIMARY KEY,
    profile         TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    status          TEXT NOT NULL,          -- pending | delivered | failed | dry-run
    period_start    TEXT,
    period_end      TEXT,
    filename        TEXT,
    total           INTEGER NOT NULL DEFAULT 0,
    per_topic       TEXT NOT NULL DEFAULT '{}',   -- JSON {topic name: count}
    emailed         INTEGER NOT NULL DEFAULT 0,
    delivered_at    TEXT,
    error           TEXT
);
CREATE INDEX digests_profile_status ON digests(profile, status);

CREATE TABLE digest_papers (
    digest_id       INTEGER NOT NULL REFERENCES digests(id),
    pmid            INTEGER NOT NULL REFERENCES papers(pmid),
    PRIMARY KEY (digest_id, pmid)
);

CREATE TABLE delivered_papers (
    profile         TEXT NOT NULL,
    pmid            INTEGER NOT NULL REFERENCES papers(pmid),
    digest_id       INTEGER NOT NULL REFERENCES digests(id),
    checked_at      TEXT,                   -- last re-check for retractions/errata
    PRIMARY KEY (profile, pmid)
);
CREATE INDEX delivered_checked ON delivered_papers(checked_at);

-- Corrections found by re-checking papers already sent (retraction, erratum, concern, update).
CREATE TABLE paper_changes (
    id              INTEGER PRIMARY KEY,
    pmid            INTEGER NOT NULL REFERENCES papers(pmid),
    kind            TEXT NOT NULL,
    description     TEXT NOT NULL,
    notice_pmid     INTEGER,
    notice_source   TEXT NOT NULL DEFAULT '',
    detected_at     TEXT NOT NULL,
    UNIQUE (pmid, kind, notice_pmid)
);

CREATE TABLE change_reports (
    change_id       INTEGER NOT NULL REFERENCES paper_changes(id),
    profile         TEXT NOT NULL,
    digest_id       INTEGER NOT NULL REFERENCES digests(id),
    PRIMARY KEY (change_id, profile)
);
