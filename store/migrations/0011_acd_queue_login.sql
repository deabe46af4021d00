-- Per-queue login (docs/acd.md, "Per-queue login"): the queues a logged-in
-- agent has logged out of while staying logged in to its other queues, as
-- a JSON array of queue ids ('' or '[]' = logged in to all of them). It is
-- saved with the rest of the agent's state, in the same write, so a restart
-- restores state and per-queue logins together.
ALTER TABLE acd_agent_state ADD COLUMN queues_off {{JSON}} NOT NULL DEFAULT '';
