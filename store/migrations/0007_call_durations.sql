-- Durations a call spent in each phase, for the standard reports.
ALTER TABLE calls ADD COLUMN ivr_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN wait_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN ring_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN talk_ms BIGINT NOT NULL DEFAULT 0;
