-- Outbound campaigns (issue 13): a campaign with its settings document, its
-- leads (the numbers to call), every attempt on a lead (calls and skips,
-- with the outcome, the agent's disposition and script answers), and the
-- do-not-call lists checked at dial time.
CREATE TABLE campaigns (
    tenant_id   TEXT NOT NULL,
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    type        TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'draft',
    document    {{JSON}} NOT NULL,
    created_at  {{TIME}} NOT NULL,
    updated_at  {{TIME}} NOT NULL,
    started_at  {{TIME}} NULL,
    finished_at {{TIME}} NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX campaigns_status ON campaigns (status);

CREATE TABLE campaign_leads (
    id           {{SERIAL_PK}},
    tenant_id    TEXT NOT NULL,
    campaign_id  TEXT NOT NULL,
    phone        TEXT NOT NULL,
    name         TEXT NOT NULL DEFAULT '',
    fields       {{JSON}} NOT NULL DEFAULT '{}',
    agent_id     TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'pending',
    attempts     INTEGER NOT NULL DEFAULT 0,
    day_attempts INTEGER NOT NULL DEFAULT 0,
    attempt_day  TEXT NOT NULL DEFAULT '',
    next_at      {{TIME}} NULL,
    last_outcome TEXT NOT NULL DEFAULT '',
    disposition  TEXT NOT NULL DEFAULT '',
    claimed_by   TEXT NOT NULL DEFAULT '',
    row_no       INTEGER NOT NULL DEFAULT 0,
    updated_at   {{TIME}} NOT NULL
);
CREATE UNIQUE INDEX campaign_leads_phone ON campaign_leads (tenant_id, campaign_id, phone);
CREATE INDEX campaign_leads_due ON campaign_leads (tenant_id, campaign_id, status, next_at);

CREATE TABLE campaign_attempts (
    id          {{SERIAL_PK}},
    tenant_id   TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    lead_id     BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    agent_id    TEXT NOT NULL DEFAULT '',
    call_id     TEXT NOT NULL DEFAULT '',
    outcome     TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL DEFAULT '',
    disposition TEXT NOT NULL DEFAULT '',
    answers     {{JSON}} NOT NULL DEFAULT '{}',
    note        TEXT NOT NULL DEFAULT '',
    started_at  {{TIME}} NOT NULL,
    ended_at    {{TIME}} NULL
);
CREATE INDEX campaign_attempts_lead ON campaign_attempts (tenant_id, campaign_id, lead_id);

-- Do-not-call numbers: tenant_id '' is the platform list; scope '' is the
-- tenant's own list, a campaign id that campaign's suppression list.
CREATE TABLE dnc_numbers (
    tenant_id TEXT NOT NULL,
    scope     TEXT NOT NULL,
    number    TEXT NOT NULL,
    reason    TEXT NOT NULL DEFAULT '',
    added_at  {{TIME}} NOT NULL,
    PRIMARY KEY (tenant_id, scope, number)
);
