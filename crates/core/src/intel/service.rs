//! The exchange's service functions: collections, sharing objects, reading them.

use std::sync::Arc;

use serde::Serialize;
use serde_json::json;
use simpul_stix::{Json, StixObject, ValidateOptions};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Service;
use crate::access::sharing::{may_read_collection, may_write_collection, refuse_to_share};
use crate::access::{Action, AuthMethod, Principal, Visibility, authorize};
use crate::audit::AuditAction;
use crate::error::{CoreError, Invalid};
use crate::intel::observables::keys_of;
use crate::intel::store::{Inserted, MAX_PAGE, NewObject, ObjectQuery, StoredObject};
use crate::intel::{Audience, Collection, CollectionId, Pap, Tlp};
use crate::org::{Organisation, ShortName, check_name};
use crate::service::{or_conflict, signed_in};
use crate::user::{CommunityName, Email, UserId};

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

/// Checks `pattern` with simpul's patterning parser: what every input path of STIX uses.
#[derive(Debug, Clone, Copy, Default)]
pub struct PatternSyntax;

impl simpul_stix::PatternChecker for PatternSyntax {
    fn check_stix_pattern(&self, pattern: &str, _version: Option<&str>) -> Result<(), String> {
        simpul_pattern::parse(pattern)
            .map(|_| ())
            .map_err(|e| format!("invalid STIX pattern at byte {}: {}", e.offset, e.message))
    }
}

/// STIX validation options with pattern checking: what every simpul input path uses.
pub fn stix_validate_options() -> ValidateOptions {
    ValidateOptions {
        pattern_checker: Some(Arc::new(PatternSyntax)),
    }
}

/// One object of a batch that was not stored, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// Its position in the batch.
    pub index: usize,
    /// Its STIX id, when it has one.
    pub id: Option<String>,
    /// JSON pointer into the posted document.
    pub path: String,
    pub message: String,
}

/// What sharing a batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ShareReport {
    pub stored: Vec<String>,
    /// Already held (same id and version): nothing stored.
    pub skipped: Vec<String>,
    pub failed: Vec<Failure>,
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
        // Stored and read back once each, ordered by id.
        match &mut audience {
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

    async fn check_audience(
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

    /// Shares a STIX bundle, one object or a JSON array of objects into a collection: every object
    /// that passes validation (and the sharing rules) is stored; each other one is reported with
    /// its JSON path. Re-sharing a stored id and version stores nothing and is reported skipped.
    pub async fn share(
        &self,
        p: &Principal,
        collection: CollectionId,
        body: &[u8],
        recipients: &[String],
    ) -> Result<ShareReport, CoreError> {
        let grant = authorize(p, Action::ShareIntel)?;
        let me = signed_in(p, "organisation to share as")?;
        let c = self.get_collection(p, collection).await?;
        if !may_write_collection(p, &c) {
            return Err(CoreError::Forbidden(format!(
                "your organisation may read but not write collection {}",
                c.id
            )));
        }
        let store = self.store(&grant);
        let mut named: Vec<UserId> = Vec::new();
        for (i, email) in recipients.iter().enumerate() {
            let path = format!("/recipients/{i}");
            let email = Email::parse(email).map_err(|e| Invalid::new(&path, e.message))?;
            let user = store
                .get_user_by_email(&email)
                .await?
                .ok_or_else(|| Invalid::new(&path, "no such user"))?;
            if !named.contains(&user.id) {
                named.push(user.id);
            }
        }
        let doc = simpul_stix::parse_json(body).map_err(|e| {
            Invalid::new(
                "",
                format!("line {} column {}: {}", e.line, e.column, e.message),
            )
        })?;
        let (units, prefix) = units(doc)?;
        let opts = stix_validate_options();
        let ctx = observable_context(&me.org);
        let mut report = ShareReport::default();
        let mut batch = Vec::new();
        let mut ids = Vec::new();
        for (index, unit) in units.into_iter().enumerate() {
            let at = prefix.pointer(index);
            let fail = |id: Option<String>, path: String, message: String| Failure {
                index,
                id,
                path,
                message,
            };
            let obj = match StixObject::from_json(unit) {
                Ok(o) => o,
                Err(e) => {
                    report.failed.push(fail(None, at.clone(), e.message));
                    continue;
                }
            };
            let id = obj.id_str().map(str::to_owned);
            let issues = simpul_stix::validate(&obj, &opts);
            if let Some(issue) = issues
                .iter()
                .find(|i| i.severity == simpul_stix::Severity::Error)
            {
                report.failed.push(fail(
                    id,
                    format!("{at}{}", issue.path),
                    issue.message.clone(),
                ));
                continue;
            }
            let tlp = obj.tlp().unwrap_or(c.default_tlp);
            if let Some(why) = refuse_to_share(tlp, &c.audience, &named) {
                report.failed.push(fail(id, at.clone(), why.to_owned()));
                continue;
            }
            let Some(stix_id) = id else {
                report.failed.push(fail(
                    None,
                    format!("{at}/id"),
                    "an object needs an id".into(),
                ));
                continue;
            };
            batch.push(NewObject {
                collection: c.id,
                stix_type: obj.type_name().unwrap_or_default().to_owned(),
                version: version_of(&obj),
                spec_version: obj.get_str("spec_version").unwrap_or("2.1").to_owned(),
                producer_org: me.org.id,
                producer_user: me.user.id,
                tlp,
                pap: None::<Pap>,
                recipients: named.clone(),
                revoked: obj.revoked(),
                json: obj.to_json_string(),
                observables: keys_of(&obj, &ctx),
                text: search_text(&obj),
                stix_id: stix_id.clone(),
            });
            ids.push(stix_id);
        }
        let results = store.insert_objects(&batch, self.now()).await?;
        for (id, r) in ids.into_iter().zip(results) {
            match r {
                Inserted::Stored(_) => report.stored.push(id),
                Inserted::AlreadyStored => report.skipped.push(id),
            }
        }
        Ok(report)
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
        let source = Some(format!("cli:{}", p.actor()));
        self.principal_for(user, method, source)
            .await
            .map_err(|e| match e {
                CoreError::Unauthenticated(why) => CoreError::Forbidden(why),
                other => other,
            })
    }

    /// The latest version of `stix_id` the principal may see (`version`: that version instead).
    /// An object they may not see is "not found", exactly like one that does not exist.
    pub async fn get_object(
        &self,
        p: &Principal,
        stix_id: &str,
        version: Option<OffsetDateTime>,
    ) -> Result<StoredObject, CoreError> {
        let versions = self.object_versions(p, stix_id).await?;
        let found = match version {
            None => versions
                .into_iter()
                .max_by_key(|o| (o.version, o.date_added)),
            Some(v) => versions.into_iter().find(|o| o.version == v),
        };
        found.ok_or_else(|| CoreError::NotFound(format!("object {stix_id}")))
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

/// The posted document's objects, and where they are in it.
fn units(doc: Json<'_>) -> Result<(Vec<Json<'_>>, Prefix), Invalid> {
    match doc {
        Json::Array(items) => Ok((items, Prefix::Array)),
        Json::Object(m) if m.get("type").and_then(Json::as_str) == Some("bundle") => {
            let mut m = m;
            match m.remove("objects") {
                Some(Json::Array(items)) => Ok((items, Prefix::Bundle)),
                None => Ok((Vec::new(), Prefix::Bundle)),
                Some(_) => Err(Invalid::new("/objects", "must be an array of STIX objects")),
            }
        }
        Json::Object(m) => Ok((vec![Json::Object(m)], Prefix::Single)),
        other => Err(Invalid::new(
            "",
            format!(
                "expected a STIX bundle, object or array, found {}",
                other.kind()
            ),
        )),
    }
}

/// Where the objects of a posted document are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prefix {
    Bundle,
    Array,
    Single,
}

impl Prefix {
    /// The JSON pointer of the object at `index`.
    fn pointer(self, index: usize) -> String {
        match self {
            Prefix::Bundle => format!("/objects/{index}"),
            Prefix::Array => format!("/{index}"),
            Prefix::Single => String::new(),
        }
    }
}

/// `modified`, else `created`, else (objects without versions: cyber-observables) the epoch, so
/// that re-sharing one stores nothing.
fn version_of(obj: &StixObject<'_>) -> OffsetDateTime {
    obj.modified()
        .or_else(|| obj.created())
        .and_then(|t| {
            OffsetDateTime::from_unix_timestamp(t.unix_seconds())
                .ok()
                .and_then(|d| d.replace_nanosecond(t.nanos()).ok())
        })
        .map_or(OffsetDateTime::UNIX_EPOCH, crate::clock::to_micros)
}

/// What text search finds an object by: its name, description, pattern and value.
fn search_text(obj: &StixObject<'_>) -> String {
    ["name", "description", "pattern", "value"]
        .iter()
        .filter_map(|k| obj.get_str(k))
        .collect::<Vec<_>>()
        .join("\n")
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

fn check_alias(alias: &str) -> Result<String, Invalid> {
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
