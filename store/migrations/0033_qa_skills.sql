-- QA users' skills (issue 15): a sampling task set to assign "by skill"
-- gives each picked call to a QA user whose skills cover the call's queue.
-- A skill is a queue id or "*" (every queue, and calls without a queue).
CREATE TABLE qa_user_skills (
    tenant_id TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    skill     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, user_id, skill)
);
