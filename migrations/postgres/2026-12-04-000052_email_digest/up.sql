-- The day's deadline reminders for one address go out as one e-mail at
-- `digest_hour`: a delivery of channel 'email_digest' carries its messages
-- here (its own message_id is the first of them).
CREATE TABLE delivery_messages (
    delivery_id UUID NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    message_id UUID NOT NULL REFERENCES outbox_messages (id),
    PRIMARY KEY (delivery_id, message_id)
);
