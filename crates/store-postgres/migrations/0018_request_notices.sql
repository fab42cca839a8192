-- Action requests' deadline notices (P2.2): when the due-soon notice is due (a quarter of the time
-- from creation to `due` left, `requests::state::warn_at`), and when each notice was sent, so the
-- sweep sends each once.
ALTER TABLE action_requests
    ADD COLUMN warn_at TIMESTAMPTZ,
    ADD COLUMN due_soon_noticed_at TIMESTAMPTZ,
    ADD COLUMN overdue_noticed_at TIMESTAMPTZ;
UPDATE action_requests SET warn_at = due_at - (due_at - created_at) / 4;
CREATE INDEX action_requests_warn ON action_requests (state, warn_at);
