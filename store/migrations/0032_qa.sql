-- Quality inspection (质检, issue 15): speech analytics per recording,
-- versioned scoring templates, sampling tasks and the calls they picked,
-- scores with their full change history, appeals, calibration sessions,
-- QA leads, supervisors' queues for QA visibility, transcripts and phrase
-- rules. Scores are kept in hundredths of a point (total_x100).
CREATE TABLE qa_analytics (
    tenant_id          TEXT NOT NULL,
    recording_id       TEXT NOT NULL,
    call_id            TEXT NOT NULL DEFAULT '',
    analyzed_at        {{TIME}} NOT NULL,
    duration_ms        BIGINT NOT NULL DEFAULT 0,
    channels           INTEGER NOT NULL DEFAULT 0,
    caller_talk_ms     BIGINT NOT NULL DEFAULT 0,
    agent_talk_ms      BIGINT NOT NULL DEFAULT 0,
    overtalk_ms        BIGINT NOT NULL DEFAULT 0,
    silence_ms         BIGINT NOT NULL DEFAULT 0,
    longest_silence_ms BIGINT NOT NULL DEFAULT 0,
    hold_music_ms      BIGINT NOT NULL DEFAULT 0,
    body               {{JSON}} NOT NULL DEFAULT '{}',
    peaks              TEXT NOT NULL DEFAULT '',
    error              TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, recording_id)
);
CREATE INDEX qa_analytics_call ON qa_analytics (tenant_id, call_id);

CREATE TABLE qa_templates (
    tenant_id  TEXT NOT NULL,
    id         TEXT NOT NULL,
    version    INTEGER NOT NULL,
    name       TEXT NOT NULL,
    body       {{JSON}} NOT NULL,
    archived   {{BOOL}} NOT NULL DEFAULT FALSE,
    created_at {{TIME}} NOT NULL,
    created_by TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id, version)
);

CREATE TABLE qa_tasks (
    tenant_id   TEXT NOT NULL,
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    template_id TEXT NOT NULL,
    spec        {{JSON}} NOT NULL,
    seed        BIGINT NOT NULL DEFAULT 0,
    deadline    {{TIME}} NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  {{TIME}} NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

-- The calls a task picked (task_id 'manual' holds supervisors' manual picks).
CREATE TABLE qa_task_calls (
    tenant_id    TEXT NOT NULL,
    task_id      TEXT NOT NULL,
    call_id      TEXT NOT NULL,
    recording_id TEXT NOT NULL DEFAULT '',
    agent_id     TEXT NOT NULL DEFAULT '',
    queue_id     TEXT NOT NULL DEFAULT '',
    started_at   {{TIME}} NOT NULL,
    reasons      {{JSON}} NOT NULL DEFAULT '[]',
    assignee     TEXT NOT NULL DEFAULT '',
    picked_by    TEXT NOT NULL DEFAULT '',
    picked_at    {{TIME}} NOT NULL,
    score_id     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, task_id, call_id)
);
CREATE INDEX qa_task_calls_assignee ON qa_task_calls (tenant_id, assignee);

CREATE TABLE qa_scores (
    tenant_id        TEXT NOT NULL,
    id               TEXT NOT NULL,
    template_id      TEXT NOT NULL,
    template_version INTEGER NOT NULL,
    call_id          TEXT NOT NULL,
    recording_id     TEXT NOT NULL DEFAULT '',
    agent_id         TEXT NOT NULL DEFAULT '',
    queue_id         TEXT NOT NULL DEFAULT '',
    scorer_id        TEXT NOT NULL,
    task_id          TEXT NOT NULL DEFAULT '',
    calibration_id   TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL DEFAULT 'draft',
    answers          {{JSON}} NOT NULL DEFAULT '{}',
    pins             {{JSON}} NOT NULL DEFAULT '[]',
    comment          TEXT NOT NULL DEFAULT '',
    total_x100       BIGINT NOT NULL DEFAULT 0,
    fatal            {{BOOL}} NOT NULL DEFAULT FALSE,
    created_at       {{TIME}} NOT NULL,
    updated_at       {{TIME}} NOT NULL,
    submitted_at     {{TIME}} NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX qa_scores_agent ON qa_scores (tenant_id, agent_id);
CREATE INDEX qa_scores_call ON qa_scores (tenant_id, call_id);

CREATE TABLE qa_score_history (
    tenant_id  TEXT NOT NULL,
    id         TEXT NOT NULL,
    score_id   TEXT NOT NULL,
    at         {{TIME}} NOT NULL,
    actor_id   TEXT NOT NULL DEFAULT '',
    action     TEXT NOT NULL,
    item_id    TEXT NOT NULL DEFAULT '',
    old_value  TEXT NOT NULL DEFAULT '',
    new_value  TEXT NOT NULL DEFAULT '',
    old_x100   BIGINT NOT NULL DEFAULT 0,
    new_x100   BIGINT NOT NULL DEFAULT 0,
    note       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX qa_score_history_score ON qa_score_history (tenant_id, score_id, at);

CREATE TABLE qa_appeals (
    tenant_id  TEXT NOT NULL,
    id         TEXT NOT NULL,
    score_id   TEXT NOT NULL,
    item_id    TEXT NOT NULL,
    agent_id   TEXT NOT NULL,
    reason     TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'open',
    created_at {{TIME}} NOT NULL,
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at {{TIME}} NULL,
    new_value  TEXT NOT NULL DEFAULT '',
    note       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX qa_appeals_score ON qa_appeals (tenant_id, score_id);

CREATE TABLE qa_calibrations (
    tenant_id        TEXT NOT NULL,
    id               TEXT NOT NULL,
    name             TEXT NOT NULL,
    call_id          TEXT NOT NULL,
    template_id      TEXT NOT NULL,
    template_version INTEGER NOT NULL,
    participants     {{JSON}} NOT NULL DEFAULT '[]',
    created_by       TEXT NOT NULL DEFAULT '',
    created_at       {{TIME}} NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE qa_leads (
    tenant_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    granted_by TEXT NOT NULL DEFAULT '',
    granted_at {{TIME}} NOT NULL,
    PRIMARY KEY (tenant_id, user_id)
);

CREATE TABLE qa_supervisor_queues (
    tenant_id TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    queue_id  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, user_id, queue_id)
);

CREATE TABLE qa_transcripts (
    tenant_id    TEXT NOT NULL,
    recording_id TEXT NOT NULL,
    call_id      TEXT NOT NULL DEFAULT '',
    provider     TEXT NOT NULL DEFAULT '',
    words        {{JSON}} NOT NULL DEFAULT '[]',
    text         TEXT NOT NULL DEFAULT '',
    created_at   {{TIME}} NOT NULL,
    PRIMARY KEY (tenant_id, recording_id)
);
CREATE INDEX qa_transcripts_call ON qa_transcripts (tenant_id, call_id);

CREATE TABLE qa_phrase_rules (
    tenant_id TEXT NOT NULL,
    id        TEXT NOT NULL,
    name      TEXT NOT NULL,
    kind      TEXT NOT NULL,
    channel   TEXT NOT NULL DEFAULT '',
    phrases   {{JSON}} NOT NULL DEFAULT '[]',
    PRIMARY KEY (tenant_id, id)
);
