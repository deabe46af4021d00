-- SMS (package sms): each tenant's providers (an HTTP gateway or an SMPP
-- SMSC, settings as JSON), its message templates (text per language as a
-- JSON object), the opt-out list, and every message sent or received with
-- its delivery status. sms_parts maps the provider's id of each part of a
-- long message to the message, so delivery reports find it.
CREATE TABLE sms_providers (
    tenant_id   TEXT NOT NULL,
    id          TEXT NOT NULL,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    sender_id   TEXT NOT NULL DEFAULT '',
    is_default  {{BOOL}} NOT NULL DEFAULT FALSE,
    enabled     {{BOOL}} NOT NULL DEFAULT TRUE,
    config      {{JSON}} NOT NULL DEFAULT '{}',
    hook_token  TEXT NOT NULL,
    created_at  {{TIME}} NOT NULL,
    updated_at  {{TIME}} NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX sms_providers_hook_token ON sms_providers (hook_token);

CREATE TABLE sms_templates (
    tenant_id   TEXT NOT NULL,
    name        TEXT NOT NULL,
    purpose     TEXT NOT NULL DEFAULT 'custom',
    texts       {{JSON}} NOT NULL DEFAULT '{}',
    created_at  {{TIME}} NOT NULL,
    updated_at  {{TIME}} NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

CREATE TABLE sms_optouts (
    tenant_id   TEXT NOT NULL,
    number      TEXT NOT NULL,
    source      TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    created_at  {{TIME}} NOT NULL,
    PRIMARY KEY (tenant_id, number)
);

CREATE TABLE sms_messages (
    id              TEXT NOT NULL PRIMARY KEY,
    tenant_id       TEXT NOT NULL,
    direction       TEXT NOT NULL,
    provider_id     TEXT NOT NULL DEFAULT '',
    sender          TEXT NOT NULL DEFAULT '',
    number          TEXT NOT NULL,
    body            TEXT NOT NULL,
    template        TEXT NOT NULL DEFAULT '',
    language        TEXT NOT NULL DEFAULT '',
    source          TEXT NOT NULL DEFAULT '',
    call_id         TEXT NOT NULL DEFAULT '',
    agent_id        TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,
    parts           INTEGER NOT NULL DEFAULT 1,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at {{TIME}},
    error           TEXT NOT NULL DEFAULT '',
    created_at      {{TIME}} NOT NULL,
    updated_at      {{TIME}} NOT NULL,
    done_at         {{TIME}}
);
CREATE INDEX sms_messages_tenant_created ON sms_messages (tenant_id, created_at);
CREATE INDEX sms_messages_tenant_number ON sms_messages (tenant_id, number, created_at);
CREATE INDEX sms_messages_due ON sms_messages (status, next_attempt_at);

CREATE TABLE sms_parts (
    tenant_id       TEXT NOT NULL,
    provider_id     TEXT NOT NULL,
    provider_msg_id TEXT NOT NULL,
    message_id      TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    status          TEXT NOT NULL,
    PRIMARY KEY (tenant_id, provider_id, provider_msg_id)
);
CREATE INDEX sms_parts_message ON sms_parts (message_id);
