-- Photos: one row per upload (who, when, what the phone said); blobs are
-- keyed by the original's SHA-256 and shared by identical uploads.
CREATE TABLE photos (
    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    uploaded_by TEXT NOT NULL REFERENCES users (id),
    format TEXT NOT NULL CHECK (format IN ('jpeg', 'png', 'webp', 'heic')),
    byte_size BIGINT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    orientation INTEGER NOT NULL,
    display_width INTEGER NOT NULL,
    display_height INTEGER NOT NULL,
    thumb_width INTEGER NOT NULL,
    thumb_height INTEGER NOT NULL,
    taken_at TIMESTAMP,
    taken_at_source TEXT,
    lat DOUBLE,
    lon DOUBLE,
    altitude_m DOUBLE,
    accuracy_m DOUBLE,
    location_source TEXT,
    make TEXT,
    model TEXT,
    exif TEXT NOT NULL,
    client TEXT NOT NULL,
    flags TEXT NOT NULL,
    enterprise_id TEXT REFERENCES enterprises (id),
    created_at TIMESTAMP NOT NULL,
    -- A phone's retry of the same bytes finds its own earlier upload.
    UNIQUE (uploaded_by, sha256)
);
CREATE INDEX photos_sha ON photos (sha256);

-- Which enterprises' records a photo is attached to (visibility).
CREATE TABLE photo_links (
    photo_id TEXT NOT NULL REFERENCES photos (id),
    enterprise_id TEXT NOT NULL REFERENCES enterprises (id),
    PRIMARY KEY (photo_id, enterprise_id)
);
