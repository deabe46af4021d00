-- Recording control and voicemail: recording policies per tenant, queue and
-- agent; retention settings and the retention log; the backup and deletion
-- marks of recordings; voicemail mailboxes; signed outbound webhooks with
-- their delivery outbox.

-- One row per (scope, target): scope tenant (target ''), queue or agent.
-- inbound / outbound: always, on_demand, never, or '' (inherit).
CREATE TABLE recording_policies (
    tenant_id   TEXT NOT NULL,
    id          TEXT NOT NULL,
    scope       TEXT NOT NULL,
    target      TEXT NOT NULL DEFAULT '',
    inbound     TEXT NOT NULL DEFAULT '',
    outbound    TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    created_at  {{TIME}} NOT NULL,
    updated_at  {{TIME}} NOT NULL,
    updated_by  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX recording_policies_scope ON recording_policies (tenant_id, scope, target);

-- Per-tenant retention: maximum age in days (0 = keep forever).
CREATE TABLE retention_settings (
    tenant_id       TEXT NOT NULL PRIMARY KEY,
    recording_days  INTEGER NOT NULL DEFAULT 0,
    voicemail_days  INTEGER NOT NULL DEFAULT 0,
    updated_at      {{TIME}} NOT NULL,
    updated_by      TEXT NOT NULL DEFAULT ''
);

-- Recordings keep their row after retention removed the file, so the call
-- record still says a recording existed and why it is gone.
ALTER TABLE recordings ADD COLUMN backed_up_at {{TIME}};
ALTER TABLE recordings ADD COLUMN backup_path TEXT NOT NULL DEFAULT '';
ALTER TABLE recordings ADD COLUMN deleted_at {{TIME}};
ALTER TABLE recordings ADD COLUMN deleted_reason TEXT NOT NULL DEFAULT '';
CREATE INDEX recordings_retention ON recordings (deleted_at, started_at);

-- One row per retention run (tenant '' = every tenant).
CREATE TABLE retention_runs (
    id           {{SERIAL_PK}},
    tenant_id    TEXT NOT NULL DEFAULT '',
    trigger_kind TEXT NOT NULL,
    actor        TEXT NOT NULL DEFAULT '',
    started_at   {{TIME}} NOT NULL,
    finished_at  {{TIME}},
    summary      {{JSON}} NOT NULL DEFAULT '{}',
    error        TEXT NOT NULL DEFAULT ''
);

-- One row per file a run backed up or deleted (or failed to).
CREATE TABLE retention_log (
    id          {{SERIAL_PK}},
    run_id      BIGINT NOT NULL,
    tenant_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    path        TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    bytes       BIGINT NOT NULL DEFAULT 0,
    detail      TEXT NOT NULL DEFAULT '',
    at          {{TIME}} NOT NULL
);
CREATE INDEX retention_log_tenant ON retention_log (tenant_id, at);
CREATE INDEX retention_log_run ON retention_log (run_id);

-- Mailboxes give the free-form mailbox names of flows an owner (the tenant,
-- a queue or an agent) and a display name.
CREATE TABLE voicemail_mailboxes (
    tenant_id   TEXT NOT NULL,
    id          TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    owner_type  TEXT NOT NULL,
    owner_id    TEXT NOT NULL DEFAULT '',
    created_at  {{TIME}} NOT NULL,
    updated_at  {{TIME}} NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

-- notified: the "voicemail.new" event of the message is in the webhook
-- outbox. Messages left before this migration are not announced.
ALTER TABLE voicemail_messages ADD COLUMN notified {{BOOL}} NOT NULL DEFAULT FALSE;
UPDATE voicemail_messages SET notified = TRUE;
CREATE INDEX voicemail_messages_notified ON voicemail_messages (notified, id);

CREATE TABLE webhooks (
    tenant_id    TEXT NOT NULL,
    id           TEXT NOT NULL,
    url          TEXT NOT NULL,
    secret       TEXT NOT NULL,
    events       {{JSON}} NOT NULL DEFAULT '[]',
    enabled      {{BOOL}} NOT NULL DEFAULT TRUE,
    description  TEXT NOT NULL DEFAULT '',
    created_at   {{TIME}} NOT NULL,
    updated_at   {{TIME}} NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

-- The outbox: one row per (webhook, event), unique so an event is queued
-- once; status pending → delivered | failed.
CREATE TABLE webhook_deliveries (
    id               {{SERIAL_PK}},
    tenant_id        TEXT NOT NULL,
    webhook_id       TEXT NOT NULL,
    event_id         TEXT NOT NULL,
    event_type       TEXT NOT NULL,
    payload          {{JSON}} NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending',
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  {{TIME}} NOT NULL,
    last_status      INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       {{TIME}} NOT NULL,
    delivered_at     {{TIME}}
);
CREATE UNIQUE INDEX webhook_deliveries_event ON webhook_deliveries (webhook_id, tenant_id, event_id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_tenant ON webhook_deliveries (tenant_id, webhook_id, created_at);
