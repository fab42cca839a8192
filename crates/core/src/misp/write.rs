//! Writing [`Part`]s: MISP event JSON (`{"Event": {...}}`, or a JSON array of them), a MISP
//! feed's `manifest.json` (event uuid → `Orgc`, `Tag`, `info`, `date`, `analysis`,
//! `threat_level_id`, `timestamp`) and its `hashes.csv` (`md5(value),event uuid` per attribute
//! value; the parts of a composite `a|b` value each), the forms MISP's feed fetcher reads.

use md5::{Digest, Md5};
use serde_json::{Map, Value, json};

use super::events::Part;
use super::from_stix::{Head, Piece, tag_list};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Attribute,
    Object,
    EventReport,
}

impl Section {
    fn of(p: &Piece) -> Section {
        match p {
            Piece::Attribute(_) => Section::Attribute,
            Piece::Object(_) => Section::Object,
            Piece::EventReport(_) => Section::EventReport,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Section::Attribute => "Attribute",
            Section::Object => "Object",
            Section::EventReport => "EventReport",
        }
    }
}

/// Event JSON, streamed: an event's fields, then its arrays as the parts arrive.
#[derive(Debug, Default)]
pub struct EventJson {
    /// A JSON array of events (else exactly one event).
    list: bool,
    events: u64,
    section: Option<(Section, u64)>,
}

impl EventJson {
    /// A writer of a JSON array of `{"Event": …}` ([`EventJson::open`] and [`EventJson::close`]
    /// write the brackets).
    pub fn list() -> Self {
        Self {
            list: true,
            ..Self::default()
        }
    }

    /// A writer of one `{"Event": …}`.
    pub fn one() -> Self {
        Self::default()
    }

    pub fn open(&self, out: &mut Vec<u8>) {
        if self.list {
            out.push(b'[');
        }
    }

    pub fn close(&self, out: &mut Vec<u8>) {
        if self.list {
            out.extend_from_slice(b"]\n");
        } else {
            out.push(b'\n');
        }
    }

    pub fn write(&mut self, part: &Part, out: &mut Vec<u8>) {
        match part {
            Part::Start(head) => {
                if self.list && self.events > 0 {
                    out.push(b',');
                }
                self.events += 1;
                let fields = Value::Object(head.fields()).to_string();
                out.extend_from_slice(b"{\"Event\":");
                // The fields without their closing brace: the arrays follow.
                out.extend_from_slice(&fields.as_bytes()[..fields.len() - 1]);
                self.section = None;
            }
            Part::Piece(p) => {
                let s = Section::of(p);
                match &mut self.section {
                    Some((cur, n)) if *cur == s => {
                        out.push(b',');
                        *n += 1;
                    }
                    other => {
                        if other.is_some() {
                            out.push(b']');
                        }
                        out.extend_from_slice(format!(",\"{}\":[", s.name()).as_bytes());
                        *other = Some((s, 1));
                    }
                }
                let m = match p {
                    Piece::Attribute(m) | Piece::Object(m) | Piece::EventReport(m) => m,
                };
                out.extend_from_slice(Value::Object(m.clone()).to_string().as_bytes());
            }
            Part::End { timestamp, date } => {
                if self.section.take().is_some() {
                    out.push(b']');
                }
                let tail = json!({ "timestamp": timestamp.to_string(), "date": date }).to_string();
                out.push(b',');
                out.extend_from_slice(&tail.as_bytes()[1..]);
                out.push(b'}');
            }
        }
    }
}

/// A feed's `manifest.json`, an entry per event when it ends.
#[derive(Debug, Default)]
pub struct Manifest {
    head: Option<Head>,
    entries: u64,
}

impl Manifest {
    pub fn open(&self, out: &mut Vec<u8>) {
        out.push(b'{');
    }

    pub fn close(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"}\n");
    }

    pub fn write(&mut self, part: &Part, out: &mut Vec<u8>) {
        match part {
            Part::Start(h) => self.head = Some((**h).clone()),
            Part::Piece(_) => {}
            Part::End { timestamp, date } => {
                let Some(h) = self.head.take() else {
                    return;
                };
                let mut e = Map::new();
                e.insert("Orgc".into(), h.orgc_json());
                e.insert("Tag".into(), tag_list(&h.tags()));
                e.insert("info".into(), json!(h.info));
                e.insert("date".into(), json!(date));
                e.insert("analysis".into(), json!(h.analysis));
                e.insert("threat_level_id".into(), json!(h.threat_level_id));
                e.insert("timestamp".into(), json!(timestamp));
                if self.entries > 0 {
                    out.push(b',');
                }
                self.entries += 1;
                out.extend_from_slice(json!(h.uuid).to_string().as_bytes());
                out.push(b':');
                out.extend_from_slice(Value::Object(e).to_string().as_bytes());
            }
        }
    }
}

/// A feed's `hashes.csv`.
#[derive(Debug, Default)]
pub struct Hashes {
    event: Option<String>,
}

impl Hashes {
    pub fn write(&mut self, part: &Part, out: &mut Vec<u8>) {
        match part {
            Part::Start(h) => self.event = Some(h.uuid.clone()),
            Part::End { .. } => self.event = None,
            Part::Piece(p) => {
                let Some(event) = &self.event else {
                    return;
                };
                for (ty, value) in p.values() {
                    let parts: Vec<&str> = if ty.contains('|') || ty == "malware-sample" {
                        value.split('|').collect()
                    } else {
                        vec![value]
                    };
                    for v in parts {
                        out.extend_from_slice(md5_hex(v).as_bytes());
                        out.push(b',');
                        out.extend_from_slice(event.as_bytes());
                        out.push(b'\n');
                    }
                }
            }
        }
    }
}

/// The MD5 of `v`'s UTF-8 bytes, in lower-case hex.
pub fn md5_hex(v: &str) -> String {
    hex::encode(Md5::digest(v.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_is_of_the_utf8_value() {
        assert_eq!(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(md5_hex("evil.example").len(), 32);
    }
}
