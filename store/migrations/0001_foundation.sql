-- Tenants, users, API keys, the audit log and settings.
-- Tokens such as {{TIME}} are replaced per dialect (see migrate.go).

CREATE TABLE tenants (
    tenant_id    TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    timezone     TEXT NOT NULL DEFAULT 'UTC',
    disabled     {{BOOL}} NOT NULL DEFAULT FALSE,
    created_at   {{TIME}} NOT NULL,
    updated_at   {{TIME}} NOT NULL
);

-- tenant_id '' holds platform users (superadmin).
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL,
    username      TEXT NOT NULL,
    display_name  TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled      {{BOOL}} NOT NULL DEFAULT FALSE,
    created_at    {{TIME}} NOT NULL,
    updated_at    {{TIME}} NOT NULL,
    UNIQUE (tenant_id, username)
);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL UNIQUE,
    secret_hash  TEXT NOT NULL,
    role         TEXT NOT NULL,
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   {{TIME}} NOT NULL,
    last_used_at {{TIME}},
    revoked_at   {{TIME}}
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id);

CREATE TABLE audit_log (
    id           {{SERIAL_PK}},
    tenant_id    TEXT NOT NULL,
    at           {{TIME}} NOT NULL,
    actor_id     TEXT NOT NULL DEFAULT '',
    actor_name   TEXT NOT NULL DEFAULT '',
    actor_kind   TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL,
    object_type  TEXT NOT NULL DEFAULT '',
    object_id    TEXT NOT NULL DEFAULT '',
    status       INTEGER NOT NULL DEFAULT 0,
    remote_addr  TEXT NOT NULL DEFAULT '',
    request_id   TEXT NOT NULL DEFAULT '',
    detail       {{JSON}} NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_tenant_at ON audit_log (tenant_id, at);

CREATE TABLE settings (
    tenant_id  TEXT NOT NULL,
    name       TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_at {{TIME}} NOT NULL,
    PRIMARY KEY (tenant_id, name)
);
