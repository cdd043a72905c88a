-- Studies the background articles mention, as resolved to PubMed records by targeted ESearch queries.
CREATE TABLE mention_resolutions (
    mention_key     TEXT PRIMARY KEY,       -- document id + hash of the sentence
    doc_id          TEXT NOT NULL,
    sentence        TEXT NOT NULL,
    pmids           TEXT NOT NULL,          -- JSON list
    confidence      TEXT NOT NULL,          -- high | medium | low | unresolved
    queries         TEXT NOT NULL,          -- JSON list of the queries asked
    resolved_at     TEXT NOT NULL
);
