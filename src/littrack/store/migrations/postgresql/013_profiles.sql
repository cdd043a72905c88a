-- PostgreSQL: the same statements as ../013_profiles.sql (BIGINT for INTEGER, as in every PostgreSQL migration).
-- Profiles (issue 16): several readers' digests from one store. The ledgers were already keyed by profile; the
-- profile of a config without profiles: was '' and is now 'default' (or digest.profile, as before). A row of a
-- ledger that already has a 'default' twin is the same fact twice and goes.
UPDATE digests SET profile = 'default' WHERE profile = '';

DELETE FROM delivered_papers WHERE profile = ''
    AND EXISTS (SELECT 1 FROM delivered_papers d WHERE d.profile = 'default' AND d.pmid = delivered_papers.pmid);
UPDATE delivered_papers SET profile = 'default' WHERE profile = '';

DELETE FROM change_reports WHERE profile = ''
    AND EXISTS (SELECT 1 FROM change_reports r WHERE r.profile = 'default' AND r.change_id = change_reports.change_id);
UPDATE change_reports SET profile = 'default' WHERE profile = '';

DELETE FROM mention_reports WHERE profile = ''
    AND EXISTS (SELECT 1 FROM mention_reports r WHERE r.profile = 'default'
                AND r.mention_key = mention_reports.mention_key);
UPDATE mention_reports SET profile = 'default' WHERE profile = '';

DELETE FROM claim_reports WHERE profile = ''
    AND EXISTS (SELECT 1 FROM claim_reports r WHERE r.profile = 'default' AND r.claim_key = claim_reports.claim_key
                AND r.digest_id = claim_reports.digest_id);
UPDATE claim_reports SET profile = 'default' WHERE profile = '';

DELETE FROM delivered_preprints WHERE profile = ''
    AND EXISTS (SELECT 1 FROM delivered_preprints d WHERE d.profile = 'default'
                AND d.preprint_id = delivered_preprints.preprint_id);
UPDATE delivered_preprints SET profile = 'default' WHERE profile = '';

DELETE FROM preprint_link_reports WHERE profile = ''
    AND EXISTS (SELECT 1 FROM preprint_link_reports r WHERE r.profile = 'default'
                AND r.preprint_id = preprint_link_reports.preprint_id);
UPDATE preprint_link_reports SET profile = 'default' WHERE profile = '';

-- When littrack first saw each profile: a profile added later starts its first digest there, not with the whole
-- backlog. '' is "from the beginning": the profiles a store had before this migration, and the implicit
-- 'default' (a store without digests yet keeps today's behaviour: its first digest has everything).
CREATE TABLE profiles (
    id              TEXT PRIMARY KEY,
    first_seen_at   TEXT NOT NULL
);
INSERT INTO profiles (id, first_seen_at) VALUES ('default', '');
INSERT INTO profiles (id, first_seen_at)
    SELECT DISTINCT profile, '' FROM digests WHERE profile <> 'default';

-- Trial changes were marked reported on the event, once for all readers; now once per profile, like papers.
CREATE TABLE trial_event_reports (
    profile         TEXT NOT NULL,
    event_id        BIGINT NOT NULL REFERENCES trial_events(id),
    digest_id       BIGINT NOT NULL,       -- no REFERENCES: the offline demo stages reports of no real digest
    reported_at     TEXT NOT NULL,
    PRIMARY KEY (profile, event_id)
);
CREATE INDEX trial_event_reports_digest ON trial_event_reports(digest_id);
INSERT INTO trial_event_reports (profile, event_id, digest_id, reported_at)
    SELECT coalesce((SELECT d.profile FROM digests d WHERE d.id = e.reported_digest_id), 'default'),
           e.id, e.reported_digest_id, coalesce(e.reported_at, e.detected_at)
    FROM trial_events e WHERE e.reported_digest_id IS NOT NULL;
DROP INDEX trial_events_pending;
ALTER TABLE trial_events DROP COLUMN reported_digest_id;
ALTER TABLE trial_events DROP COLUMN reported_at;
