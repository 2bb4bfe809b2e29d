CREATE TABLE account (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('applicant', 'staff')),
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    organization TEXT,
    password_hash TEXT,
    password_changed_at TEXT,
    totp_secret TEXT,
    totp_last_step INTEGER,
    assurance TEXT NOT NULL CHECK (assurance IN ('self_registered', 'single_sign_on', 'in_person')),
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    disabled_at TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE person (
    account_id TEXT PRIMARY KEY REFERENCES account (id),
    name TEXT NOT NULL,
    document_kind TEXT NOT NULL,
    document_sealed TEXT NOT NULL,
    document_index TEXT NOT NULL UNIQUE,
    document_masked TEXT NOT NULL,
    phone_sealed TEXT NOT NULL,
    phone_index TEXT NOT NULL,
    phone_masked TEXT NOT NULL
);
CREATE INDEX person_phone ON person (phone_index);
CREATE TABLE staff_grant (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES account (id),
    role TEXT NOT NULL,
    division_code TEXT NOT NULL,
    matters TEXT NOT NULL DEFAULT '[]',
    unmask INTEGER NOT NULL DEFAULT 0,
    granted_by TEXT,
    granted_at TEXT NOT NULL,
    revoked_by TEXT,
    revoked_at TEXT
);
CREATE INDEX staff_grant_account ON staff_grant (account_id);
-- 三员分立: at most one live administrator grant per account, enforced here as well.
CREATE UNIQUE INDEX staff_grant_one_administrator ON staff_grant (account_id)
    WHERE role IN ('system_admin', 'security_admin', 'audit_admin') AND revoked_at IS NULL;
CREATE TABLE session (
    id_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES account (id),
    stage TEXT NOT NULL CHECK (stage IN ('second_factor', 'complete')),
    csrf_token TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX session_account ON session (account_id);
CREATE TABLE api_token (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES account (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT
);
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
    VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT,
    source TEXT NOT NULL,
    event TEXT NOT NULL,
    object TEXT,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TABLE data_key (
    id TEXT PRIMARY KEY,
    master_id TEXT NOT NULL,
    wrapped BLOB NOT NULL,
    active INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX data_key_one_active ON data_key (active) WHERE active = 1;
