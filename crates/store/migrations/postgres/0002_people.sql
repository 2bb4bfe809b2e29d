CREATE TABLE account (
    id UUID PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('applicant', 'staff')),
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    organization TEXT,
    password_hash TEXT,
    password_changed_at TIMESTAMPTZ,
    totp_secret TEXT,
    totp_last_step BIGINT,
    assurance TEXT NOT NULL CHECK (assurance IN ('self_registered', 'single_sign_on', 'in_person')),
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until TIMESTAMPTZ,
    disabled_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE person (
    account_id UUID PRIMARY KEY REFERENCES account (id),
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
    id UUID PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES account (id),
    role TEXT NOT NULL,
    division_code TEXT NOT NULL,
    matters JSONB NOT NULL DEFAULT '[]',
    unmask BOOLEAN NOT NULL DEFAULT FALSE,
    granted_by UUID,
    granted_at TIMESTAMPTZ NOT NULL,
    revoked_by UUID,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX staff_grant_account ON staff_grant (account_id);
-- 三员分立: at most one live administrator grant per account, enforced here as well.
CREATE UNIQUE INDEX staff_grant_one_administrator ON staff_grant (account_id)
    WHERE role IN ('system_admin', 'security_admin', 'audit_admin') AND revoked_at IS NULL;
CREATE TABLE session (
    id_hash TEXT PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES account (id),
    stage TEXT NOT NULL CHECK (stage IN ('second_factor', 'complete')),
    csrf_token TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX session_account ON session (account_id);
CREATE TABLE api_token (
    id UUID PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES account (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    scopes JSONB NOT NULL DEFAULT '[]',
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
    VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
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
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TABLE data_key (
    id TEXT PRIMARY KEY,
    master_id TEXT NOT NULL,
    wrapped BYTEA NOT NULL,
    active BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX data_key_one_active ON data_key (active) WHERE active;
