-- Free full text (Unpaywall), Crossref notices merged with PubMed's corrections, cited works, DOI relations.

-- One row per DOI looked up at a source, with the answer's time: "at most once per paper, refresh rarely".
CREATE TABLE source_lookups (
    source          TEXT NOT NULL,          -- unpaywall | crossref
    doi             TEXT NOT NULL,          -- lower case
    checked_at      TEXT NOT NULL,
    PRIMARY KEY (source, doi)
);

-- Unpaywall's best open-access location; no row when the DOI has no free copy (or Unpaywall does not know it).
CREATE TABLE open_access (
    doi             TEXT PRIMARY KEY,       -- lower case
    kind            TEXT NOT NULL,          -- gold | hybrid | bronze | green
    url             TEXT NOT NULL,
    pdf_url         TEXT,
    host_type       TEXT NOT NULL DEFAULT '',
    version         TEXT NOT NULL DEFAULT '',
    license         TEXT,
    updated_at      TEXT NOT NULL
);

-- A change is one per paper and kind whichever source saw it first; each source that reported it is a row here,
-- first-seen first. notice_doi: Crossref names notices by DOI (PubMed by notice_pmid).
ALTER TABLE paper_changes ADD COLUMN notice_doi TEXT;
CREATE TABLE change_sources (
    change_id       BIGINT NOT NULL REFERENCES paper_changes(id),
    source          TEXT NOT NULL,          -- PubMed | Crossref (publisher) | Crossref (Retraction Watch) | …
    seen_at         TEXT NOT NULL,
    notice          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (change_id, source)
);
-- Changes recorded before this migration were PubMed's.
INSERT INTO change_sources (change_id, source, seen_at, notice)
    SELECT id, 'PubMed', detected_at, coalesce('PMID ' || notice_pmid, '') FROM paper_changes;

-- What a paper cites (PubMed's ReferenceList, Crossref's reference list), for reviews citing retracted papers.
CREATE TABLE paper_references (
    pmid            BIGINT NOT NULL REFERENCES papers(pmid),
    source          TEXT NOT NULL,          -- pubmed | crossref
    ref_pmid        BIGINT,
    ref_doi         TEXT                    -- lower case
);
CREATE INDEX paper_references_pmid ON paper_references(pmid, source);
CREATE INDEX paper_references_ref_pmid ON paper_references(ref_pmid);
CREATE INDEX paper_references_ref_doi ON paper_references(ref_doi);

-- Crossref's preprint relations: a preprint DOI and its journal version's DOI (both lower case, version-less).
CREATE TABLE doi_relations (
    preprint_doi    TEXT NOT NULL,
    published_doi   TEXT NOT NULL,
    seen_at         TEXT NOT NULL,
    PRIMARY KEY (preprint_doi, published_doi)
);
