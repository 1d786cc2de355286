-- Resumable uploads (tus 1.0): one row per upload, its parts as they
-- arrived (each part a blob in the photo store), until the last byte
-- makes it a photo or a document.
CREATE TABLE uploads (
    id UUID PRIMARY KEY,
    owner_id UUID NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('photo', 'document')),
    upload_length BIGINT NOT NULL CHECK (upload_length > 0),
    upload_offset BIGINT NOT NULL DEFAULT 0 CHECK (upload_offset >= 0 AND upload_offset <= upload_length),
    -- what Upload-Metadata said, as JSON (filename, type, the photo fields)
    metadata TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('receiving', 'done', 'failed')),
    -- the photo or document the upload became
    result_id UUID,
    -- why ingest refused the complete upload (a problem: status, code, detail)
    failure TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX uploads_owner ON uploads (owner_id, state);
CREATE INDEX uploads_expiry ON uploads (expires_at);

CREATE TABLE upload_parts (
    upload_id UUID NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
    -- two PATCHes racing for one offset: the second insert fails
    start_offset BIGINT NOT NULL,
    byte_size BIGINT NOT NULL CHECK (byte_size > 0),
    blob_key TEXT NOT NULL,
    PRIMARY KEY (upload_id, start_offset)
);
