-- What each profile's last delivered digest said about every study mention (its resolution state), so the
-- next digest shows "Studies the background articles refer to" in full only when a resolution changed.
CREATE TABLE mention_reports (
    profile         TEXT NOT NULL,
    mention_key     TEXT NOT NULL,          -- document id + hash of the sentence (mention_resolutions.mention_key)
    state           TEXT NOT NULL,          -- "high:123" (confidence:pmids), "no match", "not looked up yet", …
    digest_id       BIGINT NOT NULL REFERENCES digests(id),
    PRIMARY KEY (profile, mention_key)
);
