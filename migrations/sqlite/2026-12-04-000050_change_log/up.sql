-- The change feed behind GET /api/v1/sync (service::sync); see the
-- PostgreSQL migration for the audiences. SQLite runs one writer at a time
-- (BEGIN IMMEDIATE), so seq order is commit order and txid stays 0.
CREATE TABLE change_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    txid BIGINT NOT NULL DEFAULT 0,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('upsert', 'gone')),
    audience TEXT NOT NULL CHECK (audience IN ('everyone', 'scope', 'user')),
    enterprise_id TEXT,
    user_id TEXT,
    changed_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    CHECK ((audience = 'user') = (user_id IS NOT NULL))
);
CREATE INDEX change_log_feed ON change_log (txid, seq);


-- Records owned by an enterprise (or a department: NULL). A record moved to
-- another enterprise is 'gone' for the old one's readers first.
CREATE TRIGGER enterprises_change_log_insert AFTER INSERT ON enterprises BEGIN
    INSERT INTO change_log (entity, entity_id, op, audience, enterprise_id)
    VALUES ('enterprise', NEW.id, 'upsert', 'scope', NEW.id);
END;
CREATE TRIGGER enterprises_change_log_update AFTER UPDATE ON enterprises BEGIN
    INSERT INTO change_log (entity, entity_id, op, audience, enterprise_id)
    SELECT 'enterprise', OLD.id, 'gone', 'scope', OLD.id WHERE OLD.id IS NOT NEW.id;
    INSERT INTO change_log (entity, entity_id, op, audience, enterprise_id)
    VALUES ('enterprise', NEW.id, 'upsert', 'scope', NEW.id);
END;
CREATE TRIGGER inspections_change_log_insert AFTER INSERT ON inspections BEGIN
    INSERT INTO change_log (entity, entity_id, op, audience, enterprise_id)
    VALUES ('inspection', NEW.id, 'upsert', 'scope', NEW.enterprise_id);
END;
CREATE TRIGGER inspections_change_log_update AFTER UPDATE ON inspections BEGIN
    INSERT INTO change_log (entity, entity_id, op, audience, enterprise_id)
    SELECT 'inspection', OLD.id, 'gone', 'scope', OLD.enterprise_id WHERE OLD.enterprise_id IS NOT NEW.enterprise_id;
    INSERT INTO change_log (entity, entity_id, op, audience, enterprise_id)
    VALUES ('inspection', NEW.id, 'upsert', 'scope', NEW.enterprise_id);
END;
CREATE TRIGGER findings_change_log_insert AFTER INSERT ON findings BEGIN
    INSERT INTO change_log (entity, entity_id, op, audience, enterprise_id)
    VALUES ('finding', NEW.id, 'upsert', 'scope', NEW.enterprise_id);
END;
CREATE TRIGGER findings_change_log_update AFTER UPDATE ON findings BEGIN
    INSERT INTO change_log (entity, entity_id, op, audience, enterprise_id)
    SELECT 'finding', OLD.id, 'gone', 'scope', OLD.enterprise_id WHERE OLD.enterprise_id IS NOT NEW.enterprise_id;
    INSERT INTO change_log (entity, entity_id, op, audience, enterprise_id)
    VALUES ('finding', NEW.id, 'upsert', 'scope', NEW.enterprise_id);
END;
CREATE TRIGGER rectification_orders_change_log_insert AFTER INSERT ON rectification_orders BEGIN
    INSERT INTO change_log (entity, entity_id, op, audience, enterprise_id)
    VALUES ('order', NEW.id, 'upsert', 'scope', NEW.enterprise_id);
END;
CREATE TRIGGER rectification_orders_change_log_update AFTER UPDATE ON rectification_orders BEGIN
    INSERT INTO change_log (entity, entity_id, op, audience, enterprise_id)
    SELECT 'order', OLD.id, 'gone', 'scope', OLD.enterprise_id WHERE OLD.enterprise_id IS NOT NEW.enterprise_id;
    INSERT INTO change_log (entity, entity_id, op, audience, enterprise_id)
    VALUES ('order', NEW.id, 'upsert', 'scope', NEW.enterprise_id);
END;

-- An order event is read by whoever reads its order.
CREATE TRIGGER order_events_change_log_insert AFTER INSERT ON order_events BEGIN
    INSERT INTO change_log (entity, entity_id, op, audience, enterprise_id)
    SELECT 'order_event', NEW.id, 'upsert', 'scope', o.enterprise_id
    FROM rectification_orders o WHERE o.id = NEW.order_id;
END;
CREATE TRIGGER order_events_change_log_update AFTER UPDATE ON order_events BEGIN
    INSERT INTO change_log (entity, entity_id, op, audience, enterprise_id)
    SELECT 'order_event', NEW.id, 'upsert', 'scope', o.enterprise_id
    FROM rectification_orders o WHERE o.id = NEW.order_id;
END;
CREATE TRIGGER checklists_change_log_insert AFTER INSERT ON checklist_templates BEGIN
    INSERT INTO change_log (entity, entity_id, op, audience)
    VALUES ('checklist', NEW.id, 'upsert', 'everyone');
END;
CREATE TRIGGER checklists_change_log_update AFTER UPDATE ON checklist_templates BEGIN
    INSERT INTO change_log (entity, entity_id, op, audience)
    VALUES ('checklist', NEW.id, 'upsert', 'everyone');
END;

-- Photos and documents: their uploader sees them at once; an enterprise's
-- readers once they are attached to one of its records (a link row).
CREATE TRIGGER photos_change_log_insert AFTER INSERT ON photos BEGIN
    INSERT INTO change_log (entity, entity_id, op, audience, user_id)
    VALUES ('photo', NEW.id, 'upsert', 'user', NEW.uploaded_by);
END;
CREATE TRIGGER photos_change_log_update AFTER UPDATE ON photos BEGIN
    INSERT INTO change_log (entity, entity_id, op, audience, user_id)
    VALUES ('photo', NEW.id, 'upsert', 'user', NEW.uploaded_by);
END;
CREATE TRIGGER documents_change_log_insert AFTER INSERT ON documents BEGIN
    INSERT INTO change_log (entity, entity_id, op, audience, user_id)
    VALUES ('document', NEW.id, 'upsert', 'user', NEW.uploaded_by);
END;
CREATE TRIGGER documents_change_log_update AFTER UPDATE ON documents BEGIN
    INSERT INTO change_log (entity, entity_id, op, audience, user_id)
    VALUES ('document', NEW.id, 'upsert', 'user', NEW.uploaded_by);
END;
CREATE TRIGGER photo_links_change_log AFTER INSERT ON photo_links BEGIN
    INSERT INTO change_log (entity, entity_id, op, audience, enterprise_id)
    VALUES ('photo', NEW.photo_id, 'upsert', 'scope', NEW.enterprise_id);
END;
CREATE TRIGGER document_links_change_log AFTER INSERT ON document_links BEGIN
    INSERT INTO change_log (entity, entity_id, op, audience, enterprise_id)
    VALUES ('document', NEW.document_id, 'upsert', 'scope', NEW.enterprise_id);
END;

-- A third party's assignment: everything of the enterprise arrives
-- (upsert) or leaves (gone) for that one user. Its own uploads stay.
CREATE TRIGGER user_enterprises_change_log_insert AFTER INSERT ON user_enterprises BEGIN
    INSERT INTO change_log (entity, entity_id, op, audience, user_id)
    SELECT x.entity, x.id, 'upsert', 'user', NEW.user_id FROM (
        SELECT 'enterprise' AS entity, id, 0 AS k FROM enterprises WHERE id = NEW.enterprise_id
        UNION ALL SELECT 'inspection', id, 1 FROM inspections WHERE enterprise_id = NEW.enterprise_id
        UNION ALL SELECT 'finding', id, 2 FROM findings WHERE enterprise_id = NEW.enterprise_id
        UNION ALL SELECT 'order', id, 3 FROM rectification_orders WHERE enterprise_id = NEW.enterprise_id
        UNION ALL SELECT 'order_event', ev.id, 4 FROM order_events ev
            JOIN rectification_orders o ON o.id = ev.order_id WHERE o.enterprise_id = NEW.enterprise_id
        UNION ALL SELECT 'photo', p.id, 5 FROM photos p
            JOIN photo_links l ON l.photo_id = p.id
            WHERE l.enterprise_id = NEW.enterprise_id AND p.uploaded_by <> NEW.user_id
        UNION ALL SELECT 'document', d.id, 6 FROM documents d
            JOIN document_links l ON l.document_id = d.id
            WHERE l.enterprise_id = NEW.enterprise_id AND d.uploaded_by <> NEW.user_id
    ) x ORDER BY x.k, x.id;
END;
CREATE TRIGGER user_enterprises_change_log_delete AFTER DELETE ON user_enterprises BEGIN
    INSERT INTO change_log (entity, entity_id, op, audience, user_id)
    SELECT x.entity, x.id, 'gone', 'user', OLD.user_id FROM (
        SELECT 'enterprise' AS entity, id, 0 AS k FROM enterprises WHERE id = OLD.enterprise_id
        UNION ALL SELECT 'inspection', id, 1 FROM inspections WHERE enterprise_id = OLD.enterprise_id
        UNION ALL SELECT 'finding', id, 2 FROM findings WHERE enterprise_id = OLD.enterprise_id
        UNION ALL SELECT 'order', id, 3 FROM rectification_orders WHERE enterprise_id = OLD.enterprise_id
        UNION ALL SELECT 'order_event', ev.id, 4 FROM order_events ev
            JOIN rectification_orders o ON o.id = ev.order_id WHERE o.enterprise_id = OLD.enterprise_id
        UNION ALL SELECT 'photo', p.id, 5 FROM photos p
            JOIN photo_links l ON l.photo_id = p.id
            WHERE l.enterprise_id = OLD.enterprise_id AND p.uploaded_by <> OLD.user_id
        UNION ALL SELECT 'document', d.id, 6 FROM documents d
            JOIN document_links l ON l.document_id = d.id
            WHERE l.enterprise_id = OLD.enterprise_id AND d.uploaded_by <> OLD.user_id
    ) x ORDER BY x.k, x.id;
END;

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
