-- An API token is its holder's credential, bound to the grants the holder held when it was
-- issued. Tokens issued before (possibly by an administrator for someone else, with any
-- role) stop working; their holders issue new ones.
ALTER TABLE api_token ADD COLUMN grant_ids JSONB NOT NULL DEFAULT '[]';
UPDATE api_token SET revoked_at = now() WHERE revoked_at IS NULL;
-- 三员分立 for grants made before the database enforced it: business grants of an account
-- that holds an administrator role, grants anyone gave themselves, and unmasking on an
-- administrator role end now.
UPDATE staff_grant SET revoked_at = now()
WHERE revoked_at IS NULL
  AND role NOT IN ('system_admin', 'security_admin', 'audit_admin')
  AND account_id IN (SELECT account_id FROM staff_grant WHERE revoked_at IS NULL
                     AND role IN ('system_admin', 'security_admin', 'audit_admin'));
UPDATE staff_grant SET revoked_at = now()
WHERE revoked_at IS NULL AND granted_by = account_id;
UPDATE staff_grant SET unmask = FALSE
WHERE unmask AND role IN ('system_admin', 'security_admin', 'audit_admin');
-- A password set by someone else (a new account, a reset) is changed by its owner first.
ALTER TABLE account ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
