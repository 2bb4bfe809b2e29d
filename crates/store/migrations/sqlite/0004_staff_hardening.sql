-- Lockout per account and source address; the account-wide count only slows unfamiliar
-- addresses down (locked_until becomes slowed_until).
ALTER TABLE account RENAME COLUMN locked_until TO slowed_until;
ALTER TABLE account ADD COLUMN last_login_at TEXT;
ALTER TABLE account ADD COLUMN last_login_source TEXT;
ALTER TABLE account ADD COLUMN previous_login_at TEXT;
ALTER TABLE account ADD COLUMN previous_login_source TEXT;
ALTER TABLE account ADD COLUMN failures_before_login INTEGER NOT NULL DEFAULT 0;
CREATE TABLE login_source (
    account_id TEXT NOT NULL REFERENCES account (id),
    source TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    last_failure_at TEXT,
    last_success_at TEXT,
    PRIMARY KEY (account_id, source)
);
-- 三员分立: an account holding an administrator role holds no business role, and the other
-- way round.
CREATE TRIGGER staff_grant_administrator_alone BEFORE INSERT ON staff_grant
WHEN EXISTS (
    SELECT 1 FROM staff_grant g
    WHERE g.account_id = NEW.account_id AND g.revoked_at IS NULL
      AND (g.role IN ('system_admin', 'security_admin', 'audit_admin'))
          <> (NEW.role IN ('system_admin', 'security_admin', 'audit_admin')))
BEGIN SELECT RAISE(ABORT, 'staff_grant_administrator_alone'); END;
