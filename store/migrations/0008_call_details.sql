-- Call detail record fields beyond the first cut: where the call came in,
-- hold and wrap-up time, the IVR path, who was offered the call, transfers
-- and conferences, the survey score and the voicemail left; plus one row per
-- leg of a call (caller, agents rung, consults, supervisors, external parties).
ALTER TABLE calls ADD COLUMN trunk TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN hold_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN wrapup_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN ivr_path {{JSON}} NOT NULL DEFAULT '[]';
ALTER TABLE calls ADD COLUMN agents_offered {{JSON}} NOT NULL DEFAULT '[]';
ALTER TABLE calls ADD COLUMN transfers INTEGER NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN conferences INTEGER NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN survey_score INTEGER;
ALTER TABLE calls ADD COLUMN voicemail_id TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN parent_id TEXT NOT NULL DEFAULT '';

CREATE TABLE call_legs (
    tenant_id    TEXT NOT NULL,
    call_id      TEXT NOT NULL,
    leg_id       TEXT NOT NULL,
    role         TEXT NOT NULL,
    endpoint     TEXT NOT NULL DEFAULT '',
    agent_id     TEXT NOT NULL DEFAULT '',
    started_at   {{TIME}} NOT NULL,
    answered_at  {{TIME}},
    ended_at     {{TIME}},
    hangup_cause TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, call_id, leg_id)
);
