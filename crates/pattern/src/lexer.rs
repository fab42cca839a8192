//! Tokeniser: longest match wins, ties go to the rule listed first (the
//! order of [`Tok`]), exactly as the reference grammar's lexer decides.

/// Token kinds, in priority order for equal-length matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    IntNeg,
    IntPos,
    FloatNeg,
    FloatPos,
    Hex,
    Binary,
    Str,
    Bool,
    Timestamp,
    And,
    Or,
    Not,
    FollowedBy,
    Like,
    Matches,
    IsSuperset,
    IsSubset,
    Exists,
    Last,
    In,
    Start,
    Stop,
    Seconds,
    Within,
    Repeats,
    Times,
    Ident,
    IdentHyphen,
    Eq,
    Neq,
    Lt,
    Le,
    Gt,
    Ge,
    Quote,
    Colon,
    Dot,
    Comma,
    RParen,
    LParen,
    RBrack,
    LBrack,
    Plus,
    Hyphen,
    Power,
    Divide,
    Asterisk,
    Invalid,
    Eof,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Token {
    pub kind: Tok,
    pub start: usize,
    pub end: usize,
}

const KEYWORDS: [(&str, Tok); 18] = [
    ("AND", Tok::And),
    ("OR", Tok::Or),
    ("NOT", Tok::Not),
    ("FOLLOWEDBY", Tok::FollowedBy),
    ("LIKE", Tok::Like),
    ("MATCHES", Tok::Matches),
    ("ISSUPERSET", Tok::IsSuperset),
    ("ISSUBSET", Tok::IsSubset),
    ("EXISTS", Tok::Exists),
    ("LAST", Tok::Last),
    ("IN", Tok::In),
    ("START", Tok::Start),
    ("STOP", Tok::Stop),
    ("SECONDS", Tok::Seconds),
    ("WITHIN", Tok::Within),
    ("REPEATS", Tok::Repeats),
    ("TIMES", Tok::Times),
    ("true", Tok::Bool),
];

/// The grammar's whitespace set.
fn is_ws(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '\r'
            | '\n'
            | '\u{0B}'
            | '\u{0C}'
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'
            ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}'
    )
}

fn digits(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    i
}

/// `'0' | [1-9][0-9]*` at `i`: the end, if any.
fn unsigned_int(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i) {
        Some(b'0') => Some(i + 1),
        Some(c) if c.is_ascii_digit() => Some(digits(b, i)),
        _ => None,
    }
}

/// `[0-9]* '.' [0-9]+` at `i`.
fn unsigned_float(b: &[u8], i: usize) -> Option<usize> {
    let j = digits(b, i);
    if b.get(j) != Some(&b'.') {
        return None;
    }
    let k = digits(b, j + 1);
    (k > j + 1).then_some(k)
}

fn is_b64(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'+' || c == b'/'
}

fn two_digits(b: &[u8], i: usize, first: impl Fn(u8) -> bool, second: impl Fn(u8) -> bool) -> bool {
    matches!((b.get(i), b.get(i + 1)), (Some(&x), Some(&y)) if first(x) && second(y))
}

/// The strict timestamp literal shape of the grammar, after `t'`.
fn timestamp_end(b: &[u8], i: usize) -> Option<usize> {
    let d = |c: u8| c.is_ascii_digit();
    let mut p = i;
    for _ in 0..4 {
        if !b.get(p).is_some_and(|c| c.is_ascii_digit()) {
            return None;
        }
        p += 1;
    }
    let lit = |p: usize, c: u8| b.get(p) == Some(&c);
    if !lit(p, b'-') {
        return None;
    }
    p += 1;
    let month = two_digits(b, p, |x| x == b'0', |y| (b'1'..=b'9').contains(&y))
        || two_digits(b, p, |x| x == b'1', |y| (b'0'..=b'2').contains(&y));
    if !month || !lit(p + 2, b'-') {
        return None;
    }
    p += 3;
    let day = two_digits(b, p, |x| x == b'0', |y| (b'1'..=b'9').contains(&y))
        || two_digits(b, p, |x| x == b'1' || x == b'2', d)
        || two_digits(b, p, |x| x == b'3', |y| y == b'0' || y == b'1');
    if !day || !lit(p + 2, b'T') {
        return None;
    }
    p += 3;
    let hour = two_digits(b, p, |x| x == b'0' || x == b'1', d)
        || two_digits(b, p, |x| x == b'2', |y| (b'0'..=b'3').contains(&y));
    if !hour || !lit(p + 2, b':') {
        return None;
    }
    p += 3;
    if !two_digits(b, p, |x| (b'0'..=b'5').contains(&x), d) || !lit(p + 2, b':') {
        return None;
    }
    p += 3;
    let sec = two_digits(b, p, |x| (b'0'..=b'5').contains(&x), d)
        || two_digits(b, p, |x| x == b'6', |y| y == b'0');
    if !sec {
        return None;
    }
    p += 2;
    if lit(p, b'.') {
        let q = digits(b, p + 1);
        if q == p + 1 {
            return None;
        }
        p = q;
    }
    if !lit(p, b'Z') || !lit(p + 1, b'\'') {
        return None;
    }
    Some(p + 2)
}

/// String literal body after the opening quote at `i - 1`.
fn string_end(b: &[u8], mut i: usize) -> Option<usize> {
    loop {
        match b.get(i)? {
            b'\'' => return Some(i + 1),
            b'\\' => match b.get(i + 1)? {
                b'\'' | b'\\' => i += 2,
                _ => return None,
            },
            _ => i += 1,
        }
    }
}

fn ident_end(b: &[u8], i: usize, hyphen: bool) -> Option<usize> {
    let first = *b.get(i)?;
    if !(first.is_ascii_alphabetic() || first == b'_') {
        return None;
    }
    let mut j = i + 1;
    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || (hyphen && b[j] == b'-'))
    {
        j += 1;
    }
    Some(j)
}

/// Tokenise the whole input. Whitespace and comments are dropped; the list
/// always ends with an [`Tok::Eof`] token. Never fails: characters no rule
/// accepts become [`Tok::Invalid`] tokens, as in the reference lexer.
pub(crate) fn tokenize(src: &str) -> Vec<Token> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let Some(c) = src[i..].chars().next() else {
            break;
        };
        if is_ws(c) {
            i += c.len_utf8();
            continue;
        }
        // Comments.
        if b[i] == b'/'
            && b.get(i + 1) == Some(&b'*')
            && let Some(rel) = src[i + 2..].find("*/")
        {
            i = i + 2 + rel + 2;
            continue;
        }
        if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            let mut j = i + 2;
            while j < b.len() && b[j] != b'\r' && b[j] != b'\n' {
                j += 1;
            }
            i = j;
            continue;
        }
        let mut best: Option<(usize, Tok)> = None;
        let mut offer = |end: Option<usize>, kind: Tok| {
            if let Some(end) = end {
                // Strictly longer wins; equal length keeps the earlier rule.
                if best.is_none_or(|(e, _)| end > e) {
                    best = Some((end, kind));
                }
            }
        };
        let at = |p: usize, ch: u8| b.get(p) == Some(&ch);
        // Number literals.
        if at(i, b'-') {
            offer(unsigned_int(b, i + 1), Tok::IntNeg);
        }
        let sign = usize::from(at(i, b'+'));
        offer(unsigned_int(b, i + sign), Tok::IntPos);
        if at(i, b'-') {
            offer(unsigned_float(b, i + 1), Tok::FloatNeg);
        }
        offer(unsigned_float(b, i + sign), Tok::FloatPos);
        // Hex and binary.
        if at(i, b'h') && at(i + 1, b'\'') {
            let mut j = i + 2;
            while j < b.len() && b[j].is_ascii_hexdigit() {
                j += 1;
            }
            if (j - i - 2) % 2 == 0 && at(j, b'\'') {
                offer(Some(j + 1), Tok::Hex);
            }
        }
        if at(i, b'b') && at(i + 1, b'\'') {
            let mut j = i + 2;
            while j < b.len() && is_b64(b[j]) {
                j += 1;
            }
            let n = j - i - 2;
            let end = match n % 4 {
                0 if n >= 4 && at(j, b'\'') => Some(j + 1),
                3 if at(j, b'=') && at(j + 1, b'\'') => Some(j + 2),
                2 if at(j, b'=') && at(j + 1, b'=') && at(j + 2, b'\'') => Some(j + 3),
                _ => None,
            };
            offer(end, Tok::Binary);
        }
        if at(i, b'\'') {
            offer(string_end(b, i + 1), Tok::Str);
        }
        if at(i, b't') && at(i + 1, b'\'') {
            offer(timestamp_end(b, i + 2), Tok::Timestamp);
        }
        // Keywords and booleans are identifiers of exactly their length, so
        // the keyword wins only when the identifier is not longer.
        if let Some(end) = ident_end(b, i, false) {
            let word = &src[i..end];
            let kind = match word {
                "true" | "false" => Some(Tok::Bool),
                _ => KEYWORDS.iter().find(|(kw, _)| *kw == word).map(|(_, k)| *k),
            };
            if let Some(kind) = kind {
                offer(Some(end), kind);
            }
        }
        offer(ident_end(b, i, false), Tok::Ident);
        offer(ident_end(b, i, true), Tok::IdentHyphen);
        let (op_end, op) = match (b[i], b.get(i + 1)) {
            (b'=', Some(b'=')) => (2, Tok::Eq),
            (b'=', _) => (1, Tok::Eq),
            (b'!', Some(b'=')) => (2, Tok::Neq),
            (b'<', Some(b'>')) => (2, Tok::Neq),
            (b'<', Some(b'=')) => (2, Tok::Le),
            (b'<', _) => (1, Tok::Lt),
            (b'>', Some(b'=')) => (2, Tok::Ge),
            (b'>', _) => (1, Tok::Gt),
            (b'\'', _) => (1, Tok::Quote),
            (b':', _) => (1, Tok::Colon),
            (b'.', _) => (1, Tok::Dot),
            (b',', _) => (1, Tok::Comma),
            (b')', _) => (1, Tok::RParen),
            (b'(', _) => (1, Tok::LParen),
            (b']', _) => (1, Tok::RBrack),
            (b'[', _) => (1, Tok::LBrack),
            (b'+', _) => (1, Tok::Plus),
            (b'-', _) => (1, Tok::Hyphen),
            (b'^', _) => (1, Tok::Power),
            (b'/', _) => (1, Tok::Divide),
            (b'*', _) => (1, Tok::Asterisk),
            _ => (0, Tok::Invalid),
        };
        if op_end > 0 {
            offer(Some(i + op_end), op);
        }
        offer(Some(i + c.len_utf8()), Tok::Invalid);
        let (end, kind) = best.unwrap_or((i + c.len_utf8(), Tok::Invalid));
        out.push(Token {
            kind,
            start: i,
            end,
        });
        i = end;
    }
    out.push(Token {
        kind: Tok::Eof,
        start: b.len(),
        end: b.len(),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<Tok> {
        tokenize(s).into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn longest_match_and_priority() {
        assert_eq!(
            kinds("AND ANDx true t'2024-01-01T00:00:00Z'"),
            vec![Tok::And, Tok::Ident, Tok::Bool, Tok::Timestamp, Tok::Eof]
        );
        assert_eq!(
            kinds("t'2024-13-01T00:00:00Z'"),
            vec![Tok::Ident, Tok::Str, Tok::Eof]
        );
        assert_eq!(
            kinds("-5 +5 0123 .5 -.5 <> <= =="),
            vec![
                Tok::IntNeg,
                Tok::IntPos,
                Tok::IntPos,
                Tok::IntPos,
                Tok::FloatPos,
                Tok::FloatNeg,
                Tok::Neq,
                Tok::Le,
                Tok::Eq,
                Tok::Eof
            ]
        );
        assert_eq!(
            kinds("b'YWI=' b'====' h'ffd' h'ff'"),
            vec![
                Tok::Binary,
                Tok::Ident,
                Tok::Str,
                Tok::Ident,
                Tok::Str,
                Tok::Hex,
                Tok::Eof
            ]
        );
        assert_eq!(
            kinds("x-usb /* c */ a // x\n b"),
            vec![Tok::IdentHyphen, Tok::Ident, Tok::Ident, Tok::Eof]
        );
        assert_eq!(
            kinds("'a\\'b' 'a\\n'"),
            vec![
                Tok::Str,
                Tok::Quote,
                Tok::Ident,
                Tok::Invalid,
                Tok::Ident,
                Tok::Quote,
                Tok::Eof
            ]
        );
    }
}
