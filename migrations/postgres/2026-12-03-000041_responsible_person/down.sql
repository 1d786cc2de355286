ALTER TABLE rectification_orders DROP COLUMN responsible_phone;
ALTER TABLE rectification_orders DROP COLUMN responsible_name;
