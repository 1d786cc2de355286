ALTER TABLE enterprises DROP COLUMN industries;
