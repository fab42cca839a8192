//! Reading shared STIX from a byte stream, one object at a time, in bounded memory: a bundle, a JSON
//! array of objects, one object, or JSON lines (one object, array or bundle per line). Each object
//! comes with where it is — a JSON pointer into the document (`/objects/12`, `/3`, ``) or its line
//! (`line 7`, `line 7 /objects/2` for a bundle on a line) — so that failures name their position.
//!
//! The form is told from the input itself: JSON lines when the first line is a whole JSON value
//! and more follows it; otherwise one document, read by [`simpul_stix::stream::read_units`]
//! (bounded by its in-memory limit plus the largest object). A syntax error in a document stops
//! the reading (a document up to that limit is parsed whole, so none of it is delivered; a larger
//! one streams, and the objects before the error have been); a bad line of JSON lines is reported
//! at its line and the reading goes on.

use std::io::{BufRead, BufReader, Read};

use simpul_stix::stream::{IN_MEMORY_LIMIT, Unit, read_units};
use simpul_stix::{Json, StixObject};

use crate::error::Invalid;

/// The longest line of JSON lines (and the longest first line looked at to tell the form).
pub const MAX_LINE_BYTES: usize = IN_MEMORY_LIMIT;

/// Where a unit is: its position among the input's objects (from 0) and its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct At {
    pub index: usize,
    /// A JSON pointer (`/objects/12`), or `line N` / `line N /objects/2` for JSON lines.
    pub path: String,
}

impl At {
    /// `at`'s path followed by a pointer inside the object (`/objects/12/pattern`,
    /// `line 7 /pattern`).
    pub fn inside(&self, pointer: &str) -> String {
        if self.path.starts_with("line ") && !pointer.is_empty() {
            format!("{} {pointer}", self.path)
        } else {
            format!("{}{pointer}", self.path)
        }
    }
}

/// What was found at a position: an object, or why there is none.
#[derive(Debug)]
pub enum Found<'a> {
    Object(StixObject<'a>),
    Bad(String),
    /// A remark about the input at this position (a MISP value kept as a custom observable…):
    /// no object, reported as a warning.
    Warning(String),
}

/// Reads every object of `reader`, calling `on` for each in order. `Err` for a document that cannot
/// be read as STIX (bad JSON, a top-level value that is no object or array, a bundle whose
/// `objects` is not an array), with its position in the message.
pub fn read(reader: impl Read, mut on: impl FnMut(At, Found<'_>)) -> Result<(), Invalid> {
    let mut r = BufReader::with_capacity(1 << 16, reader);
    let (first, blank) = skip_space(&mut r)?;
    let Some(first) = first else {
        return Ok(());
    };
    if first != b'{' {
        return document(r, first == b'[', &mut on);
    }
    // A whole JSON value on the first line, and more after it: JSON lines.
    let mut line = Vec::new();
    let complete = first_line(&mut r, &mut line, MAX_LINE_BYTES)?;
    let whole_value = complete && simpul_stix::parse_json(trim(&line)).is_ok();
    if whole_value {
        let (next, more_blank) = skip_space(&mut r)?;
        if next.is_some() {
            let mut index = 0;
            let n = blank + 1;
            emit_line(n, &line, &mut index, &mut on);
            return lines(r, n + 1 + more_blank, &mut index, &mut on);
        }
    }
    document(std::io::Cursor::new(line).chain(r), false, &mut on)
}

/// One document (bundle, array or object), streamed.
fn document(r: impl Read, array: bool, on: &mut impl FnMut(At, Found<'_>)) -> Result<(), Invalid> {
    let mut index = 0usize;
    let mut refused: Option<Invalid> = None;
    let parsed = read_units(r, |u| {
        match u {
            Unit::BundleObject { index: i, object } => {
                let at = At {
                    index,
                    path: format!("/objects/{i}"),
                };
                on(at, Found::Object(object));
            }
            Unit::Object(object) => {
                let path = if array {
                    format!("/{index}")
                } else {
                    String::new()
                };
                on(At { index, path }, Found::Object(object));
            }
            Unit::NotAnObject {
                found,
                index: Some(i),
            } => {
                let path = if array {
                    format!("/{i}")
                } else {
                    format!("/objects/{i}")
                };
                let why = format!("expected a STIX object, found {found}");
                on(At { index, path }, Found::Bad(why));
            }
            Unit::NotAnObject { found, index: None } => {
                refused.get_or_insert_with(|| {
                    Invalid::new(
                        "",
                        format!("expected a STIX bundle, object or array, found {found}"),
                    )
                });
                return;
            }
            Unit::BundleEnd {
                objects_len: None,
                envelope,
            } => {
                if envelope.contains_key("objects") {
                    refused.get_or_insert_with(|| {
                        Invalid::new("/objects", "must be an array of STIX objects")
                    });
                }
                return;
            }
            Unit::BundleEnd { .. } => return,
        }
        index += 1;
    });
    parsed.map_err(|e| {
        Invalid::new(
            "",
            format!("line {} column {}: {}", e.line, e.column, e.message),
        )
    })?;
    refused.map_or(Ok(()), Err)
}

/// JSON lines from line `n` on: each line an object, an array of objects or a bundle; blank lines
/// are skipped; a line that is not JSON, or too long, is reported at its line.
fn lines(
    mut r: impl BufRead,
    mut n: u64,
    index: &mut usize,
    on: &mut impl FnMut(At, Found<'_>),
) -> Result<(), Invalid> {
    let mut line = Vec::new();
    loop {
        line.clear();
        let end = read_line(&mut r, &mut line, MAX_LINE_BYTES)?;
        if end == LineEnd::TooLong {
            let at = At {
                index: *index,
                path: format!("line {n}"),
            };
            *index += 1;
            on(
                at,
                Found::Bad(format!("longer than {MAX_LINE_BYTES} bytes: skipped")),
            );
        } else if !line.is_empty() || end == LineEnd::Newline {
            emit_line(n, &line, index, on);
        }
        if end == LineEnd::Eof {
            return Ok(());
        }
        n += 1;
    }
}

fn emit_line(n: u64, line: &[u8], index: &mut usize, on: &mut impl FnMut(At, Found<'_>)) {
    let text = trim(line);
    if text.is_empty() {
        return;
    }
    let mut next = |path: String| {
        let at = At {
            index: *index,
            path,
        };
        *index += 1;
        at
    };
    let line_at = format!("line {n}");
    match simpul_stix::parse_json(text) {
        Err(e) => on(
            next(line_at),
            Found::Bad(format!("column {}: {}", e.column, e.message)),
        ),
        Ok(Json::Object(m)) if m.get("type").and_then(Json::as_str) == Some("bundle") => {
            let mut m = m;
            match m.remove("objects") {
                Some(Json::Array(items)) => {
                    for (i, item) in items.into_iter().enumerate() {
                        let at = next(format!("{line_at} /objects/{i}"));
                        on(at, object_or_bad(item));
                    }
                }
                None => {}
                Some(_) => on(
                    next(format!("{line_at} /objects")),
                    Found::Bad("must be an array of STIX objects".into()),
                ),
            }
        }
        Ok(Json::Object(m)) => on(next(line_at), Found::Object(StixObject::from_map(m))),
        Ok(Json::Array(items)) => {
            for (i, item) in items.into_iter().enumerate() {
                let at = next(format!("{line_at} /{i}"));
                on(at, object_or_bad(item));
            }
        }
        Ok(other) => on(
            next(line_at),
            Found::Bad(format!(
                "expected a STIX object, array or bundle, found {}",
                other.kind()
            )),
        ),
    }
}

fn object_or_bad(v: Json<'_>) -> Found<'_> {
    match v {
        Json::Object(m) => Found::Object(StixObject::from_map(m)),
        other => Found::Bad(format!("expected a STIX object, found {}", other.kind())),
    }
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end.max(start)]
}

fn read_error(e: &std::io::Error) -> Invalid {
    Invalid::new("", format!("read error: {e}"))
}

/// Skips white space (and a UTF-8 byte order mark); the next byte, unread (`None` at the end), and
/// how many line ends were skipped.
fn skip_space(r: &mut impl BufRead) -> Result<(Option<u8>, u64), Invalid> {
    let mut newlines = 0u64;
    loop {
        let buf = r.fill_buf().map_err(|e| read_error(&e))?;
        if buf.is_empty() {
            return Ok((None, newlines));
        }
        if buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
            r.consume(3);
            continue;
        }
        let end = buf
            .iter()
            .position(|c| !c.is_ascii_whitespace())
            .unwrap_or(buf.len());
        newlines += buf[..end].iter().filter(|&&c| c == b'\n').count() as u64;
        let next = buf.get(end).copied();
        r.consume(end);
        if next.is_some() {
            return Ok((next, newlines));
        }
    }
}

/// Reads up to and including the first `\n` into `out`, or `max` bytes, whichever comes first,
/// leaving the rest unread: whether a whole line was read.
fn first_line(r: &mut impl BufRead, out: &mut Vec<u8>, max: usize) -> Result<bool, Invalid> {
    loop {
        let buf = r.fill_buf().map_err(|e| read_error(&e))?;
        if buf.is_empty() {
            return Ok(false);
        }
        let room = max.saturating_sub(out.len());
        if room == 0 {
            return Ok(false);
        }
        let window = &buf[..buf.len().min(room)];
        match window.iter().position(|&c| c == b'\n') {
            Some(i) => {
                out.extend_from_slice(&window[..=i]);
                r.consume(i + 1);
                return Ok(true);
            }
            None => {
                let n = window.len();
                out.extend_from_slice(window);
                r.consume(n);
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineEnd {
    Newline,
    Eof,
    /// Longer than the limit: `out` holds its first bytes, the rest was skipped.
    TooLong,
}

/// Reads up to the next `\n` (not kept) into `out`, keeping at most `max` bytes.
fn read_line(r: &mut impl BufRead, out: &mut Vec<u8>, max: usize) -> Result<LineEnd, Invalid> {
    let mut too_long = false;
    loop {
        let buf = r.fill_buf().map_err(|e| read_error(&e))?;
        if buf.is_empty() {
            return Ok(if too_long {
                LineEnd::TooLong
            } else {
                LineEnd::Eof
            });
        }
        let (chunk, found) = match buf.iter().position(|&c| c == b'\n') {
            Some(i) => (&buf[..i], Some(i + 1)),
            None => (buf, None),
        };
        if !too_long {
            if out.len() + chunk.len() > max {
                too_long = true;
            } else {
                out.extend_from_slice(chunk);
            }
        }
        let used = found.unwrap_or(buf.len());
        r.consume(used);
        if found.is_some() {
            return Ok(if too_long {
                LineEnd::TooLong
            } else {
                LineEnd::Newline
            });
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn units(text: &str) -> Result<Vec<String>, Invalid> {
        let mut out = Vec::new();
        read(text.as_bytes(), |at, f| {
            let what = match f {
                Found::Object(o) => o.get_str("id").unwrap_or("?").to_owned(),
                Found::Bad(why) => format!("bad: {why}"),
                Found::Warning(w) => format!("warning: {w}"),
            };
            out.push(format!("{} {} {what}", at.index, at.path));
        })?;
        Ok(out)
    }

    #[test]
    fn every_form_gives_its_objects_with_their_positions() {
        let bundle = r#"{"type":"bundle","id":"bundle--1","objects":[{"id":"a"},3,{"id":"b"}]}"#;
        assert_eq!(
            units(bundle).unwrap(),
            [
                "0 /objects/0 a",
                "1 /objects/1 bad: expected a STIX object, found integer",
                "2 /objects/2 b"
            ]
        );
        let pretty = "{\n  \"type\": \"bundle\",\n  \"objects\": [\n {\"id\":\"a\"}\n ]\n}\n";
        assert_eq!(units(pretty).unwrap(), ["0 /objects/0 a"]);
        assert_eq!(
            units(" [{\"id\":\"a\"}, {\"id\":\"b\"}]").unwrap(),
            ["0 /0 a", "1 /1 b"]
        );
        assert_eq!(units("{\"id\":\"a\"}\n").unwrap(), ["0  a"]);
        assert_eq!(units("").unwrap(), Vec::<String>::new());
        let lines = "{\"id\":\"a\"}\n\n{\"id\":\n[{\"id\":\"b\"}]\n{\"type\":\"bundle\",\"objects\":[{\"id\":\"c\"}]}\n7";
        assert_eq!(
            units(lines).unwrap(),
            [
                "0 line 1 a",
                "1 line 3 bad: column 6: EOF while parsing a value",
                "2 line 4 /0 b",
                "3 line 5 /objects/0 c",
                "4 line 6 bad: expected a STIX object, array or bundle, found integer",
            ]
        );
        assert_eq!(
            units("\n\n{\"id\":\"a\"}\n\n\n{\"id\":\"b\"}").unwrap(),
            ["0 line 3 a", "1 line 6 b"]
        );
        assert_eq!(
            At {
                index: 0,
                path: "line 4".into()
            }
            .inside("/pattern"),
            "line 4 /pattern"
        );
    }

    #[test]
    fn documents_that_are_not_stix_are_refused_with_their_position() {
        let e = units("{\"type\":\"bundle\",\n\"objects\":[{\"id\":}]}").unwrap_err();
        assert!(e.message.starts_with("line 2 column"), "{e:?}");
        let e = units("\"text\"").unwrap_err();
        assert!(e.message.contains("found string"), "{e:?}");
        let e = units(r#"{"type":"bundle","objects":{}}"#).unwrap_err();
        assert_eq!(e.path, "/objects");
    }

    #[test]
    fn the_first_line_is_read_without_losing_what_follows() {
        let mut r = std::io::Cursor::new(b"abcdef\nxy".to_vec());
        let mut out = Vec::new();
        assert!(!first_line(&mut r, &mut out, 3).unwrap());
        assert_eq!(out, b"abc");
        out.clear();
        assert!(first_line(&mut r, &mut out, 30).unwrap());
        assert_eq!(out, b"def\n");
    }

    #[test]
    fn an_overlong_line_is_skipped_and_reported() {
        let mut r = std::io::Cursor::new(b"abcdef\nxy\n".to_vec());
        let mut out = Vec::new();
        assert_eq!(read_line(&mut r, &mut out, 3).unwrap(), LineEnd::TooLong);
        out.clear();
        assert_eq!(read_line(&mut r, &mut out, 3).unwrap(), LineEnd::Newline);
        assert_eq!(out, b"xy");
        out.clear();
        assert_eq!(read_line(&mut r, &mut out, 3).unwrap(), LineEnd::Eof);
    }
}
