-- API token lifecycle (issue 11): a token may expire. NULL means no expiry, which a creator must
-- ask for explicitly; tokens created before this version keep NULL and so keep working until
-- they are revoked.
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMPTZ NULL;

-- The account page, `GET /api/v1/me/tokens` and `token list` read one user's tokens.
CREATE INDEX api_tokens_user ON api_tokens (user_id, id);
