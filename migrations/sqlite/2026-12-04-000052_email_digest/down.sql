DROP TABLE delivery_messages;
