-- IVR flows: an editable draft per flow and its published versions, plus
-- the plain tables flow nodes write to (voicemail, satisfaction surveys).
-- Tokens such as {{TIME}} are replaced per dialect (see migrate.go).

CREATE TABLE flows (
    tenant_id         TEXT NOT NULL,
    id                TEXT NOT NULL,
    name              TEXT NOT NULL DEFAULT '',
    draft             {{JSON}} NOT NULL,
    published_version INTEGER NOT NULL DEFAULT 0,
    created_at        {{TIME}} NOT NULL,
    updated_at        {{TIME}} NOT NULL,
    updated_by        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE flow_versions (
    tenant_id    TEXT NOT NULL,
    flow_id      TEXT NOT NULL,
    version      INTEGER NOT NULL,
    document     {{JSON}} NOT NULL,
    created_at   {{TIME}} NOT NULL,
    created_by   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, flow_id, version)
);

CREATE TABLE voicemail_messages (
    id           {{SERIAL_PK}},
    tenant_id    TEXT NOT NULL,
    mailbox      TEXT NOT NULL,
    call_id      TEXT NOT NULL DEFAULT '',
    caller       TEXT NOT NULL DEFAULT '',
    path         TEXT NOT NULL,
    duration_ms  INTEGER NOT NULL DEFAULT 0,
    created_at   {{TIME}} NOT NULL,
    heard        {{BOOL}} NOT NULL DEFAULT FALSE
);
CREATE INDEX voicemail_messages_mailbox ON voicemail_messages (tenant_id, mailbox, created_at);

CREATE TABLE survey_results (
    id           {{SERIAL_PK}},
    tenant_id    TEXT NOT NULL,
    call_id      TEXT NOT NULL DEFAULT '',
    agent_id     TEXT NOT NULL DEFAULT '',
    queue        TEXT NOT NULL DEFAULT '',
    score        INTEGER NOT NULL,
    created_at   {{TIME}} NOT NULL
);
CREATE INDEX survey_results_tenant_created ON survey_results (tenant_id, created_at);
CREATE INDEX survey_results_agent ON survey_results (tenant_id, agent_id, created_at);
