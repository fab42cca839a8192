//! Column readers: a SQLite row into core's row structs ([`simpul_core::store::rows`]), whose
//! `decode` is the one validation of stored values. What is SQLite's own lives here: timestamps are
//! RFC 3339 text with six fractional digits in UTC ([`rfc3339_micros`], which sorts as text), uuids
//! are hyphenated text. A column that does not read is [`StoreError::Corrupt`], naming it.

use rusqlite::Row;
use rusqlite::types::FromSql;
use simpul_core::clock::rfc3339_micros;
use simpul_core::store::StoreError;
use simpul_core::store::rows::{
    AuditRow, CollectionRow, CommunityRow, LoginFailuresRow, ObjectRow, OrgRow, SessionRow,
    TokenRow, UserRow,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::error::Error;

/// A timestamp as stored.
pub(crate) fn ts(t: OffsetDateTime) -> String {
    rfc3339_micros(t)
}

pub(crate) fn opt_ts(t: Option<OffsetDateTime>) -> Option<String> {
    t.map(rfc3339_micros)
}

/// An optional uuid as stored.
pub(crate) fn opt_uuid_text(u: Option<Uuid>) -> Option<String> {
    u.map(|u| u.to_string())
}

/// The columns of one row of `table`, read by position.
pub(crate) struct Cols<'a, 'r> {
    row: &'a Row<'r>,
    table: &'static str,
}

impl<'a, 'r> Cols<'a, 'r> {
    pub(crate) fn new(row: &'a Row<'r>, table: &'static str) -> Self {
        Self { row, table }
    }

    fn corrupt(&self, i: usize, what: String) -> Error {
        let column = self.row.as_ref().column_name(i).unwrap_or("?");
        StoreError::Corrupt(format!("{}.{column}: {what}", self.table)).into()
    }

    pub(crate) fn get<T: FromSql>(&self, i: usize) -> Result<T, Error> {
        Ok(self.row.get(i)?)
    }

    pub(crate) fn uuid(&self, i: usize) -> Result<Uuid, Error> {
        let s: String = self.get(i)?;
        self.parse_uuid(i, &s)
    }

    pub(crate) fn opt_uuid(&self, i: usize) -> Result<Option<Uuid>, Error> {
        let s: Option<String> = self.get(i)?;
        s.map(|s| self.parse_uuid(i, &s)).transpose()
    }

    pub(crate) fn ts(&self, i: usize) -> Result<OffsetDateTime, Error> {
        let s: String = self.get(i)?;
        self.parse_ts(i, &s)
    }

    pub(crate) fn opt_ts(&self, i: usize) -> Result<Option<OffsetDateTime>, Error> {
        let s: Option<String> = self.get(i)?;
        s.map(|s| self.parse_ts(i, &s)).transpose()
    }

    /// Uuids joined by `,` (`group_concat`); none for NULL.
    pub(crate) fn uuid_list(&self, i: usize) -> Result<Vec<Uuid>, Error> {
        let s: Option<String> = self.get(i)?;
        s.as_deref().map_or(Ok(Vec::new()), |s| {
            s.split(',').map(|u| self.parse_uuid(i, u)).collect()
        })
    }

    fn parse_uuid(&self, i: usize, s: &str) -> Result<Uuid, Error> {
        s.parse()
            .map_err(|e| self.corrupt(i, format!("uuid `{s}`: {e}")))
    }

    fn parse_ts(&self, i: usize, s: &str) -> Result<OffsetDateTime, Error> {
        OffsetDateTime::parse(s, &Rfc3339)
            .map_err(|e| self.corrupt(i, format!("timestamp `{s}`: {e}")))
    }
}

/// [`simpul_core::store::rows::ORG_COLUMNS`].
pub(crate) fn org(row: &Row<'_>) -> Result<OrgRow, Error> {
    let c = Cols::new(row, "organisations");
    Ok(OrgRow {
        id: c.uuid(0)?,
        name: c.get(1)?,
        short_name: c.get(2)?,
        kind: c.get(3)?,
        country: c.get(4)?,
        status: c.get(5)?,
        created_at: c.ts(6)?,
    })
}

/// `id, name, description, created_at` of `communities` and one member's `org_id` (none when the
/// community has no members), as [`crate::directory`] selects them.
pub(crate) fn community(row: &Row<'_>) -> Result<(CommunityRow, Option<Uuid>), Error> {
    let c = Cols::new(row, "communities");
    let community = CommunityRow {
        id: c.uuid(0)?,
        name: c.get(1)?,
        description: c.get(2)?,
        created_at: c.ts(3)?,
        members: Vec::new(),
    };
    let member = Cols::new(row, "community_members").opt_uuid(4)?;
    Ok((community, member))
}

/// [`simpul_core::store::rows::USER_COLUMNS`].
pub(crate) fn user(row: &Row<'_>) -> Result<UserRow, Error> {
    let c = Cols::new(row, "users");
    Ok(UserRow {
        id: c.uuid(0)?,
        email: c.get(1)?,
        display_name: c.get(2)?,
        org_id: c.uuid(3)?,
        role: c.get(4)?,
        status: c.get(5)?,
        created_at: c.ts(6)?,
    })
}

/// [`simpul_core::store::rows::TOKEN_COLUMNS`].
pub(crate) fn token(row: &Row<'_>) -> Result<TokenRow, Error> {
    let c = Cols::new(row, "api_tokens");
    Ok(TokenRow {
        id: c.uuid(0)?,
        user_id: c.uuid(1)?,
        name: c.get(2)?,
        scopes: c.get(3)?,
        created_at: c.ts(4)?,
        expires_at: c.opt_ts(5)?,
        last_used_at: c.opt_ts(6)?,
        revoked_at: c.opt_ts(7)?,
    })
}

/// [`simpul_core::store::rows::SESSION_COLUMNS`].
pub(crate) fn session(row: &Row<'_>) -> Result<SessionRow, Error> {
    let c = Cols::new(row, "sessions");
    Ok(SessionRow {
        user_id: c.uuid(0)?,
        csrf_token: c.get(1)?,
        created_at: c.ts(2)?,
        last_seen_at: c.ts(3)?,
    })
}

/// `count, last_at` of `login_failures`.
pub(crate) fn login_failures(row: &Row<'_>) -> Result<LoginFailuresRow, Error> {
    let c = Cols::new(row, "login_failures");
    Ok(LoginFailuresRow {
        count: c.get(0)?,
        last: c.ts(1)?,
    })
}

/// [`simpul_core::store::rows::AUDIT_COLUMNS`].
pub(crate) fn audit(row: &Row<'_>) -> Result<AuditRow, Error> {
    let c = Cols::new(row, "audit_log");
    Ok(AuditRow {
        seq: c.get(0)?,
        at: c.ts(1)?,
        actor: c.get(2)?,
        actor_org: c.opt_uuid(3)?,
        source: c.get(4)?,
        action: c.get(5)?,
        target: c.get(6)?,
        target_org: c.opt_uuid(7)?,
        details: c.get(8)?,
        prev_hash: c.get(9)?,
        hash: c.get(10)?,
    })
}

/// `id, title, alias, description, audience_kind, community_id, default_tlp, created_at` of
/// `collections`; the audience's members and the read-only organisations are read by
/// [`crate::intel`] from their own tables.
pub(crate) fn collection(row: &Row<'_>) -> Result<CollectionRow, Error> {
    let c = Cols::new(row, "collections");
    Ok(CollectionRow {
        id: c.uuid(0)?,
        title: c.get(1)?,
        alias: c.get(2)?,
        description: c.get(3)?,
        audience_kind: c.get(4)?,
        community_id: c.opt_uuid(5)?,
        audience_orgs: Vec::new(),
        audience_users: Vec::new(),
        default_tlp: c.get(6)?,
        read_only_orgs: Vec::new(),
        created_at: c.ts(7)?,
    })
}

/// [`simpul_core::store::rows::OBJECT_COLUMNS`] of `objects`, then its recipients as one
/// comma-separated column (NULL for none).
pub(crate) fn object(row: &Row<'_>) -> Result<ObjectRow, Error> {
    let c = Cols::new(row, "objects");
    let revoked: i64 = c.get(10)?;
    Ok(ObjectRow {
        collection_id: c.uuid(0)?,
        stix_id: c.get(1)?,
        stix_type: c.get(2)?,
        version: c.ts(3)?,
        date_added: c.ts(4)?,
        spec_version: c.get(5)?,
        producer_org: c.uuid(6)?,
        producer_user: c.uuid(7)?,
        tlp: c.get(8)?,
        pap: c.get(9)?,
        revoked: revoked != 0,
        json: c.get(11)?,
        recipients: Cols::new(row, "object_recipients").uuid_list(12)?,
    })
}
