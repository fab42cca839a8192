//! The syntax tree of a parsed pattern.

use std::fmt;

/// A whole pattern: one observation expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ObservationExpr {
    /// `[ comparison-expression ]`
    Simple(ComparisonExpr),
    /// `a AND b` (all operands must be bound to distinct observations)
    And(Vec<ObservationExpr>),
    /// `a OR b`
    Or(Vec<ObservationExpr>),
    /// `a FOLLOWEDBY b FOLLOWEDBY c` (left-associative)
    FollowedBy(Vec<ObservationExpr>),
    /// An expression with a qualifier applied.
    Qualified(Box<ObservationExpr>, Qualifier),
}

/// Observation expression qualifiers.
#[derive(Debug, Clone, PartialEq)]
pub enum Qualifier {
    /// `WITHIN n SECONDS` (the literal as written, and its value)
    Within(f64),
    /// `REPEATS n TIMES`
    Repeats(u64),
    /// `START t'…' STOP t'…'`
    StartStop(Timestamp, Timestamp),
}

/// A comparison expression: comparisons joined with AND / OR.
#[derive(Debug, Clone, PartialEq)]
pub enum ComparisonExpr {
    /// One comparison.
    Comparison(Comparison),
    /// All must hold, on the same object.
    And(Vec<ComparisonExpr>),
    /// Any may hold.
    Or(Vec<ComparisonExpr>),
}

/// One step of an object path after the object type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathStep {
    /// A property name (`.name` or `.'quoted name'`; also the first component).
    Key(String),
    /// `[n]` (negative indexes parse but never select anything)
    Index(i64),
    /// `[*]`
    AnyIndex,
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `=` or `==`
    Eq,
    /// `!=` or `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `IN (…)`
    In,
    /// `LIKE '…'`
    Like,
    /// `MATCHES '…'`
    Matches,
    /// `ISSUBSET '…'`
    IsSubset,
    /// `ISSUPERSET '…'`
    IsSuperset,
    /// `EXISTS path`
    Exists,
}

impl Operator {
    /// The operator as written in a pattern.
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Eq => "=",
            Operator::Ne => "!=",
            Operator::Lt => "<",
            Operator::Le => "<=",
            Operator::Gt => ">",
            Operator::Ge => ">=",
            Operator::In => "IN",
            Operator::Like => "LIKE",
            Operator::Matches => "MATCHES",
            Operator::IsSubset => "ISSUBSET",
            Operator::IsSuperset => "ISSUPERSET",
            Operator::Exists => "EXISTS",
        }
    }
}

/// A timestamp constant `t'…'`: its text and, when it names a real instant,
/// microseconds since the Unix epoch (sub-microsecond digits are truncated).
#[derive(Debug, Clone, PartialEq)]
pub struct Timestamp {
    /// The text between the quotes.
    pub text: String,
    /// `None` when the text has the right shape but names no date (e.g. 30 February).
    pub micros: Option<i64>,
}

/// A constant on the right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Constant {
    /// An integer (`+5`, `-3`, `0`).
    Int(i128),
    /// A float (`1.5`, `-.5`).
    Float(f64),
    /// A string, with `\'` and `\\` unescaped.
    Str(String),
    /// `true` / `false`
    Bool(bool),
    /// `b'…'` (base64) decoded.
    Binary(Vec<u8>),
    /// `h'…'` decoded.
    Hex(Vec<u8>),
    /// `t'…'`
    Timestamp(Timestamp),
    /// `( c1, c2, … )` for `IN`
    List(Vec<Constant>),
}

impl Constant {
    /// The string value, for string constants.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Constant::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// One comparison: `object-type:path [NOT] operator constant`.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The object type before the colon (e.g. `ipv4-addr`).
    pub object_type: String,
    /// The property path (at least one step; the first is always a key).
    pub path: Vec<PathStep>,
    /// `NOT` before the operator.
    pub negated: bool,
    /// The operator.
    pub operator: Operator,
    /// The constant (`None` only for `EXISTS`).
    pub value: Option<Constant>,
    /// Byte range of the comparison in the pattern text.
    pub span: (usize, usize),
    /// The constant's text as the reference inspector sees it (tokens concatenated).
    pub(crate) value_text: String,
}

impl Comparison {
    /// The path as a dotted string (`hashes.'SHA-256'`, `sections[*].entropy`).
    pub fn path_string(&self) -> String {
        let mut s = String::new();
        for (i, step) in self.path.iter().enumerate() {
            match step {
                PathStep::Key(k) => {
                    if i > 0 {
                        s.push('.');
                    }
                    if !k.is_empty() && k.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
                        s.push_str(k);
                    } else {
                        s.push('\'');
                        s.push_str(&k.replace('\\', "\\\\").replace('\'', "\\'"));
                        s.push('\'');
                    }
                }
                PathStep::Index(n) => s.push_str(&format!("[{n}]")),
                PathStep::AnyIndex => s.push_str("[*]"),
            }
        }
        s
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
