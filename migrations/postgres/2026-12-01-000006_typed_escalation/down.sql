ALTER TABLE order_events ADD COLUMN internal BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE rectification_orders ADD COLUMN escalation TEXT;
UPDATE rectification_orders SET escalation = jsonb_strip_nulls(jsonb_build_object(
        'supervision_letter', jsonb_build_object(
            'number', supervision_letter_number,
            'time_limit', supervision_letter_time_limit,
            'at', to_char(supervision_letter_at, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')),
        'public_criticism', CASE WHEN public_criticism_number IS NULL THEN NULL ELSE jsonb_build_object(
            'number', public_criticism_number,
            'at', to_char(public_criticism_at, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END))::text
WHERE supervision_letter_number IS NOT NULL;
ALTER TABLE rectification_orders
    DROP COLUMN supervision_letter_number,
    DROP COLUMN supervision_letter_time_limit,
    DROP COLUMN supervision_letter_at,
    DROP COLUMN public_criticism_number,
    DROP COLUMN public_criticism_at;
