-- Outbound routing and caller ID (issue 13): a tenant's trunks, routes and
-- caller-ID pools, each a JSON document validated by package outroute.
-- The tenant's toll-fraud guard and default pool are the settings row
-- named "outbound".
CREATE TABLE outbound_objects (
    tenant_id  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    id         TEXT NOT NULL,
    document   {{JSON}} NOT NULL,
    created_at {{TIME}} NOT NULL,
    updated_at {{TIME}} NOT NULL,
    PRIMARY KEY (tenant_id, kind, id)
);
