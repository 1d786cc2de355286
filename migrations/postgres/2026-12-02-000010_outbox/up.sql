-- The outbox: one message per event someone should hear about, written in
-- the same transaction as the change, so a crash can lose neither.
CREATE TABLE outbox_messages (
    id UUID PRIMARY KEY,
    event_type TEXT NOT NULL,
    order_id UUID,
    enterprise_id UUID,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- In-app inbox: one row per recipient, written with the message.
CREATE TABLE notifications (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id),
    message_id UUID NOT NULL REFERENCES outbox_messages (id),
    event_type TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL,
    read_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX notifications_inbox ON notifications (user_id, read_at, id);

-- Endpoints registered by admins: Standard Webhooks receivers and the
-- WeCom / DingTalk group robots (`kind`); `events` is a JSON array; an
-- endpoint bound to an enterprise hears only of that enterprise.
CREATE TABLE webhooks (
    id UUID PRIMARY KEY,
    kind TEXT NOT NULL,
    enterprise_id UUID REFERENCES enterprises (id),
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_by UUID NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);

-- One delivery of a message to one endpoint (`webhook_id`) or one e-mail
-- address (`channel` 'email', `address`). Workers claim due rows under a
-- lease (`lease_until`); `dead` after the attempt limit until replayed.
CREATE TABLE deliveries (
    id UUID PRIMARY KEY,
    message_id UUID NOT NULL REFERENCES outbox_messages (id),
    channel TEXT NOT NULL,
    webhook_id UUID REFERENCES webhooks (id) ON DELETE CASCADE,
    address TEXT,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_until TIMESTAMP,
    last_status INTEGER,
    last_error TEXT,
    delivered_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_webhook ON deliveries (webhook_id, id);
