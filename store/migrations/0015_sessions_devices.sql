-- token_version is written into every login token and compared on each
-- request: it is incremented when the user's password, role or disabled
-- flag changes, when their tenant is disabled, and on "log out
-- everywhere", which ends every token issued before.
ALTER TABLE users ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;

-- The devices (phones) an admin assigned to a user: an agent logs in only
-- on one of them; a supervisor's monitor rings one of them. A device may be
-- assigned to several users (a shared desk); the ACD refuses a device
-- already in use by another logged-in agent.
CREATE TABLE user_devices (
    tenant_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    device     TEXT NOT NULL,
    position   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, user_id, device)
);
CREATE INDEX user_devices_device ON user_devices (tenant_id, device);
