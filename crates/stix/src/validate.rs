//! Validation against the STIX 2.1 specification: every MUST is an error, every SHOULD a warning.
//! Each issue names the JSON pointer of the offending value, a stable code and a message.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::id::{is_type_name, is_uuid, split_id, uuid_version};
use crate::json::{Json, Map};
use crate::object::StixObject;
use crate::schema::{self, Category, K, Sub, TypeSpec};
use crate::timestamp::{Timestamp, TimestampError};
use crate::vocab::{self, Vocab};

/// How bad an issue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Violates a SHOULD of the specification (best practice).
    Warning,
    /// Violates a MUST of the specification.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    /// JSON pointer (RFC 6901) of the offending value, relative to the validated object.
    pub path: String,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Error (MUST) or warning (SHOULD).
    pub severity: Severity,
    /// A stable machine-readable code, e.g. `required`, `timestamp`, `ref-type`.
    pub code: &'static str,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "/"
        } else {
            &self.path
        };
        write!(
            f,
            "{} [{}] {}: {}",
            self.severity, self.code, path, self.message
        )
    }
}

/// Checks the syntax of a pattern. The `simpul-pattern` crate plugs in here; without a checker,
/// only the presence of `pattern` and `pattern_type` is validated.
pub trait PatternChecker: Send + Sync {
    /// Checks `pattern` written in the STIX patterning language of `pattern_version` (if given).
    /// Returns a message (with the position inside the pattern) when it is not valid.
    fn check_stix_pattern(
        &self,
        pattern: &str,
        pattern_version: Option<&str>,
    ) -> Result<(), String>;
}

/// Options of [`validate`].
#[derive(Clone, Default)]
pub struct ValidateOptions {
    /// Checks `pattern` when `pattern_type` is `stix`.
    pub pattern_checker: Option<Arc<dyn PatternChecker>>,
}

impl fmt::Debug for ValidateOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValidateOptions")
            .field("pattern_checker", &self.pattern_checker.is_some())
            .finish()
    }
}

/// Validates an object or a bundle (a bundle's objects are validated too, at `/objects/N`).
pub fn validate(obj: &StixObject, opts: &ValidateOptions) -> Vec<Issue> {
    let mut cx = Ctx::new(opts);
    let m = obj.properties();
    if m.get("type").and_then(Json::as_str) == Some("bundle") {
        bundle_envelope(m, &mut cx, true);
        if let Some(objs) = m.get("objects").and_then(Json::as_array) {
            let mut seen: std::collections::HashSet<(&str, &str)> =
                std::collections::HashSet::new();
            for (i, o) in objs.iter().enumerate() {
                cx.enter_index("objects", i);
                match o {
                    Json::Object(om) => {
                        object(om, &mut cx);
                        if let (Some(id), Some(md)) = (
                            om.get("id").and_then(Json::as_str),
                            om.get("modified").and_then(Json::as_str),
                        ) && !seen.insert((id, md))
                        {
                            cx.warn("", "duplicate-version", format!("duplicate id `{id}` with identical `modified` {md}; versions of an object must differ in `modified`"));
                        }
                    }
                    other => cx.err(
                        "",
                        "type",
                        format!(
                            "a bundle's objects must be JSON objects, found {}",
                            other.kind()
                        ),
                    ),
                }
                cx.leave();
            }
        }
    } else {
        object(m, &mut cx);
    }
    cx.issues
}

/// Validates a bundle's own properties only (its objects are validated one by one by the caller,
/// e.g. when streaming).
pub fn validate_bundle_envelope(bundle: &Map, opts: &ValidateOptions) -> Vec<Issue> {
    let mut cx = Ctx::new(opts);
    bundle_envelope(bundle, &mut cx, false);
    cx.issues
}

/// Validates one object given as a JSON map (not a bundle).
pub fn validate_map(m: &Map, opts: &ValidateOptions) -> Vec<Issue> {
    let mut cx = Ctx::new(opts);
    object(m, &mut cx);
    cx.issues
}

/// True when no issue is an error.
pub fn is_valid(issues: &[Issue]) -> bool {
    issues.iter().all(|i| i.severity != Severity::Error)
}

/// Where the value being checked is: the member names and array indices from the root, kept as
/// borrowed segments and only spelt out as a JSON pointer when an issue is reported.
#[derive(Debug, Clone, Copy)]
enum Seg<'m> {
    Key(&'m str),
    Index(usize),
    KeyIndex(&'m str, usize),
}

/// `'m` is the lifetime of the object being validated (member names are borrowed from it).
struct Ctx<'o, 'm> {
    issues: Vec<Issue>,
    segs: Vec<Seg<'m>>,
    opts: &'o ValidateOptions,
}

impl<'o, 'm> Ctx<'o, 'm> {
    fn new(opts: &'o ValidateOptions) -> Self {
        Self {
            issues: Vec::new(),
            segs: Vec::with_capacity(8),
            opts,
        }
    }
    fn enter(&mut self, key: &'m str) {
        self.segs.push(Seg::Key(key));
    }
    fn enter_i(&mut self, i: usize) {
        self.segs.push(Seg::Index(i));
    }
    /// `/key/i` as one level (one `leave` undoes both).
    fn enter_index(&mut self, key: &'m str, i: usize) {
        self.segs.push(Seg::KeyIndex(key, i));
    }
    fn leave(&mut self) {
        self.segs.pop();
    }
    /// The JSON pointer of the current position.
    fn pointer(&self) -> String {
        let mut path = String::new();
        for seg in &self.segs {
            match *seg {
                Seg::Key(k) => push_key(&mut path, k),
                Seg::Index(i) => {
                    path.push('/');
                    push_index(&mut path, i);
                }
                Seg::KeyIndex(k, i) => {
                    push_key(&mut path, k);
                    path.push('/');
                    push_index(&mut path, i);
                }
            }
        }
        path
    }
    fn push(&mut self, rel: &str, severity: Severity, code: &'static str, message: String) {
        let mut path = self.pointer();
        if !rel.is_empty() {
            path.push('/');
            path.push_str(&rel.replace('~', "~0").replace('/', "~1"));
        }
        self.issues.push(Issue {
            path,
            message,
            severity,
            code,
        });
    }
    fn err(&mut self, rel: &str, code: &'static str, message: String) {
        self.push(rel, Severity::Error, code, message);
    }
    fn warn(&mut self, rel: &str, code: &'static str, message: String) {
        self.push(rel, Severity::Warning, code, message);
    }
}

/// Appends `/key`, escaped as a JSON pointer reference token (`~` as `~0`, `/` as `~1`).
fn push_key(path: &mut String, key: &str) {
    path.push('/');
    for c in key.chars() {
        match c {
            '~' => path.push_str("~0"),
            '/' => path.push_str("~1"),
            c => path.push(c),
        }
    }
}

/// Appends the decimal digits of `i`.
fn push_index(path: &mut String, i: usize) {
    let mut buf = [0u8; 20];
    let mut n = i;
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    path.push_str(std::str::from_utf8(&buf[at..]).unwrap_or("0"));
}

const RESERVED_PROPERTIES: &[&str] = &["severity", "action", "username", "phone_numbers"];

fn bundle_envelope<'m>(m: &'m Map, cx: &mut Ctx<'_, 'm>, check_objects_shape: bool) {
    match m.get("id") {
        None => cx.err("id", "required", "'id' is a required property".into()),
        Some(v) => check_own_id(v, "bundle", Category::Bundle, cx),
    }
    for (k, v) in m.iter() {
        match k {
            "type" | "id" => {}
            "objects" => match v {
                Json::Array(a) if a.is_empty() => cx.err(
                    "objects",
                    "empty-list",
                    "'objects' must not be an empty list".into(),
                ),
                Json::Array(a) => {
                    if check_objects_shape {
                        for (i, o) in a.iter().enumerate() {
                            if let Json::Object(om) = o
                                && !om.contains_key("type")
                            {
                                cx.enter_index("objects", i);
                                cx.err(
                                    "",
                                    "required",
                                    "each object in a bundle must have a 'type' property".into(),
                                );
                                cx.leave();
                            }
                        }
                    }
                }
                other => cx.err(
                    "objects",
                    "type",
                    format!("'objects' must be an array, found {}", other.kind()),
                ),
            },
            _ => custom_property(k, v, cx, false, "bundle"),
        }
    }
}

fn object<'m>(m: &'m Map, cx: &mut Ctx<'_, 'm>) {
    let ty = match m.get("type") {
        None => {
            cx.err("type", "required", "'type' is a required property".into());
            return;
        }
        Some(Json::String(s)) => s.as_ref(),
        Some(other) => {
            cx.err(
                "type",
                "type",
                format!("'type' must be a string, found {}", other.kind()),
            );
            return;
        }
    };
    if ty == "bundle" {
        cx.err(
            "type",
            "nested-bundle",
            "a bundle cannot be nested inside another object or bundle".into(),
        );
        return;
    }
    let ty_ok = is_type_name(ty) && ty != "action";
    if !ty_ok {
        cx.err("type", "type-name", format!("type '{ty}' must be 3–250 characters of a-z, 0-9 and hyphen, start with a letter, and not be a reserved name"));
    }
    let spec = schema::type_spec(ty);
    let category = match spec {
        Some(s) => s.category,
        None if m.contains_key("created") || m.contains_key("modified") => Category::Sdo,
        None => Category::Sco,
    };
    if spec.is_none() && ty_ok {
        custom_type(ty, m, category, cx);
    }
    match m.get("id") {
        None => match crate::sco_id::deterministic_sco_id(ty, m) {
            Some(det) => cx.err(
                "id",
                "required",
                format!("'id' is a required property; this object's deterministic id is {det}"),
            ),
            None => cx.err("id", "required", "'id' is a required property".into()),
        },
        Some(v) => check_own_id(v, ty, category, cx),
    }
    // spec_version: required except on SCOs.
    match m.get("spec_version") {
        None if category != Category::Sco => cx.err(
            "spec_version",
            "required",
            "'spec_version' is a required property".into(),
        ),
        None => {}
        Some(Json::String(s)) if s == "2.1" => {}
        Some(v) => cx.err(
            "spec_version",
            "spec-version",
            format!(
                "'spec_version' must be \"2.1\", found {}",
                v.to_json_string()
            ),
        ),
    }
    let common: &[(&str, K)] = match (category, ty) {
        (_, "marking-definition") => schema::MARKING_COMMON,
        (Category::Sco, _) => schema::SCO_COMMON,
        _ => schema::SDO_COMMON,
    };
    if category != Category::Sco && ty != "marking-definition" {
        for req in ["created", "modified"] {
            if !m.contains_key(req) {
                cx.err(req, "required", format!("'{req}' is a required property"));
            }
        }
    }
    if let Some(s) = spec {
        for req in s.required {
            if !m.contains_key(req) {
                cx.err(req, "required", format!("'{req}' is a required property"));
            }
        }
        if !s.any_of.is_empty() && !s.any_of.iter().any(|p| m.contains_key(p)) {
            cx.err(
                "",
                "required",
                format!(
                    "a {ty} object must contain at least one of {}",
                    quote_list(s.any_of)
                ),
            );
        }
    }
    let toplevel_ext = has_extension_type(m, "toplevel-property-extension");
    let index = schema::property_index(spec, common);
    let (mut created, mut modified) = (None, None);
    for (k, v) in m.iter() {
        let kind = index.get(&schema::addr_key(k)).copied();
        match kind {
            Some(K::Str) if matches!(k, "type" | "id" | "spec_version") => {}
            Some(K::Extensions) => extensions(v, spec, m, cx),
            Some(K::TsMs) => {
                // created / modified: checked here once, kept for the ordering rule below.
                cx.enter(k);
                let t = timestamp_value(v, cx, k, true);
                cx.leave();
                match k {
                    "created" => created = t,
                    "modified" => modified = t,
                    _ => {}
                }
            }
            Some(kd) => {
                cx.enter(k);
                value(kd, v, cx, k);
                cx.leave();
            }
            None => {
                if RESERVED_PROPERTIES.contains(&k) {
                    cx.err(
                        k,
                        "reserved-property",
                        format!("'{k}' is a reserved property name and must not be used"),
                    );
                } else {
                    custom_property(k, v, cx, toplevel_ext, ty);
                }
            }
        }
    }
    // modified >= created
    if let (Some(c), Some(md)) = (created, modified)
        && md < c
    {
        cx.err(
            "modified",
            "modified-before-created",
            format!(
                "'modified' ({}) must be later than or equal to 'created' ({})",
                raw(m, "modified"),
                raw(m, "created")
            ),
        );
    }
    type_rules(ty, category, m, cx);
}

fn custom_type<'m>(ty: &str, m: &'m Map, category: Category, cx: &mut Ctx<'_, 'm>) {
    let via_extension = m
        .get("extensions")
        .and_then(Json::as_object)
        .is_some_and(|e| {
            e.iter().any(|(_, v)| {
                matches!(
                    v.as_object()
                        .and_then(|o| o.get("extension_type"))
                        .and_then(Json::as_str),
                    Some("new-sdo" | "new-sco" | "new-sro")
                )
            })
        });
    if !via_extension {
        cx.warn("type", "custom-object", format!("custom object type '{ty}' should be defined by an extension-definition with extension_type new-sdo, new-sco or new-sro"));
        if !ty.starts_with("x-") {
            cx.warn("type", "custom-prefix", format!("custom object type '{ty}' should start with 'x-' followed by a source-unique identifier"));
        }
    }
    let _ = category;
}

fn check_own_id<'m>(v: &'m Json, ty: &str, category: Category, cx: &mut Ctx<'_, 'm>) {
    let Some(id) = v.as_str() else {
        cx.err(
            "id",
            "type",
            format!("'id' must be a string, found {}", v.kind()),
        );
        return;
    };
    match split_id(id) {
        Err(e) => cx.err("id", "id-format", format!("'{id}' {e}")),
        Ok((t, u)) => {
            if t != ty {
                cx.err(
                    "id",
                    "id-type",
                    format!("id '{id}' does not start with '{ty}--'"),
                );
            }
            let version = uuid_version(u);
            match category {
                Category::Sco => {}
                _ if version != 4 => cx.warn(
                    "id",
                    "uuid-version",
                    format!("id '{id}' should use a version 4 UUID"),
                ),
                _ => {}
            }
        }
    }
}

fn has_extension_type(m: &Map, wanted: &str) -> bool {
    m.get("extensions")
        .and_then(Json::as_object)
        .is_some_and(|e| {
            e.iter().any(|(_, v)| {
                v.as_object()
                    .and_then(|o| o.get("extension_type"))
                    .and_then(Json::as_str)
                    == Some(wanted)
            })
        })
}

/// A property name a producer may define: 3–250 of `a-z 0-9 _` starting with a letter (or `id`).
fn is_property_name(k: &str) -> bool {
    let b = k.as_bytes();
    if k == "id" {
        return true;
    }
    b.len() >= 3
        && b.len() <= 250
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
}

fn custom_property<'m>(
    k: &'m str,
    v: &'m Json,
    cx: &mut Ctx<'_, 'm>,
    toplevel_ext: bool,
    ty: &str,
) {
    if !is_property_name(k) {
        cx.err(k, "property-name", format!("custom property name '{k}' must be 3–250 characters of a-z, 0-9 and underscore, starting with a letter"));
    }
    if let Json::Array(a) = v
        && a.is_empty()
    {
        cx.err(
            k,
            "empty-list",
            format!("'{k}': empty lists are not allowed"),
        );
    }
    if let Some(s) = v.as_str() {
        if k.ends_with("_bin") && !is_base64(s) {
            cx.err(k, "binary", format!("'{k}' must be base64-encoded"));
        }
        if k.ends_with("_hex") && !is_hex(s) {
            cx.err(k, "hex", format!("'{k}' must be a hex string"));
        }
    }
    if v.is_null() {
        cx.err(k, "null", format!("'{k}' must not be null"));
    }
    // Spec §2.7/§11: a property whose name ends in `_ref` holds an identifier, `_refs` a list of them.
    if k.ends_with("_ref") {
        cx.enter(k);
        reference(v, &[], cx, k);
        cx.leave();
    } else if k.ends_with("_refs") {
        cx.enter(k);
        value(&K::Refs(&[]), v, cx, k);
        cx.leave();
    }
    if !toplevel_ext {
        cx.warn(k, "custom-property", format!("custom property '{k}' on {ty} should be defined by an extension (property-extension or toplevel-property-extension)"));
    }
    if !k.starts_with("x_") {
        cx.warn(k, "custom-prefix", format!("custom property '{k}' should start with 'x_' followed by a source-unique identifier"));
    }
}

impl Json<'_> {
    fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }
}

fn ts(m: &Map, k: &str) -> Option<Timestamp> {
    m.get(k)
        .and_then(Json::as_str)
        .and_then(|s| Timestamp::parse(s).ok())
}

fn raw<'a>(m: &'a Map, k: &str) -> &'a str {
    m.get(k).and_then(Json::as_str).unwrap_or("")
}

fn quote_list(xs: &[&str]) -> String {
    xs.iter()
        .map(|x| format!("'{x}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn kind_err<'m>(cx: &mut Ctx<'_, 'm>, name: &str, want: &str, v: &'m Json) {
    cx.err(
        "",
        "type",
        format!("'{name}' must be {want}, found {}", v.kind()),
    );
}

/// Checks one value of a known kind; `cx` already points at it.
fn value<'m>(kind: &K, v: &'m Json, cx: &mut Ctx<'_, 'm>, name: &str) {
    match kind {
        K::Str => {
            if v.as_str().is_none() {
                kind_err(cx, name, "a string", v);
            }
        }
        K::Bool => {
            if v.as_bool().is_none() {
                kind_err(cx, name, "a boolean", v);
            }
        }
        K::Int => {
            if !v.is_integer() {
                kind_err(cx, name, "an integer", v);
            }
        }
        K::IntR(lo, hi) => {
            if !v.is_integer() {
                kind_err(cx, name, "an integer", v);
            } else {
                match v.as_i64() {
                    Some(n) if n >= *lo && n <= *hi => {}
                    _ => cx.err(
                        "",
                        "range",
                        format!(
                            "'{name}' must be between {lo} and {hi}, found {}",
                            v.to_json_string()
                        ),
                    ),
                }
            }
        }
        K::Num => {
            if v.as_f64().is_none() {
                kind_err(cx, name, "a number", v);
            }
        }
        K::NumR(lo, hi) => match v.as_f64() {
            None => kind_err(cx, name, "a number", v),
            Some(n) if n < *lo || n > *hi => cx.err(
                "",
                "range",
                format!("'{name}' must be between {lo} and {hi}, found {n}"),
            ),
            Some(_) => {}
        },
        K::Ts | K::TsMs => {
            timestamp_value(v, cx, name, matches!(kind, K::TsMs));
        }
        K::Ref(allowed) => reference(v, allowed, cx, name),
        K::Refs(allowed) => match v {
            Json::Array(a) if a.is_empty() => cx.err(
                "",
                "empty-list",
                format!("'{name}' must not be an empty list"),
            ),
            Json::Array(a) => {
                for (i, r) in a.iter().enumerate() {
                    cx.enter_i(i);
                    reference(r, allowed, cx, name);
                    cx.leave();
                }
            }
            other => kind_err(cx, name, "a list of identifiers", other),
        },
        K::StrList | K::StrList0 => match v {
            Json::Array(a) if a.is_empty() && matches!(kind, K::StrList) => cx.err(
                "",
                "empty-list",
                format!("'{name}' must not be an empty list"),
            ),
            Json::Array(a) => {
                for (i, s) in a.iter().enumerate() {
                    if s.as_str().is_none() {
                        cx.enter_i(i);
                        kind_err(cx, name, "a list of strings", s);
                        cx.leave();
                    }
                }
            }
            other => kind_err(cx, name, "a list of strings", other),
        },
        K::Enum(voc) => match v.as_str() {
            None => kind_err(cx, name, "a string", v),
            Some(s) if !voc.contains(s) => cx.err(
                "",
                "enum",
                format!(
                    "'{name}': '{s}' is not one of {} ({})",
                    quote_list(voc.values),
                    voc.name
                ),
            ),
            Some(_) => {}
        },
        K::Ov(voc) => match v.as_str() {
            None => kind_err(cx, name, "a string", v),
            Some(s) => open_vocab(s, voc, cx, name),
        },
        K::OvList(voc) => match v {
            Json::Array(a) if a.is_empty() => cx.err(
                "",
                "empty-list",
                format!("'{name}' must not be an empty list"),
            ),
            Json::Array(a) => {
                for (i, s) in a.iter().enumerate() {
                    cx.enter_i(i);
                    match s.as_str() {
                        Some(s) => open_vocab(s, voc, cx, name),
                        None => kind_err(cx, name, "a list of strings", s),
                    }
                    cx.leave();
                }
            }
            other => kind_err(cx, name, "a list of strings", other),
        },
        K::KillChain => kill_chain(v, cx, name),
        K::ExtRefs => external_references(v, cx),
        K::Granular => granular_markings(v, cx),
        K::Hashes => hashes(v, cx, name),
        K::Dict => dictionary(v, cx, name),
        K::Bin => match v.as_str() {
            Some(s) if is_base64(s) => {}
            Some(_) => cx.err(
                "",
                "binary",
                format!("'{name}' must be a base64-encoded string"),
            ),
            None => kind_err(cx, name, "a base64 string", v),
        },
        K::Hex => match v.as_str() {
            Some(s) if is_hex(s) => {}
            Some(_) => cx.err(
                "",
                "hex",
                format!("'{name}' must be a hex string (an even number of 0-9a-fA-F)"),
            ),
            None => kind_err(cx, name, "a hex string", v),
        },
        K::Url => match v.as_str() {
            Some(s) if is_uri(s) => {}
            Some(s) => cx.err(
                "",
                "url",
                format!("'{name}': '{s}' is not a URL (RFC 3986, with a scheme)"),
            ),
            None => kind_err(cx, name, "a string", v),
        },
        K::Lang => match v.as_str() {
            Some(s) => language_tag(s, cx, name),
            None => kind_err(cx, name, "a string", v),
        },
        K::Obj(sub) => sub_object(sub, v, cx),
        K::ObjList(sub) => match v {
            Json::Array(a) if a.is_empty() => cx.err(
                "",
                "empty-list",
                format!("'{name}' must not be an empty list"),
            ),
            Json::Array(a) => {
                for (i, o) in a.iter().enumerate() {
                    cx.enter_i(i);
                    sub_object(sub, o, cx);
                    cx.leave();
                }
            }
            other => kind_err(cx, name, "a list of objects", other),
        },
        K::Extensions | K::Any => {}
    }
}

/// Checks a timestamp value (and millisecond precision when `millis`), returning it when it parses.
fn timestamp_value<'m>(
    v: &'m Json,
    cx: &mut Ctx<'_, 'm>,
    name: &str,
    millis: bool,
) -> Option<Timestamp> {
    let Some(s) = v.as_str() else {
        kind_err(cx, name, "a timestamp string", v);
        return None;
    };
    match Timestamp::parse(s) {
        Err(TimestampError::Format) => {
            cx.err(
                "",
                "timestamp",
                format!(
                    "'{name}': '{s}' does not match the timestamp format YYYY-MM-DDTHH:mm:ss[.s+]Z"
                ),
            );
            None
        }
        Err(TimestampError::Range) => {
            cx.err(
                "",
                "timestamp",
                format!("'{name}': '{s}' is not a valid timestamp (a field is out of range)"),
            );
            None
        }
        Ok(t) => {
            if millis && t.fraction_digits() < 3 {
                cx.err("", "timestamp-precision", format!("'{name}': '{s}' must be precise to at least the millisecond (YYYY-MM-DDTHH:mm:ss.sssZ)"));
            }
            Some(t)
        }
    }
}

fn sub_object<'m>(sub: &Sub, v: &'m Json, cx: &mut Ctx<'_, 'm>) {
    let Some(m) = v.as_object() else {
        kind_err(cx, sub.name, "an object", v);
        return;
    };
    for req in sub.required {
        if !m.contains_key(req) {
            cx.err(
                req,
                "required",
                format!("'{req}' is a required property of {}", sub.name),
            );
        }
    }
    if !sub.any_of.is_empty() && !sub.any_of.iter().any(|p| m.contains_key(p)) {
        cx.err(
            "",
            "required",
            format!(
                "{} must contain at least one of {}",
                sub.name,
                quote_list(sub.any_of)
            ),
        );
    }
    if m.is_empty() {
        cx.err("", "empty", format!("{} must not be empty", sub.name));
    }
    for (k, val) in m.iter() {
        match sub.props.iter().find(|(n, _)| *n == k) {
            Some((_, kd)) => {
                cx.enter(k);
                value(kd, val, cx, k);
                cx.leave();
            }
            None => {
                if !is_property_name(k) {
                    cx.err(k, "property-name", format!("custom property name '{k}' in {} must be 3–250 characters of a-z, 0-9 and underscore", sub.name));
                }
                cx.warn(
                    k,
                    "custom-property",
                    format!(
                        "custom property '{k}' in {} should be defined by an extension",
                        sub.name
                    ),
                );
                if !k.starts_with("x_") {
                    cx.warn(
                        k,
                        "custom-prefix",
                        format!(
                            "custom property '{k}' in {} should start with 'x_'",
                            sub.name
                        ),
                    );
                }
            }
        }
    }
}

fn type_matches(t: &str, allowed: &[&str]) -> bool {
    allowed.is_empty()
        || allowed.iter().any(|a| match *a {
            "~sco" => {
                schema::is_sco_type(t)
                    || (!schema::is_sdo_type(t) && schema::category_of(t).is_none())
            }
            "~sdo" => schema::is_sdo_type(t),
            a => a == t,
        })
}

fn reference<'m>(v: &'m Json, allowed: &[&str], cx: &mut Ctx<'_, 'm>, name: &str) {
    let Some(s) = v.as_str() else {
        kind_err(cx, name, "an identifier string", v);
        return;
    };
    match split_id(s) {
        Err(e) => cx.err("", "id-format", format!("'{name}': '{s}' {e}")),
        Ok((t, _)) => {
            if !type_matches(t, allowed) {
                let want = allowed
                    .iter()
                    .map(|a| {
                        if *a == "~sco" {
                            "a cyber-observable"
                        } else {
                            a
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" or ");
                cx.err(
                    "",
                    "ref-type",
                    format!("'{name}' must refer to {want} objects, not '{t}'"),
                );
            }
        }
    }
}

fn is_vocab_format(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|c| !(c.is_ascii_uppercase() || c == b' ' || c == b'_'))
}

fn open_vocab<'m>(s: &str, voc: &Vocab, cx: &mut Ctx<'_, 'm>, name: &str) {
    if !voc.contains(s) {
        cx.warn(
            "",
            "vocab",
            format!(
                "'{name}': '{s}' is permitted but not in the {} vocabulary",
                voc.name
            ),
        );
        if !is_vocab_format(s) && !std::ptr::eq(voc, &vocab::HASH_ALGORITHM) {
            cx.warn("", "vocab-format", format!("'{name}': open vocabulary value '{s}' should be lowercase with hyphens as word separators"));
        }
    }
}

fn kill_chain<'m>(v: &'m Json, cx: &mut Ctx<'_, 'm>, name: &str) {
    let Json::Array(a) = v else {
        kind_err(cx, name, "a list of kill-chain phases", v);
        return;
    };
    if a.is_empty() {
        cx.err(
            "",
            "empty-list",
            format!("'{name}' must not be an empty list"),
        );
    }
    for (i, p) in a.iter().enumerate() {
        cx.enter_i(i);
        match p.as_object() {
            None => kind_err(cx, name, "a list of kill-chain phase objects", p),
            Some(pm) => {
                for f in ["kill_chain_name", "phase_name"] {
                    match pm.get(f) {
                        None => cx.err(
                            f,
                            "required",
                            format!("'{f}' is a required property of a kill-chain phase"),
                        ),
                        Some(Json::String(s)) => {
                            if !is_vocab_format(s) {
                                cx.warn(f, "kill-chain-format", format!("{f} '{s}' should be all lowercase with hyphens as word separators"));
                            }
                        }
                        Some(o) => cx.err(
                            f,
                            "type",
                            format!("'{f}' must be a string, found {}", o.kind()),
                        ),
                    }
                }
            }
        }
        cx.leave();
    }
}

fn is_cve(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("CVE-") else {
        return false;
    };
    let Some((year, num)) = rest.split_once('-') else {
        return false;
    };
    year.len() == 4
        && year.bytes().all(|c| c.is_ascii_digit())
        && num.len() >= 4
        && num.bytes().all(|c| c.is_ascii_digit())
        && (num.len() == 4 || !num.starts_with('0'))
}

fn is_capec(s: &str) -> bool {
    s.strip_prefix("CAPEC-")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()))
}

fn external_references<'m>(v: &'m Json, cx: &mut Ctx<'_, 'm>) {
    let Json::Array(a) = v else {
        kind_err(cx, "external_references", "a list", v);
        return;
    };
    if a.is_empty() {
        cx.err(
            "",
            "empty-list",
            "'external_references' must not be an empty list".into(),
        );
    }
    for (i, r) in a.iter().enumerate() {
        cx.enter_i(i);
        external_reference(r, cx);
        cx.leave();
    }
}

fn external_reference<'m>(r: &'m Json, cx: &mut Ctx<'_, 'm>) {
    let Some(m) = r.as_object() else {
        kind_err(cx, "external_references", "a list of objects", r);
        return;
    };
    let source = match m.get("source_name") {
        None => {
            cx.err(
                "source_name",
                "required",
                "'source_name' is a required property of an external reference".into(),
            );
            None
        }
        Some(Json::String(s)) => Some(s.as_ref()),
        Some(o) => {
            cx.err(
                "source_name",
                "type",
                format!("'source_name' must be a string, found {}", o.kind()),
            );
            None
        }
    };
    let ext_id = m.get("external_id").and_then(Json::as_str);
    match (source, ext_id) {
        (Some("cve"), Some(e)) if !is_cve(e) => cx.err("external_id", "external-id", format!("a CVE external reference needs an external_id of the form CVE-YYYY-NNNN+, found '{e}'")),
        (Some("cve"), None) => cx.err("external_id", "required", "a CVE external reference must have an 'external_id'".into()),
        (Some("capec"), Some(e)) if !is_capec(e) => cx.err("external_id", "external-id", format!("a CAPEC external reference needs an external_id of the form CAPEC-N, found '{e}'")),
        (Some("capec"), None) => cx.err("external_id", "required", "a CAPEC external reference must have an 'external_id'".into()),
        (Some(s), Some(e)) if s != "cve" && s != "capec" && (is_cve(e) || is_capec(e)) => cx.err("source_name", "external-id", format!("external_id '{e}' is a CVE/CAPEC id, so source_name must be 'cve' or 'capec', not '{s}'")),
        (Some(s), None) if s != "cve" && s != "capec" && !m.contains_key("description") && !m.contains_key("url") => cx.err("", "required", "an external reference must have at least one of 'description', 'url' or 'external_id'".into()),
        _ => {}
    }
    for (k, v) in m.iter() {
        cx.enter(k);
        match k {
            "source_name" => {}
            "description" | "external_id" => value(&K::Str, v, cx, k),
            "url" => value(&K::Url, v, cx, k),
            "hashes" => hashes(v, cx, k),
            _ => {
                if !is_property_name(k) {
                    cx.err(
                        "",
                        "property-name",
                        format!("property name '{k}' in an external reference is not valid"),
                    );
                }
            }
        }
        cx.leave();
    }
    if m.contains_key("url") && !m.contains_key("hashes") {
        let name = source.unwrap_or("");
        cx.warn(
            "",
            "url-without-hash",
            format!("external reference '{name}' has a url but no hashes"),
        );
    }
}

fn is_selector(s: &str) -> bool {
    if s == "id" {
        return true;
    }
    // Segments split on '.' byte by byte (selectors are short: no searcher set-up).
    let name_byte =
        |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_' || *c == b'-';
    for (i, seg) in s.as_bytes().split(|&c| c == b'.').enumerate() {
        if i == 0 {
            if !(3..=249).contains(&seg.len()) || !seg.iter().all(name_byte) {
                return false;
            }
        } else if let Some(n) = seg.strip_prefix(b"[").and_then(|x| x.strip_suffix(b"]")) {
            if n.is_empty() || !n.iter().all(u8::is_ascii_digit) {
                return false;
            }
        } else if seg.is_empty() || seg.len() > 250 || !seg.iter().all(name_byte) {
            return false;
        }
    }
    true
}

fn granular_markings<'m>(v: &'m Json, cx: &mut Ctx<'_, 'm>) {
    let Json::Array(a) = v else {
        kind_err(cx, "granular_markings", "a list", v);
        return;
    };
    if a.is_empty() {
        cx.err(
            "",
            "empty-list",
            "'granular_markings' must not be an empty list".into(),
        );
    }
    for (i, g) in a.iter().enumerate() {
        cx.enter_i(i);
        match g.as_object() {
            None => kind_err(cx, "granular_markings", "a list of objects", g),
            Some(gm) => {
                match (gm.get("marking_ref"), gm.get("lang")) {
                    (None, None) => cx.err(
                        "",
                        "required",
                        "a granular marking must have 'marking_ref' or 'lang'".into(),
                    ),
                    (Some(_), Some(_)) => cx.err(
                        "",
                        "granular-marking",
                        "a granular marking must not have both 'marking_ref' and 'lang'".into(),
                    ),
                    _ => {}
                }
                if let Some(r) = gm.get("marking_ref") {
                    cx.enter("marking_ref");
                    reference(r, &["marking-definition"], cx, "marking_ref");
                    cx.leave();
                }
                if let Some(l) = gm.get("lang") {
                    cx.enter("lang");
                    value(&K::Lang, l, cx, "lang");
                    cx.leave();
                }
                match gm.get("selectors") {
                    None => cx.err(
                        "selectors",
                        "required",
                        "'selectors' is a required property of a granular marking".into(),
                    ),
                    Some(Json::Array(sel)) if sel.is_empty() => cx.err(
                        "selectors",
                        "empty-list",
                        "'selectors' must not be an empty list".into(),
                    ),
                    Some(Json::Array(sel)) => {
                        for (j, s) in sel.iter().enumerate() {
                            match s.as_str() {
                                Some(s) if is_selector(s) => {}
                                _ => {
                                    cx.enter("selectors");
                                    cx.enter_i(j);
                                    cx.err(
                                        "",
                                        "selector",
                                        format!(
                                            "'{}' is not a valid selector",
                                            s.as_str().unwrap_or("")
                                        ),
                                    );
                                    cx.leave();
                                    cx.leave();
                                }
                            }
                        }
                    }
                    Some(o) => cx.err(
                        "selectors",
                        "type",
                        format!("'selectors' must be a list, found {}", o.kind()),
                    ),
                }
            }
        }
        cx.leave();
    }
}

/// Resolves a selector against an object: each selector must point at a present property.
fn selector_resolves(m: &Map, sel: &str) -> bool {
    let mut cur: Option<&Json> = None;
    for (i, seg) in sel.split('.').enumerate() {
        let next = if let Some(n) = seg.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
            let idx: usize = match n.parse() {
                Ok(x) => x,
                Err(_) => return false,
            };
            cur.and_then(Json::as_array).and_then(|a| a.get(idx))
        } else if i == 0 {
            m.get(seg)
        } else {
            cur.and_then(Json::as_object).and_then(|o| o.get(seg))
        };
        match next {
            Some(n) => cur = Some(n),
            None => return false,
        }
    }
    true
}

fn valid_hash_value(alg: &str, v: &str) -> Option<bool> {
    let hexlen = |n: usize| v.len() == n && v.bytes().all(|c| c.is_ascii_hexdigit());
    Some(match alg {
        "MD5" => hexlen(32),
        "SHA-1" => hexlen(40),
        "SHA-256" | "SHA3-256" => hexlen(64),
        "SHA-512" | "SHA3-512" => hexlen(128),
        "SSDEEP" => {
            !v.is_empty()
                && v.len() <= 128
                && v.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"/+:.".contains(&c))
        }
        "TLSH" => v.len() == 70 && v.bytes().all(|c| c.is_ascii_alphanumeric()),
        _ => return None,
    })
}

fn hashes<'m>(v: &'m Json, cx: &mut Ctx<'_, 'm>, name: &str) {
    let Some(m) = v.as_object() else {
        kind_err(cx, name, "a hashes dictionary", v);
        return;
    };
    if m.is_empty() {
        cx.err(
            "",
            "empty",
            format!("'{name}' must contain at least one hash"),
        );
    }
    for (k, hv) in m.iter() {
        let Some(s) = hv.as_str() else {
            cx.err(
                k,
                "type",
                format!("hash '{k}' must be a string, found {}", hv.kind()),
            );
            continue;
        };
        match valid_hash_value(k, s) {
            Some(true) => {}
            Some(false) => cx.err(k, "hash-value", format!("'{s}' is not a valid {k} hash")),
            None => {
                let ok_key = (3..=250).contains(&k.len())
                    && k.bytes()
                        .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-');
                if !ok_key {
                    cx.err(k, "hash-algorithm", format!("hash algorithm name '{k}' must be 3–250 characters of a-z, A-Z, 0-9, '_' and '-'"));
                }
                let canon = vocab::HASH_ALGORITHM
                    .values
                    .iter()
                    .find(|a| normalise_alg(a) == normalise_alg(k));
                match canon {
                    Some(c) => {
                        cx.warn(
                            k,
                            "hash-algorithm",
                            format!("hash algorithm '{k}' should be written '{c}'"),
                        );
                        if valid_hash_value(c, s) == Some(false) {
                            cx.err(k, "hash-value", format!("'{s}' is not a valid {c} hash"));
                        }
                    }
                    None => cx.warn(
                        k,
                        "hash-algorithm",
                        format!("hash algorithm '{k}' is not in the hash-algorithm-ov vocabulary"),
                    ),
                }
            }
        }
    }
}

fn normalise_alg(a: &str) -> String {
    a.chars()
        .filter(|c| *c != '-' && *c != '_')
        .collect::<String>()
        .to_ascii_uppercase()
}

fn dictionary<'m>(v: &'m Json, cx: &mut Ctx<'_, 'm>, name: &str) {
    let Some(m) = v.as_object() else {
        kind_err(cx, name, "a dictionary (JSON object)", v);
        return;
    };
    if m.is_empty() {
        cx.err(
            "",
            "empty",
            format!("dictionary '{name}' must not be empty"),
        );
    }
    for k in m.keys() {
        if k.len() > 250
            || !k
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
        {
            cx.err(k, "dict-key", format!("dictionary key '{k}' must be at most 250 characters of a-z, A-Z, 0-9, '_' and '-'"));
        }
    }
}

fn is_base64(s: &str) -> bool {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(4) {
        return false;
    }
    let body = s.trim_end_matches('=');
    if b.len() - body.len() > 2 {
        return false;
    }
    body.bytes()
        .all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
}

fn is_hex(s: &str) -> bool {
    s.len().is_multiple_of(2) && s.bytes().all(|c| c.is_ascii_hexdigit())
}

fn is_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let sb = scheme.as_bytes();
    !sb.is_empty()
        && sb[0].is_ascii_alphabetic()
        && sb
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
        && !rest.is_empty()
        && !s.bytes().any(|c| {
            matches!(
                c,
                0..=b' ' | b'<' | b'>' | b'"' | b'{' | b'}' | b'|' | b'\\' | b'^' | b'`'
            )
        })
}

static ISO_639_1: &[&str] = &[
    "aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg", "bh",
    "bi", "bm", "bn", "bo", "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cu", "cv", "cy", "da",
    "de", "dv", "dz", "ee", "el", "en", "eo", "es", "et", "eu", "fa", "ff", "fi", "fj", "fo", "fr",
    "fy", "ga", "gd", "gl", "gn", "gu", "gv", "ha", "he", "hi", "ho", "hr", "ht", "hu", "hy", "hz",
    "ia", "id", "ie", "ig", "ii", "ik", "io", "is", "it", "iu", "ja", "jv", "ka", "kg", "ki", "kj",
    "kk", "kl", "km", "kn", "ko", "kr", "ks", "ku", "kv", "kw", "ky", "la", "lb", "lg", "li", "ln",
    "lo", "lt", "lu", "lv", "mg", "mh", "mi", "mk", "ml", "mn", "mr", "ms", "mt", "my", "na", "nb",
    "nd", "ne", "ng", "nl", "nn", "no", "nr", "nv", "ny", "oc", "oj", "om", "or", "os", "pa", "pi",
    "pl", "ps", "pt", "qu", "rm", "rn", "ro", "ru", "rw", "sa", "sc", "sd", "se", "sg", "si", "sk",
    "sl", "sm", "sn", "so", "sq", "sr", "ss", "st", "su", "sv", "sw", "ta", "te", "tg", "th", "ti",
    "tk", "tl", "tn", "to", "tr", "ts", "tt", "tw", "ty", "ug", "uk", "ur", "uz", "ve", "vi", "vo",
    "wa", "wo", "xh", "yi", "yo", "za", "zh", "zu",
];

/// Common ISO 639-2 codes (the 639-2/B and /T codes of the ASEAN and UN working languages and other
/// frequent ones). A syntactically valid 3-letter code outside this list only gets a warning.
static ISO_639_2_COMMON: &[&str] = &[
    "eng", "fra", "fre", "deu", "ger", "spa", "por", "ita", "rus", "zho", "chi", "jpn", "kor",
    "ara", "hin", "ind", "msa", "may", "tha", "vie", "fil", "tgl", "khm", "lao", "mya", "bur",
    "nld", "dut", "pol", "tur", "ukr", "ces", "cze", "swe", "nor", "dan", "fin", "ell", "gre",
    "heb", "fas", "per", "urd", "ben", "tam", "tel", "mar", "guj", "kan", "mal", "pan", "jav",
    "sun", "tet", "ron", "rum", "hun", "bul", "hrv", "srp", "slk", "slo", "slv", "lit", "lav",
    "est", "isl", "ice", "gle", "cym", "wel", "cat", "eus", "baq", "glg", "afr", "swa", "amh",
    "yor", "ibo", "hau", "zul", "xho", "som", "mlg", "kaz", "uzb", "aze", "kat", "geo", "hye",
    "arm", "mon", "nep", "sin", "pus", "kur", "lat", "epo", "und", "mul", "zxx", "mis",
];

/// RFC 5646 language tag: syntax is an error, an unknown primary language subtag a warning.
fn language_tag<'m>(s: &str, cx: &mut Ctx<'_, 'm>, name: &str) {
    let mut parts = s.split('-');
    let primary = parts.next().unwrap_or("");
    let syntax_ok = (2..=8).contains(&primary.len())
        && primary.bytes().all(|c| c.is_ascii_alphabetic())
        && parts
            .all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_alphanumeric()));
    if !syntax_ok {
        cx.err(
            "",
            "language",
            format!("'{name}': '{s}' is not an RFC 5646 language tag"),
        );
        return;
    }
    let mut buf = [0u8; 8];
    let n = primary.len().min(8);
    for (d, c) in buf.iter_mut().zip(primary.bytes()) {
        *d = c.to_ascii_lowercase();
    }
    let p = std::str::from_utf8(&buf[..n]).unwrap_or("");
    let known = match p.len() {
        2 => ISO_639_1.binary_search(&p).is_ok(),
        3 => ISO_639_2_COMMON.contains(&p),
        _ => false,
    };
    if !known {
        cx.warn(
            "",
            "language",
            format!("'{name}': '{s}' does not start with a known ISO 639 language code"),
        );
    }
}

fn extensions<'m>(v: &'m Json, spec: Option<&TypeSpec>, obj: &'m Map, cx: &mut Ctx<'_, 'm>) {
    cx.enter("extensions");
    extensions_inner(v, spec, obj, cx);
    cx.leave();
}

fn extensions_inner<'m>(v: &'m Json, spec: Option<&TypeSpec>, obj: &'m Map, cx: &mut Ctx<'_, 'm>) {
    let Some(m) = v.as_object() else {
        kind_err(cx, "extensions", "an object", v);
        return;
    };
    if m.is_empty() {
        cx.err("", "empty", "'extensions' must not be empty".into());
    }
    let is_sco = spec.is_some_and(|s| s.category == Category::Sco);
    for (k, e) in m.iter() {
        cx.enter(k);
        let Some(em) = e.as_object() else {
            kind_err(cx, k, "an object", e);
            cx.leave();
            continue;
        };
        if let Some(u) = k.strip_prefix("extension-definition--") {
            if !is_uuid(u) {
                cx.err(
                    "",
                    "extension-key",
                    format!("extension key '{k}' is not a valid extension-definition id"),
                );
            }
            match em.get("extension_type") {
                None => {
                    // Allowed for SCO new-sco style? The spec requires it on every extension-definition extension.
                    cx.err(
                        "extension_type",
                        "required",
                        "'extension_type' is a required property of an extension".into(),
                    );
                }
                Some(Json::String(t)) if vocab::EXTENSION_TYPE.contains(t) => {
                    if t == "toplevel-property-extension" {
                        // Its properties live at the top level; nothing else is expected here.
                    }
                }
                Some(Json::String(t)) => cx.err(
                    "extension_type",
                    "enum",
                    format!(
                        "extension_type '{t}' is not one of {}",
                        quote_list(vocab::EXTENSION_TYPE.values)
                    ),
                ),
                Some(o) => cx.err(
                    "extension_type",
                    "type",
                    format!("'extension_type' must be a string, found {}", o.kind()),
                ),
            }
            for (pk, _) in em.iter() {
                if !is_property_name(pk) {
                    cx.err(pk, "property-name", format!("property name '{pk}' in extension must be 3–250 characters of a-z, 0-9 and underscore"));
                }
            }
        } else if let Some(sub) = spec.and_then(|s| s.extensions.iter().find(|x| x.name == k)) {
            sub_object(sub, e, cx);
            extension_rules(k, em, obj, cx);
        } else {
            let base = k.strip_suffix("-ext");
            let ok = base.is_some_and(|b| {
                let bb = b.as_bytes();
                !bb.is_empty()
                    && bb[0].is_ascii_lowercase()
                    && bb
                        .iter()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
                    && !b.contains("--")
                    && !b.ends_with('-')
            });
            if !ok {
                cx.err("", "extension-key", format!("extension key '{k}' must be an extension-definition id or a name ending in '-ext'"));
            } else {
                if em.is_empty() {
                    cx.err("", "empty", format!("extension '{k}' must not be empty"));
                }
                cx.warn("", "custom-extension", format!("custom extension '{k}' should be defined by an extension-definition (extension_type property-extension)"));
                if !k.starts_with("x-") && is_sco {
                    cx.warn(
                        "",
                        "custom-prefix",
                        format!("custom extension '{k}' should start with 'x-'"),
                    );
                }
            }
        }
        cx.leave();
    }
}

fn extension_rules<'m>(name: &str, em: &'m Map, _obj: &'m Map, cx: &mut Ctx<'_, 'm>) {
    match name {
        "windows-pebinary-ext" => {
            if let Some(s) = em.get("time_date_stamp").and_then(Json::as_str) {
                let _ = s;
            }
        }
        "windows-process-ext" => {
            if let Some(p) = em.get("priority").and_then(Json::as_str)
                && !p.ends_with("_CLASS")
            {
                cx.warn(
                    "priority",
                    "priority-format",
                    format!("'priority' '{p}' should end in '_CLASS'"),
                );
            }
        }
        "pdf-ext" => {
            const KEYS: &[&str] = &[
                "Title",
                "Author",
                "Subject",
                "Keywords",
                "Creator",
                "Producer",
                "CreationDate",
                "ModDate",
                "Trapped",
            ];
            if let Some(d) = em.get("document_info_dict").and_then(Json::as_object) {
                for k in d.keys() {
                    if !KEYS.contains(&k) {
                        cx.warn(
                            "document_info_dict",
                            "pdf-doc-info",
                            format!("'{k}' is not a PDF Document Information Dictionary key"),
                        );
                    }
                }
            }
        }
        "http-request-ext" => {
            if let Some(h) = em.get("request_header").and_then(Json::as_object) {
                for (k, v) in h.iter() {
                    if k.starts_with("x-")
                        || k.starts_with("X-")
                        || !k.bytes().next().is_some_and(|c| c.is_ascii_uppercase())
                    {
                        cx.warn(
                            "request_header",
                            "http-header",
                            format!("'{k}' is not a standard HTTP request header name"),
                        );
                    }
                    if v.as_str().is_none() && v.as_array().is_none() {
                        cx.err(
                            "request_header",
                            "type",
                            format!("header '{k}' must be a string"),
                        );
                    }
                }
            }
        }
        "socket-ext" => {
            if let Some(o) = em.get("options").and_then(Json::as_object) {
                const PREFIXES: &[&str] = &[
                    "SO_", "ICMP_", "ICMP6_", "IP_", "IPV6_", "MCAST_", "TCP_", "IRLMP_",
                ];
                const KNOWN: &[&str] = &[
                    "SO_ACCEPTCONN",
                    "SO_BROADCAST",
                    "SO_DEBUG",
                    "SO_DONTROUTE",
                    "SO_ERROR",
                    "SO_KEEPALIVE",
                    "SO_LINGER",
                    "SO_OOBINLINE",
                    "SO_RCVBUF",
                    "SO_RCVLOWAT",
                    "SO_RCVTIMEO",
                    "SO_REUSEADDR",
                    "SO_REUSEPORT",
                    "SO_SNDBUF",
                    "SO_SNDLOWAT",
                    "SO_SNDTIMEO",
                    "SO_TYPE",
                    "SO_EXCLUSIVEADDRUSE",
                    "SO_CONDITIONAL_ACCEPT",
                    "SO_PRIORITY",
                    "SO_MARK",
                    "SO_BINDTODEVICE",
                    "IP_TTL",
                    "IP_TOS",
                    "IP_HDRINCL",
                    "IP_OPTIONS",
                    "IP_MULTICAST_IF",
                    "IP_MULTICAST_TTL",
                    "IP_MULTICAST_LOOP",
                    "IP_ADD_MEMBERSHIP",
                    "IP_DROP_MEMBERSHIP",
                    "IP_DONTFRAGMENT",
                    "IPV6_V6ONLY",
                    "IPV6_UNICAST_HOPS",
                    "IPV6_MULTICAST_IF",
                    "IPV6_MULTICAST_HOPS",
                    "IPV6_MULTICAST_LOOP",
                    "IPV6_JOIN_GROUP",
                    "IPV6_LEAVE_GROUP",
                    "TCP_NODELAY",
                    "TCP_MAXSEG",
                    "TCP_KEEPIDLE",
                    "TCP_KEEPINTVL",
                    "TCP_KEEPCNT",
                    "TCP_FASTOPEN",
                    "TCP_CORK",
                ];
                for (k, v) in o.iter() {
                    if !PREFIXES.iter().any(|p| k.starts_with(p))
                        || !k
                            .bytes()
                            .all(|c| c.is_ascii_uppercase() || c == b'_' || c.is_ascii_digit())
                    {
                        cx.err(
                            "options",
                            "socket-option",
                            format!("socket option '{k}' must be of the form SO_*, IP_*, TCP_*, …"),
                        );
                    } else if !KNOWN.contains(&k) {
                        cx.warn(
                            "options",
                            "socket-option",
                            format!("'{k}' is not a well-known socket option"),
                        );
                    }
                    if !v.is_integer() {
                        cx.err(
                            "options",
                            "type",
                            format!("socket option '{k}' must be an integer"),
                        );
                    }
                }
            }
        }
        _ => {}
    }
}

fn check_order<'m>(m: &'m Map, first: &str, second: &str, strict: bool, cx: &mut Ctx<'_, 'm>) {
    if let (Some(a), Some(b)) = (ts(m, first), ts(m, second)) {
        let bad = if strict { b <= a } else { b < a };
        if bad {
            let rel = if strict {
                "later than"
            } else {
                "later than or equal to"
            };
            cx.err(
                second,
                "timestamp-order",
                format!(
                    "'{second}' ({}) must be {rel} '{first}' ({})",
                    raw(m, second),
                    raw(m, first)
                ),
            );
        }
    }
}

static MIME_TOP: &[&str] = &[
    "application",
    "audio",
    "font",
    "example",
    "image",
    "message",
    "model",
    "multipart",
    "text",
    "video",
];

fn mime_type<'m>(m: &'m Map, cx: &mut Ctx<'_, 'm>) {
    if let Some(mt) = m.get("mime_type").and_then(Json::as_str) {
        let ok = mt.split_once('/').is_some_and(|(t, s)| {
            MIME_TOP.contains(&t)
                && !s.is_empty()
                && s.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b".+_-".contains(&c))
        });
        if !ok {
            cx.warn(
                "mime_type",
                "mime-type",
                format!("'mime_type' '{mt}' should be an IANA media type of the form type/subtype"),
            );
        }
    }
}

static CHARSETS: &[&str] = &[
    "utf-8",
    "utf-16",
    "utf-16le",
    "utf-16be",
    "utf-32",
    "us-ascii",
    "iso-8859-1",
    "iso-8859-2",
    "iso-8859-5",
    "iso-8859-15",
    "windows-1250",
    "windows-1251",
    "windows-1252",
    "windows-874",
    "tis-620",
    "gb2312",
    "gbk",
    "gb18030",
    "big5",
    "shift_jis",
    "euc-jp",
    "euc-kr",
    "iso-2022-jp",
    "koi8-r",
    "ibm437",
    "ascii",
];

fn charset<'m>(m: &'m Map, k: &str, cx: &mut Ctx<'_, 'm>) {
    if let Some(c) = m.get(k).and_then(Json::as_str) {
        let syntax = (1..=40).contains(&c.len())
            && c.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:+()".contains(&b));
        if !syntax {
            cx.err(
                k,
                "charset",
                format!("'{k}' '{c}' must be an IANA character set name"),
            );
        } else if !CHARSETS.contains(&c.to_ascii_lowercase().as_str()) {
            cx.warn(
                k,
                "charset",
                format!("'{k}' '{c}' is not a common IANA character set name"),
            );
        }
    }
}

fn is_ipv4(s: &str) -> bool {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let octets: Vec<&str> = addr.split('.').collect();
    octets.len() == 4
        && octets.iter().all(|o| {
            !o.is_empty()
                && o.len() <= 3
                && o.bytes().all(|c| c.is_ascii_digit())
                && (o.len() == 1 || !o.starts_with('0'))
                && o.parse::<u16>().is_ok_and(|n| n <= 255)
        })
        && prefix.is_none_or(|p| {
            !p.is_empty()
                && p.bytes().all(|c| c.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
                && p.parse::<u8>().is_ok_and(|n| n <= 32)
        })
}

fn is_ipv6(s: &str) -> bool {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    addr.parse::<std::net::Ipv6Addr>().is_ok()
        && prefix.is_none_or(|p| {
            !p.is_empty()
                && p.bytes().all(|c| c.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
                && p.parse::<u8>().is_ok_and(|n| n <= 128)
        })
}

fn is_mac(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 17
        && b.iter().enumerate().all(|(i, c)| {
            if i % 3 == 2 {
                *c == b':'
            } else {
                c.is_ascii_digit() || (b'a'..=b'f').contains(c)
            }
        })
}

fn is_email(s: &str) -> bool {
    match s.rsplit_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !s.bytes().any(|c| c <= b' ' || c == b'<' || c == b'>')
                && domain.contains('.')
        }
        None => false,
    }
}

fn is_cpe23(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("cpe:2.3:") else {
        return false;
    };
    // 11 more components separated by unescaped ':'.
    let mut count = 1;
    let mut esc = false;
    for c in rest.bytes() {
        if esc {
            esc = false;
        } else if c == b'\\' {
            esc = true;
        } else if c == b':' {
            count += 1;
        }
    }
    count == 11 && rest.bytes().next().is_some_and(|c| b"aho*-".contains(&c))
}

fn relationship_endpoint<'m>(m: &'m Map, k: &str, cx: &mut Ctx<'_, 'm>) {
    if let Some((t, _)) = m
        .get(k)
        .and_then(Json::as_str)
        .and_then(|s| split_id(s).ok())
        && matches!(
            t,
            "relationship"
                | "sighting"
                | "bundle"
                | "marking-definition"
                | "language-content"
                | "extension-definition"
        )
    {
        cx.err(k, "ref-type", format!("'{k}': relationships cannot link bundles, marking definitions, language content, sightings or other relationships ('{t}')"));
    }
}

fn type_rules<'m>(ty: &str, category: Category, m: &'m Map, cx: &mut Ctx<'_, 'm>) {
    match ty {
        "indicator" => {
            check_order(m, "valid_from", "valid_until", true, cx);
            if !(m.contains_key("name") && m.contains_key("description")) {
                cx.warn(
                    "",
                    "indicator-name-description",
                    "an indicator should have both 'name' and 'description'".into(),
                );
            }
            if let (Some(p), Some("stix")) = (
                m.get("pattern").and_then(Json::as_str),
                m.get("pattern_type").and_then(Json::as_str),
            ) && let Some(checker) = cx.opts.pattern_checker.clone()
                && let Err(msg) =
                    checker.check_stix_pattern(p, m.get("pattern_version").and_then(Json::as_str))
            {
                cx.err(
                    "pattern",
                    "pattern",
                    format!("pattern is not valid STIX patterning: {msg}"),
                );
            }
        }
        "campaign" | "intrusion-set" | "threat-actor" | "infrastructure" | "malware" => {
            check_order(m, "first_seen", "last_seen", false, cx)
        }
        "sighting" => {
            check_order(m, "first_seen", "last_seen", false, cx);
            if let Some((t, _)) = m
                .get("sighting_of_ref")
                .and_then(Json::as_str)
                .and_then(|s| split_id(s).ok())
                && (schema::is_sco_type(t)
                    || matches!(
                        schema::category_of(t),
                        Some(Category::Sro | Category::Meta | Category::Bundle)
                    ))
            {
                cx.err("sighting_of_ref", "ref-type", format!("'sighting_of_ref' must refer to a STIX Domain Object or a custom object, not '{t}'"));
            }
        }
        "relationship" => {
            check_order(m, "start_time", "stop_time", true, cx);
            relationship_endpoint(m, "source_ref", cx);
            relationship_endpoint(m, "target_ref", cx);
            if let Some(rt) = m.get("relationship_type").and_then(Json::as_str)
                && (rt.is_empty()
                    || !rt
                        .bytes()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-'))
            {
                cx.err(
                    "relationship_type",
                    "relationship-type",
                    format!("relationship_type '{rt}' must contain only a-z, 0-9 and hyphen"),
                );
            }
            crate::relationships::check_suggested(m, cx_warn(cx));
        }
        "observed-data" => {
            check_order(m, "first_observed", "last_observed", false, cx);
            match (m.get("objects"), m.contains_key("object_refs")) {
                (Some(_), true) => cx.err(
                    "",
                    "observed-data",
                    "observed-data must have 'object_refs' or the deprecated 'objects', not both"
                        .into(),
                ),
                (None, false) => cx.err(
                    "object_refs",
                    "required",
                    "'object_refs' is a required property".into(),
                ),
                _ => {}
            }
            if let Some(objs) = m.get("objects") {
                cx.warn(
                    "objects",
                    "deprecated",
                    "'objects' is deprecated in STIX 2.1; use 'object_refs' and top-level SCOs"
                        .into(),
                );
                match objs.as_object() {
                    None => cx.err(
                        "objects",
                        "type",
                        "observed-data 'objects' must be a dictionary of cyber-observable objects"
                            .into(),
                    ),
                    Some(om) => {
                        for (k, o) in om.iter() {
                            cx.enter("objects");
                            cx.enter(k);
                            match o.as_object() {
                                Some(inner) if inner.contains_key("type") => {
                                    embedded_sco(inner, cx)
                                }
                                _ => cx.err(
                                    "",
                                    "type",
                                    "each embedded observable must be an object with a 'type'"
                                        .into(),
                                ),
                            }
                            cx.leave();
                            cx.leave();
                        }
                    }
                }
            }
        }
        "malware-analysis" => {
            if !m.contains_key("result") && !m.contains_key("analysis_sco_refs") {
                cx.err(
                    "",
                    "required",
                    "a malware-analysis must have 'result' or 'analysis_sco_refs'".into(),
                );
            }
            if let Some(p) = m.get("product").and_then(Json::as_str)
                && !is_vocab_format(p)
            {
                cx.warn(
                    "product",
                    "product-format",
                    format!("'product' '{p}' should be all lowercase with words separated by '-'"),
                );
            }
        }
        "location" => {
            let lat = m.contains_key("latitude");
            let lon = m.contains_key("longitude");
            if !(m.contains_key("region") || m.contains_key("country") || (lat && lon)) {
                cx.err(
                    "",
                    "required",
                    "a location must have 'region', 'country', or 'latitude' and 'longitude'"
                        .into(),
                );
            }
            if lat != lon {
                cx.err(
                    "",
                    "required",
                    "'latitude' and 'longitude' must be given together".into(),
                );
            }
            if m.contains_key("precision") && !(lat && lon) {
                cx.err(
                    "precision",
                    "required",
                    "'precision' requires 'latitude' and 'longitude'".into(),
                );
            }
            if let Some(c) = m.get("country").and_then(Json::as_str)
                && !(c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()))
            {
                cx.warn(
                    "country",
                    "country",
                    format!("'country' '{c}' should be an ISO 3166-1 alpha-2 code"),
                );
            }
        }
        "marking-definition" => marking_definition(m, cx),
        "language-content" => language_content(m, cx),
        "extension-definition" => extension_definition(m, cx),
        _ => {}
    }
    if ty == "malware"
        && m.get("is_family").and_then(Json::as_bool) == Some(true)
        && !m.contains_key("name")
    {
        cx.err(
            "name",
            "required",
            "'name' is required when 'is_family' is true".into(),
        );
    }
    // Marking references must not be circular.
    if ty == "marking-definition"
        && let Some(own) = m.get("id").and_then(Json::as_str)
    {
        if let Some(refs) = m.get("object_marking_refs").and_then(Json::as_array)
            && refs.iter().any(|r| r.as_str() == Some(own))
        {
            cx.err(
                "object_marking_refs",
                "circular-marking",
                "'object_marking_refs' must not reference the marking definition itself".into(),
            );
        }
        if let Some(gms) = m.get("granular_markings").and_then(Json::as_array)
            && gms.iter().any(|g| {
                g.as_object()
                    .and_then(|o| o.get("marking_ref"))
                    .and_then(Json::as_str)
                    == Some(own)
            })
        {
            cx.err(
                "granular_markings",
                "circular-marking",
                "'granular_markings' must not reference the marking definition itself".into(),
            );
        }
    }
    // Granular marking selectors must resolve to properties of this object.
    if let Some(gms) = m.get("granular_markings").and_then(Json::as_array) {
        for (i, g) in gms.iter().enumerate() {
            if let Some(sel) = g
                .as_object()
                .and_then(|o| o.get("selectors"))
                .and_then(Json::as_array)
            {
                for (j, s) in sel.iter().enumerate() {
                    if let Some(s) = s.as_str()
                        && is_selector(s)
                        && !selector_resolves(m, s)
                    {
                        cx.enter_index("granular_markings", i);
                        cx.enter("selectors");
                        cx.enter_i(j);
                        cx.err(
                            "",
                            "selector",
                            format!("selector '{s}' does not refer to a property of this object"),
                        );
                        cx.leave();
                        cx.leave();
                        cx.leave();
                    }
                }
            }
        }
    }
    // At most one TLP marking.
    if let Some(refs) = m.get("object_marking_refs").and_then(Json::as_array) {
        let n = refs
            .iter()
            .filter_map(Json::as_str)
            .filter(|r| crate::Tlp::from_marking_id(r).is_some())
            .count();
        if n > 1 {
            cx.warn(
                "object_marking_refs",
                "tlp-multiple",
                "more than one TLP marking; an object should carry exactly one".into(),
            );
        }
    }
    if category == Category::Sco {
        sco_rules(ty, m, cx);
    }
}

struct WarnSink<'a, 'o, 'm>(&'a mut Ctx<'o, 'm>);
fn cx_warn<'a, 'o, 'm>(cx: &'a mut Ctx<'o, 'm>) -> WarnSink<'a, 'o, 'm> {
    WarnSink(cx)
}
impl crate::relationships::Sink for WarnSink<'_, '_, '_> {
    fn warn(&mut self, rel: &str, msg: String) {
        self.0.warn(rel, "relationship-type", msg);
    }
}

fn embedded_sco<'m>(m: &'m Map, cx: &mut Ctx<'_, 'm>) {
    // Embedded (deprecated) observables have no id; validate their properties as an SCO would.
    let ty = m.get("type").and_then(Json::as_str).unwrap_or("");
    let spec = schema::type_spec(ty);
    if let Some(s) = spec {
        for req in s.required {
            if !m.contains_key(req) {
                cx.err(req, "required", format!("'{req}' is a required property"));
            }
        }
    }
    for (k, v) in m.iter() {
        if matches!(k, "type" | "id") {
            continue;
        }
        let kind = schema::SCO_COMMON
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, kd)| kd)
            .or_else(|| spec.and_then(|s| s.prop(k)));
        match kind {
            Some(K::Extensions) => extensions(v, spec, m, cx),
            Some(kd) => {
                cx.enter(k);
                value(kd, v, cx, k);
                cx.leave();
            }
            None => {}
        }
    }
}

fn sco_rules<'m>(ty: &str, m: &'m Map, cx: &mut Ctx<'_, 'm>) {
    // Deterministic identifiers (spec §2.9).
    if let Some(spec) = schema::type_spec(ty)
        && let Some(id) = m.get("id").and_then(Json::as_str)
        && let Ok((t, u)) = split_id(id)
        && t == ty
    {
        let contributing = spec.id_contributing.iter().any(|p| m.contains_key(p));
        let v = uuid_version(u);
        if !contributing {
            if v != 4 {
                cx.err("id", "sco-id", format!("'{id}': an object without ID contributing properties must use a version 4 UUID"));
            }
        } else if v != 5 {
            cx.warn("id", "sco-id", format!("'{id}' should be a deterministic version 5 UUID computed from its ID contributing properties"));
        } else if let Some(expected) = crate::sco_id::deterministic_uuid(ty, m)
            && !u.eq_ignore_ascii_case(&expected.to_string())
        {
            cx.warn(
                "id",
                "sco-id",
                format!("'{id}' is not the deterministic id of this object ({ty}--{expected})"),
            );
        }
    }
    match ty {
        "artifact" => {
            let bin = m.contains_key("payload_bin");
            let url = m.contains_key("url");
            if bin == url {
                cx.err(
                    "",
                    "artifact",
                    "an artifact must have exactly one of 'payload_bin' or 'url'".into(),
                );
            }
            if url && !m.contains_key("hashes") {
                cx.err(
                    "hashes",
                    "required",
                    "'hashes' is required when 'url' is present".into(),
                );
            }
            if m.contains_key("decryption_key") && !m.contains_key("encryption_algorithm") {
                cx.err(
                    "decryption_key",
                    "artifact",
                    "'decryption_key' requires 'encryption_algorithm'".into(),
                );
            }
            mime_type(m, cx);
        }
        "file" => {
            mime_type(m, cx);
            charset(m, "name_enc", cx);
        }
        "directory" => charset(m, "path_enc", cx),
        "ipv4-addr" => {
            if let Some(s) = m.get("value").and_then(Json::as_str)
                && !is_ipv4(s)
            {
                cx.err(
                    "value",
                    "ipv4",
                    format!("'{s}' is not an IPv4 address or CIDR block"),
                );
            }
        }
        "ipv6-addr" => {
            if let Some(s) = m.get("value").and_then(Json::as_str)
                && !is_ipv6(s)
            {
                cx.err(
                    "value",
                    "ipv6",
                    format!("'{s}' is not an IPv6 address or CIDR block"),
                );
            }
        }
        "mac-addr" => {
            if let Some(s) = m.get("value").and_then(Json::as_str)
                && !is_mac(s)
            {
                cx.err(
                    "value",
                    "mac",
                    format!("'{s}' is not a lowercase colon-separated MAC-48 address"),
                );
            }
        }
        "email-addr" => {
            if let Some(s) = m.get("value").and_then(Json::as_str)
                && !is_email(s)
            {
                cx.err(
                    "value",
                    "email",
                    format!("'{s}' is not an email address (addr-spec)"),
                );
            }
        }
        "email-message" => match m.get("is_multipart").and_then(Json::as_bool) {
            Some(true) if m.contains_key("body") => cx.err(
                "body",
                "email-message",
                "'body' must not be present when 'is_multipart' is true".into(),
            ),
            Some(false) if m.contains_key("body_multipart") => cx.err(
                "body_multipart",
                "email-message",
                "'body_multipart' must not be present when 'is_multipart' is false".into(),
            ),
            _ => {}
        },
        "network-traffic" => {
            if m.get("is_active").and_then(Json::as_bool) == Some(true) && m.contains_key("end") {
                cx.err(
                    "end",
                    "network-traffic",
                    "'end' must not be present when 'is_active' is true".into(),
                );
            }
            check_order(m, "start", "end", false, cx);
            if !(m.contains_key("src_port") && m.contains_key("dst_port")) {
                cx.warn(
                    "",
                    "network-traffic-ports",
                    "network-traffic should contain both 'src_port' and 'dst_port'".into(),
                );
            }
            if let Some(ps) = m.get("protocols").and_then(Json::as_array) {
                for p in ps.iter().filter_map(Json::as_str) {
                    if p.bytes().any(|c| c.is_ascii_uppercase())
                        || !p.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
                    {
                        cx.warn("protocols", "protocol", format!("protocol '{p}' should be a lowercase IANA service name or transport protocol keyword"));
                    }
                }
            }
            if let Some(ipfix) = m.get("ipfix").and_then(Json::as_object) {
                for k in ipfix.keys() {
                    if !k.bytes().next().is_some_and(|c| c.is_ascii_lowercase()) {
                        cx.warn(
                            "ipfix",
                            "ipfix",
                            format!("'{k}' is not an IANA IPFIX information element name"),
                        );
                    }
                }
            }
        }
        "process" => {
            if let Some(id) = m.get("id").and_then(Json::as_str)
                && let Ok((_, u)) = split_id(id)
                && uuid_version(u) != 4
            {
                cx.err(
                    "id",
                    "sco-id",
                    "a process object must use a version 4 UUID for its id".into(),
                );
            }
        }
        "software" => {
            if let Some(c) = m.get("cpe").and_then(Json::as_str)
                && !is_cpe23(c)
            {
                cx.err(
                    "cpe",
                    "cpe",
                    format!("'cpe' '{c}' is not a CPE 2.3 formatted string"),
                );
            }
            if let Some(ls) = m.get("languages").and_then(Json::as_array) {
                for (i, l) in ls.iter().enumerate() {
                    if let Some(s) = l.as_str() {
                        cx.enter("languages");
                        cx.enter_i(i);
                        language_tag(s, cx, "languages");
                        cx.leave();
                        cx.leave();
                    }
                }
            }
        }
        "windows-registry-key" => {
            if let Some(k) = m.get("key").and_then(Json::as_str) {
                let lower = k.to_ascii_lowercase();
                if ["hklm", "hkcc", "hkcr", "hkcu", "hku"]
                    .iter()
                    .any(|p| lower.starts_with(p))
                {
                    cx.err("key", "registry-key", format!("registry key '{k}' must use the full hive name (e.g. HKEY_LOCAL_MACHINE), not an abbreviation"));
                }
            }
        }
        "user-account" => {}
        _ => {}
    }
}

fn marking_definition<'m>(m: &'m Map, cx: &mut Ctx<'_, 'm>) {
    let has_ext = m.contains_key("extensions");
    let dt = m.get("definition_type");
    let def = m.get("definition");
    if !has_ext && (dt.is_none() || def.is_none()) {
        cx.err(
            "",
            "marking-definition",
            "a marking definition must have 'definition_type' and 'definition', or an extension"
                .into(),
        );
    }
    let id = m.get("id").and_then(Json::as_str).unwrap_or("");
    match dt.and_then(Json::as_str) {
        Some("statement") => match def.and_then(Json::as_object) {
            Some(d) if d.get("statement").and_then(Json::as_str).is_some() => {}
            _ => cx.err(
                "definition",
                "marking-definition",
                "a statement marking's definition must be an object with a string 'statement'"
                    .into(),
            ),
        },
        Some("tlp") => {
            let level = def
                .and_then(Json::as_object)
                .and_then(|d| d.get("tlp"))
                .and_then(Json::as_str);
            let expected = match level {
                Some("white") => Some(crate::tlp::TLP1_WHITE),
                Some("green") => Some(crate::tlp::TLP1_GREEN),
                Some("amber") => Some(crate::tlp::TLP1_AMBER),
                Some("red") => Some(crate::tlp::TLP1_RED),
                _ => None,
            };
            let created_ok =
                m.get("created").and_then(Json::as_str) == Some(crate::tlp::TLP1_CREATED);
            if expected != Some(id) || !created_ok {
                cx.err("", "tlp-marking", "TLP marking definitions must be exactly those defined in the STIX specification (id, created and definition)".into());
            }
        }
        Some(other) => {
            cx.warn("definition_type", "marking-definition", format!("definition_type '{other}' should be 'statement' or 'tlp'; custom markings should use an extension"));
            if def.and_then(Json::as_object).is_none() {
                cx.err(
                    "definition",
                    "type",
                    "'definition' must be an object".into(),
                );
            }
        }
        None if dt.is_some() => cx.err(
            "definition_type",
            "type",
            "'definition_type' must be a string".into(),
        ),
        None => {}
    }
    // A TLP 1.0 id must carry the TLP definition.
    if matches!(
        id,
        crate::tlp::TLP1_WHITE
            | crate::tlp::TLP1_GREEN
            | crate::tlp::TLP1_AMBER
            | crate::tlp::TLP1_RED
    ) && dt.and_then(Json::as_str) != Some("tlp")
    {
        cx.warn(
            "id",
            "tlp-marking",
            format!("'{id}' is the id of a TLP 1.0 marking definition; a different marking should not reuse it"),
        );
    }
    if let Some(tlp) = crate::Tlp::from_marking_id(id)
        && id == tlp.marking_id()
        && let Some(ext) = m
            .get("extensions")
            .and_then(Json::as_object)
            .and_then(|e| e.get(crate::tlp::TLP2_EXTENSION_ID))
            .and_then(Json::as_object)
        && ext.get("tlp_2_0").and_then(Json::as_str) != Some(tlp.extension_value())
    {
        cx.err(
            "extensions",
            "tlp-marking",
            format!(
                "the TLP 2.0 marking {id} must have tlp_2_0 = '{}'",
                tlp.extension_value()
            ),
        );
    }
}

fn language_content<'m>(m: &'m Map, cx: &mut Ctx<'_, 'm>) {
    if let Some((t, _)) = m
        .get("object_ref")
        .and_then(Json::as_str)
        .and_then(|s| split_id(s).ok())
        && matches!(t, "bundle" | "language-content")
    {
        cx.err(
            "object_ref",
            "ref-type",
            format!("'object_ref' must not refer to a {t}"),
        );
    }
    let Some(c) = m.get("contents") else { return };
    let Some(cm) = c.as_object() else {
        cx.err("contents", "type", "'contents' must be a dictionary".into());
        return;
    };
    if cm.is_empty() {
        cx.err("contents", "empty", "'contents' must not be empty".into());
    }
    for (lang, v) in cm.iter() {
        cx.enter("contents");
        cx.enter(lang);
        language_tag(lang, cx, "contents");
        match v.as_object() {
            None => cx.err(
                "",
                "type",
                format!("contents for '{lang}' must be an object of property translations"),
            ),
            Some(props) => {
                for pk in props.keys() {
                    if !is_property_name(pk) {
                        cx.err(
                            pk,
                            "property-name",
                            format!(
                                "'{pk}' in '{lang}' of 'contents' is not a valid property name"
                            ),
                        );
                    }
                }
            }
        }
        cx.leave();
        cx.leave();
    }
}

fn extension_definition<'m>(m: &'m Map, cx: &mut Ctx<'_, 'm>) {
    let types: Vec<&str> = match m.get("extension_types") {
        Some(Json::Array(a)) => {
            if a.is_empty() {
                cx.err(
                    "extension_types",
                    "empty-list",
                    "'extension_types' must not be an empty list".into(),
                );
            }
            let mut out = Vec::new();
            for (i, t) in a.iter().enumerate() {
                match t.as_str() {
                    Some(s) if vocab::EXTENSION_TYPE.contains(s) => out.push(s),
                    _ => {
                        cx.enter("extension_types");
                        cx.enter_i(i);
                        cx.err(
                            "",
                            "enum",
                            format!(
                                "extension type {} is not one of {}",
                                t.to_json_string(),
                                quote_list(vocab::EXTENSION_TYPE.values)
                            ),
                        );
                        cx.leave();
                        cx.leave();
                    }
                }
            }
            out
        }
        Some(o) => {
            cx.err(
                "extension_types",
                "type",
                format!("'extension_types' must be a list, found {}", o.kind()),
            );
            Vec::new()
        }
        None => Vec::new(),
    };
    let toplevel = types.contains(&"toplevel-property-extension");
    if m.contains_key("extension_properties") && !toplevel {
        cx.err("extension_properties", "extension-definition", "'extension_properties' is only allowed with extension type toplevel-property-extension".into());
    }
    if toplevel && !m.contains_key("extension_properties") {
        cx.warn("extension_properties", "extension-definition", "a toplevel-property-extension should list its property names in 'extension_properties'".into());
    }
    if !m.contains_key("description") {
        cx.warn(
            "description",
            "extension-definition",
            "an extension definition should have a 'description'".into(),
        );
    }
}

/// The JSON pointer of the object at `index` in a bundle, for reports.
pub fn bundle_object_pointer(index: usize) -> String {
    format!("/objects/{index}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_object;

    fn issues(text: &str) -> Vec<Issue> {
        validate(
            &parse_object(text.as_bytes()).unwrap(),
            &ValidateOptions::default(),
        )
    }

    const IND: &str = r#"{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","name":"bad","description":"d","indicator_types":["malicious-activity"],"pattern":"[file:name = 'x']","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z"}"#;

    /// The byte-wise selector check agrees with the rule read off `str::split`.
    #[test]
    fn selector_check_matches_the_rule() {
        fn rule(s: &str) -> bool {
            let name = |x: &str| {
                x.bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'-')
            };
            s == "id"
                || s.split('.').enumerate().all(|(i, seg)| {
                    if i == 0 {
                        (3..=249).contains(&seg.len()) && name(seg)
                    } else if let Some(n) = seg.strip_prefix('[').and_then(|x| x.strip_suffix(']'))
                    {
                        !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit())
                    } else {
                        !seg.is_empty() && seg.len() <= 250 && name(seg)
                    }
                })
        }
        let long = "a".repeat(251);
        let cases = [
            "",
            "id",
            "ab",
            "abc",
            "description",
            "aliases.[0]",
            "aliases.[]",
            "aliases.[",
            "aliases.]",
            "aliases.[1a]",
            "aliases..x",
            "aliases.",
            ".aliases",
            "a.b.c",
            "external_references.[1].hashes.SHA-256",
            "x_y.z-w",
            "Abc",
            "abc.[0].[12]",
            "abc.[[0]]",
            "abc.é",
            "abc.[٣]",
            &long,
            &format!("abc.{long}"),
        ];
        for c in cases {
            assert_eq!(is_selector(c), rule(c), "{c:?}");
        }
    }

    #[test]
    fn a_good_indicator_is_clean() {
        assert_eq!(issues(IND), vec![]);
    }

    #[test]
    fn reports_pointer_code_and_severity() {
        let bad = IND
            .replace(
                "\"modified\":\"2016-04-06T20:03:48.000Z\"",
                "\"modified\":\"2015-04-06T20:03:48.000Z\"",
            )
            .replace("\"confidence\"", "");
        let is = issues(&bad);
        assert_eq!(is.len(), 1, "{is:?}");
        assert_eq!(is[0].path, "/modified");
        assert_eq!(is[0].code, "modified-before-created");
        assert_eq!(is[0].severity, Severity::Error);
        let is = issues(&IND.replace(
            "\"indicator_types\"",
            "\"confidence\":101,\"indicator_types\"",
        ));
        assert_eq!(is[0].path, "/confidence");
        assert_eq!(is[0].code, "range");
    }

    #[test]
    fn pointers_escape_and_index() {
        let b = format!(
            r#"{{"type":"bundle","id":"bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","objects":[{}]}}"#,
            IND.replace("\"kill", "").replace(
                "\"name\":\"bad\",",
                "\"name\":\"bad\",\"kill_chain_phases\":[{\"kill_chain_name\":\"x\"}],"
            )
        );
        let is = issues(&b);
        assert_eq!(
            is[0].path, "/objects/0/kill_chain_phases/0/phase_name",
            "{is:?}"
        );
    }

    #[test]
    fn sco_without_id_gets_its_deterministic_id_in_the_message() {
        let is = issues(r#"{"type":"domain-name","spec_version":"2.1","value":"example.com"}"#);
        assert_eq!(is.len(), 1, "{is:?}");
        assert_eq!((is[0].path.as_str(), is[0].code), ("/id", "required"));
        assert!(
            is[0]
                .message
                .contains("domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7"),
            "{}",
            is[0].message
        );
        // A supplied id that is not the deterministic one is a warning, not an error.
        let is = issues(
            r#"{"type":"domain-name","spec_version":"2.1","id":"domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec8","value":"example.com"}"#,
        );
        assert_eq!(
            is.iter().map(|i| (i.code, i.severity)).collect::<Vec<_>>(),
            [("sco-id", Severity::Warning)]
        );
    }

    #[test]
    fn maps_built_in_code_validate_like_parsed_ones() {
        let parsed = parse_object(IND.as_bytes()).unwrap();
        let mut built = Map::new();
        for (k, v) in parsed.properties().iter() {
            built.insert(k.to_owned(), v.clone());
        }
        assert_eq!(validate_map(&built, &ValidateOptions::default()), vec![]);
    }

    #[test]
    fn custom_ref_properties_must_hold_identifiers() {
        let base = IND.replace("\"name\":\"bad\",", "\"name\":\"bad\",\"x_acme_owner_ref\":\"acme\",\"x_acme_seen_refs\":[\"identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\",3],");
        let errors: Vec<_> = issues(&base)
            .into_iter()
            .filter(|i| i.severity == Severity::Error)
            .map(|i| i.path)
            .collect();
        assert_eq!(errors, ["/x_acme_owner_ref", "/x_acme_seen_refs/1"]);
    }

    struct RejectAll;
    impl PatternChecker for RejectAll {
        fn check_stix_pattern(&self, _: &str, _: Option<&str>) -> Result<(), String> {
            Err("no".into())
        }
    }

    #[test]
    fn pattern_checker_hook_is_used() {
        let opts = ValidateOptions {
            pattern_checker: Some(Arc::new(RejectAll)),
        };
        let is = validate(&parse_object(IND.as_bytes()).unwrap(), &opts);
        assert_eq!(is[0].code, "pattern");
        assert_eq!(is[0].path, "/pattern");
    }
}
