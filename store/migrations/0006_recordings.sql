-- Call recordings: where the file is and what it belongs to.
CREATE TABLE recordings (
    tenant_id    TEXT NOT NULL,
    id           TEXT NOT NULL,
    call_id      TEXT NOT NULL,
    agent_id     TEXT NOT NULL DEFAULT '',
    queue_id     TEXT NOT NULL DEFAULT '',
    ani          TEXT NOT NULL DEFAULT '',
    path         TEXT NOT NULL,
    started_at   {{TIME}} NOT NULL,
    ended_at     {{TIME}},
    duration_ms  INTEGER NOT NULL DEFAULT 0,
    size_bytes   INTEGER NOT NULL DEFAULT 0,
    sha256       TEXT NOT NULL DEFAULT '',
    legal_hold   {{BOOL}} NOT NULL DEFAULT FALSE,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX recordings_tenant_started ON recordings (tenant_id, started_at);
CREATE INDEX recordings_tenant_call ON recordings (tenant_id, call_id);
