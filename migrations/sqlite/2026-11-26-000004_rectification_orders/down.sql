ALTER TABLE findings DROP COLUMN previous_finding_id;
DROP TABLE order_events;
DROP TABLE extension_requests;
DROP TABLE order_findings;
DROP TABLE rectification_orders;
DROP TABLE document_counters;
