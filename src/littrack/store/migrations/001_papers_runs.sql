-- Papers, the topics that matched them, the fetch run ledger and per-topic watermarks.
CREATE TABLE papers (
    pmid            INTEGER PRIMARY KEY,
    record          TEXT NOT NULL,          -- the parsed Paper as JSON (see store/codec.py)
    content_hash    TEXT NOT NULL,          -- sha256 of record: "updated" means this changed
    title           TEXT NOT NULL,
    journal         TEXT,
    pub_year        INTEGER,
    entrez_date     TEXT,
    status          TEXT,
    doi             TEXT,
    pmcid           TEXT,
    first_seen_at   TEXT NOT NULL,
    first_seen_run  INTEGER REFERENCES runs(id),
    fetched_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX papers_first_seen ON papers(first_seen_at);
CREATE INDEX papers_entrez_date ON papers(entrez_date);

CREATE TABLE paper_topics (
    pmid            INTEGER NOT NULL REFERENCES papers(pmid),
    topic_id        TEXT NOT NULL,
    first_matched_at TEXT NOT NULL,
    run_id          INTEGER REFERENCES runs(id),
    PRIMARY KEY (pmid, topic_id)
);

CREATE TABLE runs (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,          -- fetch | digest | trials | …
    started_at      TEXT NOT NULL,
    ended_at        TEXT,
    status          TEXT NOT NULL,          -- running | ok | failed | interrupted
    window_start    TEXT,
    window_end      TEXT,
    new_count       INTEGER NOT NULL DEFAULT 0,
    updated_count   INTEGER NOT NULL DEFAULT 0,
    requests        INTEGER NOT NULL DEFAULT 0,
    pid             INTEGER,
    error           TEXT
);
CREATE INDEX runs_kind_started ON runs(kind, started_at);

-- Entrez-date watermark per topic: the last day a successful run covered for that query.
CREATE TABLE watermarks (
    topic_id        TEXT PRIMARY KEY,
    query           TEXT NOT NULL,
    through_date    TEXT NOT NULL,
    run_id          INTEGER REFERENCES runs(id),
    updated_at      TEXT NOT NULL
);
