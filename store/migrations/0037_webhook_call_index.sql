-- A call's pending deliveries to an endpoint, found by every column the
-- order checks compare (tenant, endpoint, call, status, id); it also
-- serves the delivery log and stats of an endpoint (its first two
-- columns), so webhook_deliveries_tenant goes. With both indexes on a
-- young table (no statistics yet) PostgreSQL costed them the same and
-- answered the order checks through webhook_deliveries_tenant, reading
-- every row of the endpoint for each pending delivery: the due scan took
-- up to 5 s and the orphan sweep 8 to 33 s with 6,000 rows, holding the
-- outbox lock, and deliveries fell to 35/s in ipcc bench webhooks.
DROP INDEX webhook_deliveries_call;
DROP INDEX webhook_deliveries_tenant;
CREATE INDEX webhook_deliveries_call ON webhook_deliveries (tenant_id, webhook_id, call_id, status, id);
