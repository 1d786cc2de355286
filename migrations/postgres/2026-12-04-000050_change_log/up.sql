-- The change feed behind GET /api/v1/sync (service::sync). Every write to a
-- synced table adds rows here from a trigger, so no code path can forget one.
--
-- Who may read a row:
--   audience 'everyone': every signed-in user (checklist versions);
--   audience 'scope':    whoever sees enterprise_id (NULL = park staff only);
--   audience 'user':     only user_id (a photo before it is attached, and the
--                        upserts/gones of a third party's assignment change).
--
-- Never skipping a change: a sequence value can commit after a larger one
-- has been read. Each row keeps the id of its writing transaction; the feed
-- is ordered by (txid, seq) and a reader only takes rows whose txid is below
-- the oldest transaction still running (pg_snapshot_xmin), all of which are
-- final. A transaction that commits later has a larger xid than that.
CREATE TABLE change_log (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    txid BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    entity TEXT NOT NULL,
    entity_id UUID NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('upsert', 'gone')),
    audience TEXT NOT NULL CHECK (audience IN ('everyone', 'scope', 'user')),
    enterprise_id UUID,
    user_id UUID,
    changed_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    CHECK ((audience = 'user') = (user_id IS NOT NULL))
);
CREATE INDEX change_log_feed ON change_log (txid, seq);

-- Records owned by an enterprise (or a department: NULL). TG_ARGV: entity
-- name, the column naming its enterprise. A record moved to another
-- enterprise is 'gone' for the old one's readers first.
CREATE FUNCTION change_log_scoped() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    new_scope UUID := (to_jsonb(NEW) ->> TG_ARGV[1])::uuid;
    old_scope UUID;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        old_scope := (to_jsonb(OLD) ->> TG_ARGV[1])::uuid;
        IF old_scope IS DISTINCT FROM new_scope THEN
            INSERT INTO change_log (entity, entity_id, op, audience, enterprise_id)
            VALUES (TG_ARGV[0], OLD.id, 'gone', 'scope', old_scope);
        END IF;
    END IF;
    INSERT INTO change_log (entity, entity_id, op, audience, enterprise_id)
    VALUES (TG_ARGV[0], NEW.id, 'upsert', 'scope', new_scope);
    RETURN NULL;
END $$;

CREATE TRIGGER enterprises_change_log AFTER INSERT OR UPDATE ON enterprises
    FOR EACH ROW EXECUTE FUNCTION change_log_scoped('enterprise', 'id');
CREATE TRIGGER inspections_change_log AFTER INSERT OR UPDATE ON inspections
    FOR EACH ROW EXECUTE FUNCTION change_log_scoped('inspection', 'enterprise_id');
CREATE TRIGGER findings_change_log AFTER INSERT OR UPDATE ON findings
    FOR EACH ROW EXECUTE FUNCTION change_log_scoped('finding', 'enterprise_id');
CREATE TRIGGER orders_change_log AFTER INSERT OR UPDATE ON rectification_orders
    FOR EACH ROW EXECUTE FUNCTION change_log_scoped('order', 'enterprise_id');

-- An order event is read by whoever reads its order.
CREATE FUNCTION change_log_order_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO change_log (entity, entity_id, op, audience, enterprise_id)
    SELECT 'order_event', NEW.id, 'upsert', 'scope', o.enterprise_id
    FROM rectification_orders o WHERE o.id = NEW.order_id;
    RETURN NULL;
END $$;
CREATE TRIGGER order_events_change_log AFTER INSERT OR UPDATE ON order_events
    FOR EACH ROW EXECUTE FUNCTION change_log_order_event();

CREATE FUNCTION change_log_checklist() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO change_log (entity, entity_id, op, audience)
    VALUES ('checklist', NEW.id, 'upsert', 'everyone');
    RETURN NULL;
END $$;
CREATE TRIGGER checklists_change_log AFTER INSERT OR UPDATE ON checklist_templates
    FOR EACH ROW EXECUTE FUNCTION change_log_checklist();

-- Photos and documents: their uploader sees them at once; an enterprise's
-- readers once they are attached to one of its records (a link row).
CREATE FUNCTION change_log_upload() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO change_log (entity, entity_id, op, audience, user_id)
    VALUES (TG_ARGV[0], NEW.id, 'upsert', 'user', NEW.uploaded_by);
    RETURN NULL;
END $$;
CREATE TRIGGER photos_change_log AFTER INSERT OR UPDATE ON photos
    FOR EACH ROW EXECUTE FUNCTION change_log_upload('photo');
CREATE TRIGGER documents_change_log AFTER INSERT OR UPDATE ON documents
    FOR EACH ROW EXECUTE FUNCTION change_log_upload('document');

CREATE FUNCTION change_log_photo_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO change_log (entity, entity_id, op, audience, enterprise_id)
    VALUES ('photo', NEW.photo_id, 'upsert', 'scope', NEW.enterprise_id);
    RETURN NULL;
END $$;
CREATE TRIGGER photo_links_change_log AFTER INSERT ON photo_links
    FOR EACH ROW EXECUTE FUNCTION change_log_photo_link();

CREATE FUNCTION change_log_document_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO change_log (entity, entity_id, op, audience, enterprise_id)
    VALUES ('document', NEW.document_id, 'upsert', 'scope', NEW.enterprise_id);
    RETURN NULL;
END $$;
CREATE TRIGGER document_links_change_log AFTER INSERT ON document_links
    FOR EACH ROW EXECUTE FUNCTION change_log_document_link();

-- A third party's assignment: everything of the enterprise arrives
-- (upsert) or leaves (gone) for that one user. Its own uploads stay.
CREATE FUNCTION change_log_assignment(e UUID, u UUID, what TEXT) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO change_log (entity, entity_id, op, audience, user_id)
    SELECT x.entity, x.id, what, 'user', u FROM (
        SELECT 'enterprise' AS entity, id, 0 AS k FROM enterprises WHERE id = e
        UNION ALL SELECT 'inspection', id, 1 FROM inspections WHERE enterprise_id = e
        UNION ALL SELECT 'finding', id, 2 FROM findings WHERE enterprise_id = e
        UNION ALL SELECT 'order', id, 3 FROM rectification_orders WHERE enterprise_id = e
        UNION ALL SELECT 'order_event', ev.id, 4 FROM order_events ev
            JOIN rectification_orders o ON o.id = ev.order_id WHERE o.enterprise_id = e
        UNION ALL SELECT 'photo', p.id, 5 FROM photos p
            JOIN photo_links l ON l.photo_id = p.id
            WHERE l.enterprise_id = e AND p.uploaded_by <> u
        UNION ALL SELECT 'document', d.id, 6 FROM documents d
            JOIN document_links l ON l.document_id = d.id
            WHERE l.enterprise_id = e AND d.uploaded_by <> u
    ) x ORDER BY x.k, x.id;
$$;

-- Before listing, wait for every transaction still adding to the enterprise:
-- a new record (or link, or a record moved in) holds a key-share lock on
-- the enterprise row through its foreign key, a new order event one on its
-- order. Without the wait, a record committed by an older transaction
-- after this list was read would reach neither the list (not visible yet)
-- nor the user (the feed filtered it out: not theirs when it was read);
-- on removal, it would stay on the user's phone with no 'gone'.
CREATE FUNCTION change_log_assigned() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM 1 FROM enterprises WHERE id = NEW.enterprise_id FOR UPDATE;
        PERFORM 1 FROM rectification_orders WHERE enterprise_id = NEW.enterprise_id FOR UPDATE;
        PERFORM change_log_assignment(NEW.enterprise_id, NEW.user_id, 'upsert');
    ELSE
        PERFORM 1 FROM enterprises WHERE id = OLD.enterprise_id FOR UPDATE;
        PERFORM 1 FROM rectification_orders WHERE enterprise_id = OLD.enterprise_id FOR UPDATE;
        PERFORM change_log_assignment(OLD.enterprise_id, OLD.user_id, 'gone');
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER user_enterprises_change_log AFTER INSERT OR DELETE ON user_enterprises
    FOR EACH ROW EXECUTE FUNCTION change_log_assigned();

-- What existed before the feed: one upsert per record, in the order a
-- phone needs them (an enterprise before its records).
INSERT INTO change_log (entity, entity_id, op, audience)
    SELECT 'checklist', id, 'upsert', 'everyone' FROM checklist_templates ORDER BY published_at, id;
INSERT INTO change_log (entity, entity_id, op, audience, enterprise_id)
    SELECT 'enterprise', id, 'upsert', 'scope', id FROM enterprises ORDER BY created_at, id;
INSERT INTO change_log (entity, entity_id, op, audience, enterprise_id)
    SELECT 'inspection', id, 'upsert', 'scope', enterprise_id FROM inspections ORDER BY received_at, id;
INSERT INTO change_log (entity, entity_id, op, audience, user_id)
    SELECT 'photo', id, 'upsert', 'user', uploaded_by FROM photos ORDER BY created_at, id;
INSERT INTO change_log (entity, entity_id, op, audience, enterprise_id)
    SELECT 'photo', photo_id, 'upsert', 'scope', enterprise_id FROM photo_links ORDER BY photo_id;
INSERT INTO change_log (entity, entity_id, op, audience, user_id)
    SELECT 'document', id, 'upsert', 'user', uploaded_by FROM documents ORDER BY created_at, id;
INSERT INTO change_log (entity, entity_id, op, audience, enterprise_id)
    SELECT 'document', document_id, 'upsert', 'scope', enterprise_id FROM document_links ORDER BY document_id;
INSERT INTO change_log (entity, entity_id, op, audience, enterprise_id)
    SELECT 'finding', id, 'upsert', 'scope', enterprise_id FROM findings ORDER BY created_at, id;
INSERT INTO change_log (entity, entity_id, op, audience, enterprise_id)
    SELECT 'order', id, 'upsert', 'scope', enterprise_id FROM rectification_orders ORDER BY issued_at, id;
INSERT INTO change_log (entity, entity_id, op, audience, enterprise_id)
    SELECT 'order_event', ev.id, 'upsert', 'scope', o.enterprise_id
    FROM order_events ev JOIN rectification_orders o ON o.id = ev.order_id ORDER BY ev.at, ev.id;
