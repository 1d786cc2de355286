-- Documents (检测报告, 验收意见, 评估报告, 公示截图): one row per upload; the
-- bytes are stored as sent, keyed by their SHA-256 in the photo store.
CREATE TABLE documents (
    id UUID PRIMARY KEY,
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    uploaded_by UUID NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('pdf', 'docx', 'xlsx', 'ofd')),
    byte_size BIGINT NOT NULL,
    page_count INTEGER,
    created_at TIMESTAMP NOT NULL,
    -- A retry of the same bytes by the same user finds its earlier upload.
    UNIQUE (uploaded_by, sha256)
);
CREATE INDEX documents_sha ON documents (sha256);

-- Which enterprises' records a document is attached to (visibility).
CREATE TABLE document_links (
    document_id UUID NOT NULL REFERENCES documents (id),
    enterprise_id UUID NOT NULL REFERENCES enterprises (id),
    PRIMARY KEY (document_id, enterprise_id)
);

-- Documents attached to an order through one of its events.
CREATE TABLE order_documents (
    order_id UUID NOT NULL REFERENCES rectification_orders (id),
    document_id UUID NOT NULL REFERENCES documents (id),
    added_at TIMESTAMP NOT NULL,
    PRIMARY KEY (order_id, document_id)
);
