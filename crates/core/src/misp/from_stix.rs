//! STIX objects as simpul holds them → the MISP core format: a `report` is an event's head, and
//! the indicators, observed-data and notes it refers to are its attributes, objects and event
//! reports (the reverse of [`super::to_stix`]; documented in `MAPPING.md`, "simpul → MISP").
//!
//! What an import kept (`x_misp_type`, `x_misp_category`, `x_misp_value`, `x_misp_attributes`,
//! the report's `x_misp_*`) is given back as it was; objects that came from STIX get the MISP
//! type their pattern's values have (an indicator whose pattern is a disjunction of exact
//! values). Tags: the event carries its report's TLP, PAP and labels; an attribute or object
//! carries the ones it has beyond its event's. Pure: no store, no clock.

use serde_json::{Map, Value, json};
use simpul_observable::{Canonical, CryptoNetwork, ObservableType as T};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::to_stix::NAMESPACE;
use crate::intel::store::StoredObject;
use crate::intel::{Collection, CollectionId, Pap, Tlp};

/// An event's head: what its `report` (or, for the synthetic event of a collection, the
/// collection) says.
#[derive(Debug, Clone, PartialEq)]
pub struct Head {
    pub uuid: String,
    pub info: String,
    /// `YYYY-MM-DD`, when known (else the day of the event's timestamp).
    pub date: Option<String>,
    /// Seconds since the epoch (the report's `modified`).
    pub timestamp: i64,
    pub publish_timestamp: Option<i64>,
    pub threat_level_id: i64,
    pub analysis: i64,
    /// The creating organisation: name and uuid.
    pub orgc: (String, Option<String>),
    pub tlp: Option<Tlp>,
    pub pap: Option<Pap>,
    pub labels: Vec<String>,
    /// The report's STIX id (`None` for a collection's synthetic event).
    pub report: Option<String>,
    pub collection: CollectionId,
    /// The event's `Galaxy` entries ([`super::annotate`]).
    pub galaxies: Vec<Value>,
}

/// The uuid of the synthetic event of a collection: what a reader sees of it that no visible
/// report holds. Fixed per collection.
pub fn synthetic_uuid(c: CollectionId) -> Uuid {
    Uuid::new_v5(&NAMESPACE, format!("misp-event|{}", c.0).as_bytes())
}

/// The uuid part of a STIX id.
pub fn uuid_part(id: &str) -> &str {
    id.split_once("--").map_or(id, |(_, u)| u)
}

/// Seconds since the epoch of an RFC 3339 time.
fn secs(s: Option<&str>) -> Option<i64> {
    OffsetDateTime::parse(s?, &Rfc3339)
        .ok()
        .map(OffsetDateTime::unix_timestamp)
}

/// The strings of a JSON array (none for anything else).
pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

fn text<'v>(v: &'v Value, k: &str) -> Option<&'v str> {
    v.get(k).and_then(Value::as_str)
}

/// A stored object's JSON, `None` if it is not an object (never, for what ingest stored).
pub fn parse(o: &StoredObject) -> Option<Value> {
    serde_json::from_str::<Value>(&o.json)
        .ok()
        .filter(Value::is_object)
}

impl Head {
    /// The head of the event a `report` is.
    pub fn of_report(o: &StoredObject, v: &Value) -> Head {
        // An imported event's report is `report--<event uuid>`; a report shared as STIX is the
        // event of its own uuid. (Not a `misp` external reference: the feed finds an event file
        // by the report's id.)
        let uuid = uuid_part(&o.stix_id).to_owned();
        let timestamp = secs(text(v, "modified")).unwrap_or_default();
        let labels = strings(&v["labels"]);
        Head {
            uuid,
            info: text(v, "name").unwrap_or_default().to_owned(),
            date: text(v, "x_misp_date")
                .or_else(|| text(v, "created").and_then(|c| c.get(..10)))
                .map(str::to_owned),
            timestamp,
            publish_timestamp: secs(text(v, "published")),
            threat_level_id: v["x_misp_threat_level_id"].as_i64().unwrap_or(4),
            analysis: v["x_misp_analysis"].as_i64().unwrap_or(0),
            orgc: (
                text(v, "x_misp_orgc").unwrap_or("simpul").to_owned(),
                text(v, "x_misp_orgc_uuid").map(str::to_owned),
            ),
            tlp: Some(o.tlp),
            pap: o.pap,
            labels,
            report: Some(o.stix_id.clone()),
            collection: o.collection,
            galaxies: Vec::new(),
        }
    }

    /// The synthetic event of collection `c` (its timestamp is its newest member's).
    pub fn synthetic(c: &Collection) -> Head {
        Head {
            uuid: synthetic_uuid(c.id).to_string(),
            info: format!("simpul collection {}: shared outside a MISP event", c.title),
            date: None,
            timestamp: 0,
            publish_timestamp: None,
            threat_level_id: 4,
            analysis: 2,
            orgc: ("simpul".into(), None),
            tlp: None,
            pap: None,
            labels: Vec::new(),
            report: None,
            collection: c.id,
            galaxies: Vec::new(),
        }
    }

    /// The event's tags: TLP, PAP, labels.
    pub fn tags(&self) -> Vec<String> {
        let mut t: Vec<String> = self.tlp.map(|l| l.tag().to_owned()).into_iter().collect();
        t.extend(self.pap.map(pap_tag));
        t.extend(self.labels.iter().cloned());
        t
    }

    /// The event's JSON fields before its attributes (`timestamp` and `date` come last: a
    /// synthetic event's are its newest member's).
    pub fn fields(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("uuid".into(), json!(self.uuid));
        m.insert("info".into(), json!(self.info));
        m.insert(
            "threat_level_id".into(),
            json!(self.threat_level_id.to_string()),
        );
        m.insert("analysis".into(), json!(self.analysis.to_string()));
        // Whoever may read it in simpul is the community it was shared with.
        m.insert("distribution".into(), json!("1"));
        m.insert("published".into(), json!(self.publish_timestamp.is_some()));
        if let Some(p) = self.publish_timestamp {
            m.insert("publish_timestamp".into(), json!(p.to_string()));
        }
        m.insert("Orgc".into(), self.orgc_json());
        m.insert("Tag".into(), tag_list(&self.tags()));
        if !self.galaxies.is_empty() {
            m.insert("Galaxy".into(), Value::Array(self.galaxies.clone()));
        }
        m
    }

    pub fn orgc_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("name".into(), json!(self.orgc.0));
        if let Some(u) = &self.orgc.1 {
            o.insert("uuid".into(), json!(u));
        }
        Value::Object(o)
    }

    /// The event's `date`, given its timestamp `ts`.
    pub fn date_at(&self, ts: i64) -> String {
        self.date.clone().unwrap_or_else(|| {
            OffsetDateTime::from_unix_timestamp(ts)
                .map(|t| t.date().to_string())
                .unwrap_or_else(|_| "1970-01-01".into())
        })
    }
}

/// The MISP tag of a PAP level (`PAP:GREEN`, the taxonomy's upper-case form).
pub fn pap_tag(p: Pap) -> String {
    format!("PAP:{}", p.as_str().to_ascii_uppercase())
}

/// `[{"name": …}, …]`.
pub fn tag_list(tags: &[String]) -> Value {
    Value::Array(tags.iter().map(|t| json!({ "name": t })).collect())
}

/// One part of an event, made from one stored object.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    Attribute(Map<String, Value>),
    /// A MISP object (its `ObjectReference`s are added by the caller, from relationships).
    Object(Map<String, Value>),
    EventReport(Map<String, Value>),
}

impl Piece {
    /// The newest `timestamp` in it.
    pub fn timestamp(&self) -> i64 {
        let m = match self {
            Piece::Attribute(m) | Piece::Object(m) | Piece::EventReport(m) => m,
        };
        let ts = |v: &Value| {
            v.as_str()
                .and_then(|s| s.parse::<i64>().ok())
                .or_else(|| v.as_i64())
        };
        let own = m.get("timestamp").and_then(ts).unwrap_or_default();
        let inner = m
            .get("Attribute")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|a| a.get("timestamp").and_then(ts))
            .max()
            .unwrap_or_default();
        own.max(inner)
    }

    /// Every attribute value with its type: the event attribute, or an object's attributes.
    pub fn values(&self) -> Vec<(&str, &str)> {
        fn pair(a: &Map<String, Value>) -> Option<(&str, &str)> {
            Some((a.get("type")?.as_str()?, a.get("value")?.as_str()?))
        }
        match self {
            Piece::Attribute(m) => pair(m).into_iter().collect(),
            Piece::Object(m) => m
                .get("Attribute")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_object)
                .filter_map(pair)
                .collect(),
            Piece::EventReport(_) => Vec::new(),
        }
    }
}

/// What a member's tags are beyond its event's.
fn own_tags(o: &StoredObject, v: &Value, head: &Head) -> Vec<String> {
    let mut t = Vec::new();
    if head.tlp != Some(o.tlp) {
        t.push(o.tlp.tag().to_owned());
    }
    if let Some(p) = o.pap.filter(|p| head.pap != Some(*p)) {
        t.push(pap_tag(p));
    }
    for l in v["labels"].as_array().into_iter().flatten() {
        if let Some(l) = l.as_str()
            && !head.labels.iter().any(|h| h == l)
        {
            t.push(l.to_owned());
        }
    }
    t
}

/// The part of an event stored object `o` is, if any: `to_ids` is cleared where `detect` is
/// false (an indicator that must not be used for detection now: not valid now, or a value on a
/// warninglist).
pub fn piece(o: &StoredObject, v: &Value, head: &Head, detect: bool) -> Vec<Piece> {
    let ts = secs(text(v, "modified")).unwrap_or(head.timestamp);
    let is_object = v.get("x_misp_object_name").is_some();
    match o.stix_type.as_str() {
        "indicator" | "observed-data" | "note" if is_object => {
            object(o, v, head, ts, detect).into_iter().collect()
        }
        "indicator" | "observed-data" => attributes(o, v, head, ts, detect),
        "note" => {
            let abstract_ = text(v, "abstract").unwrap_or_default();
            let kind = text(v, "x_misp_type").map(str::to_owned).or_else(|| {
                abstract_
                    .strip_prefix("MISP ")
                    .and_then(|a| a.strip_suffix(" attribute"))
                    .map(str::to_owned)
            });
            let content = text(v, "content").unwrap_or_default();
            match kind {
                Some(kind) => {
                    let mut a = attribute_base(o, &kind, content, ts, false);
                    if let Some(c) = text(v, "x_misp_category") {
                        a.insert("category".into(), json!(c));
                    }
                    a.insert("Tag".into(), tag_list(&own_tags(o, v, head)));
                    vec![Piece::Attribute(a)]
                }
                None => {
                    let mut r = Map::new();
                    r.insert("uuid".into(), json!(uuid_part(&o.stix_id)));
                    r.insert(
                        "name".into(),
                        json!(if abstract_.is_empty() {
                            "Report"
                        } else {
                            abstract_
                        }),
                    );
                    r.insert("content".into(), json!(content));
                    r.insert("timestamp".into(), json!(ts.to_string()));
                    r.insert("distribution".into(), json!("5"));
                    vec![Piece::EventReport(r)]
                }
            }
        }
        _ => Vec::new(),
    }
}

fn attribute_base(
    o: &StoredObject,
    kind: &str,
    value: &str,
    ts: i64,
    to_ids: bool,
) -> Map<String, Value> {
    let mut a = Map::new();
    a.insert("uuid".into(), json!(uuid_part(&o.stix_id)));
    a.insert("type".into(), json!(kind));
    a.insert("value".into(), json!(value));
    a.insert("to_ids".into(), json!(to_ids));
    a.insert("timestamp".into(), json!(ts.to_string()));
    a.insert("distribution".into(), json!("5"));
    a
}

/// The attributes of an indicator or observed-data: as imported, or inferred from the pattern.
fn attributes(o: &StoredObject, v: &Value, head: &Head, ts: i64, detect: bool) -> Vec<Piece> {
    let to_ids = o.stix_type == "indicator" && detect;
    let tags = tag_list(&own_tags(o, v, head));
    let comment = text(v, "description").or_else(|| text(v, "x_misp_comment"));
    let finish = |mut a: Map<String, Value>| {
        if let Some(c) = comment {
            a.insert("comment".into(), json!(c));
        }
        a.insert("Tag".into(), tags.clone());
        Piece::Attribute(a)
    };
    if let Some(kind) = text(v, "x_misp_type") {
        let value = text(v, "x_misp_value").or_else(|| {
            (o.stix_type == "indicator")
                .then(|| text(v, "name"))
                .flatten()
        });
        let Some(value) = value else {
            return Vec::new();
        };
        let mut a = attribute_base(o, kind, value, ts, to_ids);
        if let Some(c) = text(v, "x_misp_category") {
            a.insert("category".into(), json!(c));
        }
        return vec![finish(a)];
    }
    if o.stix_type != "indicator" {
        return Vec::new();
    }
    // From STIX: one attribute per exact value of the pattern.
    let Some(pattern) =
        text(v, "pattern").filter(|_| text(v, "pattern_type").is_none_or(|t| t == "stix"))
    else {
        return Vec::new();
    };
    let values = exact_values(pattern);
    let many = values.len() > 1;
    values
        .into_iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let (kind, category) = misp_type(&c)?;
            let mut a = attribute_base(o, kind, c.key(), ts, to_ids);
            if many {
                let u = Uuid::new_v5(&NAMESPACE, format!("{}|{i}", o.stix_id).as_bytes());
                a.insert("uuid".into(), json!(u.to_string()));
            }
            a.insert("category".into(), json!(category));
            Some(finish(a))
        })
        .collect()
}

/// The canonical values of a pattern that is a disjunction of exact comparisons (none for any
/// other pattern: a MISP attribute is one value).
pub fn exact_values(pattern: &str) -> Vec<Canonical> {
    let Ok(parsed) = simpul_pattern::parse(pattern) else {
        return Vec::new();
    };
    match simpul_matcher::compile::plan(parsed.root(), &simpul_observable::Context::new()) {
        simpul_matcher::Plan::Indexed(entries) => entries
            .into_iter()
            .filter_map(|e| match e {
                simpul_matcher::Entry::Exact(c) => Some(c),
                simpul_matcher::Entry::Cidr(c) => Some(c.canonical()),
                simpul_matcher::Entry::Suffix(_) => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The MISP type and default category (MISP's own, `describeTypes`) of a canonical value.
pub fn misp_type(c: &Canonical) -> Option<(&'static str, &'static str)> {
    const NET: &str = "Network activity";
    const PAYLOAD: &str = "Payload delivery";
    const FRAUD: &str = "Financial fraud";
    Some(match c.ty() {
        T::Domain => ("domain", NET),
        T::Url => ("url", NET),
        T::Ipv4 | T::Ipv6 | T::Ipv4Cidr | T::Ipv6Cidr => ("ip-dst", NET),
        T::Email => ("email-src", PAYLOAD),
        T::Asn => ("AS", NET),
        T::Mac => ("mac-address", NET),
        T::Md5 => ("md5", PAYLOAD),
        T::Sha1 => ("sha1", PAYLOAD),
        T::Sha256 => ("sha256", PAYLOAD),
        T::Sha512 => ("sha512", PAYLOAD),
        T::Ssdeep => ("ssdeep", PAYLOAD),
        T::Tlsh => ("tlsh", PAYLOAD),
        T::Phone => ("phone-number", "Person"),
        T::Iban => ("iban", FRAUD),
        T::Bic => ("bic", FRAUD),
        T::BankAccount => ("bank-account-nr", FRAUD),
        T::PaymentCard => ("cc-number", FRAUD),
        T::CryptoWallet(CryptoNetwork::Bitcoin) => ("btc", FRAUD),
        T::CryptoWallet(CryptoNetwork::Other) => ("xmr", FRAUD),
        _ => return None,
    })
}

/// A MISP object, from what the import kept of its attributes.
fn object(o: &StoredObject, v: &Value, head: &Head, ts: i64, detect: bool) -> Option<Piece> {
    let name = text(v, "x_misp_object_name")?;
    let mut m = Map::new();
    m.insert("uuid".into(), json!(uuid_part(&o.stix_id)));
    m.insert("name".into(), json!(name));
    if let Some(c) = text(v, "x_misp_meta_category") {
        m.insert("meta-category".into(), json!(c));
    }
    if let Some(c) = text(v, "description").or_else(|| text(v, "x_misp_comment")) {
        m.insert("comment".into(), json!(c));
    }
    m.insert("timestamp".into(), json!(ts.to_string()));
    m.insert("distribution".into(), json!("5"));
    let kept = v["x_misp_attributes"]
        .as_array()
        .or_else(|| v["x_misp_object_attributes"].as_array());
    let stored = |a: &Value| strings(&a["tags"]);
    // The object's TLP and PAP beyond the event's, and labels that no attribute's own tags
    // explain (a galaxy's), go on every attribute; each attribute keeps its own tags.
    let all_stored: Vec<String> = kept.into_iter().flatten().flat_map(stored).collect();
    let shared: Vec<String> = own_tags(o, v, head)
        .into_iter()
        .filter(|t| !all_stored.contains(t))
        .collect();
    let mut list = Vec::new();
    for (i, a) in kept.into_iter().flatten().enumerate() {
        let (Some(kind), Some(value)) = (text(a, "type"), text(a, "value")) else {
            continue;
        };
        let uuid = text(a, "uuid").map_or_else(
            || Uuid::new_v5(&NAMESPACE, format!("{}|{i}", o.stix_id).as_bytes()).to_string(),
            str::to_owned,
        );
        let mut x = Map::new();
        x.insert("uuid".into(), json!(uuid));
        x.insert("type".into(), json!(kind));
        if let Some(r) = text(a, "object_relation").or_else(|| text(a, "relation")) {
            x.insert("object_relation".into(), json!(r));
        }
        if let Some(c) = text(a, "category") {
            x.insert("category".into(), json!(c));
        }
        x.insert("value".into(), json!(value));
        let to_ids = a["to_ids"].as_bool().unwrap_or(false) && detect;
        x.insert("to_ids".into(), json!(to_ids));
        let at = a["timestamp"].as_i64().unwrap_or(ts);
        x.insert("timestamp".into(), json!(at.to_string()));
        x.insert("distribution".into(), json!("5"));
        if let Some(c) = text(a, "comment") {
            x.insert("comment".into(), json!(c));
        }
        let mut tags = shared.clone();
        for t in stored(a) {
            if !tags.contains(&t) && !head.labels.contains(&t) {
                tags.push(t);
            }
        }
        x.insert("Tag".into(), tag_list(&tags));
        list.push(Value::Object(x));
    }
    m.insert("Attribute".into(), Value::Array(list));
    Some(Piece::Object(m))
}

/// An object reference, from a relationship whose source is a MISP object.
pub fn reference(v: &Value) -> Option<(String, Value)> {
    let source = text(v, "source_ref")?;
    let target = text(v, "target_ref")?;
    let id = text(v, "id")?;
    let ts = secs(text(v, "modified")).unwrap_or_default();
    Some((
        source.to_owned(),
        json!({
            "uuid": uuid_part(id),
            "object_uuid": uuid_part(source),
            "referenced_uuid": uuid_part(target),
            "relationship_type": text(v, "relationship_type").unwrap_or("related-to"),
            "timestamp": ts.to_string(),
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stix_values_get_misp_types() {
        let vs = exact_values(
            "[domain-name:value = 'Evil.Example'] OR [ipv4-addr:value = '192.0.2.1'] OR \
             [bank-account:iban = 'DE89370400440532013000']",
        );
        let types: Vec<_> = vs.iter().filter_map(misp_type).map(|t| t.0).collect();
        assert_eq!(types, ["domain", "ip-dst", "iban"]);
        assert!(
            exact_values("[domain-name:value = 'a.example'] AND [ipv4-addr:value = '192.0.2.1']")
                .is_empty()
        );
    }

    #[test]
    fn synthetic_uuids_are_stable_per_collection() {
        let a = CollectionId(Uuid::nil());
        assert_eq!(synthetic_uuid(a), synthetic_uuid(a));
        assert_ne!(synthetic_uuid(a), synthetic_uuid(CollectionId(Uuid::max())));
    }
}
