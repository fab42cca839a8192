//! The loaded lists, compiled for lookup: exact strings and host names in one sorted table each
//! (entry → the lists that hold it; the keys in one text arena, ≈ 30 bytes an entry for the
//! 2.4 million of MISP's lists, found by binary search), one Aho–Corasick automaton per substring list, merged
//! sorted address ranges per CIDR list (binary search), one regex set per regex list (a set per
//! entry when they do not fit in one: a list keeps every entry that builds).

use std::net::IpAddr;

use aho_corasick::AhoCorasick;
use regex::RegexSet;
use simpul_observable::{Canonical, ObservableType};

use super::{Kind, ListFile, ListInfo, Listed, applies_to};

/// Every loaded list, ready to be asked whether a value is on one. Empty by default (no lists
/// configured): then nothing is listed.
#[derive(Debug, Default)]
pub struct Warninglists {
    info: Vec<ListInfo>,
    strings: Keys,
    hostnames: Keys,
    substrings: Vec<(u32, AhoCorasick)>,
    cidrs: Vec<(u32, Ranges)>,
    regexes: Vec<(u32, RegexSet)>,
}

/// Entries of several lists, sorted: `spans[i]` is a key's place in `text` and the lists that
/// hold it — one list id, or (high bit set) an index into `shared` for a key several lists hold.
#[derive(Debug, Default)]
struct Keys {
    text: String,
    spans: Vec<(u32, u32, u32)>,
    shared: Vec<Vec<u32>>,
}

const SHARED: u32 = 1 << 31;

impl Keys {
    /// Compiles `(key, list)` pairs (in any order, repeats allowed).
    fn build(mut pairs: Vec<(Box<str>, u32)>) -> Self {
        pairs.sort_unstable();
        pairs.dedup();
        let mut k = Self::default();
        let mut i = 0;
        while i < pairs.len() {
            let key = &pairs[i].0;
            let mut j = i + 1;
            while j < pairs.len() && pairs[j].0 == *key {
                j += 1;
            }
            let (Ok(start), Ok(len), Ok(shared)) = (
                u32::try_from(k.text.len()),
                u32::try_from(key.len()),
                u32::try_from(k.shared.len()),
            ) else {
                break;
            };
            let ids = if j - i == 1 {
                pairs[i].1
            } else {
                k.shared
                    .push(pairs[i..j].iter().map(|(_, id)| *id).collect());
                shared | SHARED
            };
            k.text.push_str(key);
            k.spans.push((start, len, ids));
            i = j;
        }
        k
    }

    fn key(&self, &(start, len, _): &(u32, u32, u32)) -> &str {
        &self.text[start as usize..(start + len) as usize]
    }

    /// The lists that hold `key`.
    fn get(&self, key: &str) -> &[u32] {
        let Ok(i) = self.spans.binary_search_by(|s| self.key(s).cmp(key)) else {
            return &[];
        };
        let ids = &self.spans[i].2;
        if ids & SHARED == 0 {
            std::slice::from_ref(ids)
        } else {
            self.shared
                .get((ids & !SHARED) as usize)
                .map_or(&[], Vec::as_slice)
        }
    }
}

/// A CIDR list's blocks as merged, sorted, inclusive ranges per address family.
#[derive(Debug, Default)]
struct Ranges {
    v4: Vec<(u128, u128)>,
    v6: Vec<(u128, u128)>,
}

impl Ranges {
    fn contains(&self, (v6, start, end): (bool, u128, u128)) -> bool {
        let ranges = if v6 { &self.v6 } else { &self.v4 };
        // The last range starting at or before `start`.
        let i = ranges.partition_point(|(s, _)| *s <= start);
        i > 0 && ranges[i - 1].1 >= end
    }
}

impl Warninglists {
    /// The lists loaded, in load order.
    pub fn lists(&self) -> &[ListInfo] {
        &self.info
    }

    /// The lists `value` is on (each once, in load order), among those that apply to its type.
    pub fn check(&self, value: &Canonical) -> Vec<Listed> {
        let ty = value.ty();
        let key = value.key();
        let mut on: Vec<u32> = Vec::new();
        // Entries are lower-cased; some canonical keys are not (IBANs, BICs, TLSH).
        let lower = key.to_lowercase();
        on.extend(self.strings.get(key));
        if lower != key {
            on.extend(self.strings.get(&lower));
        }
        if let Some(host) = value.host() {
            let host = host.trim_end_matches('.');
            for suffix in std::iter::successors(Some(host), |h| h.split_once('.').map(|(_, r)| r)) {
                on.extend(self.hostnames.get(suffix));
            }
        }
        for (id, ac) in &self.substrings {
            if ac.is_match(&lower) {
                on.push(*id);
            }
        }
        if let Some(block) = address_block(value) {
            for (id, ranges) in &self.cidrs {
                if ranges.contains(block) {
                    on.push(*id);
                }
            }
        }
        for (id, set) in &self.regexes {
            if set.is_match(key) {
                on.push(*id);
            }
        }
        on.sort_unstable();
        on.dedup();
        on.into_iter()
            .filter_map(|id| self.info.get(id as usize))
            .filter(|l| applies_to(&l.matching_attributes, ty))
            .map(|l| Listed {
                name: l.name.clone(),
                kind: l.kind,
            })
            .collect()
    }
}

/// The addresses a value stands for, as (IPv6?, first, last): an address, a block, or a URL's
/// address host.
fn address_block(value: &Canonical) -> Option<(bool, u128, u128)> {
    let text = match value.ty() {
        ObservableType::Ipv4
        | ObservableType::Ipv6
        | ObservableType::Ipv4Cidr
        | ObservableType::Ipv6Cidr => value.key(),
        ObservableType::Url => value.host()?.trim_start_matches('[').trim_end_matches(']'),
        _ => return None,
    };
    parse_block(text)
}

/// `a.b.c.d`, `a.b.c.d/n`, an IPv6 address or block, as (IPv6?, first, last).
fn parse_block(text: &str) -> Option<(bool, u128, u128)> {
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p.parse::<u32>().ok()?)),
        None => (text, None),
    };
    let (v6, bits, n) = match addr.trim().parse::<IpAddr>().ok()? {
        IpAddr::V4(a) => (false, 32, u128::from(u32::from(a))),
        IpAddr::V6(a) => match a.to_ipv4_mapped() {
            Some(v4) => (false, 32, u128::from(u32::from(v4))),
            None => (true, 128, u128::from(a)),
        },
    };
    let prefix = prefix.unwrap_or(bits);
    if prefix > bits {
        return None;
    }
    let host_bits = bits - prefix;
    let mask = if host_bits == 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    Some((v6, n & !mask, n | mask))
}

/// The first line of a regex error (the regex crate draws the place on the lines after it).
fn first_line(why: &str) -> String {
    why.lines()
        .map(str::trim)
        .rfind(|l| l.starts_with("error:"))
        .or_else(|| why.lines().next())
        .unwrap_or_default()
        .to_owned()
}

/// A MISP regex entry (`/expression/flags`, or a bare expression) in the `regex` crate's
/// syntax: flag `i` is case-insensitivity; `g` means nothing for a yes/no match.
fn regex_of(entry: &str) -> String {
    let e = entry.trim();
    if let Some(body) = e.strip_prefix('/')
        && let Some(end) = body.rfind('/')
    {
        let (expr, flags) = (&body[..end], &body[end + 1..]);
        let expr = expr.replace("\\@", "@").replace("\\/", "/");
        return if flags.contains('i') {
            format!("(?i){expr}")
        } else {
            expr
        };
    }
    e.to_owned()
}

/// An exact or host-name entry as compared: trimmed, lower-case, without the dots a zone file
/// or a wildcard list puts around it.
fn entry_key(entry: &str) -> Option<Box<str>> {
    let e = entry
        .trim()
        .trim_start_matches("*.")
        .trim_start_matches('.')
        .trim_end_matches('.')
        .to_lowercase();
    (!e.is_empty()).then(|| e.into())
}

/// Collects lists, then compiles them.
#[derive(Debug, Default)]
pub(super) struct Builder {
    lists: Warninglists,
    strings: Vec<(Box<str>, u32)>,
    hostnames: Vec<(Box<str>, u32)>,
}

impl Builder {
    /// Adds a list; answers how many of its entries could not be read (left out), and the
    /// entries left out with a reason of their own (a regex that does not build) with it.
    pub(super) fn add(&mut self, file: ListFile, kind: Kind) -> (usize, Vec<(String, String)>) {
        let l = &mut self.lists;
        let Some(id) = u32::try_from(l.info.len()).ok().filter(|id| *id < SHARED) else {
            return (file.list.len(), Vec::new());
        };
        let total = file.list.len();
        let mut bad: Vec<(String, String)> = Vec::new();
        let mut loaded = 0;
        match kind {
            Kind::String | Kind::Hostname => {
                let pairs = if kind == Kind::String {
                    &mut self.strings
                } else {
                    &mut self.hostnames
                };
                for key in file.list.iter().filter_map(|e| entry_key(e)) {
                    pairs.push((key, id));
                    loaded += 1;
                }
            }
            Kind::Substring => {
                let needles: Vec<String> = file
                    .list
                    .iter()
                    .map(|e| e.trim().to_lowercase())
                    .filter(|e| !e.is_empty())
                    .collect();
                if let Ok(ac) = AhoCorasick::new(&needles) {
                    loaded = needles.len();
                    l.substrings.push((id, ac));
                }
            }
            Kind::Cidr => {
                let mut ranges = Ranges::default();
                for (v6, s, e) in file.list.iter().filter_map(|e| parse_block(e)) {
                    if v6 { &mut ranges.v6 } else { &mut ranges.v4 }.push((s, e));
                    loaded += 1;
                }
                merge(&mut ranges.v4);
                merge(&mut ranges.v6);
                l.cidrs.push((id, ranges));
            }
            Kind::Regex => {
                let mut good: Vec<String> = Vec::with_capacity(total);
                for e in &file.list {
                    let r = regex_of(e);
                    match regex::Regex::new(&r) {
                        Ok(_) => good.push(r),
                        Err(why) => bad.push((e.clone(), first_line(&why.to_string()))),
                    }
                }
                match RegexSet::new(&good) {
                    Ok(set) => {
                        loaded = good.len();
                        l.regexes.push((id, set));
                    }
                    // Each entry builds but not all of them together (the set's size limit): one
                    // set per entry, so the list keeps every entry that builds.
                    Err(_) => {
                        for r in good {
                            match RegexSet::new([&r]) {
                                Ok(set) => {
                                    loaded += 1;
                                    l.regexes.push((id, set));
                                }
                                Err(why) => bad.push((r, first_line(&why.to_string()))),
                            }
                        }
                    }
                }
            }
        }
        l.info.push(ListInfo {
            name: file.name,
            description: file.description,
            version: file.version,
            kind,
            matching_attributes: file.matching_attributes,
            entries: loaded,
        });
        (total - loaded, bad)
    }

    pub(super) fn build(self) -> Warninglists {
        Warninglists {
            strings: Keys::build(self.strings),
            hostnames: Keys::build(self.hostnames),
            ..self.lists
        }
    }
}

/// Sorts and merges overlapping or adjacent ranges.
fn merge(ranges: &mut Vec<(u128, u128)>) {
    ranges.sort_unstable();
    let mut out: Vec<(u128, u128)> = Vec::with_capacity(ranges.len());
    for &(s, e) in ranges.iter() {
        match out.last_mut() {
            Some(last) if s <= last.1.saturating_add(1) => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    *ranges = out;
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn blocks_are_parsed_and_merged() {
        assert_eq!(
            parse_block("10.0.0.0/8"),
            Some((false, 0x0a00_0000, 0x0aff_ffff))
        );
        assert_eq!(
            parse_block("1.2.3.4"),
            Some((false, 0x0102_0304, 0x0102_0304))
        );
        assert_eq!(
            parse_block("::ffff:1.2.3.4"),
            Some((false, 0x0102_0304, 0x0102_0304))
        );
        assert_eq!(parse_block("::/0"), Some((true, 0, u128::MAX)));
        assert_eq!(parse_block("1.2.3.4/33"), None);
        assert_eq!(parse_block("example.com"), None);
        let mut r = vec![(5, 9), (1, 3), (4, 4), (20, 30), (25, 26)];
        merge(&mut r);
        assert_eq!(r, vec![(1, 9), (20, 30)]);
    }

    #[test]
    fn keys_find_every_list_that_holds_them() {
        let k = Keys::build(vec![
            ("b".into(), 2),
            ("a".into(), 1),
            ("b".into(), 0),
            ("b".into(), 2),
            ("c".into(), 7),
        ]);
        assert_eq!(k.get("a"), &[1]);
        assert_eq!(k.get("b"), &[0, 2]);
        assert_eq!(k.get("c"), &[7]);
        assert!(k.get("").is_empty());
        assert!(k.get("d").is_empty());
        assert!(Keys::default().get("a").is_empty());
    }

    #[test]
    fn regex_entries_are_read_as_misp_writes_them() {
        assert_eq!(regex_of("/^(abuse)\\@.*$/i"), "(?i)^(abuse)@.*$");
        assert_eq!(regex_of("/55501([0-9]{2})/g"), "55501([0-9]{2})");
        assert_eq!(regex_of("plain.*"), "plain.*");
    }
}
