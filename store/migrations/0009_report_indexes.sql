-- Indexes for the standard reports (reports/, docs/reports.md). Each report
-- reads one month of one tenant's rows; these let it reach them by the
-- filter it uses and, where it pays, without touching the table.

-- Hourly traffic and the call listings without filters: the range scan
-- reads direction and disposition from the index.
CREATE INDEX calls_report_started ON calls (tenant_id, started_at, direction, disposition);
-- Queue statistics, the abandoned list and listings filtered by queue.
CREATE INDEX calls_report_queue ON calls (tenant_id, queue_id, started_at);
-- Agent call statistics and listings filtered by agent.
CREATE INDEX calls_report_agent ON calls (tenant_id, agent_id, started_at);
-- Satisfaction: surveys are joined to the calls they rate.
CREATE INDEX survey_results_call ON survey_results (tenant_id, call_id);
-- Agent service time reads every transition of the range in (at, id) order:
-- this index holds all it needs, so the log table itself is not read.
CREATE INDEX acd_agent_log_report ON acd_agent_log (tenant_id, at, id, agent_id, to_state, reason);
