//! A deterministic generator of a realistic indicator mix and of observable streams with a
//! chosen hit rate (shared by the criterion bench and the `matchbench` example).
//!
//! Indicators (shares of the total): 30 % domains (`=`), 5 % domain suffixes
//! (`LIKE '%.d'`), 15 % URLs, 15 % IPv4 addresses, 3 % IPv4 blocks (`ISSUBSET`, /22–/29),
//! 17 % hashes (MD5, SHA-1, SHA-256), 5 % phone numbers (E.164, Indonesia), 5 % IBANs (NL),
//! 5 % Ethereum wallets. Half carry `valid_until`; each has a TLP marking and one of eleven
//! creators. Indicator values live in 1.0.0.0/1 and under real TLDs; non-hit observables are
//! drawn from 128.0.0.0/1 and the `.test` TLD, so the hit rate is exactly the one asked for.
//!
//! Observable stream (plain log lines): 45 % domains, 25 % IPv4, 15 % URLs, 10 % hashes,
//! 5 % phones/IBANs/wallets; a hit is the value of a random indicator (a subdomain for a
//! suffix, an address inside a block).
#![allow(dead_code)]

use serde_json::{Value, json};

/// xorshift64*: fast, deterministic, good enough for test data.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    fn letters(&mut self, lo: u64, hi: u64) -> String {
        let n = lo + self.below(hi - lo + 1);
        (0..n)
            .map(|_| char::from(b'a' + self.below(26) as u8))
            .collect()
    }
    fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b"0123456789abcdef"[self.below(16) as usize]))
            .collect()
    }
    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

const TLDS: &[&str] = &[
    "com", "net", "org", "id", "my", "ph", "sg", "th", "vn", "xyz", "info",
];
const TLP: &[&str] = &[
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
];

fn domain(r: &mut Rng, hit: bool) -> String {
    let tld = if hit {
        TLDS[r.below(TLDS.len() as u64) as usize]
    } else {
        "test"
    };
    // simpul-observable refangs a leading `fxp`/`hxxp` even without `://` (reported as a
    // bug): such names would not be canonical, so they are not generated.
    let mut label = r.letters(5, 12);
    while label.starts_with("fxp") || label.starts_with("hxxp") {
        label = r.letters(5, 12);
    }
    format!("{label}{}.{tld}", r.below(1000))
}

fn ipv4(r: &mut Rng, hit: bool) -> [u8; 4] {
    let top = if hit {
        r.below(127) + 1
    } else {
        128 + r.below(96)
    };
    [
        top as u8,
        r.below(256) as u8,
        r.below(256) as u8,
        r.below(256) as u8,
    ]
}

fn ip(a: [u8; 4]) -> String {
    format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])
}

fn iban(r: &mut Rng) -> String {
    // Dutch: NL, check digits, 4-letter bank code, 10 digits. (German IBANs, all hex digits,
    // are not auto-detected by simpul-observable's `detect`; see BENCHMARKS.md.)
    let bank: String = (0..4)
        .map(|_| char::from(b'A' + r.below(26) as u8))
        .collect();
    let bban = format!("{bank}{}", r.digits(10));
    // Check digits: 98 - (BBAN + "NL00", letters as 10..35) mod 97.
    let mut m: u64 = 0;
    for c in format!("{bban}NL00").bytes() {
        let v = if c.is_ascii_digit() {
            u64::from(c - b'0')
        } else {
            u64::from(c - b'A') + 10
        };
        m = if v >= 10 {
            (m * 100 + v) % 97
        } else {
            (m * 10 + v) % 97
        };
    }
    format!("NL{:02}{bban}", 98 - m)
}

/// One generated indicator: the STIX object, and a value from a log that hits it.
pub struct Generated {
    pub indicator: Value,
    pub hit: String,
    /// The literal, when the indicator is a plain `=` on a string (for `grep -F`).
    pub exact: Option<String>,
}

/// The `i`-th indicator of the mix.
pub fn indicator(r: &mut Rng, i: u64) -> Generated {
    let k = r.below(100);
    let (pattern, hit, exact) = match k {
        0..30 => {
            let d = domain(r, true);
            (format!("[domain-name:value = '{d}']"), d.clone(), Some(d))
        }
        30..35 => {
            let d = domain(r, true);
            (
                format!("[domain-name:value LIKE '%.{d}']"),
                format!("www.{d}"),
                None,
            )
        }
        35..50 => {
            let u = format!("http://{}/{}", domain(r, true), r.letters(3, 10));
            (format!("[url:value = '{u}']"), u.clone(), Some(u))
        }
        50..65 => {
            let a = ip(ipv4(r, true));
            (format!("[ipv4-addr:value = '{a}']"), a.clone(), Some(a))
        }
        65..68 => {
            let mut a = ipv4(r, true);
            let p = [22u32, 24, 24, 24, 26, 28, 29][r.below(7) as usize];
            let v = u32::from_be_bytes(a) & (u32::MAX << (32 - p));
            let net = ip(v.to_be_bytes());
            a = (v | (r.below(1 << (32 - p)) as u32)).to_be_bytes();
            (
                format!("[ipv4-addr:value ISSUBSET '{net}/{p}']"),
                ip(a),
                None,
            )
        }
        68..85 => {
            let (path, h) = match r.below(3) {
                0 => ("MD5", r.hex(32)),
                1 => ("'SHA-1'", r.hex(40)),
                _ => ("'SHA-256'", r.hex(64)),
            };
            (format!("[file:hashes.{path} = '{h}']"), h.clone(), Some(h))
        }
        85..90 => {
            let p = format!("+62812{}", r.digits(8));
            (format!("[phone-number:value = '{p}']"), p.clone(), Some(p))
        }
        90..95 => {
            let b = iban(r);
            (format!("[bank-account:iban = '{b}']"), b.clone(), Some(b))
        }
        _ => {
            let w = format!("0x{}", r.hex(40));
            (
                format!("[cryptocurrency-wallet:value = '{w}']"),
                w.clone(),
                Some(w),
            )
        }
    };
    let mut v = json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": format!("indicator--{:08x}-0000-4000-8000-{:012x}", i >> 32, i & 0xffff_ffff_ffff),
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": format!("generated {i}"),
        "pattern_type": "stix",
        "pattern": pattern,
        "valid_from": "2026-01-01T00:00:00Z",
        "created_by_ref": format!("identity--{:08x}-0000-4000-8000-000000000000", r.below(11)),
        "object_marking_refs": [TLP[r.below(TLP.len() as u64) as usize]],
    });
    if r.chance(0.5) {
        v["valid_until"] = json!("2030-01-01T00:00:00Z");
    }
    Generated {
        indicator: v,
        hit,
        exact,
    }
}

/// One observable of the stream: a hit (the value of a random indicator) with probability
/// `hit_rate`, else a fresh value that hits nothing.
pub fn observable(r: &mut Rng, hit_rate: f64, hits: &[String]) -> String {
    if !hits.is_empty() && r.chance(hit_rate) {
        return hits[r.below(hits.len() as u64) as usize].clone();
    }
    match r.below(100) {
        0..45 => domain(r, false),
        45..70 => ip(ipv4(r, false)),
        70..85 => format!("http://{}/{}", domain(r, false), r.letters(3, 10)),
        85..95 => match r.below(3) {
            0 => r.hex(32),
            1 => r.hex(40),
            _ => r.hex(64),
        },
        95..97 => format!("+62813{}", r.digits(8)),
        97..99 => iban(r),
        _ => format!("0x{}", r.hex(40)),
    }
}
