DROP TABLE deliveries;
DROP TABLE webhooks;
DROP TABLE notifications;
DROP TABLE outbox_messages;
