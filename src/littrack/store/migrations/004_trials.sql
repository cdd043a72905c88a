-- Registered trials (ClinicalTrials.gov): current state, state history, reportable change events,
-- which topic queries matched them, the references the registry lists, and paper ⇄ trial links.
CREATE TABLE trials (
    nct_id          TEXT PRIMARY KEY,
    state           TEXT NOT NULL,          -- the parsed Study as JSON (see trials/parse.py)
    state_hash      TEXT NOT NULL,          -- sha256 of state: a new history row when this changes
    title           TEXT NOT NULL,
    overall_status  TEXT NOT NULL,
    completion_date TEXT,                   -- registry precision: "2024", "2024-03" or "2024-03-05"
    last_update     TEXT,
    has_results     INTEGER NOT NULL DEFAULT 0,
    first_seen_at   TEXT NOT NULL,
    seen_at         TEXT NOT NULL,          -- last time a sync returned this study
    updated_at      TEXT NOT NULL           -- last time its state changed
);

-- Every distinct state a study has had, oldest first; the newest equals trials.state.
CREATE TABLE trial_states (
    id              INTEGER PRIMARY KEY,
    nct_id          TEXT NOT NULL REFERENCES trials(nct_id),
    state           TEXT NOT NULL,
    state_hash      TEXT NOT NULL,
    seen_at         TEXT NOT NULL
);
CREATE INDEX trial_states_nct ON trial_states(nct_id, id);

-- Changes worth telling a reader, until a delivered digest reports them.
-- reported_digest_id has no foreign key: the digests table belongs to another migration.
CREATE TABLE trial_events (
    id                  INTEGER PRIMARY KEY,
    nct_id              TEXT NOT NULL REFERENCES trials(nct_id),
    kind                TEXT NOT NULL,      -- new | status | results posted | enrollment | completion date passed | no publication
    before              TEXT,
    after               TEXT,
    detected_at         TEXT NOT NULL,
    reported_digest_id  INTEGER,
    reported_at         TEXT
);
CREATE INDEX trial_events_pending ON trial_events(reported_digest_id, id);
CREATE INDEX trial_events_nct_kind ON trial_events(nct_id, kind);

CREATE TABLE trial_topics (
    nct_id           TEXT NOT NULL REFERENCES trials(nct_id),
    topic_id         TEXT NOT NULL,
    first_matched_at TEXT NOT NULL,
    PRIMARY KEY (nct_id, topic_id)
);

-- PMIDs a study's referencesModule lists, kept separately so "which trials cite this paper" is one lookup.
CREATE TABLE trial_references (
    nct_id          TEXT NOT NULL REFERENCES trials(nct_id),
    pmid            INTEGER NOT NULL,
    ref_type        TEXT,                   -- RESULT | DERIVED | BACKGROUND
    PRIMARY KEY (nct_id, pmid)
);
CREATE INDEX trial_references_pmid ON trial_references(pmid);

-- Paper ⇄ trial links. No foreign keys: a paper may cite an NCT id littrack does not track, and links are
-- found while papers are being saved.
CREATE TABLE paper_trials (
    pmid            INTEGER NOT NULL,
    nct_id          TEXT NOT NULL,
    source          TEXT NOT NULL,          -- databank | abstract | registry-reference
    linked_at       TEXT NOT NULL,
    PRIMARY KEY (pmid, nct_id, source)
);
CREATE INDEX paper_trials_nct ON paper_trials(nct_id);

-- Per topic: the day the last successful trials sync covered, for the query it ran.
CREATE TABLE trial_syncs (
    topic_id        TEXT PRIMARY KEY,
    query           TEXT NOT NULL,
    through_date    TEXT NOT NULL,
    run_id          INTEGER REFERENCES runs(id),
    updated_at      TEXT NOT NULL
);
