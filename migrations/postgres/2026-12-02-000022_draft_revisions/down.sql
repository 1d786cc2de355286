ALTER TABLE findings DROP COLUMN revision;
ALTER TABLE inspections DROP COLUMN revision;
