//! Recursive-descent parser over the token list of [`crate::lexer`].

use crate::PatternError;
use crate::ast::{
    Comparison, ComparisonExpr, Constant, ObservationExpr, Operator, PathStep, Qualifier, Timestamp,
};
use crate::lexer::{Tok, Token, tokenize};
use crate::time::parse_timestamp;

/// Nesting limit: deeper input is rejected instead of exhausting the stack.
const MAX_DEPTH: usize = 200;

pub(crate) struct Parsed {
    pub root: ObservationExpr,
}

pub(crate) struct Parser<'s> {
    src: &'s str,
    toks: Vec<Token>,
    pos: usize,
    depth: usize,
    /// Whether to apply the reference validator's rule that a bracketed
    /// observation takes at most one qualifier of each kind.
    check_duplicate_qualifiers: bool,
}

type PResult<T> = Result<T, PatternError>;

fn err(offset: usize, message: impl Into<String>) -> PatternError {
    PatternError {
        offset,
        message: message.into(),
    }
}

pub(crate) fn unescape_string(text: &str) -> String {
    // The reference unescapes with two sequential replacements; do the same.
    let inner = text.get(1..text.len().saturating_sub(1)).unwrap_or("");
    inner.replace("\\'", "'").replace("\\\\", "\\")
}

pub(crate) fn decode_hex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    let val = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    b.chunks(2)
        .map(|p| Some(val(p[0])? << 4 | val(p[1])?))
        .collect()
}

fn b64_val(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    } as u32)
}

/// Base64 as Python's non-validating `standard_b64decode`: characters outside
/// the alphabet are skipped; the data must be padded to a multiple of four.
pub(crate) fn decode_base64_lenient(s: &str) -> Option<Vec<u8>> {
    let mut data = Vec::new();
    let mut pads = 0usize;
    for c in s.bytes() {
        if c == b'=' {
            pads += 1;
            continue;
        }
        if let Some(v) = b64_val(c) {
            if pads > 0 {
                // Python stops at complete padding; data after '=' with
                // enough padding is ignored, otherwise it continues.
                if (data.len() % 4 == 2 && pads >= 2) || (data.len() % 4 == 3 && pads >= 1) {
                    break;
                }
            }
            data.push(v);
        }
    }
    match data.len() % 4 {
        0 => {}
        1 => return None,
        2 if pads >= 2 => {}
        3 if pads >= 1 => {}
        _ => return None,
    }
    let mut out = Vec::with_capacity(data.len() * 3 / 4);
    for chunk in data.chunks(4) {
        let mut acc = 0u32;
        for (i, v) in chunk.iter().enumerate() {
            acc |= v << (18 - 6 * i);
        }
        out.push((acc >> 16) as u8);
        if chunk.len() > 2 {
            out.push((acc >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(acc as u8);
        }
    }
    Some(out)
}

#[derive(Clone, Copy, PartialEq)]
enum QualKind {
    Within,
    Repeats,
    StartStop,
}

impl<'s> Parser<'s> {
    pub(crate) fn new(src: &'s str, check_duplicate_qualifiers: bool) -> Self {
        Parser {
            src,
            toks: tokenize(src),
            pos: 0,
            depth: 0,
            check_duplicate_qualifiers,
        }
    }

    fn peek(&self) -> Token {
        self.toks.get(self.pos).copied().unwrap_or(Token {
            kind: Tok::Eof,
            start: self.src.len(),
            end: self.src.len(),
        })
    }

    fn text(&self, t: Token) -> &'s str {
        self.src.get(t.start..t.end).unwrap_or("")
    }

    fn bump(&mut self) -> Token {
        let t = self.peek();
        if self.pos < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn eat(&mut self, kind: Tok) -> bool {
        if self.peek().kind == kind {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn unexpected(&self, expected: &str) -> PatternError {
        let t = self.peek();
        if t.kind == Tok::Eof {
            err(t.start, format!("expected {expected}, found end of input"))
        } else {
            let shown: String = self.text(t).chars().take(40).collect();
            err(t.start, format!("expected {expected}, found '{shown}'"))
        }
    }

    fn expect(&mut self, kind: Tok, expected: &str) -> PResult<Token> {
        if self.peek().kind == kind {
            Ok(self.bump())
        } else {
            Err(self.unexpected(expected))
        }
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(err(
                self.peek().start,
                format!("expression nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    pub(crate) fn parse_pattern(mut self) -> PResult<Parsed> {
        let root = self.observation_expressions()?;
        if self.peek().kind != Tok::Eof {
            return Err(self.unexpected("'AND', 'OR', 'FOLLOWEDBY', a qualifier or end of input"));
        }
        Ok(Parsed { root })
    }

    fn observation_expressions(&mut self) -> PResult<ObservationExpr> {
        self.enter()?;
        let mut items = vec![self.observation_or()?];
        while self.eat(Tok::FollowedBy) {
            items.push(self.observation_or()?);
        }
        self.depth -= 1;
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            ObservationExpr::FollowedBy(items)
        })
    }

    fn observation_or(&mut self) -> PResult<ObservationExpr> {
        let mut items = vec![self.observation_and()?];
        while self.eat(Tok::Or) {
            items.push(self.observation_and()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            ObservationExpr::Or(items)
        })
    }

    fn observation_and(&mut self) -> PResult<ObservationExpr> {
        let mut items = vec![self.observation_expression()?];
        while self.eat(Tok::And) {
            items.push(self.observation_expression()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            ObservationExpr::And(items)
        })
    }

    fn observation_expression(&mut self) -> PResult<ObservationExpr> {
        let (mut expr, bracketed) = match self.peek().kind {
            Tok::LBrack => {
                self.bump();
                self.enter()?;
                let c = self.comparison_or()?;
                self.depth -= 1;
                self.expect(Tok::RBrack, "']' or 'AND'/'OR'")?;
                (ObservationExpr::Simple(c), true)
            }
            Tok::LParen => {
                self.bump();
                let e = self.observation_expressions()?;
                self.expect(Tok::RParen, "')' or 'AND'/'OR'/'FOLLOWEDBY'")?;
                (e, false)
            }
            _ => return Err(self.unexpected("'[' or '('")),
        };
        let mut seen: Vec<QualKind> = Vec::new();
        loop {
            let start = self.peek().start;
            let (q, kind) = match self.peek().kind {
                Tok::Within => {
                    self.bump();
                    let t = self.peek();
                    let v = match t.kind {
                        Tok::IntPos | Tok::FloatPos => {
                            self.bump();
                            self.text(t).parse::<f64>().unwrap_or(f64::INFINITY)
                        }
                        _ => return Err(self.unexpected("a positive number of seconds")),
                    };
                    self.expect(Tok::Seconds, "'SECONDS'")?;
                    (Qualifier::Within(v), QualKind::Within)
                }
                Tok::Repeats => {
                    self.bump();
                    let t = self.expect(Tok::IntPos, "a positive integer")?;
                    let v = self
                        .text(t)
                        .trim_start_matches('+')
                        .parse::<u64>()
                        .unwrap_or(u64::MAX);
                    self.expect(Tok::Times, "'TIMES'")?;
                    (Qualifier::Repeats(v), QualKind::Repeats)
                }
                Tok::Start => {
                    self.bump();
                    let a = self.expect(Tok::Timestamp, "a timestamp t'…'")?;
                    self.expect(Tok::Stop, "'STOP'")?;
                    let b = self.expect(Tok::Timestamp, "a timestamp t'…'")?;
                    (
                        Qualifier::StartStop(self.timestamp(a), self.timestamp(b)),
                        QualKind::StartStop,
                    )
                }
                _ => break,
            };
            if bracketed && self.check_duplicate_qualifiers {
                if seen.contains(&kind) {
                    let name = match kind {
                        QualKind::Within => "WITHIN",
                        QualKind::Repeats => "REPEATS",
                        QualKind::StartStop => "START/STOP",
                    };
                    return Err(err(
                        start,
                        format!(
                            "duplicate {name} qualifier on one observation expression; group it in parentheses"
                        ),
                    ));
                }
                seen.push(kind);
            }
            expr = ObservationExpr::Qualified(Box::new(expr), q);
        }
        Ok(expr)
    }

    fn comparison_or(&mut self) -> PResult<ComparisonExpr> {
        let mut items = vec![self.comparison_and()?];
        while self.eat(Tok::Or) {
            items.push(self.comparison_and()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            ComparisonExpr::Or(items)
        })
    }

    fn comparison_and(&mut self) -> PResult<ComparisonExpr> {
        let mut items = vec![self.prop_test()?];
        while self.eat(Tok::And) {
            items.push(self.prop_test()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            ComparisonExpr::And(items)
        })
    }

    fn prop_test(&mut self) -> PResult<ComparisonExpr> {
        let start = self.peek().start;
        match self.peek().kind {
            Tok::LParen => {
                self.bump();
                self.enter()?;
                let c = self.comparison_or()?;
                self.depth -= 1;
                self.expect(Tok::RParen, "')' or 'AND'/'OR'")?;
                return Ok(c);
            }
            Tok::Not | Tok::Exists => {
                let negated = self.eat(Tok::Not);
                self.expect(Tok::Exists, "'EXISTS'")?;
                let (object_type, path) = self.object_path()?;
                let end = self
                    .toks
                    .get(self.pos.saturating_sub(1))
                    .map_or(start, |t| t.end);
                return Ok(ComparisonExpr::Comparison(Comparison {
                    object_type,
                    path,
                    negated,
                    operator: Operator::Exists,
                    value: None,
                    span: (start, end),
                    value_text: String::new(),
                }));
            }
            Tok::Ident | Tok::IdentHyphen => {}
            _ => return Err(self.unexpected("an object path (type:property), '(' or 'EXISTS'")),
        }
        let (object_type, path) = self.object_path()?;
        let negated = self.eat(Tok::Not);
        let op_tok = self.bump();
        let operator = match op_tok.kind {
            Tok::Eq => Operator::Eq,
            Tok::Neq => Operator::Ne,
            Tok::Lt => Operator::Lt,
            Tok::Le => Operator::Le,
            Tok::Gt => Operator::Gt,
            Tok::Ge => Operator::Ge,
            Tok::In => Operator::In,
            Tok::Like => Operator::Like,
            Tok::Matches => Operator::Matches,
            Tok::IsSubset => Operator::IsSubset,
            Tok::IsSuperset => Operator::IsSuperset,
            _ => {
                self.pos -= 1;
                let what = if negated {
                    "a comparison operator ('=', '!=', '<', '<=', '>', '>=', 'IN', 'LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET')"
                } else {
                    "a comparison operator or 'NOT'"
                };
                return Err(self.unexpected(what));
            }
        };
        let (value, value_text) = match operator {
            Operator::Eq | Operator::Ne => self.literal(true)?,
            Operator::Lt | Operator::Le | Operator::Gt | Operator::Ge => self.literal(false)?,
            Operator::In => self.set_literal()?,
            _ => {
                let t = self.expect(Tok::Str, "a string constant '…'")?;
                (
                    Constant::Str(unescape_string(self.text(t))),
                    self.text(t).to_owned(),
                )
            }
        };
        let end = self
            .toks
            .get(self.pos.saturating_sub(1))
            .map_or(start, |t| t.end);
        Ok(ComparisonExpr::Comparison(Comparison {
            object_type,
            path,
            negated,
            operator,
            value: Some(value),
            span: (start, end),
            value_text,
        }))
    }

    fn object_path(&mut self) -> PResult<(String, Vec<PathStep>)> {
        let t = self.peek();
        if !matches!(t.kind, Tok::Ident | Tok::IdentHyphen) {
            return Err(self.unexpected("an object type"));
        }
        self.bump();
        let object_type = self.text(t).to_owned();
        self.expect(Tok::Colon, "':' after the object type")?;
        let mut path = Vec::new();
        let first = self.peek();
        match first.kind {
            Tok::Ident => path.push(PathStep::Key(self.text(first).to_owned())),
            Tok::Str => path.push(PathStep::Key(unescape_string(self.text(first)))),
            _ => {
                return Err(
                    self.unexpected("a property name (letters, digits, '_') or a quoted name")
                );
            }
        }
        self.bump();
        loop {
            match self.peek().kind {
                Tok::Dot => {
                    self.bump();
                    let k = self.peek();
                    match k.kind {
                        Tok::Ident => path.push(PathStep::Key(self.text(k).to_owned())),
                        Tok::Str => path.push(PathStep::Key(unescape_string(self.text(k)))),
                        _ => {
                            return Err(self.unexpected(
                                "a property name (letters, digits, '_') or a quoted name",
                            ));
                        }
                    }
                    self.bump();
                }
                Tok::LBrack => {
                    self.bump();
                    let k = self.peek();
                    match k.kind {
                        Tok::IntPos | Tok::IntNeg => {
                            let n = self
                                .text(k)
                                .trim_start_matches('+')
                                .parse::<i64>()
                                .unwrap_or(i64::MAX);
                            path.push(PathStep::Index(n));
                        }
                        Tok::Asterisk => path.push(PathStep::AnyIndex),
                        _ => return Err(self.unexpected("a list index or '*'")),
                    }
                    self.bump();
                    self.expect(Tok::RBrack, "']'")?;
                }
                _ => break,
            }
        }
        Ok((object_type, path))
    }

    fn timestamp(&self, t: Token) -> Timestamp {
        let text = self.text(t);
        let inner = text
            .get(2..text.len().saturating_sub(1))
            .unwrap_or("")
            .to_owned();
        let micros = parse_timestamp(&inner);
        Timestamp {
            text: inner,
            micros,
        }
    }

    /// A primitive (`allow_bool`) or orderable literal.
    fn literal(&mut self, allow_bool: bool) -> PResult<(Constant, String)> {
        let t = self.peek();
        let text = self.text(t);
        let c = match t.kind {
            Tok::IntPos | Tok::IntNeg => {
                let digits = text.trim_start_matches('+');
                match digits.parse::<i128>() {
                    Ok(n) => Constant::Int(n),
                    Err(_) => Constant::Float(digits.parse::<f64>().unwrap_or(f64::INFINITY)),
                }
            }
            Tok::FloatPos | Tok::FloatNeg => Constant::Float(text.parse::<f64>().unwrap_or(0.0)),
            Tok::Str => Constant::Str(unescape_string(text)),
            Tok::Bool if allow_bool => Constant::Bool(text == "true"),
            Tok::Binary => Constant::Binary(
                decode_base64_lenient(text.get(2..text.len() - 1).unwrap_or(""))
                    .unwrap_or_default(),
            ),
            Tok::Hex => Constant::Hex(
                decode_hex(text.get(2..text.len() - 1).unwrap_or("")).unwrap_or_default(),
            ),
            Tok::Timestamp => Constant::Timestamp(self.timestamp(t)),
            Tok::Ident
                if matches!(text, "t" | "h" | "b")
                    && self
                        .toks
                        .get(self.pos + 1)
                        .is_some_and(|n| n.kind == Tok::Str && n.start == t.end) =>
            {
                let what = match text {
                    "t" => {
                        "timestamp t'yyyy-MM-ddTHH:mm:ss[.s]Z' (month 01-12, day 01-31, hour 00-23, minute 00-59, second 00-60)"
                    }
                    "h" => "hex constant h'…' (an even number of hex digits)",
                    _ => "binary constant b'…' (padded base64, not empty)",
                };
                return Err(err(t.start, format!("malformed {what}")));
            }
            _ => {
                return Err(self.unexpected(if allow_bool {
                    "a constant (string, number, boolean, t'…', h'…' or b'…')"
                } else {
                    "an orderable constant (string, number, t'…', h'…' or b'…')"
                }));
            }
        };
        self.bump();
        Ok((c, text.to_owned()))
    }

    fn set_literal(&mut self) -> PResult<(Constant, String)> {
        self.expect(Tok::LParen, "'(' to open the IN list")?;
        let mut items = Vec::new();
        let mut text = String::from("(");
        if self.eat(Tok::RParen) {
            text.push(')');
            return Ok((Constant::List(items), text));
        }
        loop {
            let (c, t) = self.literal(true)?;
            items.push(c);
            text.push_str(&t);
            if self.eat(Tok::Comma) {
                text.push(',');
                continue;
            }
            self.expect(Tok::RParen, "',' or ')'")?;
            text.push(')');
            return Ok((Constant::List(items), text));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_lenient_like_python() {
        assert_eq!(
            decode_base64_lenient("YWxpY2U=").as_deref(),
            Some(&b"alice"[..])
        );
        assert_eq!(decode_base64_lenient("YWxpY2U"), None);
        assert_eq!(
            decode_base64_lenient("YW xp\nY2U=").as_deref(),
            Some(&b"alice"[..])
        );
        assert_eq!(decode_hex("616c").as_deref(), Some(&b"al"[..]));
        assert_eq!(decode_hex("6g"), None);
    }
}
