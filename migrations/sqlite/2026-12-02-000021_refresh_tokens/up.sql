-- Refresh tokens for the field: a login opens a family; each refresh
-- marks its token used and issues the next one (and a new access token)
-- in the same family. Presenting a used token again revokes the family:
-- its refresh tokens and the access tokens (sessions) issued under it.
-- Only SHA-256 hashes of tokens are stored.
ALTER TABLE sessions ADD COLUMN family_id TEXT;
CREATE INDEX sessions_family ON sessions (family_id);

CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    family_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
