-- One row per inbound or outbound call handled by ipcc: written when the call
-- arrives and completed when it ends, with the decision trace (route, flow
-- nodes, targets) so any call can be explained afterwards.
CREATE TABLE calls (
    tenant_id     TEXT NOT NULL,
    id            TEXT NOT NULL,
    switch        TEXT NOT NULL DEFAULT '',
    leg           TEXT NOT NULL DEFAULT '',
    direction     TEXT NOT NULL DEFAULT 'inbound',
    ani           TEXT NOT NULL DEFAULT '',
    dnis          TEXT NOT NULL DEFAULT '',
    started_at    {{TIME}} NOT NULL,
    answered_at   {{TIME}},
    ended_at      {{TIME}},
    disposition   TEXT NOT NULL DEFAULT '',
    route_id      TEXT NOT NULL DEFAULT '',
    flow_id       TEXT NOT NULL DEFAULT '',
    queue_id      TEXT NOT NULL DEFAULT '',
    agent_id      TEXT NOT NULL DEFAULT '',
    target        TEXT NOT NULL DEFAULT '',
    hangup_cause  TEXT NOT NULL DEFAULT '',
    hangup_by     TEXT NOT NULL DEFAULT '',
    trace         {{JSON}} NOT NULL DEFAULT '[]',
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX calls_tenant_started ON calls (tenant_id, started_at);
CREATE INDEX calls_tenant_ani ON calls (tenant_id, ani);
