-- Scheduled call-backs (预约回呼): a call-back may be due at a time and
-- owned by an agent (only they see and take it until owner_until, due_at
-- plus the grace period, then it falls to its queue). campaign_id/lead_id
-- name the campaign lead it calls back; notified_at is when the due
-- notification was sent (docs/outbound.md).
ALTER TABLE acd_callbacks ADD COLUMN due_at {{TIME}} NULL;
ALTER TABLE acd_callbacks ADD COLUMN owner_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE acd_callbacks ADD COLUMN owner_until {{TIME}} NULL;
ALTER TABLE acd_callbacks ADD COLUMN campaign_id TEXT NOT NULL DEFAULT '';
ALTER TABLE acd_callbacks ADD COLUMN lead_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE acd_callbacks ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
ALTER TABLE acd_callbacks ADD COLUMN notified_at {{TIME}} NULL;
CREATE INDEX acd_callbacks_due ON acd_callbacks (status, due_at);
