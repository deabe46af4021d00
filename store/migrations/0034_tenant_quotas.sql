-- Tenant quotas (issue 16, seed 004 §3.1.2): what one tenant may use of a
-- shared installation. 0 in a column means unlimited; a tenant without a
-- row has no limits at all. See docs/tenants.md.
CREATE TABLE tenant_quotas (
    tenant_id            TEXT PRIMARY KEY,
    max_agents           INTEGER NOT NULL DEFAULT 0,
    max_calls            INTEGER NOT NULL DEFAULT 0,
    max_web_calls        INTEGER NOT NULL DEFAULT 0,
    max_cps              INTEGER NOT NULL DEFAULT 0,
    max_flows            INTEGER NOT NULL DEFAULT 0,
    max_recording_bytes  BIGINT  NOT NULL DEFAULT 0,
    updated_at           {{TIME}} NOT NULL
);
