DROP TABLE env_audit_items;
DROP TABLE env_audits;
