-- An agent's own call (click-to-dial) makes the agent not ready for its
-- length; agent_resume is the state to give back when it ends: "available",
-- "not-ready:<reason>", or '' (leave the agent as they are). It is written
-- with the call's first save, so a controller that re-adopts the call after
-- a restart restores what the agent had before dialling.
ALTER TABLE calls ADD COLUMN agent_resume TEXT NOT NULL DEFAULT '';
