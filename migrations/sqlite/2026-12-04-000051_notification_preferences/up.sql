-- What each user wants to hear and where (service::preferences): an e-mail
-- address of their own (none: no e-mail), and the kinds of message they
-- muted (JSON list of event types; legal notices cannot be muted).
CREATE TABLE notification_preferences (
    user_id TEXT PRIMARY KEY REFERENCES users (id),
    email TEXT,
    muted TEXT NOT NULL DEFAULT '[]',
    updated_at TIMESTAMP NOT NULL
);
