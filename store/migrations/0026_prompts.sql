-- The tenant's prompts library: uploaded audio (kind 'file', stored under
-- the tenant's own directory of media.prompt_dir) and TTS prompts (kind
-- 'tts', text per language in texts as a JSON object). Flows reference them
-- by name (prompt item "library: NAME").
CREATE TABLE prompts (
    tenant_id   TEXT NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    language    TEXT NOT NULL DEFAULT '',
    texts       {{JSON}} NOT NULL DEFAULT '{}',
    duration_ms BIGINT NOT NULL DEFAULT 0,
    size_bytes  BIGINT NOT NULL DEFAULT 0,
    sample_rate INTEGER NOT NULL DEFAULT 0,
    channels    INTEGER NOT NULL DEFAULT 0,
    created_at  {{TIME}} NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, name)
);
