//! The MISP events a principal may see, produced a page at a time for the `misp` export and the
//! MISP feed. Every read is `Service::list_objects` with the principal (the sharing policy's
//! filter): an event is a `report` the reader sees (its latest version, not revoked), holding
//! the members of its `object_refs` that the reader sees; what the reader sees of a collection
//! that no report they see holds is the collection's synthetic event (one per collection, uuid
//! [`synthetic_uuid`]). So an event whose report a reader may not see gives them no event uuid,
//! title or tags: the attributes they may see of it are in the synthetic event.
//!
//! Memory is bounded by a page (at most [`MAX_PAGE`] objects) and, for an event, by its
//! report's references and its object references; a whole collection is never held.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use super::annotate;
use super::from_stix::{self, Head, Piece, synthetic_uuid};
use crate::Service;
use crate::access::Principal;
use crate::error::CoreError;
use crate::intel::store::{MAX_PAGE, ObjectQuery, Order, StoredObject};
use crate::intel::{Collection, CollectionId};

/// Ids of a report looked up per query.
const ID_CHUNK: usize = 500;
/// Reports read per page (a report holds every id of its event).
const REPORT_PAGE: u32 = 50;
/// The types an event's members have.
const MEMBER_TYPES: [&str; 3] = ["indicator", "observed-data", "note"];

/// What the stream produces, in order: per event a start, its pieces (attributes, then objects,
/// then event reports), an end.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Start(Box<Head>),
    Piece(Piece),
    /// The event's `timestamp` (its newest part's) and `date`.
    End {
        timestamp: i64,
        date: String,
    },
}

/// Which events.
#[derive(Debug, Clone)]
pub enum Scope {
    /// Every event (in one collection, or in every collection `collections` lists).
    All { collection: Option<CollectionId> },
    /// The event `uuid` of a collection (its report's, or the collection's synthetic one).
    One { collection: Collection, uuid: Uuid },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Pass {
    Relationships,
    /// The galaxy SDOs (threat actors, malware…) the report refers to.
    Galaxies,
    Attributes,
    Objects,
    Reports,
    Done,
}

impl Pass {
    fn next(self) -> Pass {
        match self {
            Pass::Relationships => Pass::Galaxies,
            Pass::Galaxies => Pass::Attributes,
            Pass::Attributes => Pass::Objects,
            Pass::Objects => Pass::Reports,
            Pass::Reports | Pass::Done => Pass::Done,
        }
    }
}

#[derive(Debug)]
struct Current {
    head: Head,
    started: bool,
    newest: i64,
    /// The report's refs, by what each pass reads (relationships; indicators, observed-data and
    /// notes; notes; galaxy SDOs); `None`: the collection's synthetic event.
    ids: Option<[Vec<String>; 4]>,
    pass: Pass,
    chunk: usize,
    cursor: Option<OffsetDateTime>,
    /// Object references by the STIX id of their source object.
    references: HashMap<String, Vec<Value>>,
    /// The ids of an event's MISP objects, met by its attributes pass.
    objects: Vec<String>,
    /// The galaxy SDOs each member relates to, by the member's STIX id.
    links: HashMap<String, Vec<String>>,
    /// The galaxy SDOs of the event the reader sees, by STIX id.
    sdos: BTreeMap<String, Value>,
}

/// What a stream left out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub events: u64,
    pub attributes: u64,
    pub objects: u64,
    /// Indicators whose `to_ids` was cleared: not valid now, decayed for the reader, or a value on a
    /// warninglist.
    pub not_for_detection: u64,
}

/// The events of a [`Scope`] as `principal` sees them: [`Events::next`] until `None`.
#[derive(Debug)]
pub struct Events {
    service: Service,
    principal: Principal,
    now: OffsetDateTime,
    reports: VecDeque<(StoredObject, Value)>,
    report_query: Option<ObjectQuery>,
    synthetic: VecDeque<Collection>,
    current: Option<Current>,
    counts: Counts,
    /// The report ids given as events so far: a MISP event uuid is given once, from the first
    /// lineage stored, even when the reader sees two (another organisation's, another
    /// collection's).
    given: HashSet<String>,
}

impl Events {
    /// The events of `scope`; `collections` are those whose synthetic events to give (the ones
    /// the reader may read, in scope).
    pub fn new(
        service: &Service,
        principal: &Principal,
        scope: Scope,
        collections: Vec<Collection>,
    ) -> Events {
        let mut e = Events {
            service: service.clone(),
            principal: principal.clone(),
            now: service.now(),
            reports: VecDeque::new(),
            report_query: None,
            synthetic: VecDeque::new(),
            current: None,
            counts: Counts::default(),
            given: HashSet::new(),
        };
        match scope {
            Scope::All { collection } => {
                e.report_query = Some(ObjectQuery {
                    collection,
                    types: vec!["report".into()],
                    latest_only: true,
                    revoked: Some(false),
                    order: Order::OldestFirst,
                    limit: REPORT_PAGE,
                    ..ObjectQuery::default()
                });
                e.synthetic = collections.into();
            }
            Scope::One { collection, uuid } if uuid == synthetic_uuid(collection.id) => {
                e.synthetic.push_back(collection);
            }
            Scope::One { collection, uuid } => {
                e.report_query = Some(ObjectQuery {
                    collection: Some(collection.id),
                    types: vec!["report".into()],
                    ids: vec![format!("report--{uuid}")],
                    latest_only: true,
                    revoked: Some(false),
                    order: Order::OldestFirst,
                    limit: REPORT_PAGE,
                    ..ObjectQuery::default()
                });
            }
        }
        e
    }

    /// What was produced so far.
    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// The next parts, or `None` when every event is done.
    pub async fn next(&mut self) -> Result<Option<Vec<Part>>, CoreError> {
        loop {
            if self.current.is_some() {
                let parts = self.step().await?;
                if !parts.is_empty() {
                    return Ok(Some(parts));
                }
                continue;
            }
            if let Some((o, v)) = self.reports.pop_front() {
                let head = Head::of_report(&o, &v);
                let ids = from_stix::strings(&v["object_refs"]);
                self.current = Some(Current::new(head, Some(ids)));
                continue;
            }
            if let Some(q) = &mut self.report_query {
                let page = self.service.list_objects(&self.principal, q).await?;
                match page.last() {
                    Some(last) if page.len() == q.limit as usize => {
                        q.after_cursor = Some(last.date_added);
                    }
                    _ => self.report_query = None,
                }
                for o in page {
                    if !self.given.insert(o.stix_id.clone()) {
                        continue;
                    }
                    if let Some(v) = from_stix::parse(&o) {
                        self.reports.push_back((o, v));
                    }
                }
                continue;
            }
            if let Some(c) = self.synthetic.pop_front() {
                self.current = Some(Current::new(Head::synthetic(&c), None));
                continue;
            }
            return Ok(None);
        }
    }

    /// One query of the current event's pass: its parts (none when the pass moved on).
    async fn step(&mut self) -> Result<Vec<Part>, CoreError> {
        let Some(cur) = &mut self.current else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        // A report's event starts once its galaxies are read (they are event fields).
        if cur.ids.is_some() && !cur.started && cur.pass >= Pass::Attributes {
            cur.started = true;
            self.counts.events += 1;
            out.push(Part::Start(Box::new(cur.head.clone())));
            return Ok(out);
        }
        if cur.pass == Pass::Done {
            if cur.started {
                let ts = cur.head.timestamp.max(cur.newest);
                out.push(Part::End {
                    timestamp: ts,
                    date: cur.head.date_at(ts),
                });
            }
            self.current = None;
            return Ok(out);
        }
        if cur.ids.is_none() && cur.pass < Pass::Attributes {
            cur.pass = Pass::Attributes;
        }
        let page = self.page().await?;
        let Some(cur) = &mut self.current else {
            return Ok(out);
        };
        let Some(page) = page else {
            if cur.pass == Pass::Galaxies {
                annotate::event_galaxies(&mut cur.head, &cur.sdos, &cur.links);
            }
            cur.pass = cur.pass.next();
            cur.chunk = 0;
            cur.cursor = None;
            if cur.pass == Pass::Objects
                && let Some(ids) = &mut cur.ids
            {
                // The objects pass reads only the MISP objects the attributes pass met.
                ids[1] = std::mem::take(&mut cur.objects);
            }
            return Ok(out);
        };
        if cur.pass == Pass::Relationships {
            for v in page.iter().filter_map(from_stix::parse) {
                if let Some((source, r)) = from_stix::reference(&v) {
                    cur.references.entry(source).or_default().push(r);
                }
                if let Some((source, sdo)) = annotate::galaxy_link(&v) {
                    cur.links.entry(source).or_default().push(sdo);
                }
            }
            return Ok(out);
        }
        if cur.pass == Pass::Galaxies {
            for o in &page {
                if let Some(v) = from_stix::parse(o) {
                    cur.sdos.insert(o.stix_id.clone(), v);
                }
            }
            return Ok(out);
        }
        let unreported = cur.ids.is_none();
        if unreported && cur.pass == Pass::Objects {
            self.references_of(&page).await?;
        }
        let lists = std::sync::Arc::clone(self.service.warninglists());
        // Decay for this reader (the sightings they may see, one read per page).
        let decays = self
            .service
            .decay_of(&self.principal, &page, self.now)
            .await?;
        let threshold = self.service.decay_model().threshold();
        // The sightings of the page's attributes this reader may see, one read per page.
        let seen = if self
            .current
            .as_ref()
            .is_some_and(|c| c.pass == Pass::Attributes)
        {
            let ids: Vec<String> = page.iter().map(|o| o.stix_id.clone()).collect();
            self.service
                .sightings_of_each(&self.principal, &ids)
                .await?
        } else {
            HashMap::new()
        };
        let Some(cur) = &mut self.current else {
            return Ok(out);
        };
        for (o, decay) in page.iter().zip(&decays) {
            let Some(v) = from_stix::parse(o) else {
                continue;
            };
            if cur.pass == Pass::Attributes
                && cur.ids.is_some()
                && v.get("x_misp_object_name").is_some()
            {
                cur.objects.push(o.stix_id.clone());
            }
            // Only an indicator is for detection; what it says may be used now or not.
            let detect = o.stix_type != "indicator"
                || (detectable(&v, self.now, &lists)
                    && decay.as_ref().is_none_or(|d| d.above(threshold)));
            if !detect {
                self.counts.not_for_detection += 1;
            }
            let pieces = from_stix::piece(o, &v, &cur.head, detect);
            // Sightings are of the object: on its attribute when it is one.
            let sightings = seen.get(&o.stix_id).filter(|_| pieces.len() == 1);
            for p in pieces {
                let keep = matches!(
                    (&p, cur.pass),
                    (Piece::Attribute(_), Pass::Attributes)
                        | (Piece::Object(_), Pass::Objects)
                        | (Piece::EventReport(_), Pass::Reports)
                );
                if !keep {
                    continue;
                }
                let p = match p {
                    Piece::Object(mut m) => {
                        let refs = cur.references.remove(&o.stix_id).unwrap_or_default();
                        m.insert("ObjectReference".into(), Value::Array(refs));
                        self.counts.objects += 1;
                        Piece::Object(m)
                    }
                    Piece::Attribute(mut m) => {
                        self.counts.attributes += 1;
                        let labels = from_stix::strings(&v["labels"]);
                        let g = (&cur.sdos, cur.links.get(&o.stix_id));
                        annotate::attribute(&mut m, &labels, sightings, g, &cur.head);
                        Piece::Attribute(m)
                    }
                    other => other,
                };
                if !cur.started {
                    cur.started = true;
                    self.counts.events += 1;
                    out.push(Part::Start(Box::new(cur.head.clone())));
                }
                cur.newest = cur.newest.max(p.timestamp());
                out.push(Part::Piece(p));
            }
        }
        if unreported {
            cur.references.clear();
        }
        Ok(out)
    }

    /// The next page of the current pass's members (`None` when the pass is done).
    async fn page(&mut self) -> Result<Option<Vec<StoredObject>>, CoreError> {
        let Some(cur) = &mut self.current else {
            return Ok(None);
        };
        let types: Vec<String> = if cur.pass == Pass::Relationships {
            vec!["relationship".into()]
        } else if cur.pass == Pass::Reports {
            vec!["note".into()]
        } else if cur.pass == Pass::Galaxies {
            annotate::GALAXY_TYPES
                .iter()
                .map(|t| (*t).to_owned())
                .collect()
        } else {
            MEMBER_TYPES.iter().map(|t| (*t).to_owned()).collect()
        };
        let mut q = ObjectQuery {
            collection: Some(cur.head.collection),
            types,
            latest_only: true,
            revoked: Some(false),
            order: Order::OldestFirst,
            limit: MAX_PAGE,
            after_cursor: cur.cursor,
            ..ObjectQuery::default()
        };
        if let Some(ids) = &cur.ids {
            let ids = match cur.pass {
                Pass::Relationships => &ids[0],
                Pass::Reports => &ids[2],
                Pass::Galaxies => &ids[3],
                _ => &ids[1],
            };
            let Some(chunk) = ids.chunks(ID_CHUNK).nth(cur.chunk) else {
                return Ok(None);
            };
            q.ids = chunk.to_vec();
            let page = self.service.list_objects(&self.principal, &q).await?;
            let cur = self.current.as_mut().ok_or_else(gone)?;
            match page.last() {
                Some(last) if page.len() == MAX_PAGE as usize => {
                    cur.cursor = Some(last.date_added);
                }
                _ => {
                    cur.chunk += 1;
                    cur.cursor = None;
                }
            }
            // Several organisations' lineages of one id: the first one stored.
            let mut seen = HashSet::new();
            return Ok(Some(
                page.into_iter()
                    .filter(|o| seen.insert(o.stix_id.clone()))
                    .collect(),
            ));
        }
        let page = self.service.list_objects(&self.principal, &q).await?;
        let Some(last) = page.last() else {
            return Ok(None);
        };
        let cur = self.current.as_mut().ok_or_else(gone)?;
        cur.cursor = Some(last.date_added);
        let collection = cur.head.collection;
        let held = self.reported(collection, &page).await?;
        Ok(Some(
            page.into_iter()
                .filter(|o| !held.contains(&o.stix_id))
                .collect(),
        ))
    }

    /// The ids of `page` that a report the reader sees in collection `c` holds.
    async fn reported(
        &self,
        c: CollectionId,
        page: &[StoredObject],
    ) -> Result<HashSet<String>, CoreError> {
        let ids: HashSet<&str> = page.iter().map(|o| o.stix_id.as_str()).collect();
        let mut q = ObjectQuery {
            collection: Some(c),
            types: vec!["report".into()],
            refs: ids.iter().map(|i| (*i).to_owned()).collect(),
            latest_only: true,
            revoked: Some(false),
            order: Order::OldestFirst,
            limit: REPORT_PAGE,
            ..ObjectQuery::default()
        };
        let mut held = HashSet::new();
        loop {
            let reports = self.service.list_objects(&self.principal, &q).await?;
            for r in &reports {
                let v = from_stix::parse(r).unwrap_or_default();
                for id in v["object_refs"].as_array().into_iter().flatten() {
                    if let Some(id) = id.as_str().filter(|i| ids.contains(i)) {
                        held.insert(id.to_owned());
                    }
                }
            }
            match reports.last() {
                Some(last) if reports.len() == REPORT_PAGE as usize => {
                    q.after_cursor = Some(last.date_added);
                }
                _ => return Ok(held),
            }
        }
    }

    /// The object references of the objects of `page` (a synthetic event's), from the
    /// relationships the reader sees.
    async fn references_of(&mut self, page: &[StoredObject]) -> Result<(), CoreError> {
        let sources: Vec<String> = page
            .iter()
            .filter(|o| o.json.contains("\"x_misp_object_name\""))
            .map(|o| o.stix_id.clone())
            .collect();
        let Some(cur) = &self.current else {
            return Ok(());
        };
        if sources.is_empty() {
            return Ok(());
        }
        let mut q = ObjectQuery {
            collection: Some(cur.head.collection),
            types: vec!["relationship".into()],
            refs: sources.clone(),
            latest_only: true,
            revoked: Some(false),
            order: Order::OldestFirst,
            limit: MAX_PAGE,
            ..ObjectQuery::default()
        };
        let mut found: HashMap<String, Vec<Value>> = HashMap::new();
        loop {
            let rels = self.service.list_objects(&self.principal, &q).await?;
            for o in &rels {
                if let Some((source, r)) =
                    from_stix::parse(o).and_then(|v| from_stix::reference(&v))
                    && sources.contains(&source)
                {
                    found.entry(source).or_default().push(r);
                }
            }
            match rels.last() {
                Some(last) if rels.len() == MAX_PAGE as usize => {
                    q.after_cursor = Some(last.date_added);
                }
                _ => break,
            }
        }
        if let Some(cur) = &mut self.current {
            cur.references = found;
        }
        Ok(())
    }
}

impl Current {
    fn new(head: Head, ids: Option<Vec<String>>) -> Current {
        // The type is the id's prefix: each pass looks up only the ids it can use.
        let ids = ids.map(|ids| {
            let mut by: [Vec<String>; 4] = Default::default();
            for id in ids {
                let ty = id.split_once("--").map_or("", |(t, _)| t);
                if ty == "relationship" {
                    by[0].push(id);
                } else if annotate::GALAXY_TYPES.contains(&ty) {
                    by[3].push(id);
                } else if MEMBER_TYPES.contains(&ty) {
                    if ty == "note" {
                        by[2].push(id.clone());
                    }
                    by[1].push(id);
                }
            }
            by
        });
        Current {
            head,
            started: false,
            newest: 0,
            ids,
            pass: Pass::Relationships,
            chunk: 0,
            cursor: None,
            references: HashMap::new(),
            objects: Vec::new(),
            links: HashMap::new(),
            sdos: BTreeMap::new(),
        }
    }
}

fn gone() -> CoreError {
    CoreError::NotFound("the event being read".into())
}

/// Whether an indicator may be used for detection now: valid now, and no value of its pattern
/// on a warninglist.
fn detectable(v: &Value, now: OffsetDateTime, lists: &crate::warninglist::Warninglists) -> bool {
    let time = |k: &str| {
        v.get(k).and_then(Value::as_str).and_then(|t| {
            OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
        })
    };
    let valid =
        time("valid_from").is_none_or(|f| f <= now) && time("valid_until").is_none_or(|u| now < u);
    let listed = v.get("pattern").and_then(Value::as_str).is_some_and(|p| {
        from_stix::exact_values(p)
            .iter()
            .any(|c| !lists.check(c).is_empty())
    });
    valid && !listed
}
