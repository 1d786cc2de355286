-- The enterprise's 整改责任人: who answers for the rectification, named
-- when it signs for the order.
ALTER TABLE rectification_orders ADD COLUMN responsible_name TEXT;
ALTER TABLE rectification_orders ADD COLUMN responsible_phone TEXT;
