//! # simpul-pattern: the STIX 2.1 patterning language
//!
//! This crate owns the STIX patterning language (STIX 2.1 specification,
//! section 9): turning pattern text into a syntax tree with precise errors,
//! the checks the specification adds on top of the grammar, and deciding
//! whether a set of observations (`observed-data` with its cyber-observable
//! objects) matches a pattern. It is pure: no I/O, no clock, no global state
//! (save a bounded cache of compiled regular expressions, as Python's `re` keeps),
//! and it never panics on any input (a property test and a fuzz target hold
//! it to that). It must never depend on the STIX object model crate, nor
//! that crate on this one (`simpul-stix` checks patterns through its
//! `PatternChecker` hook, which the binary fills with [`parse`]):
//! observations arrive as plain `serde_json::Value`s.
//!
//! ## Grammar
//!
//! The notation is BNF-like: `'x'` is literal text, `A?` optional, `A*`
//! zero or more, `A | B` a choice. Keywords are upper case and case
//! sensitive. Whitespace (including the Unicode spaces), `/* … */` and
//! `// …` comments may appear between tokens. Tokens are read longest
//! match first (so `ANDx` is a name, `t'2024-13-01T00:00:00Z'` is the name
//! `t` followed by a string because month 13 is not a timestamp).
//!
//! ```text
//! pattern        ::= obs-followed EOF
//! obs-followed   ::= obs-or ( 'FOLLOWEDBY' obs-or )*
//! obs-or         ::= obs-and ( 'OR' obs-and )*
//! obs-and        ::= obs-qualified ( 'AND' obs-qualified )*
//! obs-qualified  ::= obs-base qualifier*
//! obs-base       ::= '[' cmp-or ']' | '(' obs-followed ')'
//! qualifier      ::= 'WITHIN' ( INT | FLOAT ) 'SECONDS'
//!                  | 'REPEATS' INT 'TIMES'
//!                  | 'START' TIMESTAMP 'STOP' TIMESTAMP
//! cmp-or         ::= cmp-and ( 'OR' cmp-and )*
//! cmp-and        ::= cmp ( 'AND' cmp )*
//! cmp            ::= '(' cmp-or ')'
//!                  | 'NOT'? 'EXISTS' object-path
//!                  | object-path 'NOT'? ( '=' | '==' | '!=' | '<>' ) primitive
//!                  | object-path 'NOT'? ( '<' | '<=' | '>' | '>=' ) orderable
//!                  | object-path 'NOT'? 'IN' '(' ( primitive ( ',' primitive )* )? ')'
//!                  | object-path 'NOT'? ( 'LIKE' | 'MATCHES' | 'ISSUBSET' | 'ISSUPERSET' ) STRING
//! object-path    ::= TYPE ':' ( NAME | STRING ) step*
//! step           ::= '.' ( NAME | STRING ) | '[' ( INT | NEG-INT | '*' ) ']'
//! primitive      ::= orderable | 'true' | 'false'
//! orderable      ::= INT | NEG-INT | FLOAT | NEG-FLOAT | STRING | BINARY | HEX | TIMESTAMP
//!
//! TYPE      ::= [a-zA-Z_] [a-zA-Z0-9_-]*        NAME ::= [a-zA-Z_] [a-zA-Z0-9_]*
//! INT       ::= '+'? ( '0' | [1-9] [0-9]* )      NEG-INT ::= '-' ( '0' | [1-9] [0-9]* )
//! FLOAT     ::= '+'? [0-9]* '.' [0-9]+            NEG-FLOAT ::= '-' [0-9]* '.' [0-9]+
//! STRING    ::= "'" ( any character but ' and \ | "\'" | "\\" )* "'"
//! HEX       ::= "h'" ( hexdigit hexdigit )* "'"
//! BINARY    ::= "b'" base64 with '=' padding, at least one 4-character group "'"
//! TIMESTAMP ::= "t'" yyyy '-' MM '-' dd 'T' HH ':' mm ':' ss ( '.' [0-9]+ )? "Z'"
//!               (MM 01-12, dd 01-31, HH 00-23, mm 00-59, ss 00-60)
//! ```
//!
//! On top of the grammar, [`parse`] applies the checks the OASIS reference
//! validator applies: the pattern text must start (after `(`s and spaces)
//! with `[`; a bracketed observation expression takes each kind of qualifier
//! at most once (`[a:b = 1] WITHIN 5 SECONDS WITHIN 6 SECONDS` is rejected,
//! `([a:b = 1] WITHIN 5 SECONDS) WITHIN 6 SECONDS` is not); and a constant
//! compared with a `hashes.<ALGORITHM>` property must have that algorithm's
//! shape. [`parse_syntax`] applies the grammar alone (what the reference
//! matcher accepts).
//!
//! The checks the specification states but the reference validator does not
//! enforce (known object types and properties, one object type per
//! observation expression, START before STOP, positive WITHIN and REPEATS)
//! are reported as [`Warning`]s by [`Pattern::lint`], so that accepting or
//! rejecting a pattern stays in agreement with the reference tools while
//! producers still get told.
//!
//! ## Matching
//!
//! [`Pattern::matches`] decides a match the way the specification (section
//! 9.6–9.9) and the reference matcher `stix2-matcher` do. See [`eval`] for the
//! semantics and `conformance-differences.md` for the known differences,
//! notably that `MATCHES` uses the Rust `regex` crate (RE2-like: no
//! look-around or back-references) where the specification says PCRE.

mod ast;
pub mod eval;
mod lexer;
mod lint;
mod parser;
mod time;

pub use ast::{
    Comparison, ComparisonExpr, Constant, ObservationExpr, Operator, PathStep, Qualifier, Timestamp,
};
pub use eval::{MatchError, MatchResult, ObservationSet, StixVersion};
pub use lint::{Warning, is_known_sco_type, sco_properties, sco_types};

/// A pattern that could not be parsed: where, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at byte {offset}: {message}")]
pub struct PatternError {
    /// Byte offset into the pattern text.
    pub offset: usize,
    /// What was wrong, usually "expected …, found …".
    pub message: String,
}

/// A parsed pattern, ready to be matched.
#[derive(Debug, Clone)]
pub struct Pattern {
    root: ObservationExpr,
    /// Built on first match (regexes are compiled then, not when validating).
    compiled: std::sync::OnceLock<eval::Compiled>,
}

/// Parse and check a pattern the way the OASIS reference validator does
/// (grammar plus the validator's extra checks, see the crate docs).
pub fn parse(src: &str) -> Result<Pattern, PatternError> {
    if !brackets_first(src) {
        return Err(PatternError {
            offset: 0,
            message: "expected '[' to open the first observation expression (after any '(')".into(),
        });
    }
    let parsed = parser::Parser::new(src, true).parse_pattern()?;
    check_hashes(&parsed.root)?;
    Ok(Pattern::build(parsed.root))
}

/// Parse a pattern against the grammar only (the reference matcher's notion
/// of a parse error).
pub fn parse_syntax(src: &str) -> Result<Pattern, PatternError> {
    let parsed = parser::Parser::new(src, false).parse_pattern()?;
    Ok(Pattern::build(parsed.root))
}

/// Python's `str.isspace` (the reference's bracket pre-check uses it).
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn brackets_first(src: &str) -> bool {
    src.chars().find(|&c| c != '(' && !py_space(c)) == Some('[')
}

/// The reference validator's hash shape table (algorithm key with `-` removed, upper case).
fn hash_shape_ok(algo: &str, value: &str) -> Option<bool> {
    let hex_len = |n: usize| {
        value.len() >= n
            && value.bytes().take(n).all(|c| c.is_ascii_hexdigit())
            && (value.len() == n || (value.len() == n + 1 && value.ends_with('\n')))
    };
    Some(match algo {
        "MD5" => hex_len(32),
        "RIPEMD160" | "SHA1" => hex_len(40),
        "SHA224" | "SHA3224" => hex_len(56),
        "SHA256" | "SHA3256" => hex_len(64),
        "SHA384" | "SHA3384" => hex_len(96),
        "SHA512" | "SHA3512" | "WHIRLPOOL" => hex_len(128),
        // The reference's MD6 expression only anchors its first alternative.
        "MD6" => value.len() >= 32 && value.bytes().take(32).all(|c| c.is_ascii_hexdigit()),
        "SSDEEP" => {
            let body = value.strip_suffix('\n').unwrap_or(value);
            (1..=128).contains(&body.len())
                && body
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"/+:.".contains(&c))
        }
        _ => return None,
    })
}

fn check_hashes(root: &ObservationExpr) -> Result<(), PatternError> {
    let mut out = Ok(());
    visit_comparisons(root, &mut |c| {
        if out.is_err() || c.operator == Operator::Exists {
            return;
        }
        let has_hashes = c
            .path
            .iter()
            .any(|s| matches!(s, PathStep::Key(k) if k == "hashes"));
        let Some(PathStep::Key(last)) = c.path.last() else {
            return;
        };
        if !has_hashes {
            return;
        }
        let algo = last.to_uppercase().replace(['-', '\''], "");
        // The reference checks the text of the whole constant, so an IN list
        // always fails; the specification has no such rule, and each member
        // is checked instead (conformance-differences.md).
        let texts: Vec<String> = match &c.value {
            Some(Constant::List(items)) => items
                .iter()
                .map(|i| match i {
                    Constant::Str(s) => s.clone(),
                    Constant::Int(n) => n.to_string(),
                    other => format!("{other:?}"),
                })
                .collect(),
            _ => vec![c.value_text.replace('\'', "")],
        };
        for value in texts {
            if out.is_ok() && hash_shape_ok(&algo, &value) == Some(false) {
                out = Err(PatternError {
                    offset: c.span.0,
                    message: format!("'{value}' is not a valid {last} hash"),
                });
            }
        }
    });
    out
}

pub(crate) fn visit_comparisons<'a>(e: &'a ObservationExpr, f: &mut dyn FnMut(&'a Comparison)) {
    fn cmp<'a>(c: &'a ComparisonExpr, f: &mut dyn FnMut(&'a Comparison)) {
        match c {
            ComparisonExpr::Comparison(c) => f(c),
            ComparisonExpr::And(v) | ComparisonExpr::Or(v) => v.iter().for_each(|c| cmp(c, f)),
        }
    }
    match e {
        ObservationExpr::Simple(c) => cmp(c, f),
        ObservationExpr::And(v) | ObservationExpr::Or(v) | ObservationExpr::FollowedBy(v) => {
            v.iter().for_each(|e| visit_comparisons(e, f))
        }
        ObservationExpr::Qualified(e, _) => visit_comparisons(e, f),
    }
}

impl Pattern {
    fn build(root: ObservationExpr) -> Pattern {
        Pattern {
            root,
            compiled: std::sync::OnceLock::new(),
        }
    }

    /// The syntax tree.
    pub fn root(&self) -> &ObservationExpr {
        &self.root
    }

    /// Every comparison in the pattern, in source order (for indexing:
    /// object type, path, operator and constant are all public).
    pub fn comparisons(&self) -> Vec<&Comparison> {
        let mut v = Vec::new();
        visit_comparisons(&self.root, &mut |c| v.push(c));
        v
    }

    /// Match against observations given as JSON: STIX 2.1 bundles (or lists
    /// of objects) whose `observed-data` refer to their SCOs with
    /// `object_refs`, or STIX 2.0-style `observed-data` with embedded
    /// `objects`. The version is detected (see [`StixVersion::detect`]).
    pub fn matches(&self, observed: &[serde_json::Value]) -> Result<MatchResult, MatchError> {
        let version = StixVersion::detect(observed);
        let set = ObservationSet::from_json(observed, version)?;
        self.matches_set(&set)
    }

    /// Match against a pre-resolved observation set (parse the observations
    /// once, match many patterns).
    pub fn matches_set(&self, set: &ObservationSet<'_>) -> Result<MatchResult, MatchError> {
        self.compiled
            .get_or_init(|| eval::Compiled::new(&self.root))
            .evaluate(&self.root, set)
    }

    /// Specification checks beyond the reference validator (see crate docs).
    pub fn lint(&self) -> Vec<Warning> {
        lint::lint(&self.root)
    }
}

// Patterns are shared across threads (server, matcher index): checked at compile time.
const _: () = {
    const fn is_send_sync<T: Send + Sync>() {}
    is_send_sync::<Pattern>();
    is_send_sync::<PatternError>();
    is_send_sync::<ObservationSet<'static>>();
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_validator_extras() {
        assert!(parse("[file:size = 1]").is_ok());
        assert!(parse("/* c */ [file:size = 1]").is_err());
        assert!(parse_syntax("/* c */ [file:size = 1]").is_ok());
        assert!(parse("[file:hashes.'SHA-256' = 'f00']").is_err());
        assert!(parse_syntax("[file:hashes.'SHA-256' = 'f00']").is_ok());
        assert!(parse("[a:b = 1] WITHIN 5 SECONDS WITHIN 6 SECONDS").is_err());
        assert!(parse("([a:b = 1]) WITHIN 5 SECONDS WITHIN 6 SECONDS").is_ok());
        assert!(parse("[a:b = 1] WITHIN 5 SECONDS REPEATS 2 TIMES").is_ok());
    }

    #[test]
    fn errors_carry_offsets() {
        let e = parse("[file:size = ]").err().unwrap();
        assert_eq!(e.offset, 13);
        assert!(
            e.message.starts_with("expected a constant"),
            "{}",
            e.message
        );
        let e = parse("[foo:bar=1] within 2 seconds").err().unwrap();
        assert_eq!(e.offset, 12);
    }
}
