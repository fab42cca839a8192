//! The writers of each export format: a header, one record per value (or per object for STIX),
//! a footer. Every text written comes from canonical keys (lower-case IDNA names, canonical
//! addresses, URLs as normalised) or is escaped for its format; names and ids never break a
//! line, a field or a rule.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::net::IpAddr;

use simpul_observable::ObservableType as T;
use time::OffsetDateTime;

use super::{Format, Item, SID_RANGE, Value};
use crate::intel::store::StoredObject;

/// What a writer carries between records: Suricata `sid`s used, and whether a STIX object was
/// written (commas).
#[derive(Debug)]
pub(super) struct State {
    sid_base: u32,
    sids: HashSet<u32>,
    objects: u64,
}

impl State {
    pub(super) fn new(sid_base: u32) -> Self {
        Self {
            sid_base,
            sids: HashSet::new(),
            objects: 0,
        }
    }

    pub(super) fn header(&mut self, format: Format, now: OffsetDateTime, out: &mut Vec<u8>) {
        let at = crate::clock::rfc3339_micros(now);
        let s = match format {
            Format::Text => format!("# simpul export, {at}\n"),
            Format::Csv => "indicator_id,type,value,tlp,pap,collection,valid_until,name\n".into(),
            Format::Rpz => {
                // The serial is the export's time, so a later export is a newer zone.
                let serial = now.unix_timestamp().clamp(1, i64::from(u32::MAX));
                format!(
                    "; simpul export, {at}\n$TTL 300\n@ SOA localhost. hostmaster.localhost. \
                     {serial} 3600 600 86400 300\n@ NS localhost.\n"
                )
            }
            Format::Suricata => format!("# simpul export, {at}\n"),
            // The header Zeek writes its own logs with, which its input framework (and log
            // readers) take.
            Format::Zeek => format!(
                "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n\
                 #path\tintel\n#open\t{at}\n\
                 #fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\n\
                 #types\tstring\tenum\tstring\tstring\n"
            ),
            // The MISP export writes its own (`misp.rs`).
            Format::Misp => String::new(),
            Format::Stix => format!(
                "{{\"type\":\"bundle\",\"id\":\"bundle--{}\",\"objects\":[",
                uuid::Uuid::new_v4()
            ),
        };
        out.extend_from_slice(s.as_bytes());
    }

    pub(super) fn footer(&mut self, format: Format, out: &mut Vec<u8>) {
        if format == Format::Stix {
            out.extend_from_slice(b"]}\n");
        }
    }

    /// Appends `o` (as stored) to a STIX bundle.
    pub(super) fn stix(&mut self, o: &StoredObject, out: &mut Vec<u8>) {
        if self.objects > 0 {
            out.push(b',');
        }
        out.extend_from_slice(o.json.as_bytes());
        self.objects += 1;
    }

    /// Writes `item` in `format`; answers how many records (0: the format cannot express it).
    pub(super) fn write(&mut self, format: Format, item: &Item<'_>, out: &mut Vec<u8>) -> u64 {
        let mut s = String::new();
        let n = match format {
            Format::Text => text(item, &mut s),
            Format::Csv => csv(item, &mut s),
            Format::Rpz => rpz(item, &mut s),
            Format::Suricata => self.suricata(item, &mut s),
            Format::Zeek => zeek(item, &mut s),
            Format::Stix | Format::Misp => 0,
        };
        out.extend_from_slice(s.as_bytes());
        n
    }

    /// A `sid` for (indicator, value, rule kind) in the configured range: a hash of the three, so
    /// that the same rule keeps its `sid` from one export to the next; on a collision within one
    /// export, the next free one.
    fn sid(&mut self, key: &str) -> u32 {
        // FNV-1a: stable across versions and platforms (std's hasher is not).
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in key.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        let mut offset = u32::try_from(h % u64::from(SID_RANGE)).unwrap_or(0);
        loop {
            let sid = self.sid_base + offset;
            if self.sids.insert(sid) {
                return sid;
            }
            offset = (offset + 1) % SID_RANGE;
        }
    }

    fn suricata(&mut self, item: &Item<'_>, s: &mut String) -> u64 {
        let id = &item.object.stix_id;
        let mut rules: Vec<(&str, String, String)> = Vec::new();
        match &item.value {
            Value::Exact(c) if c.ty() == T::Domain => {
                let d = content(c.key());
                for (kind, proto, buffer) in [
                    ("dns", "dns", "dns.query"),
                    ("tls", "tls", "tls.sni"),
                    ("http", "http", "http.host"),
                ] {
                    rules.push((
                        kind,
                        format!("{proto} any any -> any any"),
                        format!("{buffer}; content:\"{d}\"; nocase; startswith; endswith;"),
                    ));
                }
            }
            Value::Suffix(d) => {
                let d = content(&format!(".{d}"));
                for (kind, proto, buffer) in
                    [("dns", "dns", "dns.query"), ("tls", "tls", "tls.sni")]
                {
                    rules.push((
                        kind,
                        format!("{proto} any any -> any any"),
                        format!("{buffer}; content:\"{d}\"; nocase; endswith;"),
                    ));
                }
            }
            Value::Exact(c) if c.ty() == T::Url => {
                let Some(host) = c.host() else {
                    return 0;
                };
                let path = url_path(c.key());
                rules.push((
                    "http",
                    "http any any -> any any".into(),
                    format!(
                        "http.host; content:\"{}\"; nocase; startswith; endswith; \
                         http.uri; content:\"{}\"; startswith; endswith;",
                        content(host),
                        content(path)
                    ),
                ));
            }
            Value::Exact(c) | Value::Cidr(c)
                if matches!(c.ty(), T::Ipv4 | T::Ipv6 | T::Ipv4Cidr | T::Ipv6Cidr) =>
            {
                rules.push((
                    "ip",
                    format!("ip any any <> [{}] any", c.key()),
                    String::new(),
                ));
            }
            _ => return 0,
        }
        let (ty, v) = value_text(&item.value);
        let value = format!("{ty} {v}");
        let n = rules.len() as u64;
        for (kind, header, body) in rules {
            let sid = self.sid(&format!("{id}|{value}|{kind}"));
            let msg = msg_text(&format!("simpul {id} {value} {kind}"));
            let _ = writeln!(
                s,
                "alert {header} (msg:\"{msg}\"; {body}{}sid:{sid}; rev:1; \
                 metadata:simpul_indicator {}, tlp {};)",
                if body.is_empty() { "" } else { " " },
                meta(id),
                meta(item.object.tlp.as_str()),
            );
        }
        n
    }
}

fn value_text(v: &Value) -> (String, String) {
    match v {
        Value::Exact(c) | Value::Cidr(c) => (c.ty().to_string(), c.key().to_owned()),
        Value::Suffix(d) => ("domain-suffix".into(), format!("*.{d}")),
    }
}

fn text(item: &Item<'_>, s: &mut String) -> u64 {
    let (_, v) = value_text(&item.value);
    let _ = writeln!(s, "{}", one_line(&v));
    1
}

fn csv(item: &Item<'_>, s: &mut String) -> u64 {
    let (ty, v) = value_text(&item.value);
    let o = item.object;
    let fields = [
        o.stix_id.clone(),
        ty,
        v,
        o.tlp.as_str().to_owned(),
        o.pap.map(|p| p.as_str().to_owned()).unwrap_or_default(),
        o.collection.to_string(),
        item.valid_until.clone().unwrap_or_default(),
        // Free text another organisation wrote: kept from running as a spreadsheet formula.
        no_formula(&one_line(item.name.as_deref().unwrap_or_default())),
    ];
    let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
    let _ = writeln!(s, "{}", line.join(","));
    1
}

/// A CSV field (RFC 4180): quoted when it holds a comma, quote or line break.
fn csv_field(f: &str) -> String {
    if f.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f.to_owned()
    }
}

/// Text that starts with `=`, `+`, `-`, `@` or a tab is prefixed with `'`, so that a spreadsheet
/// shows it rather than running it as a formula (values such as `+6591234567` are canonical keys
/// and are not passed through this).
fn no_formula(f: &str) -> String {
    if f.starts_with(['=', '+', '-', '@', '\t']) {
        format!("'{f}")
    } else {
        f.to_owned()
    }
}

fn rpz(item: &Item<'_>, s: &mut String) -> u64 {
    let id = &item.object.stix_id;
    let owner = match &item.value {
        Value::Exact(c) if c.ty() == T::Domain => c.key().to_owned(),
        Value::Suffix(d) => format!("*.{d}"),
        Value::Exact(c) | Value::Cidr(c)
            if matches!(c.ty(), T::Ipv4 | T::Ipv6 | T::Ipv4Cidr | T::Ipv6Cidr) =>
        {
            match rpz_ip(c.key()) {
                Some(o) => o,
                None => return 0,
            }
        }
        _ => return 0,
    };
    // A name of more than 253 characters (with the origin appended) is no DNS name.
    if owner.len() > 200 || owner.split('.').any(|l| l.is_empty() || l.len() > 63) {
        return 0;
    }
    let _ = writeln!(s, "{owner} CNAME . ; {id}");
    1
}

/// The RPZ IP trigger owner of an address or block: `prefix.reversed-address.rpz-ip`.
fn rpz_ip(key: &str) -> Option<String> {
    let (addr, prefix) = match key.split_once('/') {
        Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
        None => (key, None),
    };
    match addr.parse::<IpAddr>().ok()? {
        IpAddr::V4(a) => {
            let o = a.octets();
            Some(format!(
                "{}.{}.{}.{}.{}.rpz-ip",
                prefix.unwrap_or(32),
                o[3],
                o[2],
                o[1],
                o[0]
            ))
        }
        IpAddr::V6(a) => {
            let groups: Vec<String> = a
                .segments()
                .iter()
                .rev()
                .map(|g| format!("{g:x}"))
                .collect();
            Some(format!(
                "{}.{}.rpz-ip",
                prefix.unwrap_or(128),
                groups.join(".")
            ))
        }
    }
}

fn zeek(item: &Item<'_>, s: &mut String) -> u64 {
    let (indicator, ty) = match &item.value {
        Value::Exact(c) => match c.ty() {
            T::Domain => (c.key().to_owned(), "Intel::DOMAIN"),
            T::Ipv4 | T::Ipv6 => (c.key().to_owned(), "Intel::ADDR"),
            T::Ipv4Cidr | T::Ipv6Cidr => (c.key().to_owned(), "Intel::SUBNET"),
            // Zeek's URLs are written without the scheme.
            T::Url => match c.key().split_once("://") {
                Some((_, rest)) => (rest.to_owned(), "Intel::URL"),
                None => return 0,
            },
            T::Email => (c.key().to_owned(), "Intel::EMAIL"),
            T::Md5 | T::Sha1 | T::Sha256 | T::Sha512 => (c.key().to_owned(), "Intel::FILE_HASH"),
            _ => return 0,
        },
        Value::Cidr(c) => (c.key().to_owned(), "Intel::SUBNET"),
        // The intel framework matches whole values only.
        Value::Suffix(_) => return 0,
    };
    let desc = match &item.name {
        Some(n) => format!("{} {}", item.object.stix_id, n),
        None => item.object.stix_id.clone(),
    };
    let _ = writeln!(
        s,
        "{}\t{ty}\tsimpul {}\t{}",
        zeek_field(&indicator),
        item.object.tlp.as_str(),
        zeek_field(&desc)
    );
    1
}

/// A Zeek TSV field: no tab or line break, `-` for empty.
fn zeek_field(f: &str) -> String {
    let f = one_line(f).replace('\t', " ");
    if f.is_empty() { "-".into() } else { f }
}

/// Line breaks and other control characters become spaces.
fn one_line(f: &str) -> String {
    f.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A Suricata `content` string: printable ASCII but `"`, `;`, `\` and `|` as is; those and every
/// other byte as `|HH|`.
fn content(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if (0x20..0x7f).contains(&b) && !matches!(b, b'"' | b';' | b'\\' | b'|') {
            out.push(b as char);
        } else {
            let _ = write!(out, "|{b:02X}|");
        }
    }
    out
}

/// A `msg` text: `\\`, `"` and `;` escaped with a backslash, other control or non-ASCII
/// characters as `?`.
fn msg_text(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' | '"' | ';' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            _ => out.push('?'),
        }
    }
    out
}

/// A `metadata` value: letters, digits, `-`, `_`, `.`, `:` and `+` only.
fn meta(v: &str) -> String {
    v.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '+') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The path (with its query) of a URL key: `/` when it has none.
fn url_path(key: &str) -> &str {
    let rest = key.split_once("://").map_or(key, |(_, r)| r);
    match rest.find(['/', '?']) {
        Some(i) if rest[i..].starts_with('/') => &rest[i..],
        _ => "/",
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(
            content("a\"b;c\\d|e\u{e9}"),
            "a|22|b|3B|c|5C|d|7C|e|C3||A9|"
        );
        assert_eq!(meta("indicator--1 x/y"), "indicator--1_x_y");
        assert_eq!(msg_text("a;b\"c\\d\u{e9}\n"), "a\\;b\\\"c\\\\d??");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("+6591234567"), "+6591234567");
        assert_eq!(no_formula("=cmd()"), "'=cmd()");
        assert_eq!(no_formula("Phishing"), "Phishing");
        assert_eq!(zeek_field("a\tb\nc"), "a b c");
        assert_eq!(zeek_field(""), "-");
    }

    #[test]
    fn rpz_ip_triggers() {
        assert_eq!(rpz_ip("192.0.2.1").unwrap(), "32.1.2.0.192.rpz-ip");
        assert_eq!(rpz_ip("192.0.2.0/24").unwrap(), "24.0.2.0.192.rpz-ip");
        assert_eq!(
            rpz_ip("2001:db8::1").unwrap(),
            "128.1.0.0.0.0.0.db8.2001.rpz-ip"
        );
    }

    #[test]
    fn url_paths() {
        assert_eq!(url_path("https://bank.example/login?x=1"), "/login?x=1");
        assert_eq!(url_path("http://h.example:8080"), "/");
        assert_eq!(url_path("http://h.example?q"), "/");
        assert_eq!(url_path("http://[2001:db8::1]/x"), "/x");
    }

    #[test]
    fn sids_are_stable_and_distinct() {
        let mut a = State::new(1_000_000_000);
        let mut b = State::new(1_000_000_000);
        let s1 = a.sid("indicator--1|domain|x.example|dns");
        assert_eq!(s1, b.sid("indicator--1|domain|x.example|dns"));
        // The same key again in one export: another sid.
        assert_ne!(s1, a.sid("indicator--1|domain|x.example|dns"));
        assert!((1_000_000_000..2_000_000_000).contains(&s1));
    }
}
