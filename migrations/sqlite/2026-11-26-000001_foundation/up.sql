-- Foundation: enterprises, accounts, sessions, login throttling.
-- UUIDs are lower-case hyphenated TEXT; times are UTC TEXT ('YYYY-MM-DD HH:MM:SS.ffffff').
CREATE TABLE enterprises (
    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    name TEXT NOT NULL,
    credit_code TEXT NOT NULL UNIQUE CHECK (length(credit_code) = 18),
    industry TEXT NOT NULL,
    address TEXT NOT NULL,
    lat DOUBLE,
    lon DOUBLE,
    contacts TEXT NOT NULL DEFAULT '[]',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX enterprises_name ON enterprises (name);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('inspector', 'third_party', 'enterprise', 'safety_officer', 'admin')),
    display_name TEXT NOT NULL,
    enterprise_id TEXT REFERENCES enterprises (id),
    disabled BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((role = 'enterprise') = (enterprise_id IS NOT NULL))
);

-- Enterprises a third-party agency inspector is assigned to.
CREATE TABLE user_enterprises (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    enterprise_id TEXT NOT NULL REFERENCES enterprises (id),
    PRIMARY KEY (user_id, enterprise_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed logins per (lower-cased) username; survives restarts and is shared
-- by every server process.
CREATE TABLE login_throttle (
    username TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL,
    last_failure_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP
);
