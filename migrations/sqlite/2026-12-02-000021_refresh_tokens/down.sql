DROP TABLE refresh_tokens;
DROP INDEX sessions_family;
ALTER TABLE sessions DROP COLUMN family_id;
