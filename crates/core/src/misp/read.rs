//! Reading MISP JSON: telling it from STIX by its first bytes, and reading its events one at a
//! time — one event (`{"Event": {...}}` or bare), a list of them (`[{"Event": …}, …]`, or
//! `{"response": [...]}` as MISP's API answers a search), each at most [`MAX_EVENT_BYTES`]. A
//! list is streamed: only one event is held at a time.
//!
//! Errors carry their position: `line L column C` for JSON syntax, a JSON pointer
//! (`/Event/Attribute/3/to_ids`) for a value of the wrong form.

use std::cell::Cell;
use std::fmt;
use std::io::Read;
use std::rc::Rc;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::model::{Event, Wrapped};
use crate::error::Invalid;

/// The largest MISP event simpul reads (one event is parsed whole). A 100,000-attribute event
/// is about 40 MB.
pub const MAX_EVENT_BYTES: usize = 64 << 20;

/// What an input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// STIX (a bundle, objects, JSON lines): not MISP.
    Stix,
    /// One MISP event.
    Event,
    /// A list of MISP events.
    List,
}

/// The keys of the top-level object that starts `text` (as far as `text` goes), in order.
fn top_keys(text: &[u8]) -> Vec<String> {
    let mut keys = Vec::new();
    let (mut depth, mut in_str, mut esc, mut expect_key) = (0usize, false, false, false);
    let mut start = 0;
    for (i, &b) in text.iter().enumerate() {
        if in_str {
            if esc {
                esc = false;
            } else if b == b'\\' {
                esc = true;
            } else if b == b'"' {
                in_str = false;
                if depth == 1 && expect_key {
                    keys.push(String::from_utf8_lossy(&text[start..i]).into_owned());
                    expect_key = false;
                }
            }
            continue;
        }
        match b {
            b'"' => {
                in_str = true;
                start = i + 1;
            }
            b'{' | b'[' => {
                depth += 1;
                expect_key = depth == 1 && b == b'{';
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            b',' if depth == 1 => expect_key = true,
            _ => {}
        }
    }
    keys
}

/// Fields only a MISP event has at its top.
const EVENT_KEYS: &[&str] = &[
    "Attribute",
    "Object",
    "Orgc",
    "EventReport",
    "info",
    "threat_level_id",
    "analysis",
];

fn skip_space(b: &[u8]) -> &[u8] {
    let b = b.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(b);
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

fn is_event(object: &[u8]) -> bool {
    let keys = top_keys(object);
    keys.first().is_some_and(|k| k == "Event")
        || (!keys.iter().any(|k| k == "type")
            && keys.iter().any(|k| EVENT_KEYS.contains(&k.as_str())))
}

/// What `prefix` (the input's first bytes) starts.
pub fn detect(prefix: &[u8]) -> Form {
    let b = skip_space(prefix);
    match b.first() {
        Some(b'[') => {
            let inner = skip_space(&b[1..]);
            if inner.first() == Some(&b'{') && is_event(inner) {
                Form::List
            } else {
                Form::Stix
            }
        }
        Some(b'{') => {
            let keys = top_keys(b);
            if keys.first().is_some_and(|k| k == "response") {
                Form::List
            } else if is_event(b) {
                Form::Event
            } else {
                Form::Stix
            }
        }
        _ => Form::Stix,
    }
}

/// A JSON pointer of a serde path.
fn pointer(p: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for s in p.iter() {
        match s {
            Segment::Seq { index } => out.push_str(&format!("/{index}")),
            Segment::Map { key } => {
                out.push_str(&format!("/{}", key.replace('~', "~0").replace('/', "~1")))
            }
            Segment::Enum { variant } => out.push_str(&format!("/{variant}")),
            Segment::Unknown => out.push_str("/?"),
        }
    }
    out
}

fn syntax(e: &serde_json::Error, at: &str) -> Invalid {
    Invalid::new(
        at,
        format!(
            "line {} column {}: {}",
            e.line(),
            e.column(),
            strip_position(e)
        ),
    )
}

/// serde_json's message without its " at line L column C" tail.
fn strip_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

/// Parses one event document (wrapped or bare), whose path is `at`: the event and its path.
pub fn parse_event(text: &str, at: &str) -> Result<(String, Event), Invalid> {
    let wrapped = top_keys(text.as_bytes())
        .first()
        .is_some_and(|k| k == "Event");
    let mut de = serde_json::Deserializer::from_str(text);
    let result = if wrapped {
        serde_path_to_error::deserialize::<_, Wrapped>(&mut de).map(|w| w.event)
    } else {
        serde_path_to_error::deserialize::<_, Event>(&mut de)
    };
    let base = if wrapped {
        format!("{at}/Event")
    } else {
        at.to_owned()
    };
    match result {
        Ok(e) => Ok((base, e)),
        Err(e) => {
            let path = format!("{at}{}", pointer(e.path()));
            let inner = e.into_inner();
            if inner.is_data() {
                Err(Invalid::new(path, strip_position(&inner)))
            } else {
                Err(syntax(&inner, at))
            }
        }
    }
}

fn too_large(at: &str, max: usize) -> Invalid {
    Invalid::new(
        at,
        format!("the MISP event is larger than {max} bytes (the limit of one event)"),
    )
}

/// Reads one event document from `r`.
pub fn read_event(r: impl Read, at: &str) -> Result<(String, Event), Invalid> {
    read_event_within(r, at, MAX_EVENT_BYTES)
}

fn read_event_within(r: impl Read, at: &str, max: usize) -> Result<(String, Event), Invalid> {
    let mut buf = Vec::new();
    r.take(max as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| Invalid::new(at, format!("read error: {e}")))?;
    if buf.len() > max {
        return Err(too_large(at, max));
    }
    let text = std::str::from_utf8(&buf)
        .map_err(|e| Invalid::new(at, format!("not UTF-8 at byte {}", e.valid_up_to())))?;
    parse_event(text, at)
}

/// Counts the bytes of the element being read, refusing more than the limit of one event.
struct Limited<R> {
    inner: R,
    used: Rc<Cell<usize>>,
    max: usize,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.used.set(self.used.get() + n);
        if self.used.get() > self.max {
            return Err(std::io::Error::other("event too large"));
        }
        Ok(n)
    }
}

/// What to do with each event of a list (`Err` for one that cannot be read: the list goes on).
pub type OnEvent<'o> = dyn FnMut(Result<(String, Event), Invalid>) + 'o;

struct List<'o, 'p> {
    on: &'o mut OnEvent<'p>,
    prefix: &'static str,
    used: Rc<Cell<usize>>,
    index: Rc<Cell<usize>>,
}

impl<'de> Visitor<'de> for List<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of MISP events")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            self.used.set(0);
            let i = self.index.get();
            let Some(raw) = seq.next_element::<Box<RawValue>>()? else {
                return Ok(());
            };
            let at = format!("{}/{i}", self.prefix);
            (self.on)(parse_event(raw.get(), &at));
            self.index.set(i + 1);
        }
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        while let Some(k) = map.next_key::<String>()? {
            if k == "response" {
                self.prefix = "/response";
                return map.next_value_seed(Seed(self)).and_then(|()| {
                    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                    Ok(())
                });
            }
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

struct Seed<'o, 'p>(List<'o, 'p>);

impl<'de> DeserializeSeed<'de> for Seed<'_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self.0)
    }
}

/// Streams the events of a list, calling `on` for each; `Err` when the list itself cannot be
/// read on (bad JSON, an event over the limit).
pub fn read_list(r: impl Read, on: &mut OnEvent<'_>) -> Result<(), Invalid> {
    read_list_within(r, on, MAX_EVENT_BYTES)
}

fn read_list_within(r: impl Read, on: &mut OnEvent<'_>, max: usize) -> Result<(), Invalid> {
    let used = Rc::new(Cell::new(0));
    let index = Rc::new(Cell::new(0));
    let reader = Limited {
        inner: r,
        used: Rc::clone(&used),
        // What the reader buffers beyond the event read.
        max: max + (1 << 16),
    };
    let mut de = serde_json::Deserializer::from_reader(std::io::BufReader::new(reader));
    let list = List {
        on,
        prefix: "",
        used: Rc::clone(&used),
        index: Rc::clone(&index),
    };
    let result = serde::Deserializer::deserialize_any(&mut de, list).and_then(|()| de.end());
    result.map_err(|e| {
        if e.is_io() && used.get() > max {
            too_large(&format!("/{}", index.get()), max)
        } else {
            syntax(&e, "")
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn misp_is_told_from_stix() {
        assert_eq!(detect(br#"{"Event": {"info": "x"}}"#), Form::Event);
        assert_eq!(
            detect(br#" {"uuid": "u", "info": "x", "Attribute": []}"#),
            Form::Event
        );
        assert_eq!(detect(br#"{"response": [{"Event": {}}]}"#), Form::List);
        assert_eq!(detect(br#"[ {"Event": {}}, {"Event": {}}]"#), Form::List);
        assert_eq!(detect(br#"{"type": "bundle", "info": "x"}"#), Form::Stix);
        assert_eq!(detect(br#"[{"type": "indicator"}]"#), Form::Stix);
        assert_eq!(
            detect(br#"{"id": "x", "nested": {"Attribute": 1}}"#),
            Form::Stix
        );
        assert_eq!(detect(b""), Form::Stix);
    }

    #[test]
    fn errors_name_their_json_path_or_position() {
        let e = parse_event(
            r#"{"Event": {"uuid": "u", "Attribute": [{"value": "a"}, {"to_ids": {}}]}}"#,
            "",
        )
        .unwrap_err();
        assert_eq!(e.path, "/Event/Attribute/1/to_ids");
        assert!(e.message.contains("expected a boolean"), "{e:?}");
        let e = read_event(&b"{\"Event\": {\n \"uuid\": }}"[..], "").unwrap_err();
        assert!(e.message.starts_with("line 2 column"), "{e:?}");
    }

    #[test]
    fn a_list_is_read_one_event_at_a_time() {
        let text = r#"{"response": [{"Event": {"uuid": "a"}}, {"Event": {"timestamp": []}}, {"uuid": "c", "info": "bare"}]}"#;
        let mut got = Vec::new();
        read_list(text.as_bytes(), &mut |r| {
            got.push(match r {
                Ok((at, e)) => format!("{at} {}", e.uuid),
                Err(e) => format!("bad {} {}", e.path, e.message),
            });
        })
        .unwrap();
        assert_eq!(got[0], "/response/0/Event a");
        assert!(
            got[1].starts_with("bad /response/1/Event/timestamp"),
            "{got:?}"
        );
        assert_eq!(got[2], "/response/2 c");
        let mut n = 0;
        read_list(&br#"[{"Event": {}}, {"Event": {}}]"#[..], &mut |_| n += 1).unwrap();
        assert_eq!(n, 2);
        assert!(read_list(&b"[{\"Event\": {}}, {"[..], &mut |_| {}).is_err());
    }

    #[test]
    fn an_event_over_the_limit_is_refused_with_it() {
        let big = format!(
            r#"{{"Event": {{"uuid": "u", "info": "{}"}}}}"#,
            "x".repeat(200)
        );
        let e = read_event_within(big.as_bytes(), "", 100).unwrap_err();
        assert!(e.message.contains("larger than 100 bytes"), "{e:?}");
        assert!(read_event_within(big.as_bytes(), "", 1000).is_ok());
        let list = format!("[{big}, \"{}\"]", "x".repeat(1 << 17));
        let mut n = 0;
        let e = read_list_within(list.as_bytes(), &mut |_| n += 1, 1000).unwrap_err();
        assert_eq!((n, e.path.as_str()), (1, "/1"), "{e:?}");
        assert!(e.message.contains("larger than 1000 bytes"), "{e:?}");
    }
}
