-- Webhooks for the whole call life (Standard Webhooks signing, secret
-- rotation, per-call ordering, dead letters, latency) and CRM screen pops.

-- Rotation: the secret replaced by the last rotation stays valid (both
-- signatures are sent) until previous_secret_until.
ALTER TABLE webhooks ADD COLUMN previous_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE webhooks ADD COLUMN previous_secret_until {{TIME}};

-- call_id orders a call's events: a delivery waits while an earlier one of
-- the same call to the same endpoint is pending. latency_ms is enqueue →
-- delivered; attempt_ms the last attempt's round trip. Status 'dead' is the
-- dead-letter list (retries exhausted), replays counts how often one was put
-- back.
ALTER TABLE webhook_deliveries ADD COLUMN call_id TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_deliveries ADD COLUMN latency_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE webhook_deliveries ADD COLUMN attempt_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE webhook_deliveries ADD COLUMN replays INTEGER NOT NULL DEFAULT 0;
-- A call's pending deliveries to an endpoint, in order: the head check on
-- insert, the due scan's order check and the next of a call after one is
-- done all look here (an index on (tenant_id, status, ...) would make
-- SQLite scan every pending row of the tenant instead).
CREATE INDEX webhook_deliveries_call ON webhook_deliveries (webhook_id, call_id, status, id);

-- Screen pop per tenant (queue_id '') and per queue: the CRM URL template
-- the agent desktop opens, and the optional pre-routing lookup.
CREATE TABLE screen_pops (
    tenant_id          TEXT NOT NULL,
    queue_id           TEXT NOT NULL DEFAULT '',
    url_template       TEXT NOT NULL DEFAULT '',
    mode               TEXT NOT NULL DEFAULT 'link',
    lookup_url         TEXT NOT NULL DEFAULT '',
    lookup_timeout_ms  BIGINT NOT NULL DEFAULT 0,
    lookup_cache_ms    BIGINT NOT NULL DEFAULT 0,
    updated_at         {{TIME}} NOT NULL,
    updated_by         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, queue_id)
);
