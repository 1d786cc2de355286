-- Rectification orders (整改通知书), their findings, extension requests,
-- the hash-chained event history and per-year document counters.
CREATE TABLE document_counters (
    kind TEXT NOT NULL,
    year INTEGER NOT NULL,
    last BIGINT NOT NULL,
    PRIMARY KEY (kind, year)
);

CREATE TABLE rectification_orders (
    id UUID PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    year INTEGER NOT NULL,
    seq BIGINT NOT NULL,
    -- An order goes to an enterprise; a department's environmental inspection
    -- item is tracked the same way, with the safety office acting for it.
    enterprise_id UUID REFERENCES enterprises (id),
    department TEXT,
    status TEXT NOT NULL CHECK (status IN ('issued', 'rectifying', 'pending_verification', 'closed', 'cancelled')),
    level TEXT NOT NULL CHECK (level IN ('general', 'major')),
    major_reason TEXT,
    requirements TEXT NOT NULL,
    deadline DATE NOT NULL,
    effective_deadline DATE NOT NULL,
    plan TEXT,
    issued_by UUID NOT NULL REFERENCES users (id),
    issued_at TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP,
    closed_at TIMESTAMP,
    days_to_close INTEGER,
    cancelled_at TIMESTAMP,
    reminder_recorded BOOLEAN NOT NULL DEFAULT FALSE,
    overdue_recorded BOOLEAN NOT NULL DEFAULT FALSE,
    escalation TEXT,
    version INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (year, seq),
    CHECK ((enterprise_id IS NULL) <> (department IS NULL))
);
CREATE INDEX orders_enterprise ON rectification_orders (enterprise_id, issued_at, id);
CREATE INDEX orders_status ON rectification_orders (status, effective_deadline);
CREATE INDEX orders_issued ON rectification_orders (issued_at, id);

CREATE TABLE order_findings (
    order_id UUID NOT NULL REFERENCES rectification_orders (id),
    finding_id UUID NOT NULL REFERENCES findings (id),
    PRIMARY KEY (order_id, finding_id)
);
CREATE INDEX order_findings_finding ON order_findings (finding_id);

CREATE TABLE extension_requests (
    id UUID PRIMARY KEY,
    order_id UUID NOT NULL REFERENCES rectification_orders (id),
    requested_deadline DATE NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied')),
    requested_by UUID NOT NULL REFERENCES users (id),
    requested_at TIMESTAMP NOT NULL,
    decided_by UUID REFERENCES users (id),
    decided_at TIMESTAMP,
    decision_comment TEXT
);
CREATE INDEX extension_requests_order ON extension_requests (order_id);

CREATE TABLE order_events (
    id UUID PRIMARY KEY,
    order_id UUID NOT NULL REFERENCES rectification_orders (id),
    seq INTEGER NOT NULL,
    action TEXT NOT NULL,
    actor_id UUID REFERENCES users (id),
    actor_role TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    comment TEXT NOT NULL,
    photo_ids TEXT NOT NULL,
    data TEXT NOT NULL,
    internal BOOLEAN NOT NULL DEFAULT FALSE,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    -- Two writers can never append the same step of one order's history.
    UNIQUE (order_id, seq)
);

ALTER TABLE findings ADD COLUMN previous_finding_id UUID REFERENCES findings (id);
