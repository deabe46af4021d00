-- A recording row tells whether its file exists: status is 'recording'
-- (the switch confirmed it started), 'done' (finished with a file) or
-- 'failed' (the switch refused or lost it; error says why, and there is no
-- audio). Rows from before this migration that never ended are marked
-- 'recording'; finished ones keep 'done'.
ALTER TABLE recordings ADD COLUMN status TEXT NOT NULL DEFAULT 'done';
ALTER TABLE recordings ADD COLUMN error TEXT NOT NULL DEFAULT '';
UPDATE recordings SET status = 'recording' WHERE ended_at IS NULL;
CREATE INDEX recordings_tenant_status ON recordings (tenant_id, status);
