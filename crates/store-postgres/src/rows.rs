//! Column readers: a PostgreSQL row into core's row structs, then core's one decoding
//! ([`simpul_core::store::rows`]). Only SQL types are handled here (`SMALLINT` scopes, `BIGINT`
//! counters, native timestamps); validation of stored values is core's.

use simpul_core::audit::AuditEntry;
use simpul_core::intel::Collection;
use simpul_core::intel::store::StoredObject;
use simpul_core::org::Organisation;
use simpul_core::store::rows::{
    AuditRow, CollectionRow, CommunityRow, LoginFailuresRow, ObjectRow, OrgRow, SessionRow,
    TokenRow, UserRow,
};
use simpul_core::store::{LoginFailures, StoreError};
use simpul_core::token::{ApiToken, Session};
use simpul_core::user::{Community, User};
use tokio_postgres::Row;
use tokio_postgres::types::FromSql;

/// One row of `table`, read by column name; a column that cannot be read is corrupt, named.
pub(crate) struct Columns<'r> {
    row: &'r Row,
    table: &'static str,
}

impl<'r> Columns<'r> {
    pub(crate) fn of(row: &'r Row, table: &'static str) -> Self {
        Self { row, table }
    }

    pub(crate) fn get<T: FromSql<'r>>(&self, column: &str) -> Result<T, StoreError> {
        self.row
            .try_get(column)
            .map_err(|e| StoreError::Corrupt(format!("{}.{column}: {e}", self.table)))
    }
}

pub(crate) fn org(row: &Row) -> Result<Organisation, StoreError> {
    let c = Columns::of(row, "organisations");
    OrgRow {
        id: c.get("id")?,
        name: c.get("name")?,
        short_name: c.get("short_name")?,
        kind: c.get("kind")?,
        country: c.get("country")?,
        status: c.get("status")?,
        created_at: c.get("created_at")?,
    }
    .decode()
}

/// A community with its members aggregated into a `members` column.
pub(crate) fn community(row: &Row) -> Result<Community, StoreError> {
    let c = Columns::of(row, "communities");
    CommunityRow {
        id: c.get("id")?,
        name: c.get("name")?,
        description: c.get("description")?,
        created_at: c.get("created_at")?,
        members: c.get("members")?,
    }
    .decode()
}

pub(crate) fn user(row: &Row) -> Result<User, StoreError> {
    let c = Columns::of(row, "users");
    UserRow {
        id: c.get("id")?,
        email: c.get("email")?,
        display_name: c.get("display_name")?,
        org_id: c.get("org_id")?,
        role: c.get("role")?,
        status: c.get("status")?,
        created_at: c.get("created_at")?,
    }
    .decode()
}

/// A user and the `password_hash` column beside them.
pub(crate) fn credentials(row: &Row) -> Result<(User, String), StoreError> {
    Ok((user(row)?, Columns::of(row, "users").get("password_hash")?))
}

pub(crate) fn token(row: &Row) -> Result<ApiToken, StoreError> {
    let c = Columns::of(row, "api_tokens");
    TokenRow {
        id: c.get("id")?,
        user_id: c.get("user_id")?,
        name: c.get("name")?,
        scopes: i64::from(c.get::<i16>("scopes")?),
        created_at: c.get("created_at")?,
        expires_at: c.get("expires_at")?,
        last_used_at: c.get("last_used_at")?,
        revoked_at: c.get("revoked_at")?,
    }
    .decode()
}

/// The `SMALLINT` the scopes of `row` are stored as.
pub(crate) fn scopes_column(row: &TokenRow) -> Result<i16, StoreError> {
    i16::try_from(row.scopes)
        .map_err(|_| StoreError::Backend(format!("token scopes {} exceed SMALLINT", row.scopes)))
}

pub(crate) fn session(row: &Row) -> Result<Session, StoreError> {
    let c = Columns::of(row, "sessions");
    Ok(SessionRow {
        user_id: c.get("user_id")?,
        csrf_token: c.get("csrf_token")?,
        created_at: c.get("created_at")?,
        last_seen_at: c.get("last_seen_at")?,
    }
    .decode())
}

pub(crate) fn login_failures(row: &Row) -> Result<LoginFailures, StoreError> {
    let c = Columns::of(row, "login_failures");
    Ok(LoginFailuresRow {
        count: c.get("count")?,
        last: c.get("last_at")?,
    }
    .decode())
}

pub(crate) fn audit(row: &Row) -> Result<AuditEntry, StoreError> {
    let c = Columns::of(row, "audit_log");
    Ok(AuditRow {
        seq: c.get("seq")?,
        at: c.get("at")?,
        actor: c.get("actor")?,
        actor_org: c.get("actor_org")?,
        source: c.get("source")?,
        action: c.get("action")?,
        target: c.get("target")?,
        target_org: c.get("target_org")?,
        details: c.get("details")?,
        prev_hash: c.get("prev_hash")?,
        hash: c.get("hash")?,
    }
    .decode())
}

/// The `seq` and `hash` of the newest audit entry.
pub(crate) fn chain_head(row: &Row) -> Result<(i64, String), StoreError> {
    let c = Columns::of(row, "audit_log");
    Ok((c.get("seq")?, c.get("hash")?))
}

/// A single unnamed value (`SELECT value …`, `SELECT community_id …`).
pub(crate) fn value<'r, T: FromSql<'r>>(
    row: &'r Row,
    table: &'static str,
    column: &str,
) -> Result<T, StoreError> {
    Columns::of(row, table).get(column)
}

/// A collection with its sets aggregated into `orgs`, `users` and `read_only_orgs` columns.
pub(crate) fn collection(row: &Row) -> Result<Collection, StoreError> {
    let c = Columns::of(row, "collections");
    CollectionRow {
        id: c.get("id")?,
        title: c.get("title")?,
        alias: c.get("alias")?,
        description: c.get("description")?,
        audience_kind: c.get("audience")?,
        community_id: c.get("community_id")?,
        audience_orgs: c.get("orgs")?,
        audience_users: c.get("users")?,
        default_tlp: c.get("default_tlp")?,
        read_only_orgs: c.get("read_only_orgs")?,
        created_at: c.get("created_at")?,
    }
    .decode()
}

/// An object version with its recipients aggregated into a `recipients` column.
pub(crate) fn object(row: &Row) -> Result<StoredObject, StoreError> {
    let c = Columns::of(row, "objects");
    ObjectRow {
        collection_id: c.get("collection_id")?,
        stix_id: c.get("stix_id")?,
        stix_type: c.get("stix_type")?,
        version: c.get("version")?,
        date_added: c.get("date_added")?,
        spec_version: c.get("spec_version")?,
        producer_org: c.get("producer_org")?,
        producer_user: c.get("producer_user")?,
        tlp: c.get("tlp")?,
        pap: c.get("pap")?,
        recipients: c.get("recipients")?,
        revoked: c.get("revoked")?,
        json: c.get("json")?,
    }
    .decode()
}
