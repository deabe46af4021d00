-- ACD: queue configuration, members with levels, agents' durable state and
-- its log, waiting callers, callback requests (see acd/ and docs/acd.md).

-- config holds the acd.QueueConfig JSON (timeouts, wrap-up, announcements,
-- limits, overflow targets); name and strategy are copied out for listing.
CREATE TABLE acd_queues (
    tenant_id   TEXT NOT NULL,
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    strategy    TEXT NOT NULL,
    config      {{JSON}} NOT NULL,
    created_at  {{TIME}} NOT NULL,
    updated_at  {{TIME}} NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE acd_queue_members (
    tenant_id   TEXT NOT NULL,
    queue_id    TEXT NOT NULL,
    agent_id    TEXT NOT NULL,
    level       INTEGER NOT NULL DEFAULT 0,
    weight      INTEGER NOT NULL DEFAULT 0,
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  {{TIME}} NOT NULL,
    PRIMARY KEY (tenant_id, queue_id, agent_id)
);
CREATE INDEX acd_queue_members_agent ON acd_queue_members (tenant_id, agent_id);

-- One row per agent the engine has seen: login, state, pending request,
-- the call in progress and today's counters.
CREATE TABLE acd_agent_state (
    tenant_id      TEXT NOT NULL,
    agent_id       TEXT NOT NULL,
    work_number    TEXT NOT NULL DEFAULT '',
    device         TEXT NOT NULL DEFAULT '',
    state          TEXT NOT NULL,
    reason         TEXT NOT NULL DEFAULT '',
    pending        TEXT NOT NULL DEFAULT '',
    pending_reason TEXT NOT NULL DEFAULT '',
    break_wait     TEXT NOT NULL DEFAULT '',
    since          {{TIME}} NOT NULL,
    call_id        TEXT NOT NULL DEFAULT '',
    queue_id       TEXT NOT NULL DEFAULT '',
    connected_at   {{TIME}},
    wrap_up_end    {{TIME}},
    calls_today    INTEGER NOT NULL DEFAULT 0,
    talk_today_ms  BIGINT NOT NULL DEFAULT 0,
    day            INTEGER NOT NULL DEFAULT 0,
    updated_at     {{TIME}} NOT NULL,
    PRIMARY KEY (tenant_id, agent_id)
);

CREATE TABLE acd_agent_log (
    id          {{SERIAL_PK}},
    tenant_id   TEXT NOT NULL,
    agent_id    TEXT NOT NULL,
    at          {{TIME}} NOT NULL,
    from_state  TEXT NOT NULL,
    to_state    TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    call_id     TEXT NOT NULL DEFAULT '',
    queue_id    TEXT NOT NULL DEFAULT '',
    by_user     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX acd_agent_log_agent_at ON acd_agent_log (tenant_id, agent_id, at);
CREATE INDEX acd_agent_log_at ON acd_agent_log (tenant_id, at);

-- Callers waiting in a queue (removed when answered or gone).
CREATE TABLE acd_queue_entries (
    tenant_id    TEXT NOT NULL,
    call_id      TEXT NOT NULL,
    queue_id     TEXT NOT NULL,
    priority     INTEGER NOT NULL DEFAULT 0,
    enqueued_at  {{TIME}} NOT NULL,
    first_at     {{TIME}} NOT NULL,
    seq          BIGINT NOT NULL,
    caller       TEXT NOT NULL DEFAULT '',
    last_agent   TEXT NOT NULL DEFAULT '',
    data         {{JSON}} NOT NULL DEFAULT '',
    hops         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, call_id)
);
CREATE INDEX acd_queue_entries_queue ON acd_queue_entries (tenant_id, queue_id);

CREATE TABLE acd_callbacks (
    tenant_id     TEXT NOT NULL,
    id            TEXT NOT NULL,
    call_id       TEXT NOT NULL,
    queue_id      TEXT NOT NULL,
    caller        TEXT NOT NULL DEFAULT '',
    number        TEXT NOT NULL,
    priority      INTEGER NOT NULL DEFAULT 0,
    status        TEXT NOT NULL DEFAULT 'pending',
    requested_at  {{TIME}} NOT NULL,
    handled_at    {{TIME}},
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX acd_callbacks_status ON acd_callbacks (tenant_id, status, requested_at);
