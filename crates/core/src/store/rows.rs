//! Rows: the stored form of each domain type, and the one decoding of it.
//!
//! A backend reads a row's columns into these plain structs (its own work: SQL types, timestamps as
//! text or native) and calls `decode`; it writes from `from(&domain)`. Validation of stored values
//! (short names, emails, enumerations, scope bits, counters) happens here once, so the backends cannot
//! drift apart. A stored value that fails is [`StoreError::Corrupt`], naming the column.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::AuditEntry;
use crate::auth::store::LoginFailures;
use crate::country::Country;
use crate::intel::store::{NewObject, StoredObject};
use crate::intel::{Audience, Collection, CollectionId, Pap, Tlp};
use crate::org::{OrgId, OrgKind, OrgStatus, Organisation, ShortName};
use crate::store::StoreError;
use crate::token::{ApiToken, Scopes, Session, TokenId};
use crate::user::{Community, CommunityId, CommunityName, Email, Role, User, UserId, UserStatus};

fn corrupt(column: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{column}: {e}"))
}

/// `organisations`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRow {
    pub id: Uuid,
    pub name: String,
    pub short_name: String,
    pub kind: String,
    pub country: Option<String>,
    pub status: String,
    pub created_at: OffsetDateTime,
}

/// The columns of [`OrgRow`], in its field order.
pub const ORG_COLUMNS: &str = "id, name, short_name, kind, country, status, created_at";

impl OrgRow {
    pub fn decode(self) -> Result<Organisation, StoreError> {
        Ok(Organisation {
            id: OrgId(self.id),
            name: self.name,
            short_name: ShortName::parse(&self.short_name)
                .map_err(|e| corrupt("organisations.short_name", e))?,
            kind: self
                .kind
                .parse::<OrgKind>()
                .map_err(|e| corrupt("organisations.kind", e))?,
            country: self
                .country
                .as_deref()
                .map(Country::parse)
                .transpose()
                .map_err(|e| corrupt("organisations.country", e))?,
            status: self
                .status
                .parse::<OrgStatus>()
                .map_err(|e| corrupt("organisations.status", e))?,
            created_at: self.created_at,
        })
    }
}

impl From<&Organisation> for OrgRow {
    fn from(o: &Organisation) -> Self {
        Self {
            id: o.id.0,
            name: o.name.clone(),
            short_name: o.short_name.as_str().to_owned(),
            kind: o.kind.as_str().to_owned(),
            country: o.country.as_ref().map(|c| c.as_str().to_owned()),
            status: o.status.as_str().to_owned(),
            created_at: o.created_at,
        }
    }
}

/// `communities` with its members (ordered by org id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommunityRow {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub created_at: OffsetDateTime,
    pub members: Vec<Uuid>,
}

impl CommunityRow {
    pub fn decode(self) -> Result<Community, StoreError> {
        Ok(Community {
            id: CommunityId(self.id),
            name: CommunityName::parse(&self.name).map_err(|e| corrupt("communities.name", e))?,
            description: self.description,
            members: self.members.into_iter().map(OrgId).collect(),
            created_at: self.created_at,
        })
    }
}

/// `users`, without the password hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub org_id: Uuid,
    pub role: String,
    pub status: String,
    pub created_at: OffsetDateTime,
}

/// The columns of [`UserRow`], in its field order (never `password_hash`).
pub const USER_COLUMNS: &str = "id, email, display_name, org_id, role, status, created_at";

impl UserRow {
    pub fn decode(self) -> Result<User, StoreError> {
        Ok(User {
            id: UserId(self.id),
            email: Email::parse(&self.email).map_err(|e| corrupt("users.email", e))?,
            display_name: self.display_name,
            org_id: OrgId(self.org_id),
            role: self
                .role
                .parse::<Role>()
                .map_err(|e| corrupt("users.role", e))?,
            status: self
                .status
                .parse::<UserStatus>()
                .map_err(|e| corrupt("users.status", e))?,
            created_at: self.created_at,
        })
    }
}

impl From<&User> for UserRow {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.0,
            email: u.email.as_str().to_owned(),
            display_name: u.display_name.clone(),
            org_id: u.org_id.0,
            role: u.role.as_str().to_owned(),
            status: u.status.as_str().to_owned(),
            created_at: u.created_at,
        }
    }
}

/// `api_tokens`, without the secret's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    /// The scope bits ([`Scopes::bits`]).
    pub scopes: i64,
    pub created_at: OffsetDateTime,
    pub expires_at: Option<OffsetDateTime>,
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

/// The columns of [`TokenRow`], in its field order.
pub const TOKEN_COLUMNS: &str =
    "id, user_id, name, scopes, created_at, expires_at, last_used_at, revoked_at";

impl TokenRow {
    pub fn decode(self) -> Result<ApiToken, StoreError> {
        let bits = u8::try_from(self.scopes)
            .ok()
            .filter(|b| Scopes::from_bits(*b).bits() == *b)
            .ok_or_else(|| corrupt("api_tokens.scopes", format!("{} out of range", self.scopes)))?;
        Ok(ApiToken {
            id: TokenId(self.id),
            user_id: UserId(self.user_id),
            name: self.name,
            scopes: Scopes::from_bits(bits),
            created_at: self.created_at,
            expires_at: self.expires_at,
            last_used_at: self.last_used_at,
            revoked_at: self.revoked_at,
        })
    }
}

impl From<&ApiToken> for TokenRow {
    fn from(t: &ApiToken) -> Self {
        Self {
            id: t.id.0,
            user_id: t.user_id.0,
            name: t.name.clone(),
            scopes: i64::from(t.scopes.bits()),
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// `sessions`, without the id's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub user_id: Uuid,
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
}

/// The columns of [`SessionRow`], in its field order.
pub const SESSION_COLUMNS: &str = "user_id, csrf_token, created_at, last_seen_at";

impl SessionRow {
    pub fn decode(self) -> Session {
        Session {
            user_id: UserId(self.user_id),
            csrf_token: self.csrf_token,
            created_at: self.created_at,
            last_seen_at: self.last_seen_at,
        }
    }
}

impl From<&Session> for SessionRow {
    fn from(s: &Session) -> Self {
        Self {
            user_id: s.user_id.0,
            csrf_token: s.csrf_token.clone(),
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
        }
    }
}

/// `login_failures`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailuresRow {
    pub count: i64,
    pub last: OffsetDateTime,
}

impl LoginFailuresRow {
    /// Counters saturate: a count beyond `u32` reads as `u32::MAX`, a negative one as 0 (both
    /// backends increment with a cap, so neither occurs unless the row was edited by hand).
    pub fn decode(self) -> LoginFailures {
        LoginFailures {
            count: u32::try_from(self.count.max(0)).unwrap_or(u32::MAX),
            last: self.last,
        }
    }
}

/// The largest value a stored failure counter is incremented to.
pub const MAX_FAILURE_COUNT: i64 = u32::MAX as i64;

/// `audit_log`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub seq: i64,
    pub at: OffsetDateTime,
    pub actor: String,
    pub actor_org: Option<Uuid>,
    pub source: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub target_org: Option<Uuid>,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The columns of [`AuditRow`], in its field order.
pub const AUDIT_COLUMNS: &str =
    "seq, at, actor, actor_org, source, action, target, target_org, details, prev_hash, hash";

impl AuditRow {
    pub fn decode(self) -> AuditEntry {
        AuditEntry {
            seq: self.seq,
            at: self.at,
            actor: self.actor,
            actor_org: self.actor_org.map(OrgId),
            source: self.source,
            action: self.action,
            target: self.target,
            target_org: self.target_org.map(OrgId),
            details: self.details,
            prev_hash: self.prev_hash,
            hash: self.hash,
        }
    }
}

impl From<&AuditEntry> for AuditRow {
    fn from(e: &AuditEntry) -> Self {
        Self {
            seq: e.seq,
            at: e.at,
            actor: e.actor.clone(),
            actor_org: e.actor_org.map(|o| o.0),
            source: e.source.clone(),
            action: e.action.clone(),
            target: e.target.clone(),
            target_org: e.target_org.map(|o| o.0),
            details: e.details.clone(),
            prev_hash: e.prev_hash.clone(),
            hash: e.hash.clone(),
        }
    }
}

// Intelligence: collections and object versions. A TLP level is stored as its TLP 2.0 label
// (`TLP:AMBER+STRICT`, [`Tlp::label`]), a PAP level as its name, the sets of organisations and users
// (audiences, read-only organisations, recipients) each id once, ordered by id.

/// Ids kept once, ordered: the stored form of every set of organisations or users.
pub fn ids_once(ids: impl IntoIterator<Item = Uuid>) -> Vec<Uuid> {
    let mut v: Vec<Uuid> = ids.into_iter().collect();
    v.sort();
    v.dedup();
    v
}

fn tlp(column: &str, label: &str) -> Result<Tlp, StoreError> {
    Tlp::from_label(label).ok_or_else(|| corrupt(column, format!("unknown TLP label `{label}`")))
}

/// `collections` with its audience (`collection_orgs` or `collection_users`) and its read-only
/// organisations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionRow {
    pub id: Uuid,
    pub title: String,
    pub alias: Option<String>,
    pub description: String,
    /// [`Audience::kind`]: `community`, `orgs` or `users`.
    pub audience_kind: String,
    /// The community of a `community` audience.
    pub community_id: Option<Uuid>,
    /// The organisations of an `orgs` audience (empty for the other kinds).
    pub audience_orgs: Vec<Uuid>,
    /// The users of a `users` audience (empty for the other kinds).
    pub audience_users: Vec<Uuid>,
    /// A TLP label.
    pub default_tlp: String,
    pub read_only_orgs: Vec<Uuid>,
    pub created_at: OffsetDateTime,
}

impl CollectionRow {
    pub fn decode(self) -> Result<Collection, StoreError> {
        let audience = match (self.audience_kind.as_str(), self.community_id) {
            ("community", Some(community)) => Audience::Community {
                community: CommunityId(community),
            },
            ("orgs", None) => Audience::Orgs {
                orgs: self.audience_orgs.into_iter().map(OrgId).collect(),
            },
            ("users", None) => Audience::Users {
                users: self.audience_users.into_iter().map(UserId).collect(),
            },
            (kind, community) => {
                return Err(corrupt(
                    "collections.audience_kind",
                    format!("`{kind}` with community {community:?}"),
                ));
            }
        };
        Ok(Collection {
            id: CollectionId(self.id),
            title: self.title,
            alias: self.alias,
            description: self.description,
            audience,
            default_tlp: tlp("collections.default_tlp", &self.default_tlp)?,
            read_only_orgs: self.read_only_orgs.into_iter().map(OrgId).collect(),
            created_at: self.created_at,
        })
    }
}

impl From<&Collection> for CollectionRow {
    fn from(c: &Collection) -> Self {
        let (community_id, audience_orgs, audience_users) = match &c.audience {
            Audience::Community { community } => (Some(community.0), Vec::new(), Vec::new()),
            Audience::Orgs { orgs } => (None, ids_once(orgs.iter().map(|o| o.0)), Vec::new()),
            Audience::Users { users } => (None, Vec::new(), ids_once(users.iter().map(|u| u.0))),
        };
        Self {
            id: c.id.0,
            title: c.title.clone(),
            alias: c.alias.clone(),
            description: c.description.clone(),
            audience_kind: c.audience.kind().to_owned(),
            community_id,
            audience_orgs,
            audience_users,
            default_tlp: c.default_tlp.label().to_owned(),
            read_only_orgs: ids_once(c.read_only_orgs.iter().map(|o| o.0)),
            created_at: c.created_at,
        }
    }
}

/// `objects` with its `object_recipients`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRow {
    pub collection_id: Uuid,
    pub stix_id: String,
    pub stix_type: String,
    pub version: OffsetDateTime,
    pub date_added: OffsetDateTime,
    pub spec_version: String,
    pub producer_org: Uuid,
    pub producer_user: Uuid,
    /// A TLP label.
    pub tlp: String,
    pub pap: Option<String>,
    pub recipients: Vec<Uuid>,
    pub revoked: bool,
    pub json: String,
}

/// The columns of [`ObjectRow`] in `objects`, in its field order (`recipients` is its own table).
pub const OBJECT_COLUMNS: &str = "collection_id, stix_id, stix_type, version, date_added, spec_version, producer_org, producer_user, tlp, pap, revoked, json";

impl ObjectRow {
    /// The row of `n`, added at `date_added`.
    pub fn new(n: &NewObject, date_added: OffsetDateTime) -> Self {
        Self {
            collection_id: n.collection.0,
            stix_id: n.stix_id.clone(),
            stix_type: n.stix_type.clone(),
            version: n.version,
            date_added,
            spec_version: n.spec_version.clone(),
            producer_org: n.producer_org.0,
            producer_user: n.producer_user.0,
            tlp: n.tlp.label().to_owned(),
            pap: n.pap.map(|p| p.as_str().to_owned()),
            recipients: ids_once(n.recipients.iter().map(|u| u.0)),
            revoked: n.revoked,
            json: n.json.clone(),
        }
    }

    pub fn decode(self) -> Result<StoredObject, StoreError> {
        Ok(StoredObject {
            collection: CollectionId(self.collection_id),
            stix_id: self.stix_id,
            stix_type: self.stix_type,
            version: self.version,
            date_added: self.date_added,
            spec_version: self.spec_version,
            producer_org: OrgId(self.producer_org),
            producer_user: UserId(self.producer_user),
            tlp: tlp("objects.tlp", &self.tlp)?,
            pap: self
                .pap
                .as_deref()
                .map(str::parse::<Pap>)
                .transpose()
                .map_err(|e| corrupt("objects.pap", e))?,
            recipients: self.recipients.into_iter().map(UserId).collect(),
            revoked: self.revoked,
            json: self.json,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> OffsetDateTime {
        time::macros::datetime!(2026-01-01 00:00 UTC)
    }

    #[test]
    fn bad_stored_values_are_corrupt_naming_the_column() {
        let row = OrgRow {
            id: Uuid::nil(),
            name: "x".into(),
            short_name: "-bad".into(),
            kind: "national-cert".into(),
            country: None,
            status: "active".into(),
            created_at: t(),
        };
        let err = row.decode().unwrap_err().to_string();
        assert!(err.contains("organisations.short_name"), "{err}");

        let token = TokenRow {
            id: Uuid::nil(),
            user_id: Uuid::nil(),
            name: "t".into(),
            scopes: 300,
            created_at: t(),
            expires_at: None,
            last_used_at: None,
            revoked_at: None,
        };
        assert!(token.decode().unwrap_err().to_string().contains("scopes"));
        let token = TokenRow {
            scopes: 0x80,
            ..TokenRow::from(&ApiToken {
                id: TokenId(Uuid::nil()),
                user_id: UserId(Uuid::nil()),
                name: "t".into(),
                scopes: Scopes::all(),
                created_at: t(),
                expires_at: None,
                last_used_at: None,
                revoked_at: None,
            })
        };
        assert!(token.decode().is_err(), "unknown scope bits");
    }

    #[test]
    fn intel_rows_round_trip_and_bad_labels_are_corrupt() {
        let (a, b) = (Uuid::from_u128(2), Uuid::from_u128(1));
        let c = Collection {
            id: CollectionId(Uuid::nil()),
            title: "T".into(),
            alias: None,
            description: String::new(),
            audience: Audience::Orgs {
                orgs: vec![OrgId(a), OrgId(b), OrgId(a)],
            },
            default_tlp: Tlp::AmberStrict,
            read_only_orgs: vec![OrgId(a)],
            created_at: t(),
        };
        let row = CollectionRow::from(&c);
        assert_eq!(
            (row.audience_orgs.as_slice(), row.default_tlp.as_str()),
            (&[b, a][..], "TLP:AMBER+STRICT")
        );
        let back = row.clone().decode().unwrap();
        assert_eq!(
            back.audience,
            Audience::Orgs {
                orgs: vec![OrgId(b), OrgId(a)]
            }
        );
        let bad = CollectionRow {
            default_tlp: "amber".into(),
            ..row.clone()
        };
        assert!(
            bad.decode()
                .unwrap_err()
                .to_string()
                .contains("collections.default_tlp")
        );
        let bad = CollectionRow {
            audience_kind: "community".into(),
            ..row
        };
        assert!(
            bad.decode()
                .unwrap_err()
                .to_string()
                .contains("collections.audience_kind")
        );
    }

    #[test]
    fn failure_counters_saturate() {
        let row = |count| LoginFailuresRow { count, last: t() }.decode().count;
        assert_eq!(row(3), 3);
        assert_eq!(row(-1), 0);
        assert_eq!(row(i64::MAX), u32::MAX);
    }
}
