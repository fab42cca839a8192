//! Auto-detection of the type of one value from a plain log line.
//!
//! Conservative by design: a value is typed only when its form leaves little doubt, so that
//! ordinary words, file names, version numbers and free text are not matched by accident.
//! The checks run in this order and the first that succeeds wins:
//!
//! 1. empty, longer than 8 KiB, or containing white space (except an international phone
//!    number) → nothing;
//! 2. `+` followed by digits and separators → `phone`, if valid in E.164 (national numbers are
//!    never guessed: they need a region and look like any other number);
//! 3. `scheme://…` with scheme `http`, `https`, `ftp`, `ftps`, `ws`, `wss` (or defanged
//!    `hxxp`/`hxxps`) → `url`;
//! 4. one `@`, no `/` or `:`, a domain with a dot after it → `email`;
//! 5. an IPv4 or IPv6 address, or an address/prefix → `ipv4`, `ipv6`, `ipv4-cidr`, `ipv6-cidr`;
//! 6. a MAC address with `:` or `.` separators (`aa:bb:cc:dd:ee:ff`, `aabb.ccdd.eeff`) → `mac`
//!    (hyphenated forms look like phone numbers and 12 bare hex digits like anything: not
//!    guessed);
//! 7. `blocksize:hash:hash` → `ssdeep`;
//! 8. only hex digits: 32 → `md5`, 40 → `sha1`, 64 → `sha256`, 128 → `sha512`, 70 or `T1`+70 →
//!    `tlsh`; another length that starts with two upper-case letters is tried as an IBAN (some
//!    are all hex characters, such as German ones); anything else all-hex → nothing;
//! 9. `0x` + 40 hex → Ethereum wallet; `bc1…`/`ltc1…` with a valid bech32/bech32m checksum,
//!    or base58 with a valid base58check checksum and a Bitcoin (`1…`, `3…`), TRON (`T…`),
//!    Litecoin (`L…`, `M…`), Dogecoin (`D…`, `9…`, `A…`) or XRP (`r…`, XRP alphabet) version
//!    → the wallet of that network (a 32-bit checksum makes a false positive practically
//!    impossible);
//! 10. `AS` + digits → `asn` (bare numbers are never guessed);
//! 11. an IBAN in one case (upper or lower), also written in groups of four separated by single
//!     spaces (`GB82 WEST 1234 5698 7654 32`), with a valid length and mod-97 → `iban`;
//! 12. a DNS name: at least two labels, letters/digits/hyphens, a final label of at least two
//!     letters (or `xn--…`) that is not a common file extension (`txt`, `exe`, `json`, `zip`,
//!     `py`, `sh`, `md`, `rs`…: a `.zip` or `.mov` domain is typed only when given explicitly),
//!     no label of mixed case (`Mr.Smith`; `BÜCHER.example` is fine), and not a reverse-DNS identifier (three or more labels
//!     starting with `com`, `org`, `net`, `io`, `edu` or `gov`, as Android package names and
//!     Java classes are) → `domain`.
//!
//! Never guessed: national phone numbers, SMS sender ids, bank account numbers, payment cards,
//! social handles, app ids, e-wallet ids, opaque wallet addresses — their forms collide with
//! ordinary numbers and words.

use crate::{Canonical, Context, CryptoNetwork, ObservableType as T, normalise};

/// File extensions that end many dotted words in logs and are never guessed as top-level
/// domains (some are real TLDs: `zip`, `mov`, and the ccTLDs `py`, `sh`, `md`, `rs`, `so`).
const NOT_TLDS: &[&str] = &[
    "7z", "apk", "asp", "aspx", "bak", "bat", "bin", "bmp", "bz2", "cfg", "class", "cmd", "conf",
    "cpp", "css", "csv", "dat", "db", "dll", "dmg", "doc", "docx", "exe", "gif", "gz", "htm",
    "html", "ico", "img", "ini", "ipa", "iso", "jar", "java", "jpeg", "jpg", "js", "json", "jsp",
    "lnk", "lock", "log", "md", "mkv", "mov", "mp3", "mp4", "msi", "old", "pdf", "php", "png",
    "ppt", "pptx", "ps1", "py", "rar", "rs", "rtf", "sh", "so", "sql", "svg", "sys", "tar", "tgz",
    "tmp", "toml", "ts", "txt", "vbs", "wav", "webp", "xls", "xlsx", "xml", "xz", "yaml", "yml",
    "zip",
];

/// The type of `raw` if it is confidently one; see the module docs for the rules and their
/// order.
#[must_use]
pub fn detect(raw: &str) -> Option<T> {
    detect_canonical(raw).map(|c| c.ty())
}

/// Detects and normalises in one pass: the canonical key of `raw` if its type is confidently
/// recognised (same rules as [`detect`]).
#[must_use]
pub fn detect_canonical(raw: &str) -> Option<Canonical> {
    let s = raw.trim();
    if s.is_empty() || s.len() > crate::net::MAX_URL {
        return None;
    }
    let ctx = Context::new();
    let b = s.as_bytes();
    if b[0] == b'+' {
        let ok = b[1..]
            .iter()
            .all(|&c| c.is_ascii_digit() || matches!(c, b' ' | b'-' | b'.' | b'(' | b')'));
        return if ok {
            normalise(T::Phone, s, &ctx).ok()
        } else {
            None
        };
    }
    if b.iter().any(u8::is_ascii_whitespace) {
        // The one form with spaces analysts paste: an IBAN in groups (`GB82 WEST 1234 5698 7654 32`).
        return spaced_iban(s).and_then(|joined| detect_iban(&joined, &ctx));
    }
    if let Some(i) = s.find("://") {
        let scheme = s[..i].to_ascii_lowercase();
        return if matches!(
            scheme.as_str(),
            "http" | "https" | "ftp" | "ftps" | "ws" | "wss" | "hxxp" | "hxxps"
        ) {
            normalise(T::Url, s, &ctx).ok()
        } else {
            None
        };
    }
    if let Some(at) = s.find('@') {
        let host = &s[at + 1..];
        if at > 0 && !host.contains(['@', '/', ':']) && !s[..at].contains(':') && host.contains('.')
        {
            let c = normalise(T::Email, s, &ctx).ok()?;
            let tld = c.key().rsplit('.').next().unwrap_or_default();
            return (tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic())).then_some(c);
        }
        return None;
    }
    let hexdigits = b.iter().all(u8::is_ascii_hexdigit);
    let ipish = b
        .iter()
        .all(|&c| c.is_ascii_hexdigit() || matches!(c, b'.' | b':' | b'/' | b'[' | b']'));
    if ipish && !hexdigits && (s.contains(':') || b.iter().filter(|&&c| c == b'.').count() == 3) {
        let ty = if s.contains(':') && !s.contains('.') || s.matches(':').count() >= 2 {
            T::Ipv6
        } else {
            T::Ipv4
        };
        if let Ok(c) = normalise(ty, s, &ctx) {
            return Some(c);
        }
    }
    if (14..=17).contains(&s.len())
        && (s.contains(':') || s.contains('.'))
        && b.iter()
            .all(|&c| c.is_ascii_hexdigit() || matches!(c, b':' | b'-' | b'.'))
        && let Ok(c) = normalise(T::Mac, s, &ctx)
    {
        return Some(c);
    }
    if b[0].is_ascii_digit()
        && s.len() >= 16
        && s.matches(':').count() == 2
        && b.iter().any(u8::is_ascii_alphabetic)
        && let Ok(c) = normalise(T::Ssdeep, s, &ctx)
    {
        return Some(c);
    }
    if hexdigits {
        let ty = match s.len() {
            32 => T::Md5,
            40 => T::Sha1,
            64 => T::Sha256,
            128 => T::Sha512,
            70 => T::Tlsh,
            // Not a hash length. An IBAN can be all hex characters (`DE89370400440532013000`):
            // give it its check below; anything else all-hex is not guessed.
            _ if s.len() >= 15
                && s.len() <= 34
                && s.as_bytes()[..2].iter().all(u8::is_ascii_uppercase) =>
            {
                return normalise(T::Iban, s, &ctx).ok();
            }
            _ => return None,
        };
        return normalise(ty, s, &ctx).ok();
    }
    if s.len() == 72 && s.starts_with("T1") && b[2..].iter().all(u8::is_ascii_hexdigit) {
        return normalise(T::Tlsh, s, &ctx).ok();
    }
    if s.len() == 42 && (s.starts_with("0x") || s.starts_with("0X")) {
        return normalise(T::CryptoWallet(CryptoNetwork::Ethereum), s, &ctx).ok();
    }
    if s.len() >= 14 && b[..3].eq_ignore_ascii_case(b"bc1") {
        return normalise(T::CryptoWallet(CryptoNetwork::Bitcoin), s, &ctx).ok();
    }
    if ((25..=35).contains(&s.len())
        && matches!(
            b[0],
            b'1' | b'3' | b'T' | b'L' | b'M' | b'D' | b'9' | b'A' | b'r'
        )
        && b.iter().all(u8::is_ascii_alphanumeric))
        || (s.len() >= 15 && b[..4].eq_ignore_ascii_case(b"ltc1"))
    {
        // Only a valid checksum of a checked network counts; `other` (opaque) never does.
        if let Ok(c) = normalise(T::CryptoWallet(CryptoNetwork::Other), s, &ctx)
            && c.ty() != T::CryptoWallet(CryptoNetwork::Other)
        {
            return Some(c);
        }
    }
    if s.len() > 2
        && b[..2].eq_ignore_ascii_case(b"AS")
        && b[2..].iter().all(u8::is_ascii_digit)
        && s.len() <= 12
    {
        return normalise(T::Asn, s, &ctx).ok();
    }
    if let Some(c) = detect_iban(s, &ctx) {
        return Some(c);
    }
    detect_domain(s)
}

/// An IBAN in one case (upper, or lower as pasted from a form): two letters, two check digits,
/// then letters and digits, of a length some country uses, with a valid mod-97 checksum.
fn detect_iban(s: &str, ctx: &Context) -> Option<Canonical> {
    let b = s.as_bytes();
    let one_case = !(b.iter().any(u8::is_ascii_uppercase) && b.iter().any(u8::is_ascii_lowercase));
    let shaped = (15..=34).contains(&s.len())
        && b[..2].iter().all(u8::is_ascii_alphabetic)
        && b[2..4].iter().all(u8::is_ascii_digit)
        && b[4..].iter().all(u8::is_ascii_alphanumeric);
    if one_case && shaped {
        normalise(T::Iban, s, ctx).ok()
    } else {
        None
    }
}

/// `s` without its single spaces when it is written in IBAN groups: the country and check digits,
/// then groups of one to four letters or digits, all but the last of four.
fn spaced_iban(s: &str) -> Option<String> {
    let groups: Vec<&str> = s.split(' ').collect();
    let (last, full) = groups.split_last()?;
    let ok = groups.len() >= 4
        && full.iter().all(|g| g.len() == 4)
        && (1..=4).contains(&last.len())
        && groups
            .iter()
            .all(|g| g.bytes().all(|c| c.is_ascii_alphanumeric()));
    ok.then(|| groups.concat())
}

fn detect_domain(s: &str) -> Option<Canonical> {
    let s = s.strip_suffix('.').unwrap_or(s);
    if !s.contains('.') {
        return None;
    }
    // Mixed case within a label reads as prose (`Mr.Smith`); a name whose labels are each in one
    // case is a name (`BÜCHER.example.`, `EVIL.example`), in any script.
    let mixed = |label: &str| {
        label.chars().any(char::is_uppercase) && label.chars().any(char::is_lowercase)
    };
    if s.split('.').any(mixed) {
        return None;
    }
    let c = normalise(T::Domain, s, &Context::new()).ok()?;
    let tld = c.key().rsplit('.').next().unwrap_or_default();
    let tld_ok = if tld.starts_with("xn--") {
        true
    } else {
        tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_lowercase()) && !NOT_TLDS.contains(&tld)
    };
    // Reverse-DNS identifiers (Android packages, Java classes: `com.example.app`) read like
    // names but are not; a real name rarely starts with a generic top-level label.
    let labels = c.key().split('.').count();
    let first = c.key().split('.').next().unwrap_or_default();
    let reverse_dns = labels >= 3 && matches!(first, "com" | "org" | "net" | "io" | "edu" | "gov");
    (tld_ok && !reverse_dns).then_some(c)
}
