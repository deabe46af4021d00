-- An agent's work number (工号) belongs to the user record: an admin sets
-- it through the users API, the agent logs in with it, and callers hear it
-- (agent-ID announcement). Unique within the tenant when set; '' = none.
ALTER TABLE users ADD COLUMN work_number TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX users_work_number ON users (tenant_id, work_number) WHERE work_number <> '';

-- The language the caller chose in the IVR, kept with a waiting caller so
-- the queue's prompts stay in it over a restart.
ALTER TABLE acd_queue_entries ADD COLUMN lang TEXT NOT NULL DEFAULT '';
