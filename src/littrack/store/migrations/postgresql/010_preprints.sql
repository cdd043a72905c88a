-- Preprints from Europe PMC: the records, which topic queries found them, the per-topic first-publication-date
-- watermark, links to the published PubMed record, and exactly-once delivery (a preprint is in at most one
-- delivered digest per profile; a "now published" note is said at most once per profile).
CREATE TABLE preprints (
    id              TEXT PRIMARY KEY,       -- Europe PMC id, e.g. PPR1036674
    record          TEXT NOT NULL,          -- the parsed Preprint as JSON (see store/preprints.py)
    doi             TEXT,                   -- lower case
    first_published TEXT,
    published_pmid  BIGINT,                -- Europe PMC's "Preprint of" link, when it gives one
    first_seen_at   TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    rechecked_at    TEXT                    -- last time Europe PMC was asked again about a journal version
);
CREATE INDEX preprints_doi ON preprints(doi);

CREATE TABLE preprint_topics (
    preprint_id     TEXT NOT NULL REFERENCES preprints(id),
    topic_id        TEXT NOT NULL,
    first_matched_at TEXT NOT NULL,
    PRIMARY KEY (preprint_id, topic_id)
);

-- Per topic: the last first-publication day a successful search covered, for the Europe PMC query it ran.
CREATE TABLE preprint_watermarks (
    topic_id        TEXT PRIMARY KEY,
    query           TEXT NOT NULL,
    through_date    TEXT NOT NULL,
    run_id          BIGINT REFERENCES runs(id),
    updated_at      TEXT NOT NULL
);

-- A preprint's published version; one per preprint (the first method that found it).
CREATE TABLE preprint_links (
    preprint_id     TEXT PRIMARY KEY REFERENCES preprints(id),
    pmid            BIGINT NOT NULL REFERENCES papers(pmid),
    method          TEXT NOT NULL,          -- Europe PMC | PubMed | Crossref | title, first author and year
    score           DOUBLE PRECISION NOT NULL,
    linked_at       TEXT NOT NULL
);
CREATE INDEX preprint_links_pmid ON preprint_links(pmid);

CREATE TABLE delivered_preprints (
    profile         TEXT NOT NULL,
    preprint_id     TEXT NOT NULL REFERENCES preprints(id),
    digest_id       BIGINT NOT NULL REFERENCES digests(id),
    PRIMARY KEY (profile, preprint_id)
);

CREATE TABLE preprint_link_reports (
    preprint_id     TEXT NOT NULL REFERENCES preprints(id),
    profile         TEXT NOT NULL,
    digest_id       BIGINT NOT NULL REFERENCES digests(id),
    PRIMARY KEY (preprint_id, profile)
);
