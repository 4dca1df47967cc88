-- Bringing in the team from the browser (issue 15). An invitation is a single-use link: only
-- the SHA-256 of its token is stored, the raw token lives in the link alone. It is accepted at
-- most once (`accepted_at`), refused after `expires_at` or `revoked_at`; a resend replaces
-- the token and the expiry of the same row.
CREATE TABLE invitations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    email TEXT NOT NULL CHECK (length(email) <= 254),
    role TEXT NOT NULL CHECK (role IN ('owner', 'manager', 'operator', 'readonly')),
    all_tenants BOOLEAN NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    locale TEXT NOT NULL CHECK (locale IN ('en', 'de')),
    invited_by_user_id BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
    invited_by_label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    accepted_at TEXT NULL,
    accepted_user_id BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
    revoked_at TEXT NULL
);
CREATE INDEX invitations_workspace ON invitations (workspace_id, created_at);
CREATE INDEX invitations_email ON invitations (workspace_id, email);

CREATE TABLE invitation_tenants (
    invitation_id BIGINT NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    PRIMARY KEY (invitation_id, tenant_id)
);

-- A password reset link (CLI- or owner-issued): single use, expiring, stored as its SHA-256.
CREATE TABLE password_resets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    requested_by_label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT NULL
);
CREATE INDEX password_resets_user ON password_resets (user_id);

-- What the account page lists about a session: the browser and address it was opened from.
ALTER TABLE sessions ADD COLUMN user_agent TEXT NULL;
ALTER TABLE sessions ADD COLUMN client_ip TEXT NULL;
CREATE INDEX sessions_user ON sessions (user_id);

ALTER TABLE users ADD COLUMN last_sign_in_at TEXT NULL;
