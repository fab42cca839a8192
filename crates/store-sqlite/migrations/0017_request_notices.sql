-- Action requests' deadline notices (P2.2): when the due-soon notice is due (a quarter of the time
-- from creation to `due` left, `requests::state::warn_at`), and when each notice was sent, so the
-- sweep sends each once. Rows stored before get their `warn_at` to the second.
ALTER TABLE action_requests ADD COLUMN warn_at TEXT;
ALTER TABLE action_requests ADD COLUMN due_soon_noticed_at TEXT;
ALTER TABLE action_requests ADD COLUMN overdue_noticed_at TEXT;
UPDATE action_requests
   SET warn_at = strftime('%Y-%m-%dT%H:%M:%S',
                          julianday(due_at) - (julianday(due_at) - julianday(created_at)) / 4)
                 || '.000000Z';
CREATE INDEX action_requests_warn ON action_requests (state, warn_at);
