-- The major-hazard path of an order (16号令 第十六条、第十八条、第二十三条):
-- 挂牌督办, the production stop, the latest 评估 and the 复产 application.
-- One row per major-hazard order, written in the transaction of the order
-- event that changes it (the events keep the history; this row, the state).
CREATE TABLE major_hazard_files (
    order_id UUID PRIMARY KEY REFERENCES rectification_orders (id),
    listed_unit TEXT,
    listed_number TEXT,
    listed_time_limit DATE,
    listed_at TIMESTAMP,
    listed_by UUID REFERENCES users (id),
    stop_mode TEXT CHECK (stop_mode IN ('stop_production', 'partial_stop', 'stop_use')),
    stop_date DATE,
    stop_scope TEXT,
    interim_measures TEXT,
    -- The safety office ordered the stop: the enterprise cannot change it.
    stop_by_office BOOLEAN NOT NULL DEFAULT false,
    assessor_kind TEXT CHECK (assessor_kind IN ('own_staff', 'experts', 'agency')),
    assessor_name TEXT,
    assessment_conclusion TEXT,
    assessment_eliminated BOOLEAN,
    -- JSON array of the 评估报告 document ids.
    assessment_document_ids TEXT NOT NULL DEFAULT '[]',
    assessed_at TIMESTAMP,
    resumption_status TEXT CHECK (resumption_status IN ('pending', 'approved', 'rejected')),
    resumption_applied_at TIMESTAMP,
    resumption_decide_by DATE,
    resumption_decided_at TIMESTAMP,
    resumption_decided_by UUID REFERENCES users (id),
    resumption_comment TEXT,
    updated_at TIMESTAMP NOT NULL
);
-- The office's worklist: applications waiting for a decision.
CREATE INDEX major_hazard_files_pending ON major_hazard_files (resumption_decide_by)
    WHERE resumption_status = 'pending';
