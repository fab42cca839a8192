//! A fast path for parsing one whole JSON document that is already known to be UTF-8: a
//! hand-written reader that builds the same [`Json`] value serde_json would (same strings,
//! borrowed when unescaped, same interned member names, same numbers) without the serde
//! machinery. It accepts only what it is sure of and otherwise answers `None`, and the caller
//! then parses the document with serde_json, which decides (and words every error) exactly as
//! before: any syntax error, a duplicate member, a UTF-16 surrogate escape, a number that is not
//! a plain non-negative integer of at most 19 digits and cannot be read on its own, very deep
//! nesting or a very large object all go that way.

use std::borrow::Cow;

use crate::json::{Json, Key, Map, NESTED_MAP_CAPACITY, OBJECT_MAP_CAPACITY, canonical_slot};

/// Nesting deeper than this is left to serde_json (its limit is 128).
const MAX_DEPTH: usize = 100;
/// Objects with more members are left to serde_json (its duplicate check scales; this one is a
/// linear scan).
const MAX_MEMBERS: usize = 64;

/// Parses `text` as one JSON value, or `None` when serde_json must decide.
pub(crate) fn parse(text: &str) -> Option<Json<'_>> {
    let mut p = Reader {
        s: text,
        b: text.as_bytes(),
        i: 0,
        depth: 0,
    };
    let v = p.value(OBJECT_MAP_CAPACITY)?;
    p.ws();
    (p.i == p.b.len()).then_some(v)
}

struct Reader<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    depth: usize,
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// A mask with the high bit of each byte of `w` (little-endian) that is `"`, `\` or below
/// 0x20. Borrows can also flag bytes above a flagged one, never below, so the lowest flag is
/// exact: it marks the first such byte, and the mask is zero when there is none.
fn special(w: u64) -> u64 {
    let quote = w ^ (LO * u64::from(b'"'));
    let backslash = w ^ (LO * u64::from(b'\\'));
    let has_zero = |x: u64| x.wrapping_sub(LO) & !x & HI;
    let below_space = w.wrapping_sub(LO * 0x20) & !w & HI;
    has_zero(quote) | has_zero(backslash) | below_space
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    fn value(&mut self, map_capacity: usize) -> Option<Json<'a>> {
        self.ws();
        match self.peek()? {
            b'{' => self.object(map_capacity),
            b'[' => self.array(),
            b'"' => self.string().map(Json::String),
            b't' => self.literal(b"true", Json::Bool(true)),
            b'f' => self.literal(b"false", Json::Bool(false)),
            b'n' => self.literal(b"null", Json::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn literal(&mut self, word: &[u8], v: Json<'a>) -> Option<Json<'a>> {
        if self.b.get(self.i..self.i + word.len())? != word {
            return None;
        }
        self.i += word.len();
        Some(v)
    }

    fn number(&mut self) -> Option<Json<'a>> {
        let start = self.i;
        while let Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') = self.peek() {
            self.i += 1;
        }
        let tok = self.b.get(start..self.i)?;
        // A plain non-negative integer without a leading zero fits a u64 up to 19 digits.
        if tok.len() <= 19
            && tok.iter().all(u8::is_ascii_digit)
            && (tok.len() == 1 || tok[0] != b'0')
        {
            let n = tok.iter().fold(0u64, |n, &c| n * 10 + u64::from(c - b'0'));
            return Some(Json::Number(n.into()));
        }
        // Anything else is read by serde_json on its own (the token ends where a JSON number
        // must end, so a valid document reads the same number).
        serde_json::from_str::<Json>(self.s.get(start..self.i)?)
            .ok()
            .filter(|v| matches!(v, Json::Number(_)))
    }

    fn array(&mut self) -> Option<Json<'a>> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
        } else {
            loop {
                items.push(self.value(NESTED_MAP_CAPACITY)?);
                self.ws();
                match self.peek()? {
                    b',' => self.i += 1,
                    b']' => {
                        self.i += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.depth -= 1;
        Some(Json::Array(items))
    }

    fn object(&mut self, capacity: usize) -> Option<Json<'a>> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        self.i += 1;
        let mut entries: Vec<(Key<'a>, Json<'a>)> = Vec::with_capacity(capacity);
        // Interned names seen (by slot, modulo 128), as in `json::read_map`.
        let mut slots_seen: u128 = 0;
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
        } else {
            loop {
                self.ws();
                if self.peek()? != b'"' || entries.len() >= MAX_MEMBERS {
                    return None;
                }
                let raw = self.string()?;
                let (key, slot) = match canonical_slot(&raw) {
                    Some((i, k)) => (Cow::Borrowed(k), Some(i)),
                    None => (raw, None),
                };
                let maybe_seen = match slot {
                    Some(i) => {
                        let bit = 1u128 << (i % 128);
                        let hit = slots_seen & bit != 0;
                        slots_seen |= bit;
                        hit
                    }
                    None => true,
                };
                if maybe_seen && entries.iter().any(|(k, _)| *k == key) {
                    return None;
                }
                self.ws();
                if self.peek()? != b':' {
                    return None;
                }
                self.i += 1;
                let v = self.value(NESTED_MAP_CAPACITY)?;
                entries.push((key, v));
                self.ws();
                match self.peek()? {
                    b',' => self.i += 1,
                    b'}' => {
                        self.i += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.depth -= 1;
        Some(Json::Object(Map::from_entries(entries)))
    }

    /// A string starting at the opening quote: borrowed when it has no escape, else owned.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.i += 1;
        let start = self.i;
        self.skip_plain();
        match self.peek()? {
            b'"' => {
                let s = self.s.get(start..self.i)?;
                self.i += 1;
                Some(Cow::Borrowed(s))
            }
            b'\\' => self.escaped(start),
            // A control character inside a string.
            _ => None,
        }
    }

    /// The rest of a string from its first backslash (at `self.i`), `start` being where its
    /// text began.
    #[cold]
    #[inline(never)]
    fn escaped(&mut self, start: usize) -> Option<Cow<'a, str>> {
        let mut out = String::from(self.s.get(start..self.i)?);
        {
            loop {
                match self.peek()? {
                    b'"' => {
                        self.i += 1;
                        return Some(Cow::Owned(out));
                    }
                    b'\\' => {
                        let c = match *self.b.get(self.i + 1)? {
                            b'"' => '"',
                            b'\\' => '\\',
                            b'/' => '/',
                            b'b' => '\u{8}',
                            b'f' => '\u{c}',
                            b'n' => '\n',
                            b'r' => '\r',
                            b't' => '\t',
                            b'u' => {
                                let hex = self.s.get(self.i + 2..self.i + 6)?;
                                if !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
                                    return None;
                                }
                                let code = u32::from_str_radix(hex, 16).ok()?;
                                self.i += 4;
                                // Surrogates (pairs or lone) are left to serde_json.
                                char::from_u32(code)?
                            }
                            _ => return None,
                        };
                        out.push(c);
                        self.i += 2;
                    }
                    _ => {
                        let from = self.i;
                        self.skip_plain();
                        if self.i == from {
                            // A control character: an error for serde_json to report.
                            return None;
                        }
                        out.push_str(self.s.get(from..self.i)?);
                    }
                }
            }
        }
    }

    /// Advances over bytes that need no attention inside a string (8 at a time while it can).
    fn skip_plain(&mut self) {
        while let Some(w) = self.b.get(self.i..).and_then(<[u8]>::first_chunk::<8>) {
            let m = special(u64::from_le_bytes(*w));
            if m != 0 {
                self.i += (m.trailing_zeros() / 8) as usize;
                return;
            }
            self.i += 8;
        }
        while let Some(c) = self.peek() {
            if c == b'"' || c == b'\\' || c < 0x20 {
                break;
            }
            self.i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What serde_json alone makes of `text` (the behaviour the fast path must not change).
    fn by_serde(text: &str) -> Result<Json<'_>, crate::ParseError> {
        serde_json::from_slice::<Json>(text.as_bytes())
            .map_err(|e| crate::ParseError::from_json(&e))
    }

    fn same_as_serde(text: &str) {
        let fast = parse(text);
        if let Some(v) = &fast {
            assert_eq!(Ok(v), by_serde(text).as_ref(), "{text:?}");
        }
        assert_eq!(
            crate::parse_json(text.as_bytes()),
            by_serde(text),
            "{text:?}"
        );
    }

    #[test]
    fn agrees_with_serde_json_on_edge_cases() {
        let deep_ok = format!("{}1{}", "[".repeat(120), "]".repeat(120));
        let deep_bad = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        let wide: String = (0..100).map(|i| format!("\"k{i}\":{i},")).collect();
        let wide = format!("{{{}\"type\":1}}", wide);
        let wide_dup = wide.replace("\"k99\"", "\"k3\"");
        let cases = [
            "",
            " ",
            "{}",
            "[]",
            "{ }",
            "[ ]",
            " {\"a\" : [ 1 , 2 ] } \n",
            "null",
            "true",
            "false",
            "tru",
            "nul",
            "truex",
            "[true,false,null]",
            "\"x\"",
            "\"\"",
            "{\"\":1}",
            r#"{"a":"\"\\\/\b\f\n\r\t"}"#,
            r#"{"a":"\u0041\u00e9\u4e2d\u0000"}"#,
            r#"{"a":"\ud83d\ude00"}"#,
            r#"{"a":"\ud83d"}"#,
            r#"{"a":"\ude00x"}"#,
            r#"{"a":"\u12"}"#,
            r#"{"a":"\u12g4"}"#,
            r#"{"a":"\x"}"#,
            "{\"a\":\"\u{1}\"}",
            "{\"a\":\"tab\there\"}",
            "{\"a\":\"é中😀\"}",
            r#"{"typ\u0065":"x","type":"y"}"#,
            r#"{"type":1,"type":2}"#,
            r#"{"x_a":1,"x_a":2}"#,
            r#"{"a":1,}"#,
            r#"[1,]"#,
            r#"{"a" 1}"#,
            r#"{a:1}"#,
            "[1 2]",
            "{\"a\":1}x",
            "{\"a\":1} {}",
            "0",
            "-0",
            "01",
            "-01",
            "1.5",
            "1.",
            ".5",
            "1e5",
            "1E+5",
            "1e-5",
            "1e",
            "-",
            "--1",
            "+1",
            "-12",
            "123456789012345678",
            "9999999999999999999",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "1.7976931348623157e309",
            "0.1",
            "[0,-0.0,2.50,1e400]",
            &deep_ok,
            &deep_bad,
            &wide,
            &wide_dup,
            r#"{"type":"indicator","spec_version":"2.1","x":{"hashes":{"SHA-256":"ab"}},"labels":["a","b"],"confidence":73}"#,
        ];
        for c in cases {
            same_as_serde(c);
        }
        // The common shapes take the fast path.
        let nested = format!("{}1{}", "[".repeat(90), "]".repeat(90));
        let members: String = (0..60).map(|i| format!("\"k{i}\":{i},")).collect();
        let members = format!("{{{members}\"type\":1}}");
        for c in [
            r#"{"a":"\n","b":[1,{"c":null}],"d":-1.5}"#,
            &nested,
            &members,
        ] {
            assert!(parse(c).is_some(), "{c}");
        }
    }

    #[test]
    fn special_bytes_found_at_every_offset() {
        for at in 0..20 {
            for c in ['"', '\\', '\u{1}', '\u{1f}'] {
                let mut body: String = "a ~\u{7f}é".chars().cycle().take(20).collect();
                body.replace_range(
                    body.char_indices().nth(at).map_or(body.len(), |(i, _)| i)..,
                    "",
                );
                let text = format!("\"{body}{c}rest\"");
                same_as_serde(&text);
            }
        }
    }

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<i64>().prop_map(|n| n.into()),
            any::<u64>().prop_map(|n| n.into()),
            any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
                .map_or(serde_json::Value::Null, serde_json::Value::Number)),
            "\\PC{0,12}".prop_map(serde_json::Value::String),
            "[a-z_\"\\\\\u{0}-\u{1f}é😀]{0,10}".prop_map(serde_json::Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
                prop::collection::vec(("(type|id|name|[a-z_]{1,6}|x\\\\y)", inner), 0..6)
                    .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn generated_documents_parse_like_serde_json(v in json_value(), cut in 0usize..400, pos in 0usize..400, byte in prop::sample::select(vec![b'"', b'\\', b',', b'}', b']', b'1', b' ', b'e', b'-', b':'])) {
            let text = v.to_string();
            same_as_serde(&text);
            prop_assert!(parse(&text).is_some() || text.contains("\\ud") || text.contains('.') || text.contains('e'), "{}", text);
            let pretty = serde_json::to_string_pretty(&v).unwrap();
            same_as_serde(&pretty);
            // Broken variants: cut short, or one byte replaced (when that stays UTF-8).
            if let Some(t) = text.get(..cut.min(text.len())) {
                same_as_serde(t);
            }
            let mut b = text.clone().into_bytes();
            if !b.is_empty() {
                let p = pos % b.len();
                b[p] = byte;
                if let Ok(t) = String::from_utf8(b) {
                    same_as_serde(&t);
                }
            }
        }
    }
}
