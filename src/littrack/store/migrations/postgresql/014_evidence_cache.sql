-- Each paper's evidence (design, tier, chips, details) as the classifier last decided it, so a digest or the
-- evidence page classifies only papers whose record or classifier changed. A cache: any row may be dropped.
CREATE TABLE evidence_cache (
    pmid            BIGINT PRIMARY KEY,
    paper_hash      TEXT NOT NULL,          -- papers.content_hash of the record classified
    classifier      TEXT NOT NULL,          -- littrack.evidence.version.classifier_version() that classified it
    evidence        TEXT NOT NULL,          -- JSON (store/codec.py)
    classified_at   TEXT NOT NULL
);
