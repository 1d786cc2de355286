-- Foundation: enterprises, accounts, sessions, login throttling.
-- Times are `timestamp` holding UTC by rule (the portable diesel type).
CREATE TABLE enterprises (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL,
    credit_code TEXT NOT NULL UNIQUE CHECK (length(credit_code) = 18),
    industry TEXT NOT NULL,
    address TEXT NOT NULL,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    contacts TEXT NOT NULL DEFAULT '[]',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX enterprises_name ON enterprises (name);

CREATE TABLE users (
    id UUID PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('inspector', 'third_party', 'enterprise', 'safety_officer', 'admin')),
    display_name TEXT NOT NULL,
    enterprise_id UUID REFERENCES enterprises (id),
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((role = 'enterprise') = (enterprise_id IS NOT NULL))
);

CREATE TABLE user_enterprises (
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    enterprise_id UUID NOT NULL REFERENCES enterprises (id),
    PRIMARY KEY (user_id, enterprise_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE login_throttle (
    username TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failure_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP
);
