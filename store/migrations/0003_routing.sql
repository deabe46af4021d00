-- Inbound routing: routes by DID, schedules (one JSON document each),
-- blacklist and whitelist (VIP) entries, caller rules and named caller lists,
-- and per-tenant routing settings. Owned by store/routing.go.

CREATE TABLE routing_settings (
    tenant_id  TEXT PRIMARY KEY,
    document   {{JSON}} NOT NULL,
    updated_at {{TIME}} NOT NULL
);

CREATE TABLE routing_schedules (
    tenant_id  TEXT NOT NULL,
    id         TEXT NOT NULL,
    name       TEXT NOT NULL,
    document   {{JSON}} NOT NULL,
    created_at {{TIME}} NOT NULL,
    updated_at {{TIME}} NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);

CREATE TABLE routing_routes (
    tenant_id      TEXT NOT NULL,
    id             TEXT NOT NULL,
    name           TEXT NOT NULL,
    did            TEXT NOT NULL,
    enabled        {{BOOL}} NOT NULL DEFAULT TRUE,
    schedule_id    TEXT NOT NULL DEFAULT '',
    branches       {{JSON}} NOT NULL DEFAULT '{}',
    default_target {{JSON}} NOT NULL DEFAULT '',
    sticky_enabled {{BOOL}} NOT NULL DEFAULT FALSE,
    sticky_days    INTEGER NOT NULL DEFAULT 0,
    language       TEXT NOT NULL DEFAULT '',
    created_at     {{TIME}} NOT NULL,
    updated_at     {{TIME}} NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, did)
);
CREATE INDEX routing_routes_schedule ON routing_routes (tenant_id, schedule_id);

CREATE TABLE routing_blacklist (
    tenant_id  TEXT NOT NULL,
    id         TEXT NOT NULL,
    number     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    expires_at {{TIME}},
    created_at {{TIME}} NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, number, kind)
);

CREATE TABLE routing_whitelist (
    tenant_id  TEXT NOT NULL,
    id         TEXT NOT NULL,
    number     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    priority   INTEGER NOT NULL DEFAULT 0,
    expires_at {{TIME}},
    created_at {{TIME}} NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, number, kind)
);

CREATE TABLE routing_caller_rules (
    tenant_id   TEXT NOT NULL,
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    route_id    TEXT NOT NULL DEFAULT '',
    position    INTEGER NOT NULL DEFAULT 0,
    match_kind  TEXT NOT NULL,
    match_value TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_ref  TEXT NOT NULL DEFAULT '',
    enabled     {{BOOL}} NOT NULL DEFAULT TRUE,
    created_at  {{TIME}} NOT NULL,
    updated_at  {{TIME}} NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE routing_caller_lists (
    tenant_id  TEXT NOT NULL,
    list_name  TEXT NOT NULL,
    number     TEXT NOT NULL,
    created_at {{TIME}} NOT NULL,
    PRIMARY KEY (tenant_id, list_name, number)
);
