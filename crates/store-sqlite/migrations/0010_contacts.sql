-- P2.1 contacts: people and functional mailboxes of organisations, each with a directory
-- visibility. `doc` is the whole contact as JSON (decoded in core, contacts/rows.rs); the other
-- columns are what listings filter on.
CREATE TABLE contacts (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    visibility  TEXT NOT NULL CHECK (visibility IN ('members', 'partners', 'public')),
    name_lc     TEXT NOT NULL,
    emails_lc   TEXT NOT NULL,
    kinds       TEXT NOT NULL,
    doc         TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX contacts_org ON contacts (org_id, name_lc, id);
