-- A submission left unverified past the 复查 time (domain::order::VERIFICATION_DAYS)
-- is told to the park once per submission; cleared when it is submitted again.
ALTER TABLE rectification_orders ADD COLUMN verification_late_recorded BOOLEAN NOT NULL DEFAULT 0;
