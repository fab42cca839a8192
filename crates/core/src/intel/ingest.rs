//! Sharing objects into a collection: the one per-object pipeline every input path runs — parse,
//! validate, decide the TLP (the object's markings, else the `tlp` asked for, else the collection's
//! default), the PAP (its PAP markings), the named recipients and the sharing rules, extract the
//! canonical observables — over a stream of objects read by [`super::source`] in batches.
//!
//! A REST post (`share`, `share_document`) is one batch and one store transaction: all its valid
//! objects are stored, or (on a store failure) none. Imports ([`super::imports`]) read any size in
//! bounded memory and store a transaction per batch of [`BATCH_UNITS`] objects.
//!
//! An `object_marking_refs` entry that is neither a TLP nor a PAP marking nor a marking-definition
//! in the same input or visible in the store is reported as a warning; the object keeps its TLP.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use serde::Serialize;
use simpul_stix::{StixObject, ValidateOptions};
use time::OffsetDateTime;

use crate::Service;
use crate::access::sharing::{may_write_collection, refuse_to_share};
use crate::access::{Action, Principal, Visibility, authorize};
use crate::error::{CoreError, Invalid};
use crate::intel::observables::keys_of;
use crate::intel::service::observable_context;
use crate::intel::source::{self, At, Found};
use crate::intel::store::{Inserted, MAX_PAGE, NewObject, ObjectQuery};
use crate::intel::{Collection, CollectionId, Pap, Tlp};
use crate::misp::{self, read::Form};
use crate::service::signed_in;
use crate::store::StoreError;
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

/// How many objects of an import are stored in one transaction.
pub const BATCH_UNITS: usize = 2000;

/// One object of a batch that was not stored, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Failure {
    /// Its position in the batch.
    pub index: usize,
    /// Its STIX id, when it has one.
    pub id: Option<String>,
    /// JSON pointer into the posted document (`/objects/12/pattern`), or its line in JSON lines
    /// (`line 7`, `line 7 /pattern`).
    pub path: String,
    pub message: String,
}

/// Something about an object that was stored anyway: an unknown marking, say. Same fields as a
/// [`Failure`].
pub type Warning = Failure;

/// What sharing a batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ShareReport {
    pub stored: Vec<String>,
    /// Already held (same id and version): nothing stored.
    pub skipped: Vec<String>,
    pub failed: Vec<Failure>,
    /// Stored, with a remark (an `object_marking_refs` entry nobody knows).
    pub warnings: Vec<Warning>,
}

/// What the store did with one object of a share that passed the pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// Its position in the input.
    pub(crate) index: usize,
    pub(crate) stix_id: String,
    pub(crate) version: OffsetDateTime,
    pub(crate) inserted: Inserted,
}

/// How to share.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShareOptions {
    /// Named recipients (emails): when any, they are the objects' whole audience.
    pub recipients: Vec<String>,
    /// The TLP of objects that arrive unmarked, instead of the collection's default.
    pub tlp: Option<Tlp>,
}

/// Everything decided once per share: who shares, into which collection, to whom, at which TLP.
#[derive(Debug, Clone)]
pub(crate) struct Sharer {
    pub(crate) principal: Principal,
    pub(crate) collection: Collection,
    pub(crate) named: Vec<UserId>,
    pub(crate) default_tlp: Tlp,
    opts: ValidateOptions,
    ctx: simpul_observable::Context,
    /// Who would see the import, for MISP distribution levels (imports only; MISP input
    /// elsewhere is refused).
    pub(crate) misp: Option<Arc<crate::misp::distribution::Target>>,
}

/// The most objects one share request (REST or a TAXII envelope) may hold: its report names every
/// object, so it is bounded; import jobs take any number.
pub const MAX_SHARE_OBJECTS: usize = 200_000;

/// An object of the input ready to store.
#[derive(Debug)]
pub(crate) struct Ready {
    pub(crate) at: At,
    pub(crate) new: NewObject,
    /// Its `object_marking_refs` entries that are no TLP or PAP marking: (position, id).
    unknown_markings: Vec<(usize, String)>,
}

/// A run of the input: the objects ready to store and the failures among them, in input order.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    pub(crate) ready: Vec<Ready>,
    pub(crate) failed: Vec<Failure>,
    /// Objects read (ready and failed).
    pub(crate) units: usize,
    /// Input bytes read when the batch was complete.
    pub(crate) bytes_read: u64,
    /// The marking-definitions among the ready objects.
    marking_defs: Vec<String>,
    /// Remarks of the input itself (MISP values kept as custom observables…).
    pub(crate) warnings: Vec<Warning>,
}

impl Sharer {
    /// Runs the pipeline on one object of the input, adding it to `batch` as ready or failed.
    pub(crate) fn prepare(&self, at: At, found: Found<'_>, batch: &mut Batch) {
        if let Found::Warning(message) = found {
            batch.warnings.push(Warning {
                index: at.index,
                id: None,
                path: at.path,
                message,
            });
            return;
        }
        batch.units += 1;
        let fail = |id: Option<String>, path: String, message: String| Failure {
            index: at.index,
            id,
            path,
            message,
        };
        let obj = match found {
            Found::Object(o) => o,
            Found::Bad(why) | Found::Warning(why) => {
                batch.failed.push(fail(None, at.path.clone(), why));
                return;
            }
        };
        let id = obj.id_str().map(str::to_owned);
        let issues = simpul_stix::validate(&obj, &self.opts);
        if let Some(issue) = issues
            .iter()
            .find(|i| i.severity == simpul_stix::Severity::Error)
        {
            let path = at.inside(&issue.path);
            batch.failed.push(fail(id, path, issue.message.clone()));
            return;
        }
        let tlp = obj.tlp().unwrap_or(self.default_tlp);
        if let Some(why) = refuse_to_share(tlp, &self.collection.audience, &self.named) {
            batch.failed.push(fail(id, at.path.clone(), why.to_owned()));
            return;
        }
        let Some(stix_id) = id else {
            let path = at.inside("/id");
            batch
                .failed
                .push(fail(None, path, "an object needs an id".into()));
            return;
        };
        let pap = simpul_vocab::Pap::most_restrictive(obj.object_marking_refs()).map(Pap::from);
        let unknown_markings = obj
            .object_marking_refs()
            .enumerate()
            .filter(|(_, m)| {
                Tlp::from_marking_id(m).is_none() && simpul_vocab::Pap::from_marking_id(m).is_none()
            })
            .map(|(k, m)| (k, m.to_owned()))
            .collect();
        let stix_type = obj.type_name().unwrap_or_default().to_owned();
        if stix_type == "marking-definition" {
            batch.marking_defs.push(stix_id.clone());
        }
        let new = NewObject {
            collection: self.collection.id,
            stix_type,
            version: version_of(&obj),
            spec_version: obj.get_str("spec_version").unwrap_or("2.1").to_owned(),
            producer_org: self.producer().0,
            producer_user: self.producer().1,
            tlp,
            pap,
            recipients: self.named.clone(),
            revoked: obj.revoked(),
            json: obj.to_json_string(),
            observables: keys_of(&obj, &self.ctx),
            refs: crate::intel::refs::refs_of(&obj),
            text: search_text(&obj),
            stix_id,
        };
        batch.ready.push(Ready {
            at,
            new,
            unknown_markings,
        });
    }

    /// All of `body` as one batch.
    fn read_all(&self, body: &[u8]) -> Result<Batch, Invalid> {
        let mut batch = Batch::default();
        let mut too_many = false;
        self.read_batches(body, MAX_SHARE_OBJECTS + 1, |b| {
            too_many = b.units > MAX_SHARE_OBJECTS;
            batch = b;
            !too_many
        })?;
        if too_many {
            return Err(Invalid::new(
                "",
                format!(
                    "more than {MAX_SHARE_OBJECTS} objects in one request: share them with an \
                     import job (POST /api/v1/collections/{{id}}/imports)"
                ),
            ));
        }
        Ok(batch)
    }

    fn producer(&self) -> (crate::org::OrgId, UserId) {
        match self.principal.as_user() {
            Some(u) => (u.org.id, u.user.id),
            // `Service::sharer` refuses the operator; nothing of theirs reaches here.
            None => (
                crate::org::OrgId(uuid::Uuid::nil()),
                UserId(uuid::Uuid::nil()),
            ),
        }
    }

    /// Reads all of `reader` through the pipeline — STIX, or MISP JSON told from its first
    /// bytes — handing over a batch every `batch_units` objects (and the last one) to `deliver`,
    /// which answers whether to go on.
    pub(crate) fn read_batches(
        &self,
        reader: impl Read,
        batch_units: usize,
        deliver: impl FnMut(Batch) -> bool,
    ) -> Result<(), Invalid> {
        self.collect(reader, batch_units, deliver, |s, r, on| {
            let mut r = BufReader::with_capacity(1 << 16, r);
            let form = r.fill_buf().map_or(Form::Stix, misp::read::detect);
            if form == Form::Stix {
                return source::read(r, on);
            }
            let Some(target) = s.misp.as_deref() else {
                return Err(Invalid::new(
                    "",
                    "MISP JSON is accepted by imports (POST /api/v1/collections/{id}/imports, \
                     simpul import), not here",
                ));
            };
            misp::import::read_misp(target, r, form, "", &mut 0, on)
        })
    }

    /// Reads a MISP feed directory through the pipeline, an event file at a time, as
    /// [`Sharer::read_batches`] does.
    pub(crate) fn read_feed(
        &self,
        dir: &std::path::Path,
        batch_units: usize,
        deliver: impl FnMut(Batch) -> bool,
    ) -> Result<(), Invalid> {
        self.collect(std::io::empty(), batch_units, deliver, |s, _, on| {
            let target = s
                .misp
                .as_deref()
                .ok_or_else(|| Invalid::new("", "a MISP feed is read by imports only"))?;
            misp::import::read_feed(target, dir, on)
        })
    }

    /// Runs `read` over `reader` (counted), preparing what it finds into batches.
    fn collect<R: Read>(
        &self,
        reader: R,
        batch_units: usize,
        mut deliver: impl FnMut(Batch) -> bool,
        read: impl FnOnce(&Self, Metered<R>, &mut dyn FnMut(At, Found<'_>)) -> Result<(), Invalid>,
    ) -> Result<(), Invalid> {
        let bytes = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let reader = Metered {
            inner: reader,
            bytes: Arc::clone(&bytes),
            stop: Arc::clone(&stop),
        };
        let mut batch = Batch::default();
        let result = read(self, reader, &mut |at, found| {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            self.prepare(at, found, &mut batch);
            if batch.units >= batch_units {
                batch.bytes_read = bytes.load(Ordering::Relaxed);
                if !deliver(std::mem::take(&mut batch)) {
                    stop.store(true, Ordering::Relaxed);
                }
            }
        });
        if stop.load(Ordering::Relaxed) {
            return Ok(());
        }
        batch.bytes_read = bytes.load(Ordering::Relaxed);
        // The objects before a syntax error are delivered, then the error.
        if batch.units > 0 || !batch.warnings.is_empty() || result.is_ok() {
            deliver(batch);
        }
        result
    }
}

/// A reader that counts what it read and fails once told to stop.
pub(crate) struct Metered<R> {
    inner: R,
    bytes: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.stop.load(Ordering::Relaxed) {
            return Err(std::io::Error::other("stopped"));
        }
        let n = self.inner.read(buf)?;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The marking-definitions known while sharing: those seen in the input or found in the store
/// (and those not found), so each is looked up once. Bounded: forgets when it grows large.
#[derive(Debug, Default)]
pub(crate) struct Markings {
    known: HashSet<String>,
    unknown: HashSet<String>,
}

/// The most marking-definition ids [`Markings`] remembers.
const MAX_REMEMBERED_MARKINGS: usize = 100_000;

impl Service {
    /// Decides once what sharing into `collection` as `p` means: the collection (one `p` may read
    /// and write), the named recipients, the TLP of unmarked objects.
    pub(crate) async fn sharer(
        &self,
        p: &Principal,
        collection: CollectionId,
        opts: &ShareOptions,
    ) -> Result<Sharer, CoreError> {
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
        for (i, email) in opts.recipients.iter().enumerate() {
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
        Ok(Sharer {
            principal: p.clone(),
            default_tlp: opts.tlp.unwrap_or(c.default_tlp),
            collection: c,
            named,
            opts: stix_validate_options(),
            ctx: observable_context(&me.org),
            misp: None,
        })
    }

    /// Shares a STIX bundle, one object or a JSON array of objects into a collection: every object
    /// that passes validation (and the sharing rules) is stored; each other one is reported with
    /// its JSON path. Re-sharing an id and version the producing organisation already stored stores
    /// nothing and is reported skipped (another organisation's version of it is never a reason).
    pub async fn share(
        &self,
        p: &Principal,
        collection: CollectionId,
        body: &[u8],
        recipients: &[String],
    ) -> Result<ShareReport, CoreError> {
        let opts = ShareOptions {
            recipients: recipients.to_vec(),
            tlp: None,
        };
        self.share_document(p, collection, body, &opts).await
    }

    /// [`Service::share`] of a bundle, an array, one object or JSON lines, with options: one
    /// transaction, so all of its valid objects are stored or none. A document that is not JSON
    /// (or not STIX at the top) is refused whole with its position; a bad line of JSON lines is a
    /// failure at its line.
    pub async fn share_document(
        &self,
        p: &Principal,
        collection: CollectionId,
        body: &[u8],
        opts: &ShareOptions,
    ) -> Result<ShareReport, CoreError> {
        Ok(self.share_outcomes(p, collection, body, opts).await?.0)
    }

    /// [`Service::share_document`], also answering what happened to each object that passed the
    /// pipeline, in input order: its id, its version and what the store did (TAXII's status lists
    /// each version stored or already held).
    pub(crate) async fn share_outcomes(
        &self,
        p: &Principal,
        collection: CollectionId,
        body: &[u8],
        opts: &ShareOptions,
    ) -> Result<(ShareReport, Vec<Outcome>), CoreError> {
        let sharer = self.sharer(p, collection, opts).await?;
        // Large bodies are parsed off the async threads.
        let (sharer, mut batch) = if body.len() <= 256 << 10 {
            let batch = sharer.read_all(body)?;
            (sharer, batch)
        } else {
            let body = body.to_vec();
            tokio::task::spawn_blocking(move || sharer.read_all(&body).map(|b| (sharer, b)))
                .await
                .map_err(|e| StoreError::Backend(format!("share task failed: {e}")))??
        };
        let foreign = self.foreign_versions(&sharer, &mut batch).await?;
        let mut markings = Markings::default();
        let mut warnings = self.check_markings(&sharer, &batch, &mut markings).await?;
        warnings.extend(batch.warnings.iter().cloned());
        warnings.extend(foreign.iter().map(|f| f.warning.clone()));
        warnings.sort_by_key(|w| w.index);
        let news: Vec<NewObject> = batch.ready.iter().map(|r| r.new.clone()).collect();
        let grant = authorize(p, Action::ShareIntel)?;
        let results = self.store(&grant).insert_objects(&news, self.now()).await?;
        let mut report = ShareReport {
            failed: batch.failed,
            warnings,
            ..ShareReport::default()
        };
        let mut outcomes = Vec::with_capacity(batch.ready.len() + foreign.len());
        // Another organisation's object: skipped (its warning says why), as a success.
        for f in foreign {
            report.skipped.push(f.stix_id.clone());
            outcomes.push(Outcome {
                index: f.warning.index,
                stix_id: f.stix_id,
                version: f.version,
                inserted: Inserted::AlreadyStored,
            });
        }
        for (r, result) in batch.ready.into_iter().zip(results) {
            match result {
                Inserted::Stored(_) => report.stored.push(r.new.stix_id.clone()),
                Inserted::AlreadyStored => report.skipped.push(r.new.stix_id.clone()),
            }
            outcomes.push(Outcome {
                index: r.at.index,
                stix_id: r.new.stix_id,
                version: r.new.version,
                inserted: result,
            });
        }
        report.failed.sort_by_key(|f| f.index);
        outcomes.sort_by_key(|o| o.index);
        Ok((report, outcomes))
    }

    /// The warnings of `batch`: each `object_marking_refs` entry that is no TLP or PAP marking,
    /// no marking-definition of the input so far, and none the sharer may see in the store.
    pub(crate) async fn check_markings(
        &self,
        sharer: &Sharer,
        batch: &Batch,
        markings: &mut Markings,
    ) -> Result<Vec<Warning>, CoreError> {
        if markings.known.len() + markings.unknown.len() > MAX_REMEMBERED_MARKINGS {
            *markings = Markings::default();
        }
        markings.known.extend(batch.marking_defs.iter().cloned());
        let mut ask: Vec<String> = batch
            .ready
            .iter()
            .flat_map(|r| r.unknown_markings.iter().map(|(_, m)| m))
            .filter(|m| !markings.known.contains(*m) && !markings.unknown.contains(*m))
            .cloned()
            .collect();
        ask.sort();
        ask.dedup();
        if !ask.is_empty() {
            let grant = authorize(&sharer.principal, Action::ReadIntel)?;
            let v = Visibility::of(&grant);
            for chunk in ask.chunks(MAX_PAGE as usize) {
                let q = ObjectQuery {
                    ids: chunk.to_vec(),
                    types: vec!["marking-definition".into()],
                    limit: MAX_PAGE,
                    ..ObjectQuery::default()
                };
                let found = self.store(&grant).list_objects(&v, &q).await?;
                markings.known.extend(found.into_iter().map(|o| o.stix_id));
            }
            for m in ask {
                if !markings.known.contains(&m) {
                    markings.unknown.insert(m);
                }
            }
        }
        let mut warnings = Vec::new();
        for r in &batch.ready {
            for (k, m) in &r.unknown_markings {
                if markings.unknown.contains(m) {
                    warnings.push(Warning {
                        index: r.at.index,
                        id: Some(r.new.stix_id.clone()),
                        path: r.at.inside(&format!("/object_marking_refs/{k}")),
                        message: format!(
                            "unknown marking {}: no TLP or PAP marking, and no marking-definition \
                             in this input or the store; stored at {}",
                            crate::error::excerpt(m),
                            r.new.tlp.label()
                        ),
                    });
                }
            }
        }
        Ok(warnings)
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
