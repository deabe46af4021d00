-- Leases with fencing tokens (package cluster): which controller drives each
-- switch connection. One row per lease name ("switch:<name>"); the row stays
-- when the lease is released or expires, so its token only ever grows: each
-- new holder gets the previous token + 1. Platform-wide rows: tenant_id ''.
-- holder is the controller id shown to people; instance tells two runs of
-- the same controller apart (a restarted process is a new instance).
CREATE TABLE cluster_leases (
    tenant_id   TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL,
    holder      TEXT NOT NULL,
    instance    TEXT NOT NULL,
    host        TEXT NOT NULL DEFAULT '',
    token       BIGINT NOT NULL,
    acquired_at {{TIME}} NOT NULL,
    renewed_at  {{TIME}} NOT NULL,
    expires_at  {{TIME}} NOT NULL,
    PRIMARY KEY (tenant_id, name)
);
