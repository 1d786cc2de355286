-- Escalation steps as typed columns instead of a JSON blob, so counting
-- letters and criticisms is a plain query; the unused `internal` flag on
-- events goes (internal notes are hidden at read time, one mechanism).
ALTER TABLE rectification_orders ADD COLUMN supervision_letter_number TEXT;
ALTER TABLE rectification_orders ADD COLUMN supervision_letter_time_limit DATE;
ALTER TABLE rectification_orders ADD COLUMN supervision_letter_at TIMESTAMP;
ALTER TABLE rectification_orders ADD COLUMN public_criticism_number TEXT;
ALTER TABLE rectification_orders ADD COLUMN public_criticism_at TIMESTAMP;

-- Times were stored as RFC 3339 (`…T…Z`); diesel reads `YYYY-MM-DD HH:MM:SS.ffffff`.
UPDATE rectification_orders SET
    supervision_letter_number = json_extract(escalation, '$.supervision_letter.number'),
    supervision_letter_time_limit = json_extract(escalation, '$.supervision_letter.time_limit'),
    supervision_letter_at = rtrim(replace(json_extract(escalation, '$.supervision_letter.at'), 'T', ' '), 'Z'),
    public_criticism_number = json_extract(escalation, '$.public_criticism.number'),
    public_criticism_at = rtrim(replace(json_extract(escalation, '$.public_criticism.at'), 'T', ' '), 'Z')
WHERE escalation IS NOT NULL;

ALTER TABLE rectification_orders DROP COLUMN escalation;
ALTER TABLE order_events DROP COLUMN internal;
