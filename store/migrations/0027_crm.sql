-- Customer records, work orders (工单) and service summaries (服务小结)
-- (docs/customers.md). Custom field definitions are JSON arrays of
-- {name, label, type, options, required} validated by package crm.

-- The tenant's customer settings: custom fields and number masking
-- (crm.CustomerSettings as JSON, one row per tenant).
CREATE TABLE customer_fields (
    tenant_id  TEXT NOT NULL PRIMARY KEY,
    fields     {{JSON}} NOT NULL DEFAULT '{}',
    updated_at {{TIME}} NOT NULL
);

CREATE TABLE customers (
    id         {{SERIAL_PK}},
    tenant_id  TEXT NOT NULL,
    name       TEXT NOT NULL,
    company    TEXT NOT NULL DEFAULT '',
    numbers    {{JSON}} NOT NULL DEFAULT '[]',
    tags       {{JSON}} NOT NULL DEFAULT '[]',
    fields     {{JSON}} NOT NULL DEFAULT '{}',
    created_at {{TIME}} NOT NULL,
    updated_at {{TIME}} NOT NULL
);
CREATE INDEX customers_tenant_name ON customers (tenant_id, name);

-- A number belongs to at most one customer of a tenant; the caller's
-- number finds the customer on arrival.
CREATE TABLE customer_numbers (
    tenant_id   TEXT NOT NULL,
    number      TEXT NOT NULL,
    customer_id BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, number)
);
CREATE INDEX customer_numbers_customer ON customer_numbers (tenant_id, customer_id);

-- Work-order types: custom fields, statuses and transitions, SLA and
-- escalation rules in config.
CREATE TABLE workorder_types (
    tenant_id  TEXT NOT NULL,
    id         TEXT NOT NULL,
    name       TEXT NOT NULL,
    config     {{JSON}} NOT NULL,
    created_at {{TIME}} NOT NULL,
    updated_at {{TIME}} NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE work_orders (
    id             {{SERIAL_PK}},
    tenant_id      TEXT NOT NULL,
    type_id        TEXT NOT NULL,
    title          TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL,
    priority       TEXT NOT NULL DEFAULT 'normal',
    customer_id    BIGINT NOT NULL DEFAULT 0,
    call_id        TEXT NOT NULL DEFAULT '',
    assignee_agent TEXT NOT NULL DEFAULT '',
    assignee_queue TEXT NOT NULL DEFAULT '',
    fields         {{JSON}} NOT NULL DEFAULT '{}',
    created_by     TEXT NOT NULL DEFAULT '',
    created_at     {{TIME}} NOT NULL,
    updated_at     {{TIME}} NOT NULL,
    due_at         {{TIME}} NULL,
    resolved_at    {{TIME}} NULL,
    sla_breached   {{BOOL}} NOT NULL DEFAULT FALSE,
    escalations    {{JSON}} NOT NULL DEFAULT '[]'
);
CREATE INDEX work_orders_status ON work_orders (tenant_id, status);
CREATE INDEX work_orders_agent ON work_orders (tenant_id, assignee_agent);
CREATE INDEX work_orders_customer ON work_orders (tenant_id, customer_id);
CREATE INDEX work_orders_open ON work_orders (resolved_at, created_at);

-- Every change of a work order (created, status, assigned, fields,
-- comment, attachment, escalated, notified), in order.
CREATE TABLE workorder_events (
    id           {{SERIAL_PK}},
    tenant_id    TEXT NOT NULL,
    workorder_id BIGINT NOT NULL,
    kind         TEXT NOT NULL,
    actor        TEXT NOT NULL DEFAULT '',
    detail       {{JSON}} NOT NULL DEFAULT '{}',
    at           {{TIME}} NOT NULL
);
CREATE INDEX workorder_events_order ON workorder_events (tenant_id, workorder_id, id);

CREATE TABLE workorder_attachments (
    id           {{SERIAL_PK}},
    tenant_id    TEXT NOT NULL,
    workorder_id BIGINT NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   BIGINT NOT NULL,
    data         {{BLOB}} NOT NULL,
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   {{TIME}} NOT NULL
);
CREATE INDEX workorder_attachments_order ON workorder_attachments (tenant_id, workorder_id);

-- Per-queue wrap-up forms (服务小结): business, type and outcome choices and
-- custom fields. Whether one is required before leaving wrap-up is the
-- queue's summary_required (acd.QueueConfig).
CREATE TABLE summary_forms (
    tenant_id  TEXT NOT NULL,
    queue_id   TEXT NOT NULL,
    config     {{JSON}} NOT NULL,
    updated_at {{TIME}} NOT NULL,
    PRIMARY KEY (tenant_id, queue_id)
);

-- The summary an agent submitted for a call (one per call).
CREATE TABLE call_summaries (
    tenant_id    TEXT NOT NULL,
    call_id      TEXT NOT NULL,
    queue_id     TEXT NOT NULL DEFAULT '',
    agent_id     TEXT NOT NULL DEFAULT '',
    business     TEXT NOT NULL DEFAULT '',
    type         TEXT NOT NULL DEFAULT '',
    outcome      TEXT NOT NULL DEFAULT '',
    fields       {{JSON}} NOT NULL DEFAULT '{}',
    submitted_at {{TIME}} NOT NULL,
    PRIMARY KEY (tenant_id, call_id)
);
