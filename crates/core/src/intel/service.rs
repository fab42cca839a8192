//! The exchange's service functions: collections and reading shared objects. (Sharing them is
//! `ingest.rs`.)

use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Service;
use crate::access::sharing::may_read_collection;

pub use super::ingest::{
    BATCH_UNITS, Failure, PatternSyntax, ShareOptions, ShareReport, Warning, stix_validate_options,
};
use crate::access::{Action, AuthMethod, Principal, Visibility, authorize};
use crate::audit::AuditAction;
use crate::error::{CoreError, Invalid};
use crate::intel::store::{MAX_PAGE, ObjectQuery, Order, StoredObject, VersionMatch};
use crate::intel::{Audience, Collection, CollectionId, Tlp};
use crate::org::{Organisation, ShortName, check_name};
use crate::service::or_conflict;
use crate::user::{CommunityName, Email};

/// The longest collection description.
pub const MAX_DESCRIPTION_CHARS: usize = 2000;

/// A collection to create.
#[derive(Debug, Clone)]
pub struct NewCollection {
    /// A chosen id (e.g. to match a TAXII collection elsewhere); a new one otherwise.
    pub id: Option<CollectionId>,
    pub title: String,
    pub alias: Option<String>,
    pub description: String,
    pub audience: Audience,
    /// AMBER when not given.
    pub default_tlp: Option<Tlp>,
}

impl Service {
    /// Creates a collection (site-admin).
    pub async fn create_collection(
        &self,
        p: &Principal,
        new: NewCollection,
    ) -> Result<Collection, CoreError> {
        let grant = authorize(p, Action::ManageCollections)?;
        let store = self.store(&grant);
        let title = check_name("title", &new.title)?;
        let alias = new.alias.as_deref().map(check_alias).transpose()?;
        if new.description.chars().count() > MAX_DESCRIPTION_CHARS {
            return Err(Invalid::new(
                "description",
                format!("must have at most {MAX_DESCRIPTION_CHARS} characters"),
            )
            .into());
        }
        let mut audience = new.audience;
        once_each(&mut audience);
        self.check_audience(&grant, &audience).await?;
        let collection = Collection {
            id: new.id.unwrap_or(CollectionId(Uuid::new_v4())),
            title,
            alias,
            description: new.description.trim().to_owned(),
            audience,
            default_tlp: new.default_tlp.unwrap_or(Tlp::Amber),
            read_only_orgs: Vec::new(),
            created_at: self.now(),
        };
        let audit = self.event(
            p,
            AuditAction::CollectionCreate,
            Some(format!("collection:{}", collection.id)),
            None,
            json!({ "title": collection.title, "audience": collection.audience, "default_tlp": collection.default_tlp.label() }),
        );
        or_conflict(store.insert_collection(&collection, &audit).await, || {
            format!(
                "a collection with id {} or alias `{}`",
                collection.id,
                collection.alias.as_deref().unwrap_or("")
            )
        })?;
        Ok(collection)
    }

    pub(super) async fn check_audience(
        &self,
        grant: &crate::access::Grant<'_>,
        audience: &Audience,
    ) -> Result<(), CoreError> {
        let store = self.store(grant);
        match audience {
            Audience::Community { community } => {
                let all = store.list_communities().await?;
                if !all.iter().any(|c| c.id == *community) {
                    return Err(Invalid::new("/audience/community", "no such community").into());
                }
            }
            Audience::Orgs { orgs } => {
                if orgs.is_empty() {
                    return Err(
                        Invalid::new("/audience/orgs", "name at least one organisation").into(),
                    );
                }
                for (i, o) in orgs.iter().enumerate() {
                    if store.get_org(*o).await?.is_none() {
                        return Err(Invalid::new(
                            format!("/audience/orgs/{i}"),
                            "no such organisation",
                        )
                        .into());
                    }
                }
            }
            Audience::Users { users } => {
                if users.is_empty() {
                    return Err(Invalid::new("/audience/users", "name at least one user").into());
                }
                for (i, u) in users.iter().enumerate() {
                    if store.get_user(*u).await?.is_none() {
                        return Err(
                            Invalid::new(format!("/audience/users/{i}"), "no such user").into()
                        );
                    }
                }
            }
        }
        Ok(())
    }

    /// The collections the principal may read or write (all of them for a site-admin and the
    /// operator, who administer them).
    pub async fn list_collections(&self, p: &Principal) -> Result<Vec<Collection>, CoreError> {
        let grant = authorize(p, Action::ReadIntel)?;
        let all = self.store(&grant).list_collections().await?;
        Ok(all
            .into_iter()
            .filter(|c| may_read_collection(p, c))
            .collect())
    }

    /// A collection the principal may read; any other is "not found".
    pub async fn get_collection(
        &self,
        p: &Principal,
        id: CollectionId,
    ) -> Result<Collection, CoreError> {
        let grant = authorize(p, Action::ReadIntel)?;
        self.store(&grant)
            .get_collection(id)
            .await?
            .filter(|c| may_read_collection(p, c))
            .ok_or_else(|| CoreError::NotFound(format!("collection {id}")))
    }

    /// The object versions the principal may see that match `q`.
    pub async fn list_objects(
        &self,
        p: &Principal,
        q: &ObjectQuery,
    ) -> Result<Vec<StoredObject>, CoreError> {
        let grant = authorize(p, Action::ReadIntel)?;
        if !(1..=MAX_PAGE).contains(&q.limit) {
            return Err(Invalid::new("limit", format!("must be between 1 and {MAX_PAGE}")).into());
        }
        check_query(q)?;
        let v = Visibility::of(&grant);
        Ok(self.store(&grant).list_objects(&v, q).await?)
    }

    /// How many object versions the principal may see match `q`.
    pub async fn count_objects(&self, p: &Principal, q: &ObjectQuery) -> Result<u64, CoreError> {
        let grant = authorize(p, Action::ReadIntel)?;
        check_query(q)?;
        let v = Visibility::of(&grant);
        Ok(self.store(&grant).count_objects(&v, q).await?)
    }
}

impl Service {
    /// The audience of a collection named as people write it, resolved to ids (site-admin). Each
    /// unknown name is an error pointing at it (`/audience/orgs/1`).
    pub async fn resolve_audience(
        &self,
        p: &Principal,
        names: &AudienceNames,
    ) -> Result<Audience, CoreError> {
        let grant = authorize(p, Action::ManageCollections)?;
        let store = self.store(&grant);
        Ok(match names {
            AudienceNames::Community(name) => {
                let path = "/audience/community";
                let name = CommunityName::parse(name).map_err(|e| Invalid::new(path, e.message))?;
                let c = store
                    .get_community_by_name(&name)
                    .await?
                    .ok_or_else(|| Invalid::new(path, "no such community"))?;
                Audience::Community { community: c.id }
            }
            AudienceNames::Orgs(shorts) => {
                let mut orgs = Vec::new();
                for (i, s) in shorts.iter().enumerate() {
                    let path = format!("/audience/orgs/{i}");
                    let short = ShortName::parse(s).map_err(|e| Invalid::new(&path, e.message))?;
                    let o = store
                        .get_org_by_short_name(&short)
                        .await?
                        .ok_or_else(|| Invalid::new(&path, "no such organisation"))?;
                    orgs.push(o.id);
                }
                Audience::Orgs { orgs }
            }
            AudienceNames::Users(emails) => {
                let mut users = Vec::new();
                for (i, e) in emails.iter().enumerate() {
                    let path = format!("/audience/users/{i}");
                    let email = Email::parse(e).map_err(|e| Invalid::new(&path, e.message))?;
                    let u = store
                        .get_user_by_email(&email)
                        .await?
                        .ok_or_else(|| Invalid::new(&path, "no such user"))?;
                    users.push(u.id);
                }
                Audience::Users { users }
            }
        })
    }

    /// The operator acting as the named user at the command line (`simpul import --as EMAIL`):
    /// that user's principal, with their organisation and its communities, as authentication
    /// loads them (a disabled user or a suspended organisation is refused). Only the operator may.
    pub async fn act_as(&self, p: &Principal, email: &str) -> Result<Principal, CoreError> {
        if !matches!(p, Principal::Operator { .. }) {
            return Err(CoreError::Forbidden(
                "only the operator may act as another user".into(),
            ));
        }
        let grant = authorize(p, Action::ManageUsers(None))?;
        let email = Email::parse(email)?;
        let user = self
            .store(&grant)
            .get_user_by_email(&email)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("user `{email}`")))?;
        let method = AuthMethod::Session {
            csrf_token: String::new(),
        };
        let source = Some(p.actor());
        self.principal_for(user, method, source)
            .await
            .map_err(|e| match e {
                CoreError::Unauthenticated(why) => CoreError::Forbidden(why),
                other => other,
            })
    }

    /// The latest version of `stix_id` (`latest_only`: the newest of its lineage, and only if the
    /// principal may see that one, so a stricter new version hides the object); `version`: that
    /// version instead, among those the principal may see. An object they may not see is "not
    /// found", exactly like one that does not exist.
    ///
    /// Several lineage heads may be visible (the id in several collections, or versions of it by
    /// several organisations): the principal's own organisation's lineages come first (the newest
    /// of their heads), else the lineage stored earliest (the one whose oldest visible version was
    /// added first), so another organisation's later versions never replace the producer's.
    /// With `version`, a version held by several lineages is chosen among them the same way.
    pub async fn get_object(
        &self,
        p: &Principal,
        stix_id: &str,
        version: Option<OffsetDateTime>,
    ) -> Result<StoredObject, CoreError> {
        let not_found = || CoreError::NotFound(format!("object {stix_id}"));
        let q = ObjectQuery {
            ids: vec![stix_id.to_owned()],
            latest_only: version.is_none(),
            versions: version.map(|v| VersionMatch {
                at: vec![v],
                ..VersionMatch::default()
            }),
            limit: MAX_PAGE,
            ..ObjectQuery::default()
        };
        let candidates = self.list_objects(p, &q).await?;
        let (own, others): (Vec<_>, Vec<_>) = candidates
            .into_iter()
            .partition(|o| Some(o.producer_org) == p.org_id());
        if let Some(o) = own.into_iter().max_by_key(|o| (o.version, o.date_added)) {
            return Ok(o);
        }
        // Another organisation's: the lineage stored earliest, by its oldest version the reader
        // may see (one row per lineage, however many versions it has).
        let mut best: Option<(OffsetDateTime, StoredObject)> = None;
        for o in others {
            let first = ObjectQuery {
                collection: Some(o.collection),
                ids: vec![stix_id.to_owned()],
                producer_org: Some(o.producer_org),
                order: Order::OldestFirst,
                limit: 1,
                ..ObjectQuery::default()
            };
            let since = self
                .list_objects(p, &first)
                .await?
                .first()
                .map_or(o.date_added, |f| f.date_added);
            if best.as_ref().is_none_or(|(t, _)| since < *t) {
                best = Some((since, o));
            }
        }
        best.map(|(_, o)| o).ok_or_else(not_found)
    }

    /// The versions of `stix_id` the principal may see, newest added first (at most
    /// [`MAX_PAGE`]); none visible is "not found".
    pub async fn object_versions(
        &self,
        p: &Principal,
        stix_id: &str,
    ) -> Result<Vec<StoredObject>, CoreError> {
        let q = ObjectQuery {
            ids: vec![stix_id.to_owned()],
            limit: MAX_PAGE,
            ..ObjectQuery::default()
        };
        let all = self.list_objects(p, &q).await?;
        if all.is_empty() {
            return Err(CoreError::NotFound(format!("object {stix_id}")));
        }
        Ok(all)
    }
}

/// Members of an audience once each, ordered by id: as they are stored and read back.
pub(super) fn once_each(audience: &mut Audience) {
    match audience {
        Audience::Orgs { orgs } => {
            orgs.sort();
            orgs.dedup();
        }
        Audience::Users { users } => {
            users.sort();
            users.dedup();
        }
        Audience::Community { .. } => {}
    }
}

/// A collection's audience by names: a community's name, organisations' short names, users'
/// emails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AudienceNames {
    Community(String),
    Orgs(Vec<String>),
    Users(Vec<String>),
}

/// The normalisation context of an organisation: its country is the region of national phone
/// numbers and bank accounts.
pub fn observable_context(org: &Organisation) -> simpul_observable::Context {
    org.country
        .as_ref()
        .and_then(|c| c.as_str().parse().ok())
        .map_or_else(
            simpul_observable::Context::new,
            simpul_observable::Context::with_region,
        )
}

/// The canonical key (`type|key`) to search objects by, from what a reader typed: a raw value
/// (its type detected), or `type|value` (normalised as that type). The reader's organisation's
/// country is the region of national forms. `path` names the parameter in errors.
pub fn observable_key(p: &Principal, path: &str, raw: &str) -> Result<String, Invalid> {
    use simpul_observable::ObservableType;
    let ctx = p
        .as_user()
        .map_or_else(simpul_observable::Context::new, |u| {
            observable_context(&u.org)
        });
    let typed = raw
        .split_once('|')
        .and_then(|(t, v)| t.parse::<ObservableType>().ok().map(|t| (t, v)));
    let ty = match typed {
        Some((ty, _)) => ty,
        None => simpul_observable::detect(raw).ok_or_else(|| {
            Invalid::new(
                path,
                "not a recognised observable value; write it as type|value (e.g. domain|example.org)",
            )
        })?,
    };
    let value = typed.map_or(raw, |(_, v)| v);
    simpul_observable::normalise(ty, value, &ctx)
        .map(|c| c.to_string())
        .map_err(|e| Invalid::new(path, e.to_string()))
}

/// The longest text search, in characters.
pub const MAX_QUERY_CHARS: usize = 500;

fn check_query(q: &ObjectQuery) -> Result<(), Invalid> {
    match &q.text {
        Some(t) if t.chars().count() > MAX_QUERY_CHARS => Err(Invalid::new(
            "q",
            format!("must have at most {MAX_QUERY_CHARS} characters"),
        )),
        _ => Ok(()),
    }
}

/// A collection alias's bounds: 2-64 lower-case letters, digits and '-', starting with a letter.
pub const ALIAS_MIN_CHARS: usize = 2;
pub const ALIAS_MAX_CHARS: usize = 64;
pub const ALIAS_PATTERN: &str = "^[a-z][a-z0-9-]*$";

pub(super) fn check_alias(alias: &str) -> Result<String, Invalid> {
    let ok = (ALIAS_MIN_CHARS..=ALIAS_MAX_CHARS).contains(&alias.len())
        && alias.starts_with(|c: char| c.is_ascii_lowercase())
        && alias
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(alias.to_owned())
    } else {
        Err(Invalid::new(
            "alias",
            "must be 2-64 lower-case letters, digits and '-', starting with a letter",
        ))
    }
}
