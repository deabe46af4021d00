-- Call-back requests (acd_callbacks) are worked by agents: who took one,
-- the call placed for it, how many attempts, and the agent's note.
ALTER TABLE acd_callbacks ADD COLUMN handled_by TEXT NOT NULL DEFAULT '';
ALTER TABLE acd_callbacks ADD COLUMN result_call_id TEXT NOT NULL DEFAULT '';
ALTER TABLE acd_callbacks ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE acd_callbacks ADD COLUMN note TEXT NOT NULL DEFAULT '';
