-- A controller that starts (or reconnects to a switch) looks up, for every
-- leg it re-adopts, the unfinished call it belongs to, and completes the
-- records of calls that ended while nobody watched: both only ever look at
-- calls and legs without an end, which these partial indexes keep small.
CREATE INDEX calls_open ON calls (switch, leg) WHERE ended_at IS NULL;
CREATE INDEX call_legs_open ON call_legs (leg_id) WHERE ended_at IS NULL;
