ALTER TABLE order_events ADD COLUMN internal BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE rectification_orders ADD COLUMN escalation TEXT;
UPDATE rectification_orders SET escalation = json_object(
        'supervision_letter', json_object(
            'number', supervision_letter_number,
            'time_limit', supervision_letter_time_limit,
            'at', replace(supervision_letter_at, ' ', 'T') || 'Z'))
WHERE supervision_letter_number IS NOT NULL AND public_criticism_number IS NULL;
UPDATE rectification_orders SET escalation = json_object(
        'supervision_letter', json_object(
            'number', supervision_letter_number,
            'time_limit', supervision_letter_time_limit,
            'at', replace(supervision_letter_at, ' ', 'T') || 'Z'),
        'public_criticism', json_object(
            'number', public_criticism_number,
            'at', replace(public_criticism_at, ' ', 'T') || 'Z'))
WHERE public_criticism_number IS NOT NULL;
ALTER TABLE rectification_orders DROP COLUMN public_criticism_at;
ALTER TABLE rectification_orders DROP COLUMN public_criticism_number;
ALTER TABLE rectification_orders DROP COLUMN supervision_letter_at;
ALTER TABLE rectification_orders DROP COLUMN supervision_letter_time_limit;
ALTER TABLE rectification_orders DROP COLUMN supervision_letter_number;
