-- 自查自改: an enterprise's own rectification and 验收 of a general hazard
-- its self-inspection found (安全生产法 第四十一条第二款), one per finding,
-- written in the transaction that closes the finding.
CREATE TABLE self_rectifications (
    finding_id TEXT PRIMARY KEY NOT NULL CHECK (length(finding_id) = 36) REFERENCES findings (id),
    enterprise_id TEXT NOT NULL REFERENCES enterprises (id),
    -- 整改措施及完成情况
    measures TEXT NOT NULL,
    -- 整改责任人 (who did it) and the 验收人 (who accepted it): names
    rectified_by TEXT NOT NULL,
    accepted_by TEXT NOT NULL,
    accepted_on DATE NOT NULL,
    photo_ids TEXT NOT NULL DEFAULT '[]',
    document_ids TEXT NOT NULL DEFAULT '[]',
    recorded_by TEXT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
-- The enterprise's ledger and the park's counts read them by enterprise.
CREATE INDEX self_rectifications_enterprise ON self_rectifications (enterprise_id, recorded_at);
