-- What the digests told each profile about the claims ledger of the background articles: one row per claim
-- each time a delivered digest saw its status change (and the first time it saw the claim), so the next digest
-- says only what changed ("A study cited by 'This Could Be Big' was corrected"), and a rebuilt digest shows
-- what it said then.
CREATE TABLE claim_reports (
    profile         TEXT NOT NULL,
    claim_key       TEXT NOT NULL,          -- the study mention's key: document id + hash of the sentence
    digest_id       BIGINT NOT NULL REFERENCES digests(id),
    status          TEXT NOT NULL,          -- "found:123|corrected", see littrack.models.ClaimEntry.status
    message         TEXT,                   -- the line the digest showed; NULL when it showed none (first sighting)
    article         TEXT NOT NULL DEFAULT '',
    sentence        TEXT NOT NULL DEFAULT '',
    before_labels   TEXT NOT NULL DEFAULT '',
    after_labels    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (profile, claim_key, digest_id)
);
