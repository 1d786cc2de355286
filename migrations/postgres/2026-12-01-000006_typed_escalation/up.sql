-- Escalation steps as typed columns instead of a JSON blob, so counting
-- letters and criticisms is a plain query; the unused `internal` flag on
-- events goes (internal notes are hidden at read time, one mechanism).
ALTER TABLE rectification_orders
    ADD COLUMN supervision_letter_number TEXT,
    ADD COLUMN supervision_letter_time_limit DATE,
    ADD COLUMN supervision_letter_at TIMESTAMP,
    ADD COLUMN public_criticism_number TEXT,
    ADD COLUMN public_criticism_at TIMESTAMP;

UPDATE rectification_orders SET
    supervision_letter_number = escalation::jsonb #>> '{supervision_letter,number}',
    supervision_letter_time_limit = (escalation::jsonb #>> '{supervision_letter,time_limit}')::date,
    supervision_letter_at = ((escalation::jsonb #>> '{supervision_letter,at}')::timestamptz) AT TIME ZONE 'UTC',
    public_criticism_number = escalation::jsonb #>> '{public_criticism,number}',
    public_criticism_at = ((escalation::jsonb #>> '{public_criticism,at}')::timestamptz) AT TIME ZONE 'UTC'
WHERE escalation IS NOT NULL;

ALTER TABLE rectification_orders DROP COLUMN escalation;
ALTER TABLE order_events DROP COLUMN internal;
