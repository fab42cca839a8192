//! Loading indicators from the text of a file: a STIX bundle, a JSON array of objects, one
//! object, or JSON lines of objects (or of bundles).

use serde_json::Value;
use time::OffsetDateTime;

use crate::{Index, Outcome, Route};

/// How many refused objects a [`Loaded`] keeps the reason of.
pub const MAX_REASONS: usize = 20;

/// The text is not a usable indicators file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// Neither one JSON document nor JSON lines.
    #[error("line {line}: not JSON: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// The parser's message.
        message: String,
    },
    /// Valid JSON, but no STIX objects in it.
    #[error("no STIX objects (expected a bundle, a list of objects or JSON lines of objects)")]
    NoObjects,
}

/// What loading did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Loaded {
    /// STIX objects seen.
    pub objects: usize,
    /// Indicators taken into the index (added or replaced).
    pub indexed: usize,
    /// Of those, kept but unable to fire from one observable.
    pub never: usize,
    /// Objects that are not indicators (identities, markings…): skipped silently.
    pub other_objects: usize,
    /// Indicators refused (other pattern types, bad patterns): count and first reasons.
    pub refused: usize,
    /// The first [`MAX_REASONS`] reasons.
    pub reasons: Vec<String>,
    /// Revoked, expired or stale versions.
    pub dropped: usize,
}

fn objects_of(v: Value, out: &mut Vec<Value>) {
    match v {
        Value::Array(a) => a.into_iter().for_each(|o| objects_of(o, out)),
        Value::Object(mut m) if m.get("type").and_then(Value::as_str) == Some("bundle") => {
            if let Some(o) = m.remove("objects") {
                objects_of(o, out);
            }
        }
        o @ Value::Object(_) => out.push(o),
        _ => {}
    }
}

/// Offers every object of `text` to `index` at `now`.
///
/// # Errors
/// [`LoadError`] when the text is not JSON (nor JSON lines) or holds no object; the index may
/// then hold the objects of the lines before the bad one.
pub fn load(text: &str, index: &mut Index, now: OffsetDateTime) -> Result<Loaded, LoadError> {
    let mut r = Loaded::default();
    let mut objects = Vec::new();
    match serde_json::from_str::<Value>(text) {
        Ok(v) => {
            objects_of(v, &mut objects);
            offer_all(&objects, index, now, &mut r);
        }
        Err(whole) => {
            // JSON lines: offered line by line, so a large file is never held as one tree.
            let mut any = false;
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let v: Value = serde_json::from_str(line).map_err(|e| LoadError::Json {
                    line: i + 1,
                    message: if any {
                        e.to_string()
                    } else {
                        whole.to_string()
                    },
                })?;
                any = true;
                objects.clear();
                objects_of(v, &mut objects);
                offer_all(&objects, index, now, &mut r);
            }
        }
    }
    if r.objects == 0 {
        return Err(LoadError::NoObjects);
    }
    Ok(r)
}

/// Offers the objects of one line of a JSON-lines indicator file (an object, a bundle or a
/// list; empty lines are skipped), for callers that read the file line by line. `line_no` is
/// 1-based, for the error.
///
/// # Errors
/// [`LoadError::Json`] when the line is not JSON.
pub fn load_line(
    line_no: usize,
    line: &str,
    index: &mut Index,
    now: OffsetDateTime,
    r: &mut Loaded,
) -> Result<(), LoadError> {
    if line.trim().is_empty() {
        return Ok(());
    }
    let v: Value = serde_json::from_str(line).map_err(|e| LoadError::Json {
        line: line_no,
        message: e.to_string(),
    })?;
    let mut objects = Vec::new();
    objects_of(v, &mut objects);
    offer_all(&objects, index, now, r);
    Ok(())
}

fn offer_all(objects: &[Value], index: &mut Index, now: OffsetDateTime, r: &mut Loaded) {
    r.objects += objects.len();
    for o in objects {
        if o.get("type").and_then(Value::as_str) != Some("indicator") {
            r.other_objects += 1;
            continue;
        }
        match index.offer(o, now) {
            Ok(Outcome::Added(route) | Outcome::Replaced(route)) => {
                r.indexed += 1;
                if matches!(route, Route::Never(_)) {
                    r.never += 1;
                }
            }
            Ok(_) => r.dropped += 1,
            Err(e) => {
                r.refused += 1;
                if r.reasons.len() < MAX_REASONS {
                    r.reasons.push(e.to_string());
                }
            }
        }
    }
}
