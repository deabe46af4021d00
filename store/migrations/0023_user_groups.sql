-- An agent's group (班组): the team a supervisor watches, set by admins on
-- the user. Free text (at most 64 characters); '' = no group. The
-- supervisor console filters its live agent grid by it.
ALTER TABLE users ADD COLUMN agent_group TEXT NOT NULL DEFAULT '';
