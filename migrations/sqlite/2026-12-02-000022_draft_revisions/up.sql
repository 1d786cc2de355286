-- Draft revisions: the phone numbers its versions of an inspection or
-- finding draft; a PUT with an older revision than the stored one is
-- refused, so a delayed retry never overwrites a newer draft. 0: sent
-- without a revision.
ALTER TABLE inspections ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
ALTER TABLE findings ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
