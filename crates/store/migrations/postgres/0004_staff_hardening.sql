-- Lockout per account and source address; the account-wide count only slows unfamiliar
-- addresses down (locked_until becomes slowed_until).
ALTER TABLE account RENAME COLUMN locked_until TO slowed_until;
ALTER TABLE account ADD COLUMN last_login_at TIMESTAMPTZ;
ALTER TABLE account ADD COLUMN last_login_source TEXT;
ALTER TABLE account ADD COLUMN previous_login_at TIMESTAMPTZ;
ALTER TABLE account ADD COLUMN previous_login_source TEXT;
ALTER TABLE account ADD COLUMN failures_before_login BIGINT NOT NULL DEFAULT 0;
CREATE TABLE login_source (
    account_id UUID NOT NULL REFERENCES account (id),
    source TEXT NOT NULL,
    failures BIGINT NOT NULL DEFAULT 0,
    locked_until TIMESTAMPTZ,
    last_failure_at TIMESTAMPTZ,
    last_success_at TIMESTAMPTZ,
    PRIMARY KEY (account_id, source)
);
-- 三员分立: an account holding an administrator role holds no business role, and the other
-- way round. The account row is locked first so that two grants at once cannot both pass.
CREATE FUNCTION staff_grant_administrator_alone() RETURNS trigger AS $$
BEGIN
    PERFORM 1 FROM account WHERE id = NEW.account_id FOR UPDATE;
    IF EXISTS (
        SELECT 1 FROM staff_grant g
        WHERE g.account_id = NEW.account_id AND g.revoked_at IS NULL
          AND (g.role IN ('system_admin', 'security_admin', 'audit_admin'))
              <> (NEW.role IN ('system_admin', 'security_admin', 'audit_admin'))
    ) THEN
        RAISE EXCEPTION 'staff_grant_administrator_alone'
            USING ERRCODE = '23514', CONSTRAINT = 'staff_grant_administrator_alone';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER staff_grant_administrator_alone BEFORE INSERT ON staff_grant
    FOR EACH ROW EXECUTE FUNCTION staff_grant_administrator_alone();
