-- Environmental inspection feedback (督察反馈问题): batches and their items.
-- Each item is an env_audit finding rectified through the ordinary orders.
CREATE TABLE env_audits (
    id UUID PRIMARY KEY,
    level TEXT NOT NULL CHECK (level IN ('central', 'municipal')),
    name TEXT NOT NULL,
    document_number TEXT NOT NULL,
    received_date DATE NOT NULL,
    default_deadline DATE,
    created_by UUID NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE env_audit_items (
    id UUID PRIMARY KEY,
    audit_id UUID NOT NULL REFERENCES env_audits (id),
    item_no TEXT NOT NULL,
    description TEXT NOT NULL,
    enterprise_id UUID REFERENCES enterprises (id),
    department TEXT,
    measures TEXT NOT NULL,
    deadline DATE NOT NULL,
    target TEXT NOT NULL,
    finding_id UUID NOT NULL REFERENCES findings (id),
    content_hash TEXT NOT NULL,
    acceptance_date DATE,
    acceptance_opinion TEXT,
    disclosure_date DATE,
    disclosure_place TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (audit_id, item_no),
    CHECK ((enterprise_id IS NULL) <> (department IS NULL))
);
CREATE INDEX env_audit_items_finding ON env_audit_items (finding_id);
