-- When a digest was handed to the SMTP server (just before DATA). An undelivered digest with sending_at set
-- may have reached its readers: the next digest repeats its papers and says so (issue 11 §8).
ALTER TABLE digests ADD COLUMN sending_at TEXT;

-- A file in digests/ belongs to at most one delivered digest, whatever the code above does (issue 11 §1).
CREATE UNIQUE INDEX digests_delivered_file ON digests(filename) WHERE status = 'delivered';
