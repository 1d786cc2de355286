-- Checklist versions (immutable), inspections from phones, findings.
CREATE TABLE checklist_templates (
    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    code TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    category TEXT NOT NULL CHECK (category IN ('safety', 'stability', 'environment')),
    industry TEXT,
    title_zh TEXT NOT NULL,
    title_en TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    body TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('file', 'api')),
    published_by TEXT REFERENCES users (id),
    published_at TIMESTAMP NOT NULL,
    UNIQUE (code, version)
);

CREATE TABLE inspections (
    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    enterprise_id TEXT NOT NULL REFERENCES enterprises (id),
    template_id TEXT NOT NULL REFERENCES checklist_templates (id),
    inspector_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('inspection', 'self_inspection')),
    state TEXT NOT NULL CHECK (state IN ('draft', 'submitted')),
    started_at TIMESTAMP,
    finished_at TIMESTAMP,
    lat DOUBLE,
    lon DOUBLE,
    accuracy_m DOUBLE,
    answers TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP
);
CREATE INDEX inspections_received ON inspections (received_at, id);
CREATE INDEX inspections_enterprise ON inspections (enterprise_id, received_at, id);
CREATE INDEX inspections_inspector ON inspections (inspector_id, received_at, id);

CREATE TABLE findings (
    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    -- An enterprise's hazard, or (environmental inspection feedback) a
    -- problem owned by a government department.
    enterprise_id TEXT REFERENCES enterprises (id),
    department TEXT,
    source TEXT NOT NULL CHECK (source IN ('inspection', 'self_inspection', 'env_audit', 'ad_hoc')),
    category TEXT NOT NULL CHECK (category IN ('safety', 'stability', 'environment')),
    level TEXT NOT NULL CHECK (level IN ('general', 'major')),
    status TEXT NOT NULL CHECK (status IN ('open', 'in_order', 'closed', 'cancelled')),
    description TEXT NOT NULL,
    location_text TEXT,
    lat DOUBLE,
    lon DOUBLE,
    photo_ids TEXT NOT NULL,
    inspection_id TEXT REFERENCES inspections (id),
    item_code TEXT,
    template_id TEXT REFERENCES checklist_templates (id),
    regulatory_basis TEXT,
    major_criterion TEXT,
    reported_by TEXT NOT NULL REFERENCES users (id),
    body_hash TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    -- Submitting an inspection twice never makes a finding twice.
    UNIQUE (inspection_id, item_code),
    CHECK ((enterprise_id IS NULL) <> (department IS NULL))
);
CREATE INDEX findings_created ON findings (created_at, id);
CREATE INDEX findings_enterprise ON findings (enterprise_id, created_at, id);
CREATE INDEX findings_status ON findings (status, created_at, id);
CREATE INDEX findings_level ON findings (level, created_at, id);
CREATE INDEX findings_source ON findings (source, created_at, id);
