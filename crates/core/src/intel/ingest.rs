//! Sharing objects into a collection: parsing a bundle, object or array, validating each object,
//! deciding its TLP and named recipients, extracting its canonical observables, and storing the batch.

use std::sync::Arc;

use serde::Serialize;
use simpul_stix::{Json, StixObject, ValidateOptions};
use time::OffsetDateTime;

use crate::Service;
use crate::access::sharing::{may_write_collection, refuse_to_share};
use crate::access::{Action, Principal, authorize};
use crate::error::{CoreError, Invalid};
use crate::intel::observables::keys_of;
use crate::intel::service::observable_context;
use crate::intel::store::{Inserted, NewObject};
use crate::intel::{CollectionId, Pap};
use crate::service::signed_in;
use crate::user::{Email, UserId};

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
pub(crate) fn version_of(obj: &StixObject<'_>) -> OffsetDateTime {
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
pub(crate) fn search_text(obj: &StixObject<'_>) -> String {
    ["name", "description", "pattern", "value"]
        .iter()
        .filter_map(|k| obj.get_str(k))
        .collect::<Vec<_>>()
        .join("\n")
}
