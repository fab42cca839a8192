//! Matching patterns against observations.
//!
//! ## Semantics (STIX 2.1 §9.6–9.9, as the reference matcher decides them)
//!
//! * An **observation** is one `observed-data` with its objects, its
//!   `first_observed`/`last_observed` interval and `number_observed`; an
//!   observed-data with `number_observed = n` stands for `n` observations
//!   ("instances") that share its objects and interval.
//! * A **comparison expression** `[…]` is evaluated per observation and per
//!   *root object* (an object of the named type): `AND` needs both sides to
//!   hold on the same root object, `OR` either. A path selects a set of
//!   values from a root: `[*]` fans out over a list, `[n]` picks an element,
//!   a property ending in `_ref`/`_refs` is replaced by the object(s) it
//!   refers to (resolved within the same observation; unresolved references
//!   are dropped), and a property ending in `_hex`/`_bin` is decoded to
//!   bytes. A comparison holds on a root if it holds for **any** selected
//!   value; `NOT` negates the per-value test (so `NOT =` differs from `!=`
//!   only in spelling).
//! * Types: integers and floats compare numerically; strings by code point;
//!   binary constants compare with binary values, and with strings whose
//!   code points are all below 256 (as Latin-1 bytes); a timestamp constant
//!   compares with a string value read as a timestamp (an unreadable one is
//!   an error); `true`/`false` only equal booleans; any other pairing is
//!   "not equal" / "not ordered". `IN` is set membership (numbers and
//!   booleans compare as numbers); a list mixing kinds is an error. `LIKE`
//!   (`%` any run, `_` one character, neither crossing a newline) and
//!   `MATCHES` (a search, not a full match) apply to strings, after Unicode
//!   NFC normalisation of both sides, and to binary values.
//!   `ISSUBSET`/`ISSUPERSET` compare IPv4 addresses and CIDR blocks.
//! * An **observation expression** binds observation instances to each
//!   bracketed expression: `AND` needs distinct instances for its operands,
//!   `OR` either operand, `A FOLLOWEDBY B` distinct instances such that B's
//!   can be placed no earlier than A's (latest `first_observed` of A ≤
//!   earliest `last_observed` of B). `REPEATS n TIMES` needs `n` bindings
//!   with pairwise distinct instances; `WITHIN s SECONDS` needs every bound
//!   interval to touch one window of `s` seconds; `START a STOP b` needs
//!   every bound interval to overlap `[a, b)`.
//! * In STIX 2.1 form, object types of SDOs (`indicator`, `observed-data`, …)
//!   never match: patterns are about cyber-observable objects.

use std::collections::HashMap;
use std::rc::Rc;

use regex::Regex;
use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

use crate::ast::{
    Comparison, ComparisonExpr, Constant, ObservationExpr, Operator, PathStep, Qualifier,
};
use crate::time::parse_timestamp;

/// Why a match could not be decided (the reference matcher raises in the
/// same situations).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MatchError(pub String);

fn merr<T>(msg: impl Into<String>) -> Result<T, MatchError> {
    Err(MatchError(msg.into()))
}

/// The outcome of a match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchResult {
    /// Whether the pattern matched.
    pub matched: bool,
    /// Indices (into [`ObservationSet::observed_data`]) of the observations
    /// bound by the first binding found; empty when not matched.
    pub observations: Vec<usize>,
}

/// How observations are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StixVersion {
    /// STIX 2.0: each `observed-data` embeds its objects in an `objects` map.
    V20,
    /// STIX 2.1: bundles whose `observed-data` list SCO ids in `object_refs`.
    V21,
}

impl StixVersion {
    /// 2.0 when every element is an `observed-data` with an embedded
    /// `objects` map and no `object_refs`; 2.1 otherwise.
    pub fn detect(observed: &[Value]) -> StixVersion {
        let v20 = !observed.is_empty()
            && observed.iter().all(|o| {
                o.get("type").and_then(Value::as_str) == Some("observed-data")
                    && o.get("objects").is_some_and(Value::is_object)
                    && o.get("object_refs").is_none()
            });
        if v20 {
            StixVersion::V20
        } else {
            StixVersion::V21
        }
    }
}

/// SDO types: in 2.1 form a pattern's object type never selects these.
const SDO_TYPES_V21: [&str; 25] = [
    "attack-pattern",
    "bundle",
    "campaign",
    "course-of-action",
    "extension-definition",
    "grouping",
    "identity",
    "incident",
    "indicator",
    "infrastructure",
    "intrusion-set",
    "language-content",
    "location",
    "malware",
    "malware-analysis",
    "marking-definition",
    "note",
    "observed-data",
    "opinion",
    "relationship",
    "report",
    "threat-actor",
    "tool",
    "sighting",
    "vulnerability",
];

#[derive(Debug)]
struct Obs<'a> {
    sdo: &'a Value,
    first: i64,
    last: i64,
    count: u64,
    /// Root objects in iteration order: (key, object).
    roots: Vec<&'a Value>,
    /// 2.1: the object list for reference resolution (with duplicates).
    list: Vec<&'a Value>,
    /// 2.0: the embedded objects map.
    map: Option<&'a serde_json::Map<String, Value>>,
    /// 2.1: an object lacks `id` (an error once objects are inspected).
    missing_id: bool,
}

/// Observations resolved once, to be matched against many patterns.
#[derive(Debug)]
pub struct ObservationSet<'a> {
    version: StixVersion,
    obs: Vec<Obs<'a>>,
    /// object type → (observation, root) pairs, in observation order.
    by_type: Vec<(&'a str, Vec<(u32, u32)>)>,
}

fn ts_of(v: Option<&Value>, what: &str) -> Result<i64, MatchError> {
    match v.and_then(Value::as_str).and_then(parse_timestamp) {
        Some(t) => Ok(t),
        None => merr(format!("invalid {what} timestamp")),
    }
}

fn count_of(v: Option<&Value>) -> Result<u64, MatchError> {
    let n = match v {
        Some(Value::Number(n)) => n.as_u64().or_else(|| n.as_i64().map(|_| 0)),
        Some(Value::Bool(b)) => Some(u64::from(*b)),
        _ => None,
    };
    match n {
        Some(n) if n >= 1 => Ok(n),
        _ => merr("observed-data with invalid number_observed (must be an integer >= 1)"),
    }
}

impl<'a> ObservationSet<'a> {
    /// Resolve observations from JSON (see [`crate::Pattern::matches`]).
    pub fn from_json(
        observed: &'a [Value],
        version: StixVersion,
    ) -> Result<ObservationSet<'a>, MatchError> {
        let mut obs = Vec::new();
        match version {
            StixVersion::V20 => {
                for sdo in observed {
                    let (Some(n), Some(f), Some(l)) = (
                        sdo.get("number_observed"),
                        sdo.get("first_observed"),
                        sdo.get("last_observed"),
                    ) else {
                        return merr(
                            "observed-data must have number_observed, first_observed and last_observed",
                        );
                    };
                    let count = count_of(Some(n))?;
                    let (first, last) = (
                        ts_of(Some(f), "first_observed")?,
                        ts_of(Some(l), "last_observed")?,
                    );
                    let map = match sdo.get("objects") {
                        Some(Value::Object(m)) => Some(m),
                        None => None,
                        Some(_) => return merr("observed-data objects must be a map"),
                    };
                    let roots = map.map(|m| m.values().collect()).unwrap_or_default();
                    obs.push(Obs {
                        sdo,
                        first,
                        last,
                        count,
                        roots,
                        list: Vec::new(),
                        map,
                        missing_id: false,
                    });
                }
            }
            StixVersion::V21 => {
                // All bundles are merged: their object lists concatenated.
                let mut objects: Vec<&'a Value> = Vec::new();
                let mut any = false;
                for b in observed {
                    let Value::Object(m) = b else {
                        return merr("each element must be a bundle object");
                    };
                    match m.get("objects") {
                        Some(Value::Array(a)) => {
                            any = true;
                            objects.extend(a.iter());
                        }
                        Some(_) => return merr("bundle objects must be a list"),
                        None => {}
                    }
                }
                if !any {
                    return merr("STIX 2.1 bundle object must have 'objects' key");
                }
                let mut scos: HashMap<&'a str, &'a Value> = HashMap::new();
                let mut ods = Vec::new();
                for o in &objects {
                    let Some(t) = o.get("type") else {
                        return merr("object without type");
                    };
                    if t.as_str() == Some("observed-data") {
                        ods.push(*o);
                    } else {
                        match o.get("id") {
                            Some(Value::String(id)) => {
                                scos.insert(id, o);
                            }
                            Some(_) => {}
                            None => return merr("object without id"),
                        }
                    }
                }
                for od in ods {
                    let Some(refs) = od.get("object_refs") else {
                        return merr("STIX v2.1 observed-data object must have 'object_refs' key");
                    };
                    let mut list = vec![od];
                    match refs {
                        Value::Array(a) => {
                            for r in a {
                                match r {
                                    Value::Array(_) | Value::Object(_) => {
                                        return merr("unhashable object reference");
                                    }
                                    Value::String(s) => {
                                        if let Some(o) = scos.get(s.as_str()) {
                                            list.push(o);
                                        }
                                    }
                                    _ => {}
                                }
                            }
                        }
                        Value::String(s) => {
                            // Iterating a string iterates its characters.
                            for ch in s.chars() {
                                if let Some(o) = scos.get(ch.to_string().as_str()) {
                                    list.push(o);
                                }
                            }
                        }
                        _ => return merr("object_refs must be a list"),
                    }
                    let (Some(n), Some(f), Some(l)) = (
                        od.get("number_observed"),
                        od.get("first_observed"),
                        od.get("last_observed"),
                    ) else {
                        return merr(
                            "STIX v2.1 observed-data object must have all the following keys: number_observed, first_observed, last_observed.",
                        );
                    };
                    let count = count_of(Some(n))?;
                    let (first, last) = (
                        ts_of(Some(f), "first_observed")?,
                        ts_of(Some(l), "last_observed")?,
                    );
                    // Iteration order of a map keyed by id: first position, last value.
                    let mut missing_id = false;
                    // (id, object) in first-seen order, the last object per id.
                    let mut roots_by_id: Vec<(&'a str, &'a Value)> = Vec::with_capacity(list.len());
                    let mut index: HashMap<&'a str, usize> = HashMap::new();
                    for o in &list {
                        match o.get("id") {
                            Some(Value::String(id)) => {
                                let id = id.as_str();
                                // Small lists: a scan is cheaper than hashing.
                                let pos = if list.len() <= 16 {
                                    roots_by_id.iter().position(|(k, _)| *k == id)
                                } else {
                                    index.get(id).copied()
                                };
                                match pos {
                                    Some(p) => roots_by_id[p].1 = o,
                                    None => {
                                        if list.len() > 16 {
                                            index.insert(id, roots_by_id.len());
                                        }
                                        roots_by_id.push((id, o));
                                    }
                                }
                            }
                            _ => missing_id = true,
                        }
                    }
                    let roots = roots_by_id.into_iter().map(|(_, o)| o).collect();
                    obs.push(Obs {
                        sdo: od,
                        first,
                        last,
                        count,
                        roots,
                        list,
                        map: None,
                        missing_id,
                    });
                }
            }
        }
        // Few distinct types per set: a short list beats hashing.
        let mut by_type: Vec<(&'a str, Vec<(u32, u32)>)> = Vec::new();
        for (i, o) in obs.iter().enumerate() {
            for (j, r) in o.roots.iter().enumerate() {
                if let Some(t) = r.get("type").and_then(Value::as_str) {
                    let pair = (i as u32, j as u32);
                    match by_type.iter_mut().find(|(k, _)| *k == t) {
                        Some((_, v)) => v.push(pair),
                        None => by_type.push((t, vec![pair])),
                    }
                }
            }
        }
        Ok(ObservationSet {
            version,
            obs,
            by_type,
        })
    }

    /// Number of observations (observed-data objects).
    pub fn len(&self) -> usize {
        self.obs.len()
    }

    /// Whether there are no observations.
    pub fn is_empty(&self) -> bool {
        self.obs.is_empty()
    }

    /// The observed-data object of observation `i`.
    pub fn observed_data(&self, i: usize) -> Option<&'a Value> {
        self.obs.get(i).map(|o| o.sdo)
    }

    /// The layout these observations were read with.
    pub fn version(&self) -> StixVersion {
        self.version
    }
}

// ---------------------------------------------------------------------------
// Compiled comparisons

#[derive(Debug, Clone)]
enum Glob {
    Lit(char),
    One,
    Any,
}

#[derive(Debug, Clone)]
enum Test {
    Eq(Constant),
    Order(Operator, Constant),
    In(Vec<Constant>, bool),
    Like {
        glob: Rc<[Glob]>,
        binary_ok: bool,
    },
    Matches {
        /// A literal-and-dot expression, matched without compiling a regex.
        simple: Option<SimpleRe>,
        /// The compiled expression (`None` exactly when `simple` is set).
        re: Option<Regex>,
        /// The pattern for binary values, compiled on first use (`None` when
        /// the expression has code points above 255 or does not compile).
        bytes: std::sync::OnceLock<Option<regex::bytes::Regex>>,
        source: Rc<str>,
    },
    Subset(String),
    Superset(String),
    Exists,
}

#[derive(Debug, Clone)]
struct Leaf {
    object_type: String,
    path: Vec<PathStep>,
    negated: bool,
    op: Operator,
    test: Test,
    sdo_type: bool,
    /// Every step is a plain key (no list, reference or binary suffix): at
    /// most one value is selected, found by a direct walk.
    plain: bool,
}

#[derive(Debug, Clone)]
enum CExpr {
    Leaf(usize),
    And(Vec<CExpr>),
    Or(Vec<CExpr>),
}

#[derive(Debug, Clone)]
enum Node {
    Simple(usize),
    And(Vec<Node>),
    Or(Vec<Node>),
    FollowedBy(Vec<Node>),
    Within(Box<Node>, i64),
    Repeats(Box<Node>, usize),
    StartStop(Box<Node>, i64, i64),
}

/// A pattern prepared for evaluation.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    leaves: Vec<Leaf>,
    simples: Vec<CExpr>,
    root: Option<Node>,
    /// A pattern-level error the reference matcher raises whatever the input.
    error: Option<String>,
    /// The most observation instances one binding can use: instances of one
    /// observed-data are interchangeable, so expanding `number_observed`
    /// beyond this never finds a binding that was not already there.
    max_binding: u64,
}

/// Observation expressions one pattern may contain and still be evaluated
/// (each nests one more lazy join; far above any real indicator).
const MAX_OBSERVATION_EXPRESSIONS: usize = 1000;

fn binding_size(n: &Node) -> u64 {
    match n {
        Node::Simple(_) => 1,
        Node::And(v) | Node::FollowedBy(v) => {
            v.iter().map(binding_size).fold(0, u64::saturating_add)
        }
        Node::Or(v) => v.iter().map(binding_size).max().unwrap_or(0),
        Node::Within(i, _) | Node::StartStop(i, _, _) => binding_size(i),
        Node::Repeats(i, n) => binding_size(i).saturating_mul(*n as u64),
    }
}

fn like_glob(s: &str) -> Vec<Glob> {
    s.chars()
        .map(|c| match c {
            '%' => Glob::Any,
            '_' => Glob::One,
            c => Glob::Lit(c),
        })
        .collect()
}

fn glob_match(g: &[Glob], s: &[char]) -> bool {
    // Iterative wildcard matching with backtracking to the last '%'.
    let (mut gi, mut si) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match g.get(gi) {
            Some(Glob::Lit(c)) if *c == s[si] => {
                gi += 1;
                si += 1;
                continue;
            }
            Some(Glob::One) if s[si] != '\n' => {
                gi += 1;
                si += 1;
                continue;
            }
            Some(Glob::Any) => {
                star = Some((gi, si));
                gi += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((sg, ss)) if s[ss] != '\n' => {
                gi = sg + 1;
                si = ss + 1;
                star = Some((sg, ss + 1));
            }
            _ => return false,
        }
    }
    g[gi..].iter().all(|x| matches!(x, Glob::Any))
}

fn like_match(g: &[Glob], value: &str) -> bool {
    let chars: Vec<char> = if value.is_ascii() {
        value.chars().collect()
    } else {
        value.nfc().collect()
    };
    if glob_match(g, &chars) {
        return true;
    }
    // Python's `$` also matches before a final newline.
    chars.last() == Some(&'\n') && glob_match(g, &chars[..chars.len() - 1])
}

/// A regular expression made only of literal characters, `.`, and an
/// optional leading `^` / trailing `$`: common in indicators, and matched
/// directly with Python `re` semantics (`.` is not a newline; `$` is the end
/// or just before a final newline).
#[derive(Debug, Clone)]
struct SimpleRe {
    start: bool,
    end: bool,
    /// `None` is `.`.
    items: Vec<Option<char>>,
}

impl SimpleRe {
    fn parse(src: &str) -> Option<SimpleRe> {
        let mut chars: Vec<char> = src.chars().collect();
        let start = chars.first() == Some(&'^');
        if start {
            chars.remove(0);
        }
        let mut items = Vec::with_capacity(chars.len());
        let mut end = false;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            match c {
                '\\' => {
                    let n = *chars.get(i + 1)?;
                    // Only escaped ASCII punctuation is a plain literal.
                    if !n.is_ascii_punctuation() {
                        return None;
                    }
                    items.push(Some(n));
                    i += 2;
                    continue;
                }
                '.' => items.push(None),
                '$' if i + 1 == chars.len() => end = true,
                '^' | '$' | '*' | '+' | '?' | '{' | '}' | '[' | ']' | '|' | '(' | ')' => {
                    return None;
                }
                c => items.push(Some(c)),
            }
            i += 1;
        }
        Some(SimpleRe { start, end, items })
    }

    fn matches_at(&self, s: &[char], at: usize) -> bool {
        if at + self.items.len() > s.len() {
            return false;
        }
        let fits = self.items.iter().zip(&s[at..]).all(|(item, c)| match item {
            Some(x) => x == c,
            None => *c != '\n',
        });
        if !fits {
            return false;
        }
        let q = at + self.items.len();
        !self.end || q == s.len() || (q + 1 == s.len() && s[q] == '\n')
    }

    fn search(&self, value: &str) -> bool {
        let s: Vec<char> = value.chars().collect();
        if self.start {
            return self.matches_at(&s, 0);
        }
        (0..=s.len()).any(|at| self.matches_at(&s, at))
    }
}

/// Rewrite a Python `re` pattern into the `regex` crate's dialect for the
/// constructs whose meaning differs (see conformance-differences.md).
fn translate_regex(src: &str, bytes: bool) -> String {
    let mut out = String::with_capacity(src.len() + 8);
    if bytes {
        out.push_str("(?-u)");
    }
    let mut chars = src.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('Z') if !in_class => out.push_str("\\z"),
                Some(n) => {
                    out.push('\\');
                    if bytes && (n as u32) >= 0x80 {
                        out.pop();
                        out.push_str(&format!("\\x{:02X}", n as u32));
                    } else {
                        out.push(n);
                    }
                }
                None => out.push('\\'),
            }
            continue;
        }
        if bytes && (c as u32) >= 0x80 {
            out.push_str(&format!("\\x{:02X}", c as u32));
            continue;
        }
        if in_class {
            match c {
                ']' => in_class = false,
                '[' | '&' | '~' => out.push('\\'),
                '-' if chars.peek() == Some(&'-') => out.push('\\'),
                _ => {}
            }
            out.push(c);
            continue;
        }
        match c {
            '[' => {
                in_class = true;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                // A ']' right after '[' or '[^' is literal in Python.
                if chars.peek() == Some(&']') {
                    out.push_str("\\]");
                    chars.next();
                }
            }
            '$' => out.push_str("(?:\\n?\\z)"),
            _ => out.push(c),
        }
    }
    out
}

fn constant_kind(c: &Constant) -> u8 {
    match c {
        Constant::Int(_) => 0,
        Constant::Float(_) => 1,
        Constant::Str(_) => 2,
        Constant::Bool(_) => 3,
        Constant::Binary(_) | Constant::Hex(_) => 4,
        Constant::Timestamp(_) => 5,
        Constant::List(_) => 6,
    }
}

fn check_timestamps(c: &Constant, error: &mut Option<String>) {
    match c {
        Constant::Timestamp(t) if t.micros.is_none() && error.is_none() => {
            *error = Some(format!("Invalid TimestampLiteral: t'{}'", t.text))
        }
        Constant::List(v) => v.iter().for_each(|c| check_timestamps(c, error)),
        _ => {}
    }
}

impl Compiled {
    pub(crate) fn new(root: &ObservationExpr) -> Compiled {
        let mut c = Compiled {
            leaves: Vec::new(),
            simples: Vec::new(),
            root: None,
            error: None,
            max_binding: 0,
        };
        let node = c.node(root);
        c.max_binding = binding_size(&node);
        if c.simples.len() > MAX_OBSERVATION_EXPRESSIONS {
            c.set_error(format!(
                "pattern has {} observation expressions; at most {MAX_OBSERVATION_EXPRESSIONS} are evaluated",
                c.simples.len()
            ));
        }
        c.root = Some(node);
        c
    }

    fn set_error(&mut self, msg: String) {
        if self.error.is_none() {
            self.error = Some(msg);
        }
    }

    fn node(&mut self, e: &ObservationExpr) -> Node {
        match e {
            ObservationExpr::Simple(c) => {
                let ce = self.cexpr(c);
                self.simples.push(ce);
                Node::Simple(self.simples.len() - 1)
            }
            ObservationExpr::And(v) => Node::And(v.iter().map(|e| self.node(e)).collect()),
            ObservationExpr::Or(v) => Node::Or(v.iter().map(|e| self.node(e)).collect()),
            ObservationExpr::FollowedBy(v) => {
                Node::FollowedBy(v.iter().map(|e| self.node(e)).collect())
            }
            ObservationExpr::Qualified(inner, q) => {
                let n = Box::new(self.node(inner));
                match q {
                    Qualifier::Within(s) => {
                        if s.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
                            self.set_error(format!("Invalid WITHIN value (must be positive): {s}"));
                        }
                        let micros = (s * 1e6).round();
                        Node::Within(
                            n,
                            if micros >= 9.0e18 {
                                i64::MAX
                            } else {
                                micros as i64
                            },
                        )
                    }
                    Qualifier::Repeats(r) => {
                        if *r < 1 {
                            self.set_error(format!("Invalid repetition count: {r}"));
                        }
                        Node::Repeats(n, usize::try_from(*r).unwrap_or(usize::MAX))
                    }
                    Qualifier::StartStop(a, b) => {
                        for t in [a, b] {
                            if t.micros.is_none() {
                                self.set_error(format!("Invalid TimestampLiteral: t'{}'", t.text));
                            }
                        }
                        Node::StartStop(n, a.micros.unwrap_or(0), b.micros.unwrap_or(0))
                    }
                }
            }
        }
    }

    fn cexpr(&mut self, c: &ComparisonExpr) -> CExpr {
        match c {
            ComparisonExpr::Comparison(c) => {
                let leaf = self.leaf(c);
                self.leaves.push(leaf);
                CExpr::Leaf(self.leaves.len() - 1)
            }
            ComparisonExpr::And(v) => CExpr::And(v.iter().map(|c| self.cexpr(c)).collect()),
            ComparisonExpr::Or(v) => CExpr::Or(v.iter().map(|c| self.cexpr(c)).collect()),
        }
    }

    fn leaf(&mut self, c: &Comparison) -> Leaf {
        let value = c.value.clone().unwrap_or(Constant::List(Vec::new()));
        let mut err = None;
        check_timestamps(&value, &mut err);
        if let Some(e) = err {
            self.set_error(e);
        }
        let s = value.as_str().unwrap_or("").to_owned();
        let test = match c.operator {
            Operator::Eq | Operator::Ne => Test::Eq(value),
            Operator::Lt | Operator::Le | Operator::Gt | Operator::Ge => {
                Test::Order(c.operator, value)
            }
            Operator::In => {
                let items = match value {
                    Constant::List(v) => v,
                    other => vec![other],
                };
                let numeric = |c: &Constant| matches!(c, Constant::Int(_) | Constant::Float(_));
                let homogeneous = items
                    .windows(2)
                    .all(|w| constant_kind(&w[0]) == constant_kind(&w[1]))
                    || items.iter().all(numeric);
                if !homogeneous {
                    self.set_error(format!("Nonhomogenous set: {}", c.value_text));
                }
                let ts = matches!(items.first(), Some(Constant::Timestamp(_)));
                Test::In(items, ts)
            }
            Operator::Like => {
                let norm: String = s.nfc().collect();
                let binary_ok = norm.chars().all(|c| (c as u32) < 256);
                Test::Like {
                    glob: like_glob(&norm).into(),
                    binary_ok,
                }
            }
            Operator::Matches => {
                let norm: String = s.nfc().collect();
                if let Some(simple) = SimpleRe::parse(&norm) {
                    Test::Matches {
                        simple: Some(simple),
                        re: None,
                        bytes: std::sync::OnceLock::new(),
                        source: norm.into(),
                    }
                } else {
                    match Regex::new(&translate_regex(&norm, false)) {
                        Ok(re) => Test::Matches {
                            simple: None,
                            re: Some(re),
                            bytes: std::sync::OnceLock::new(),
                            source: norm.into(),
                        },
                        Err(e) => {
                            self.set_error(format!(
                                "invalid regular expression: {}",
                                e.to_string().lines().last().unwrap_or("")
                            ));
                            Test::Exists
                        }
                    }
                }
            }
            Operator::IsSubset => Test::Subset(s),
            Operator::IsSuperset => Test::Superset(s),
            Operator::Exists => Test::Exists,
        };
        Leaf {
            object_type: c.object_type.clone(),
            path: c.path.clone(),
            negated: c.negated,
            op: c.operator,
            test,
            sdo_type: SDO_TYPES_V21.contains(&c.object_type.as_str()),
            plain: c.path.iter().all(|s| match s {
                PathStep::Key(k) => {
                    !(k.ends_with("_ref")
                        || k.ends_with("_refs")
                        || k.ends_with("_hex")
                        || k.ends_with("_bin"))
                }
                _ => false,
            }),
        }
    }

    pub(crate) fn evaluate(
        &self,
        _root: &ObservationExpr,
        set: &ObservationSet<'_>,
    ) -> Result<MatchResult, MatchError> {
        if let Some(e) = &self.error {
            return merr(e.clone());
        }
        // Every comparison over every candidate object, as the reference
        // does (so that data errors surface the same way).
        let mut leaf_results: Vec<Vec<(u32, Vec<u32>)>> = Vec::with_capacity(self.leaves.len());
        for leaf in &self.leaves {
            leaf_results.push(eval_leaf(leaf, set)?);
        }
        let simple_obs: Vec<Vec<u32>> = self
            .simples
            .iter()
            .map(|ce| {
                let r = combine(ce, &mut leaf_results);
                r.into_iter()
                    .filter(|(_, roots)| !roots.is_empty())
                    .map(|(o, _)| o)
                    .collect()
            })
            .collect();
        // Fast path: a single bracketed expression (or an OR of them) matches
        // when any observation satisfies one.
        if let Some(root) = &self.root {
            let direct = match root {
                Node::Simple(k) => Some(simple_obs.get(*k).and_then(|v| v.first().copied())),
                Node::Or(v) if v.iter().all(|n| matches!(n, Node::Simple(_))) => {
                    Some(v.iter().find_map(|n| match n {
                        Node::Simple(k) => simple_obs.get(*k).and_then(|v| v.first().copied()),
                        _ => None,
                    }))
                }
                _ => None,
            };
            if let Some(found) = direct {
                return Ok(MatchResult {
                    matched: found.is_some(),
                    observations: found.map(|o| vec![o as usize]).unwrap_or_default(),
                });
            }
        }
        let ctx = Ctx {
            set,
            simple_obs,
            error: std::cell::RefCell::new(None),
            max_binding: self.max_binding,
        };
        let Some(root) = &self.root else {
            return Ok(MatchResult {
                matched: false,
                observations: Vec::new(),
            });
        };
        let first = bindings(root, &ctx).next();
        if let Some(e) = ctx.error.borrow_mut().take() {
            return Err(e);
        }
        Ok(match first {
            Some(b) => {
                let mut o: Vec<usize> = b.iter().map(|i| (i >> 32) as usize).collect();
                o.sort_unstable();
                o.dedup();
                MatchResult {
                    matched: true,
                    observations: o,
                }
            }
            None => MatchResult {
                matched: false,
                observations: Vec::new(),
            },
        })
    }
}

// ---------------------------------------------------------------------------
// Comparison evaluation

/// A value selected by a path.
enum V<'a> {
    J(&'a Value),
    B(Vec<u8>),
    L(Vec<&'a Value>),
}

fn resolve<'a>(set: &ObservationSet<'a>, o: &Obs<'a>, id: &str, out: &mut Vec<&'a Value>) {
    match set.version {
        StixVersion::V21 => out.extend(
            o.list
                .iter()
                .filter(|d| d.get("id").and_then(Value::as_str) == Some(id)),
        ),
        StixVersion::V20 => {
            if let Some(v) = o.map.and_then(|m| m.get(id)) {
                out.push(v);
            }
        }
    }
}

fn step_key<'a>(
    set: &ObservationSet<'a>,
    o: &Obs<'a>,
    vals: Vec<V<'a>>,
    k: &str,
) -> Result<Vec<V<'a>>, MatchError> {
    let mut out = Vec::new();
    for v in vals {
        let V::J(Value::Object(m)) = v else { continue };
        let Some(x) = m.get(k) else { continue };
        if k.ends_with("_hex") {
            match x.as_str().and_then(crate::parser::decode_hex) {
                Some(b) => out.push(V::B(b)),
                None => return merr(format!("invalid hex value of property '{k}'")),
            }
        } else if k.ends_with("_bin") {
            match x.as_str().and_then(crate::parser::decode_base64_lenient) {
                Some(b) => out.push(V::B(b)),
                None => return merr(format!("invalid base64 value of property '{k}'")),
            }
        } else {
            out.push(V::J(x));
        }
    }
    if k.ends_with("_ref") {
        let mut resolved = Vec::new();
        for v in out {
            match v {
                V::J(Value::String(id)) => {
                    let mut objs = Vec::new();
                    resolve(set, o, id, &mut objs);
                    resolved.extend(objs.into_iter().map(V::J));
                }
                _ => {
                    return merr(format!(
                        "The value of reference property '{k}' was not a string"
                    ));
                }
            }
        }
        return Ok(resolved);
    }
    if k.ends_with("_refs") {
        let mut resolved = Vec::new();
        for v in out {
            let V::J(Value::Array(ids)) = v else {
                return merr(format!(
                    "The value of reference list property '{k}' was not a list"
                ));
            };
            let mut objs = Vec::new();
            for id in ids {
                let Value::String(id) = id else {
                    return merr(format!(
                        "A value of reference property '{k}' was not a string"
                    ));
                };
                resolve(set, o, id, &mut objs);
            }
            if !objs.is_empty() {
                resolved.push(V::L(objs));
            }
        }
        return Ok(resolved);
    }
    Ok(out)
}

fn select<'a>(
    set: &ObservationSet<'a>,
    o: &Obs<'a>,
    root: &'a Value,
    path: &[PathStep],
) -> Result<Vec<V<'a>>, MatchError> {
    let mut vals = vec![V::J(root)];
    for step in path {
        vals = match step {
            PathStep::Key(k) => step_key(set, o, vals, k)?,
            PathStep::Index(n) => {
                let mut out = Vec::new();
                for v in vals {
                    let Ok(i) = usize::try_from(*n) else { continue };
                    match v {
                        V::J(Value::Array(a)) => {
                            if let Some(x) = a.get(i) {
                                out.push(V::J(x));
                            }
                        }
                        V::L(l) => {
                            if let Some(x) = l.get(i) {
                                out.push(V::J(x));
                            }
                        }
                        _ => {}
                    }
                }
                out
            }
            PathStep::AnyIndex => {
                let mut out = Vec::new();
                for v in vals {
                    match v {
                        V::J(Value::Array(a)) => out.extend(a.iter().map(V::J)),
                        V::L(l) => out.extend(l.into_iter().map(V::J)),
                        _ => {}
                    }
                }
                out
            }
        };
        if vals.is_empty() {
            break;
        }
    }
    Ok(vals)
}

/// A number as Python sees it.
#[derive(Clone, Copy)]
enum Num {
    I(i128),
    F(f64),
}

fn num_cmp(a: Num, b: Num) -> Option<std::cmp::Ordering> {
    use std::cmp::Ordering;
    match (a, b) {
        (Num::I(x), Num::I(y)) => Some(x.cmp(&y)),
        (Num::F(x), Num::F(y)) => x.partial_cmp(&y),
        (Num::I(i), Num::F(f)) => int_float_cmp(i, f),
        (Num::F(f), Num::I(i)) => int_float_cmp(i, f).map(Ordering::reverse),
    }
}

fn int_float_cmp(i: i128, f: f64) -> Option<std::cmp::Ordering> {
    if f.is_nan() {
        return None;
    }
    if f.is_infinite() {
        return Some(if f > 0.0 {
            std::cmp::Ordering::Less
        } else {
            std::cmp::Ordering::Greater
        });
    }
    let fl = f.floor();
    if fl.abs() < 1.0e38 {
        let fi = fl as i128;
        match i.cmp(&fi) {
            std::cmp::Ordering::Equal => Some(if f > fl {
                std::cmp::Ordering::Less
            } else {
                std::cmp::Ordering::Equal
            }),
            o => Some(o),
        }
    } else {
        (i as f64).partial_cmp(&f)
    }
}

fn json_num(n: &serde_json::Number) -> Num {
    if let Some(i) = n.as_i64() {
        Num::I(i128::from(i))
    } else if let Some(u) = n.as_u64() {
        Num::I(i128::from(u))
    } else {
        Num::F(n.as_f64().unwrap_or(f64::NAN))
    }
}

fn const_num(c: &Constant) -> Option<Num> {
    match c {
        Constant::Int(i) => Some(Num::I(*i)),
        Constant::Float(f) => Some(Num::F(*f)),
        _ => None,
    }
}

/// Latin-1 bytes of a string whose code points are all below 256.
fn latin1(s: &str) -> Option<Vec<u8>> {
    s.chars().map(|c| u8::try_from(c as u32).ok()).collect()
}

fn value_ts(v: &V<'_>, is_ts_literal: bool) -> Result<Option<i64>, MatchError> {
    if !is_ts_literal {
        return Ok(None);
    }
    match v {
        V::J(Value::String(s)) => match parse_timestamp(s) {
            Some(t) => Ok(Some(t)),
            None => merr(format!("Invalid timestamp in JSON: {s}")),
        },
        _ => Ok(None),
    }
}

/// Ordering of a constant against a value, when the pair is comparable.
fn compare(
    c: &Constant,
    v: &V<'_>,
    for_equality: bool,
) -> Result<Option<std::cmp::Ordering>, MatchError> {
    use std::cmp::Ordering;
    if let Constant::Timestamp(t) = c {
        let lit = t.micros.unwrap_or(0);
        return Ok(value_ts(v, true)?.map(|x| x.cmp(&lit)));
    }
    Ok(match (c, v) {
        (Constant::Int(_) | Constant::Float(_), V::J(Value::Number(n))) => {
            const_num(c).and_then(|cn| num_cmp(json_num(n), cn))
        }
        (Constant::Str(s), V::J(Value::String(x))) => Some(x.as_str().cmp(s.as_str())),
        (Constant::Str(s), V::B(b)) => latin1(s).map(|sb| b.as_slice().cmp(sb.as_slice())),
        (Constant::Bool(a), V::J(Value::Bool(b))) if for_equality => Some(if a == b {
            Ordering::Equal
        } else {
            Ordering::Less
        }),
        (Constant::Binary(a) | Constant::Hex(a), V::B(b)) => Some(b.as_slice().cmp(a.as_slice())),
        (Constant::Binary(a) | Constant::Hex(a), V::J(Value::String(s))) => {
            latin1(s).map(|sb| sb.as_slice().cmp(a.as_slice()))
        }
        _ => None,
    })
}

/// Python set membership (`value in {…}`).
fn member(items: &[Constant], v: &V<'_>, ts: bool) -> Result<bool, MatchError> {
    if ts {
        if let Some(t) = value_ts(v, true)? {
            return Ok(items
                .iter()
                .any(|c| matches!(c, Constant::Timestamp(x) if x.micros == Some(t))));
        }
        return Ok(false);
    }
    let vn = match v {
        V::J(Value::Number(n)) => Some(json_num(n)),
        V::J(Value::Bool(b)) => Some(Num::I(i128::from(*b))),
        _ => None,
    };
    for c in items {
        let hit = match (c, v) {
            (Constant::Int(_) | Constant::Float(_) | Constant::Bool(_), _) if vn.is_some() => {
                let cn = match c {
                    Constant::Bool(b) => Some(Num::I(i128::from(*b))),
                    _ => const_num(c),
                };
                matches!((cn, vn), (Some(a), Some(b)) if num_cmp(a, b) == Some(std::cmp::Ordering::Equal))
            }
            (Constant::Str(s), V::J(Value::String(x))) => s == x,
            (Constant::Binary(a) | Constant::Hex(a), V::B(b)) => a == b,
            _ => false,
        };
        if hit {
            return Ok(true);
        }
    }
    Ok(false)
}

/// glibc `inet_aton`.
fn inet_aton(s: &str) -> Option<u32> {
    let b = s.as_bytes();
    let mut parts: Vec<u64> = Vec::new();
    let mut i = 0;
    loop {
        let c = *b.get(i)?;
        if !c.is_ascii_digit() {
            return None;
        }
        let mut base = 10;
        let mut val: u64 = 0;
        if c == b'0' {
            i += 1;
            base = 8;
            if matches!(b.get(i), Some(b'x' | b'X')) {
                base = 16;
                i += 1;
            }
        }
        while let Some(&d) = b.get(i) {
            let digit = match d {
                b'0'..=b'9' if base != 8 || d < b'8' => u64::from(d - b'0'),
                b'8' | b'9' => return None,
                b'a'..=b'f' if base == 16 => u64::from(d - b'a' + 10),
                b'A'..=b'F' if base == 16 => u64::from(d - b'A' + 10),
                _ => break,
            };
            val = val * base + digit;
            if val > 0xffff_ffff {
                return None;
            }
            i += 1;
        }
        match b.get(i) {
            Some(b'.') => {
                if parts.len() >= 3 || val > 0xff {
                    return None;
                }
                parts.push(val);
                i += 1;
            }
            Some(c) if !c.is_ascii_whitespace() && *c != 0x0b => return None,
            _ => {
                let n = parts.len();
                let max: u64 = match n {
                    0 => 0xffff_ffff,
                    1 => 0xff_ffff,
                    2 => 0xffff,
                    _ => 0xff,
                };
                if val > max {
                    return None;
                }
                let mut out = val;
                for (k, p) in parts.iter().enumerate() {
                    out |= p << (24 - 8 * k);
                }
                return u32::try_from(out).ok();
            }
        }
    }
}

fn cidr(s: &str) -> Result<(u32, u32), MatchError> {
    let Some((ip, prefix)) = s.split_once('/') else {
        return merr(format!("Invalid CIDR subnet: {s}"));
    };
    let Some(ip) = inet_aton(ip) else {
        return merr(format!("Invalid IPv4 address: {ip}"));
    };
    if prefix.is_empty() || !prefix.bytes().all(|c| c.is_ascii_digit()) {
        return merr(format!("Invalid CIDR subnet: {s}"));
    }
    let p: u32 = prefix.trim_start_matches('0').parse().unwrap_or(
        if prefix.trim_start_matches('0').is_empty() {
            0
        } else {
            99
        },
    );
    if !(1..=32).contains(&p) {
        return merr(format!("Invalid CIDR subnet: {s}"));
    }
    Ok((ip, p))
}

fn in_subnet(containee: &str, container: &str) -> Result<bool, MatchError> {
    let (ip, plen) = if containee.contains('/') {
        cidr(containee)?
    } else {
        match inet_aton(containee) {
            Some(ip) => (ip, 32),
            None => return merr(format!("Invalid IPv4 address: {containee}")),
        }
    };
    let (net, nlen) = cidr(container)?;
    if nlen > plen {
        return Ok(false);
    }
    let mask = if nlen == 0 {
        0
    } else {
        u32::MAX << (32 - nlen)
    };
    Ok(ip & mask == net & mask)
}

fn test_value(leaf: &Leaf, v: &V<'_>) -> Result<bool, MatchError> {
    use std::cmp::Ordering;
    let r = match &leaf.test {
        Test::Eq(c) => {
            let eq = compare(c, v, true)? == Some(Ordering::Equal);
            if leaf.op == Operator::Ne { !eq } else { eq }
        }
        Test::Order(op, c) => match compare(c, v, false)? {
            None => false,
            Some(o) => match op {
                Operator::Lt => o == Ordering::Less,
                Operator::Le => o != Ordering::Greater,
                Operator::Gt => o == Ordering::Greater,
                _ => o != Ordering::Less,
            },
        },
        Test::In(items, ts) => member(items, v, *ts)?,
        Test::Like { glob, binary_ok } => match v {
            V::J(Value::String(s)) => like_match(glob, s),
            V::B(b) if *binary_ok => match std::str::from_utf8(b) {
                Ok(s) => like_match(glob, s),
                Err(_) => return merr("binary value is not UTF-8"),
            },
            _ => false,
        },
        Test::Matches {
            simple,
            re,
            bytes,
            source,
        } => match v {
            V::J(Value::String(s)) => {
                let normalized: std::borrow::Cow<'_, str> = if s.is_ascii() {
                    std::borrow::Cow::Borrowed(s.as_str())
                } else {
                    std::borrow::Cow::Owned(s.nfc().collect())
                };
                match (simple, re) {
                    (Some(simple), _) => simple.search(&normalized),
                    (None, Some(re)) => re.is_match(&normalized),
                    (None, None) => false,
                }
            }
            V::B(b) => bytes
                .get_or_init(|| {
                    source
                        .chars()
                        .all(|c| (c as u32) < 256)
                        .then(|| regex::bytes::Regex::new(&translate_regex(source, true)).ok())
                        .flatten()
                })
                .as_ref()
                .is_some_and(|r| r.is_match(b)),
            _ => false,
        },
        Test::Subset(net) => match v {
            V::J(Value::String(s)) => in_subnet(s, net)?,
            _ => false,
        },
        Test::Superset(ip) => match v {
            V::J(Value::String(s)) => in_subnet(ip, s)?,
            _ => false,
        },
        Test::Exists => true,
    };
    Ok(if leaf.negated && leaf.op != Operator::Exists {
        !r
    } else {
        r
    })
}

/// (observation, passing roots) for one comparison, in observation order.
fn eval_leaf(leaf: &Leaf, set: &ObservationSet<'_>) -> Result<Vec<(u32, Vec<u32>)>, MatchError> {
    let mut out: Vec<(u32, Vec<u32>)> = Vec::new();
    if set.version == StixVersion::V21 && leaf.sdo_type {
        return Ok(out);
    }
    if set.version == StixVersion::V21 && set.obs.iter().any(|o| o.missing_id) {
        return merr("object without id");
    }
    let Some((_, cands)) = set
        .by_type
        .iter()
        .find(|(t, _)| *t == leaf.object_type.as_str())
    else {
        return Ok(out);
    };
    for &(oi, ri) in cands {
        let o = &set.obs[oi as usize];
        let root = o.roots[ri as usize];
        if leaf.plain {
            let mut cur = Some(root);
            for step in &leaf.path {
                cur = match (cur, step) {
                    (Some(Value::Object(m)), PathStep::Key(k)) => m.get(k.as_str()),
                    _ => None,
                };
            }
            let pass = match cur {
                None => leaf.op == Operator::Exists && leaf.negated,
                Some(_) if leaf.op == Operator::Exists => !leaf.negated,
                Some(v) => test_value(leaf, &V::J(v))?,
            };
            if pass {
                match out.last_mut() {
                    Some((last, roots)) if *last == oi => roots.push(ri),
                    _ => out.push((oi, vec![ri])),
                }
            }
            continue;
        }
        let vals = select(set, o, root, &leaf.path)?;
        let pass = if leaf.op == Operator::Exists {
            vals.is_empty() == leaf.negated
        } else {
            let mut any = false;
            for v in &vals {
                if test_value(leaf, v)? {
                    any = true;
                    break;
                }
            }
            any
        };
        if pass {
            match out.last_mut() {
                Some((last, roots)) if *last == oi => roots.push(ri),
                _ => out.push((oi, vec![ri])),
            }
        }
    }
    Ok(out)
}

fn combine(ce: &CExpr, leaves: &mut [Vec<(u32, Vec<u32>)>]) -> Vec<(u32, Vec<u32>)> {
    // Leaf results are sorted by observation; AND/OR are merge joins.
    match ce {
        CExpr::Leaf(i) => leaves.get_mut(*i).map(std::mem::take).unwrap_or_default(),
        CExpr::And(v) => {
            let mut acc: Option<Vec<(u32, Vec<u32>)>> = None;
            for c in v {
                let next = combine(c, leaves);
                acc = Some(match acc {
                    None => next,
                    Some(prev) => {
                        let mut out = Vec::new();
                        let mut it = next.into_iter().peekable();
                        for (o, roots) in prev {
                            while it.peek().is_some_and(|(x, _)| *x < o) {
                                it.next();
                            }
                            if let Some((x, other)) = it.peek()
                                && *x == o
                            {
                                let kept: Vec<u32> =
                                    roots.into_iter().filter(|r| other.contains(r)).collect();
                                if !kept.is_empty() {
                                    out.push((o, kept));
                                }
                            }
                        }
                        out
                    }
                });
            }
            acc.unwrap_or_default()
        }
        CExpr::Or(v) => {
            let mut acc: Vec<(u32, Vec<u32>)> = Vec::new();
            for c in v {
                let next = combine(c, leaves);
                if acc.is_empty() {
                    acc = next;
                    continue;
                }
                let mut out = Vec::with_capacity(acc.len() + next.len());
                let mut a = std::mem::take(&mut acc).into_iter().peekable();
                let mut b = next.into_iter().peekable();
                loop {
                    match (a.peek(), b.peek()) {
                        (Some((x, _)), Some((y, _))) if x == y => {
                            let (o, mut roots) = a.next().unwrap_or_default();
                            let (_, more) = b.next().unwrap_or_default();
                            for r in more {
                                if !roots.contains(&r) {
                                    roots.push(r);
                                }
                            }
                            out.push((o, roots));
                        }
                        (Some((x, _)), Some((y, _))) => {
                            let take_a = x < y;
                            out.extend(if take_a { a.next() } else { b.next() });
                        }
                        (Some(_), None) => out.extend(a.next()),
                        (None, Some(_)) => out.extend(b.next()),
                        (None, None) => break,
                    }
                }
                acc = out;
            }
            acc
        }
    }
}

// ---------------------------------------------------------------------------
// Observation expressions: lazy enumeration of bindings

/// An observation instance: observation index in the high 32 bits, instance
/// number in the low.
type Inst = u64;
type Binding = Vec<Inst>;

struct Ctx<'s, 'a> {
    set: &'s ObservationSet<'a>,
    simple_obs: Vec<Vec<u32>>,
    error: std::cell::RefCell<Option<MatchError>>,
    max_binding: u64,
}

impl Ctx<'_, '_> {
    fn interval(&self, i: Inst) -> (i64, i64) {
        let o = &self.set.obs[(i >> 32) as usize];
        (o.first, o.last)
    }
}

fn disjoint(a: &[Inst], b: &[Inst]) -> bool {
    a.iter().all(|x| !b.contains(x))
}

type BIter<'c> = Box<dyn Iterator<Item = Binding> + 'c>;

/// The largest instant the reference's datetime arithmetic can represent.
const MAX_MICROS: i64 = 253_402_300_799_999_999;

fn bindings<'c>(n: &'c Node, ctx: &'c Ctx<'_, '_>) -> BIter<'c> {
    match n {
        Node::Simple(k) => {
            let obs = ctx.simple_obs.get(*k).map(Vec::as_slice).unwrap_or(&[]);
            Box::new(obs.iter().flat_map(move |&o| {
                let count = ctx.set.obs[o as usize].count.min(ctx.max_binding);
                (0..count).map(move |i| vec![(u64::from(o) << 32) | (i & 0xffff_ffff)])
            }))
        }
        Node::Or(v) => Box::new(v.iter().flat_map(move |c| bindings(c, ctx))),
        Node::And(v) | Node::FollowedBy(v) => {
            let ordered = matches!(n, Node::FollowedBy(_));
            let mut it = v.iter();
            let Some(first) = it.next() else {
                return Box::new(std::iter::empty());
            };
            let mut acc: BIter<'c> = bindings(first, ctx);
            for next in it {
                let rhs: Rc<Vec<Binding>> = Rc::new(bindings(next, ctx).collect());
                acc = Box::new(acc.flat_map(move |lb| {
                    let rhs = Rc::clone(&rhs);
                    let latest_first = lb
                        .iter()
                        .map(|&i| ctx.interval(i).0)
                        .max()
                        .unwrap_or(i64::MIN);
                    (0..rhs.len()).filter_map(move |j| {
                        let rb = &rhs[j];
                        if !disjoint(&lb, rb) {
                            return None;
                        }
                        if ordered {
                            let earliest_last = rb
                                .iter()
                                .map(|&i| ctx.interval(i).1)
                                .min()
                                .unwrap_or(i64::MAX);
                            if latest_first > earliest_last {
                                return None;
                            }
                        }
                        let mut b = lb.clone();
                        b.extend_from_slice(rb);
                        Some(b)
                    })
                }));
            }
            acc
        }
        Node::Within(inner, dur) => {
            let dur = *dur;
            Box::new(bindings(inner, ctx).filter(move |b| {
                let earliest_last = b.iter().map(|&i| ctx.interval(i).1).min().unwrap_or(0);
                let Some(end) = earliest_last.checked_add(dur).filter(|e| *e <= MAX_MICROS) else {
                    ctx.error
                        .borrow_mut()
                        .get_or_insert(MatchError("date value out of range".into()));
                    return false;
                };
                b.iter().all(|&i| ctx.interval(i).0 <= end)
            }))
        }
        Node::StartStop(inner, start, stop) => {
            let (start, stop) = (*start, *stop);
            if start >= stop {
                return Box::new(std::iter::empty());
            }
            Box::new(bindings(inner, ctx).filter(move |b| {
                b.iter().all(|&i| {
                    let (f, l) = ctx.interval(i);
                    f < stop && l >= start
                })
            }))
        }
        Node::Repeats(inner, count) => {
            if *count <= 1 {
                return bindings(inner, ctx);
            }
            let items: Vec<Binding> = bindings(inner, ctx).collect();
            Box::new(Combos {
                items,
                n: *count,
                stack: Vec::new(),
                started: false,
            })
        }
    }
}

/// `n`-element combinations (in index order) of pairwise disjoint bindings.
struct Combos {
    items: Vec<Binding>,
    n: usize,
    stack: Vec<usize>,
    started: bool,
}

impl Combos {
    fn fits(&self, j: usize) -> bool {
        self.stack
            .iter()
            .all(|&k| disjoint(&self.items[k], &self.items[j]))
    }

    /// Advance to the next full combination, starting the search at `from`.
    fn search(&mut self, mut from: usize) -> bool {
        loop {
            if self.stack.len() == self.n {
                return true;
            }
            let need = self.n - self.stack.len();
            let mut found = false;
            let mut j = from;
            while j + need <= self.items.len() {
                if self.fits(j) {
                    found = true;
                    break;
                }
                j += 1;
            }
            if found {
                self.stack.push(j);
                from = j + 1;
            } else {
                match self.stack.pop() {
                    Some(k) => from = k + 1,
                    None => return false,
                }
            }
        }
    }
}

impl Iterator for Combos {
    type Item = Binding;
    fn next(&mut self) -> Option<Binding> {
        if self.n > self.items.len() {
            return None;
        }
        let ok = if self.started {
            match self.stack.pop() {
                Some(k) => self.search(k + 1),
                None => false,
            }
        } else {
            self.started = true;
            self.search(0)
        };
        if !ok {
            self.stack.clear();
            self.items.clear();
            return None;
        }
        Some(
            self.stack
                .iter()
                .flat_map(|&k| self.items[k].iter().copied())
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_follows_python_re() {
        let g = like_glob("a%c_");
        assert!(like_match(&g, "abbcd"));
        assert!(like_match(&g, "acd\n"));
        assert!(!like_match(&g, "ab\ncd"));
        assert!(!like_match(&g, "acd\n\n"));
    }

    #[test]
    fn inet_aton_like_glibc() {
        assert_eq!(inet_aton("1.2.3.4"), Some(0x0102_0304));
        assert_eq!(inet_aton("1.2"), Some(0x0100_0002));
        assert_eq!(inet_aton("0x7f.1"), Some(0x7f00_0001));
        assert_eq!(inet_aton("1.2.3.4 junk"), Some(0x0102_0304));
        assert_eq!(inet_aton("1.2.3.256"), None);
        assert_eq!(inet_aton("::1"), None);
        assert!(in_subnet("11.22.33.44", "11.22.33.0/24").unwrap());
        assert!(!in_subnet("11.22.33.0/20", "11.22.33.0/24").unwrap());
    }

    #[test]
    fn simple_regexes_match_like_python() {
        let m = |re: &str, s: &str| SimpleRe::parse(re).map(|r| r.search(s));
        assert_eq!(m("^ab.d$", "abcd"), Some(true));
        assert_eq!(m("^ab.d$", "abcd\n"), Some(true));
        assert_eq!(m("^ab.d$", "ab\nd"), Some(false));
        assert_eq!(m("b\\.c", "ab.cd"), Some(true));
        assert_eq!(m("b\\.c", "abxcd"), Some(false));
        assert_eq!(m("", "x"), Some(true));
        assert_eq!(m("a+", "aa"), None);
        assert_eq!(m("\\d", "1"), None);
    }

    #[test]
    fn regex_translation() {
        assert_eq!(translate_regex("a$", false), "a(?:\\n?\\z)");
        assert_eq!(translate_regex("[[a]", false), "[\\[a]");
        assert_eq!(translate_regex("[]a]", false), "[\\]a]");
        assert_eq!(translate_regex("\\xd4", true), "(?-u)\\xd4");
    }
}
