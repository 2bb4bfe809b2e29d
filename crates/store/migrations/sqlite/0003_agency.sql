CREATE TABLE delegation (
    id TEXT PRIMARY KEY,
    department_code TEXT NOT NULL,
    place_code TEXT NOT NULL,
    matters TEXT NOT NULL DEFAULT '[]',
    created_by TEXT,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX delegation_place ON delegation (place_code) WHERE revoked_at IS NULL;
CREATE TABLE representation (
    id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES account (id),
    principal_kind TEXT NOT NULL CHECK (principal_kind IN ('organization', 'person')),
    principal TEXT NOT NULL,
    capacity TEXT NOT NULL,
    authorization_ref TEXT,
    valid_from TEXT NOT NULL,
    valid_until TEXT,
    recorded_by TEXT,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX representation_agent ON representation (agent_id) WHERE revoked_at IS NULL;
CREATE INDEX representation_principal ON representation (principal_kind, principal) WHERE revoked_at IS NULL;
