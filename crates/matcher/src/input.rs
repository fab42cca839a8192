//! Reading observables out of input lines, and the matching loop over them.
//!
//! Formats ([`Format`]):
//! * `lines`: one value per line, type auto-detected (`simpul_observable::detect_canonical`)
//!   unless a type is given; empty lines and lines starting with `#` are skipped.
//! * `jsonl`: one JSON object per line, `{"type": "domain", "value": "…"}` or `{"value": "…"}`
//!   (detected), or a bare JSON string; `type` is an observable type name (`domain`, `url`,
//!   `ipv4`, `phone`, `crypto-wallet:ethereum`, `social-account:telegram`…).
//! * `csv`: a header line, then records; the value is the column named by `column`. Fields
//!   may be quoted (`"a,b"`, `""` for a quote); a quoted field cannot span lines.
//! * `zeek`: Zeek TSV logs with their `#separator`/`#set_separator`/`#fields`/`#path` header.
//!   `dns.log`: `query` (a domain) and each of `answers` (addresses and names); `http.log`:
//!   `host` + `uri` as an `http://` URL, and `host` itself (so domain and address indicators
//!   hit web logs too); `conn.log`: `id.resp_h`. The log kind comes from `#path`, or from the
//!   fields present (`query`, then `host`+`uri`, then `id.resp_h`).
//! * `auto`: decided by the first non-empty line: `#separator`/`#fields` → zeek, `{` or `"` →
//!   jsonl, a CSV column given → csv, else lines.
//!
//! A line that cannot be read (bad JSON, missing column, wrong field count, a value that is not
//! valid for the type the input names) is *malformed*: counted, its number kept (the first
//! [`MAX_REPORTED`]), never fatal. A value whose type cannot be detected is *unrecognised*:
//! counted only (logs are full of `-` and words).

use serde_json::Value;
use simpul_observable::{Canonical, Context, ObservableType, detect_canonical, normalise};
use time::OffsetDateTime;

use crate::{Finds, Hit, Index, Stats};

/// How many malformed line numbers a [`Summary`] keeps.
pub const MAX_REPORTED: usize = 20;

/// The input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Decided by the first line (see the module docs).
    Auto,
    /// One value per line.
    Lines,
    /// JSON lines.
    Jsonl,
    /// CSV with a named column.
    Csv,
    /// Zeek TSV logs.
    Zeek,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "auto" => Format::Auto,
            "lines" => Format::Lines,
            "jsonl" => Format::Jsonl,
            "csv" => Format::Csv,
            "zeek" => Format::Zeek,
            _ => {
                return Err(format!(
                    "unknown format {s:?} (auto, lines, jsonl, csv, zeek)"
                ));
            }
        })
    }
}

/// One value read from a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raw {
    /// The value as read.
    pub value: String,
    /// Its type, when the input names it.
    pub ty: Option<ObservableType>,
    /// Whether a normalisation failure is the input's fault (a type the user named) rather
    /// than a field that merely may hold such a value (Zeek fields).
    pub strict: bool,
}

/// Why a line could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// Not JSON, or not an object/string.
    #[error("not a JSON object or string: {0}")]
    Json(String),
    /// A JSON object without a string `value`.
    #[error("no string \"value\"")]
    NoValue,
    /// An unknown observable type name.
    #[error("unknown observable type {0:?}")]
    Type(String),
    /// The CSV header has no such column.
    #[error("CSV header has no column {0:?}")]
    NoColumn(String),
    /// A CSV record is shorter than the column's position, or has an unterminated quote.
    #[error("CSV record: {0}")]
    Csv(&'static str),
    /// CSV input without `column`.
    #[error("CSV input needs a column name (--column)")]
    NeedColumn,
    /// A Zeek record before `#fields`, or with the wrong number of fields.
    #[error("Zeek record: {0}")]
    Zeek(String),
    /// The value is not valid for the type the input names.
    #[error("{0}")]
    Value(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ZeekKind {
    Dns,
    Http,
    Conn,
}

#[derive(Debug, Default)]
struct Zeek {
    sep: String,
    set_sep: String,
    unset: String,
    empty: String,
    path: Option<String>,
    fields: Vec<String>,
    kind: Option<(ZeekKind, [usize; 2])>,
}

/// Reads values out of lines of one input (keeps the state of headers).
#[derive(Debug)]
pub struct Reader {
    format: Format,
    column: Option<String>,
    ty: Option<ObservableType>,
    csv_index: Option<usize>,
    zeek: Zeek,
}

fn unescape_zeek(s: &str) -> String {
    // `\x09` escapes in header values.
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("\\x") {
        out.push_str(&rest[..i]);
        let hex = rest.get(i + 2..i + 4).unwrap_or_default();
        match u8::from_str_radix(hex, 16) {
            Ok(b) if hex.len() == 2 => {
                out.push(char::from(b));
                rest = &rest[i + 4..];
            }
            _ => {
                out.push_str("\\x");
                rest = &rest[i + 2..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Splits one CSV record (RFC 4180 quoting, one line).
fn csv_fields(line: &str) -> Result<Vec<String>, LineError> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    cur.push('"');
                } else {
                    quoted = false;
                }
            } else {
                cur.push(c);
            }
        } else if c == '"' && at_start {
            quoted = true;
            at_start = false;
        } else if c == ',' {
            out.push(std::mem::take(&mut cur));
            at_start = true;
        } else {
            cur.push(c);
            at_start = false;
        }
    }
    if quoted {
        return Err(LineError::Csv("unterminated quote"));
    }
    out.push(cur);
    Ok(out)
}

impl Reader {
    /// A reader of `format`; `column` names the CSV column; `ty` forces the type of values
    /// of plain lines and CSV (instead of detection).
    #[must_use]
    pub fn new(format: Format, column: Option<String>, ty: Option<ObservableType>) -> Self {
        Self {
            format,
            column,
            ty,
            csv_index: None,
            zeek: Zeek {
                sep: "\t".into(),
                set_sep: ",".into(),
                unset: "-".into(),
                empty: "(empty)".into(),
                ..Zeek::default()
            },
        }
    }

    /// The format in use (after `auto` was decided).
    #[must_use]
    pub fn format(&self) -> Format {
        self.format
    }

    fn raw(&self, value: &str) -> Raw {
        Raw {
            value: value.trim().to_owned(),
            ty: self.ty,
            strict: self.ty.is_some(),
        }
    }

    /// Reads one line (without its line terminator) into `out` (cleared first).
    ///
    /// # Errors
    /// A [`LineError`] for a malformed line; the reader stays usable.
    pub fn line(&mut self, line: &str, out: &mut Vec<Raw>) -> Result<(), LineError> {
        out.clear();
        let line = line.strip_suffix('\r').unwrap_or(line);
        if self.format == Format::Auto {
            let t = line.trim_start();
            if t.is_empty() {
                return Ok(());
            }
            self.format = if t.starts_with("#separator") || t.starts_with("#fields") {
                Format::Zeek
            } else if t.starts_with('{') || t.starts_with('"') {
                Format::Jsonl
            } else if self.column.is_some() {
                Format::Csv
            } else {
                Format::Lines
            };
        }
        match self.format {
            Format::Auto | Format::Lines => {
                let t = line.trim();
                if !t.is_empty() && !t.starts_with('#') {
                    out.push(self.raw(t));
                }
                Ok(())
            }
            Format::Jsonl => self.jsonl(line, out),
            Format::Csv => self.csv(line, out),
            Format::Zeek => self.zeek(line, out),
        }
    }

    fn jsonl(&self, line: &str, out: &mut Vec<Raw>) -> Result<(), LineError> {
        if line.trim().is_empty() {
            return Ok(());
        }
        let v: Value = serde_json::from_str(line).map_err(|e| LineError::Json(e.to_string()))?;
        match v {
            Value::String(s) => out.push(self.raw(&s)),
            Value::Object(m) => {
                let value = m
                    .get("value")
                    .and_then(Value::as_str)
                    .ok_or(LineError::NoValue)?;
                let ty = match m.get("type") {
                    None | Some(Value::Null) => self.ty,
                    Some(Value::String(t)) => Some(
                        t.parse::<ObservableType>()
                            .map_err(|_| LineError::Type(t.clone()))?,
                    ),
                    Some(other) => return Err(LineError::Type(other.to_string())),
                };
                out.push(Raw {
                    value: value.trim().to_owned(),
                    ty,
                    strict: ty.is_some(),
                });
            }
            _ => return Err(LineError::Json("not an object or string".into())),
        }
        Ok(())
    }

    fn csv(&mut self, line: &str, out: &mut Vec<Raw>) -> Result<(), LineError> {
        let Some(col) = &self.column else {
            return Err(LineError::NeedColumn);
        };
        if line.trim().is_empty() {
            return Ok(());
        }
        let fields = csv_fields(line)?;
        let Some(i) = self.csv_index else {
            let i = fields
                .iter()
                .position(|f| f.trim() == col)
                .ok_or_else(|| LineError::NoColumn(col.clone()))?;
            self.csv_index = Some(i);
            return Ok(());
        };
        let v = fields
            .get(i)
            .ok_or(LineError::Csv("fewer fields than the header"))?;
        if !v.trim().is_empty() {
            out.push(self.raw(v));
        }
        Ok(())
    }

    fn zeek(&mut self, line: &str, out: &mut Vec<Raw>) -> Result<(), LineError> {
        let z = &mut self.zeek;
        if let Some(h) = line.strip_prefix('#') {
            if let Some(v) = h.strip_prefix("separator ") {
                z.sep = unescape_zeek(v);
                return Ok(());
            }
            let (key, rest) = h.split_once(z.sep.as_str()).unwrap_or((h, ""));
            match key {
                "set_separator" => z.set_sep = unescape_zeek(rest),
                "unset_field" => z.unset = rest.to_owned(),
                "empty_field" => z.empty = rest.to_owned(),
                "path" => z.path = Some(rest.to_owned()),
                "fields" => {
                    z.fields = rest.split(z.sep.as_str()).map(str::to_owned).collect();
                    let pos = |n: &str| z.fields.iter().position(|f| f == n);
                    let by_path = z.path.as_deref();
                    let dns = pos("query")
                        .map(|q| (ZeekKind::Dns, [q, pos("answers").unwrap_or(usize::MAX)]));
                    let http = pos("host")
                        .map(|h| (ZeekKind::Http, [h, pos("uri").unwrap_or(usize::MAX)]));
                    let conn = pos("id.resp_h").map(|r| (ZeekKind::Conn, [r, usize::MAX]));
                    z.kind = match by_path {
                        Some("dns") => dns,
                        Some("http") => http,
                        Some("conn") => conn,
                        _ => dns.or(http).or(conn),
                    };
                    if z.kind.is_none() {
                        return Err(LineError::Zeek(
                            "#fields has none of query, host, id.resp_h".into(),
                        ));
                    }
                }
                _ => {}
            }
            return Ok(());
        }
        if line.is_empty() {
            return Ok(());
        }
        let Some((kind, [a, b])) = z.kind else {
            return Err(LineError::Zeek(
                "record before a usable #fields header".into(),
            ));
        };
        let cols: Vec<&str> = line.split(z.sep.as_str()).collect();
        if cols.len() != z.fields.len() {
            return Err(LineError::Zeek(format!(
                "{} fields, header has {}",
                cols.len(),
                z.fields.len()
            )));
        }
        let set = |s: &str| s != z.unset && s != z.empty && !s.is_empty();
        let raw = |v: &str, ty| Raw {
            value: v.to_owned(),
            ty,
            strict: false,
        };
        let first = cols.get(a).copied().filter(|s| set(s));
        let second = cols.get(b).copied().filter(|s| set(s));
        match kind {
            ZeekKind::Dns => {
                if let Some(q) = first {
                    out.push(raw(q, Some(ObservableType::Domain)));
                }
                if let Some(ans) = second {
                    for x in ans.split(z.set_sep.as_str()).filter(|s| set(s)) {
                        out.push(raw(x, None));
                    }
                }
            }
            ZeekKind::Http => {
                if let Some(h) = first {
                    let url = match second {
                        Some(u) if u.contains("://") => u.to_owned(),
                        Some(u) if u.starts_with('/') => format!("http://{h}{u}"),
                        Some(u) => format!("http://{h}/{u}"),
                        None => format!("http://{h}/"),
                    };
                    out.push(raw(&url, Some(ObservableType::Url)));
                    out.push(raw(h, None));
                }
            }
            ZeekKind::Conn => {
                if let Some(ip) = first {
                    out.push(raw(ip, None));
                }
            }
        }
        Ok(())
    }
}

/// The canonical key of a value read: normalised under its type, or detected. `Ok(None)`
/// when no type is named and none is detected (unrecognised), or a Zeek field's value is not
/// valid for the field's type.
///
/// # Errors
/// A message when the input named the type and the value is not valid for it.
pub fn canonicalise(raw: &Raw, ctx: &Context) -> Result<Option<Canonical>, String> {
    match raw.ty {
        None => Ok(detect_canonical(&raw.value)),
        Some(ty) => match normalise(ty, &raw.value, ctx) {
            Ok(c) => Ok(Some(c)),
            Err(e) if raw.strict => Err(e.to_string()),
            Err(_) => Ok(None),
        },
    }
}

/// Counts of one matching run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Lines read.
    pub lines: u64,
    /// Values read (a Zeek line may hold several).
    pub values: u64,
    /// Values with a canonical key.
    pub observables: u64,
    /// Values whose type could not be detected.
    pub unrecognised: u64,
    /// Malformed lines (or values invalid for their named type).
    pub malformed: u64,
    /// The first [`MAX_REPORTED`] malformed lines: (line number, 1-based; the problem).
    pub malformed_lines: Vec<(u64, String)>,
    /// Hits written (observable × indicator).
    pub hits: u64,
    /// Observables with at least one hit.
    pub observables_hit: u64,
}

impl Summary {
    fn malformed(&mut self, line: u64, why: String) {
        self.malformed += 1;
        if self.malformed_lines.len() < MAX_REPORTED {
            self.malformed_lines.push((line, why));
        }
    }

    /// The summary as JSON.
    #[must_use]
    pub fn to_json(&self, stats: &crate::Stats) -> Value {
        serde_json::json!({
            "lines": self.lines,
            "values": self.values,
            "observables": self.observables,
            "unrecognised": self.unrecognised,
            "malformed": self.malformed,
            "malformed_lines": self.malformed_lines.iter().map(|(n, w)| serde_json::json!({"line": n, "error": w})).collect::<Vec<_>>(),
            "hits": self.hits,
            "observables_hit": self.observables_hit,
            "indicators": {
                "total": stats.indicators,
                "indexed": stats.indexed,
                "residual": stats.residual,
                "never": stats.never,
            },
        })
    }
}

/// Where the matching loop finds the hits of an observable: an [`Index`] itself, or a view of
/// one that lets only some of its indicators through (the server's index, filtered by who may
/// see each).
pub trait Source {
    /// Calls `emit` with each hit of the observable `c` (as read: `observable`) at `now`;
    /// `scratch` is working memory kept from call to call.
    fn hits(
        &self,
        observable: &str,
        c: &Canonical,
        now: OffsetDateTime,
        scratch: &mut Finds,
        emit: &mut dyn FnMut(&Hit<'_>),
    );

    /// What the index holds (for `--summary`).
    fn stats(&self) -> Stats;
}

/// Every hit of [`Index::find`]: the value, a URL's host, parent domains.
impl Source for Index {
    fn hits(
        &self,
        observable: &str,
        c: &Canonical,
        now: OffsetDateTime,
        scratch: &mut Finds,
        emit: &mut dyn FnMut(&Hit<'_>),
    ) {
        self.find(c, now, scratch);
        for f in scratch.found() {
            if let Some(ind) = self.indicator(f.slot) {
                emit(&Hit::found(observable, c, ind, scratch, f));
            }
        }
    }

    fn stats(&self) -> Stats {
        Index::stats(self)
    }
}

/// Matches the values of lines against a [`Source`], counting as it goes.
pub struct Matching<'a> {
    source: &'a dyn Source,
    reader: Reader,
    ctx: Context,
    now: OffsetDateTime,
    raws: Vec<Raw>,
    finds: Finds,
    /// What happened so far.
    pub summary: Summary,
}

impl std::fmt::Debug for Matching<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matching")
            .field("reader", &self.reader)
            .field("now", &self.now)
            .field("summary", &self.summary)
            .finish_non_exhaustive()
    }
}

impl<'a> Matching<'a> {
    /// A run over `source` (an [`Index`], or a view of one) reading with `reader`, normalising
    /// in `ctx` (default region) at `now`.
    #[must_use]
    pub fn new(source: &'a dyn Source, reader: Reader, ctx: Context, now: OffsetDateTime) -> Self {
        Self {
            source,
            reader,
            ctx,
            now,
            raws: Vec::new(),
            finds: Finds::default(),
            summary: Summary::default(),
        }
    }

    /// Reads and matches one line (`line_no` 1-based, for the report); `emit` receives each hit.
    pub fn line(&mut self, line_no: u64, line: &str, emit: &mut dyn FnMut(&Hit<'_>)) {
        self.summary.lines += 1;
        if let Err(e) = self.reader.line(line, &mut self.raws) {
            self.summary.malformed(line_no, e.to_string());
            return;
        }
        for raw in &self.raws {
            self.summary.values += 1;
            let c = match canonicalise(raw, &self.ctx) {
                Ok(Some(c)) => c,
                Ok(None) => {
                    self.summary.unrecognised += 1;
                    continue;
                }
                Err(e) => {
                    self.summary.malformed(line_no, e);
                    continue;
                }
            };
            self.summary.observables += 1;
            let mut n = 0u64;
            self.source
                .hits(&raw.value, &c, self.now, &mut self.finds, &mut |hit| {
                    n += 1;
                    emit(hit);
                });
            if n > 0 {
                self.summary.observables_hit += 1;
                self.summary.hits += n;
            }
        }
    }
}
