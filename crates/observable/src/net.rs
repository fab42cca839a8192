//! Network observables: domain names, URLs, IP addresses and CIDR blocks, e-mail addresses,
//! AS numbers, MAC addresses.

use std::borrow::Cow;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use crate::error::excerpt;
use crate::{Canonical, ObservableError, ObservableType as T};

/// Longest input any network normaliser looks at (a URL may be long; nothing else comes near).
pub(crate) const MAX_URL: usize = 8192;

/// Undoes the common "defanging" of indicators in reports: `hxxp`/`hxxps`/`fxp` schemes and
/// `[.]`, `(.)`, `{.}`, `[dot]`, `[:]`, `[@]`, `[at]`. Borrowed when there is nothing to undo.
/// Nested defanging (`[[.]]`), which one pass would not undo, is rejected so that keys are
/// fixed points.
pub(crate) fn refang(ty: T, s: &str) -> Result<Cow<'_, str>, ObservableError> {
    let once = refang_once(s);
    if let Cow::Owned(o) = &once
        && matches!(refang_once(o), Cow::Owned(_))
    {
        return Err(ObservableError::Malformed {
            ty,
            what: "nested defanging",
        });
    }
    Ok(once)
}

fn refang_once(s: &str) -> Cow<'_, str> {
    let b = s.as_bytes();
    // A defanged scheme only where a scheme can be: `hxxp`/`hxxps`/`fxp` followed by `://` (or
    // `[:]//`). A name such as `fxpfs285.org` or `hxxpool.net` is left alone.
    let after = |n: usize| {
        let r = &b[n.min(b.len())..];
        r.starts_with(b"://") || r.starts_with(b"[:]//")
    };
    let hxxp = b.len() >= 4 && b[..4].eq_ignore_ascii_case(b"hxxp");
    let scheme = (hxxp
        && (after(4) || (b.len() >= 5 && b[4].eq_ignore_ascii_case(&b's') && after(5))))
        || (b.len() >= 3 && b[..3].eq_ignore_ascii_case(b"fxp") && after(3));
    if !scheme && !b.iter().any(|&c| matches!(c, b'[' | b'(' | b'{')) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    if scheme {
        if b[..4].eq_ignore_ascii_case(b"hxxp") {
            out.push_str("http");
            rest = &rest[4..];
        } else {
            out.push_str("ftp");
            rest = &rest[3..];
        }
    }
    const SUBS: &[(&str, &str)] = &[
        ("[.]", "."),
        ("(.)", "."),
        ("{.}", "."),
        ("[dot]", "."),
        ("[:]", ":"),
        ("[@]", "@"),
        ("[at]", "@"),
    ];
    'outer: while !rest.is_empty() {
        for (from, to) in SUBS {
            if rest.len() >= from.len()
                && rest.as_bytes()[..from.len()].eq_ignore_ascii_case(from.as_bytes())
            {
                out.push_str(to);
                rest = &rest[from.len()..];
                continue 'outer;
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    if out == s {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(out)
    }
}

// ---------------------------------------------------------------------------------------------
// Domain names

fn label_error(ty: T, label: &str, problem: &'static str) -> ObservableError {
    ObservableError::BadLabel {
        ty,
        label: excerpt(label),
        problem,
    }
}

/// Checks an ASCII, lower-case, dot-separated name: labels of 1–63 of `[a-z0-9_-]`, no hyphen
/// first or last, at most 253 bytes, last label not all digits.
fn check_ascii_name(ty: T, name: &str) -> Result<(), ObservableError> {
    if name.len() > 253 {
        return Err(ObservableError::TooLong {
            ty,
            len: name.len(),
            max: 253,
        });
    }
    let mut last = "";
    for label in name.split('.') {
        if label.is_empty() {
            return Err(label_error(ty, label, "is empty"));
        }
        if label.len() > 63 {
            return Err(label_error(ty, label, "is longer than 63 bytes"));
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '_'))
        {
            return Err(ObservableError::BadChar { ty, ch: c });
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(label_error(ty, label, "starts or ends with a hyphen"));
        }
        last = label;
    }
    if last.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ObservableError::Malformed {
            ty,
            what: "the last label is numeric (an IP address is not a domain name)",
        });
    }
    Ok(())
}

/// The canonical ASCII form of a DNS name, reported as type `ty` on error.
pub(crate) fn domain_key(ty: T, raw: &str) -> Result<String, ObservableError> {
    let s = raw.trim();
    if s.len() > 1024 {
        return Err(ObservableError::TooLong {
            ty,
            len: s.len(),
            max: 1024,
        });
    }
    let s = refang(ty, s)?;
    let s = s.strip_suffix('.').unwrap_or(&s);
    if s.is_empty() {
        return Err(ObservableError::Empty { ty });
    }
    let plain_ascii = s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    let needs_idna = !plain_ascii
        || s.split('.')
            .any(|l| l.len() >= 4 && l.as_bytes()[..4].eq_ignore_ascii_case(b"xn--"));
    let out = if needs_idna {
        use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};
        if let Some(c) = s
            .chars()
            .find(|c| c.is_whitespace() || c.is_control() || "/\\:@?#%<>[]^|\"'`{}".contains(*c))
        {
            return Err(ObservableError::BadChar { ty, ch: c });
        }
        // Underscores are allowed in names we key (SRV/TXT owners such as _dmarc), so the
        // STD3 deny list is not applied; our own label check runs on the result.
        let ascii = Uts46::new()
            .to_ascii(
                s.as_bytes(),
                AsciiDenyList::URL,
                Hyphens::Allow,
                DnsLength::Ignore,
            )
            .map_err(|_| ObservableError::Malformed {
                ty,
                what: "not a valid internationalised domain name (IDNA/UTS 46)",
            })?;
        let ascii = ascii.strip_suffix('.').unwrap_or(&ascii).to_owned();
        if ascii.is_empty() {
            return Err(ObservableError::Empty { ty });
        }
        ascii
    } else {
        s.to_ascii_lowercase()
    };
    check_ascii_name(ty, &out)?;
    Ok(out)
}

pub(crate) fn domain(raw: &str) -> Result<Canonical, ObservableError> {
    Ok(Canonical::new(T::Domain, domain_key(T::Domain, raw)?))
}

// ---------------------------------------------------------------------------------------------
// URLs

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes `%XX` escapes of unreserved characters, upper-cases the hex of the others, and
/// escapes a `%` that starts no escape as `%25`.
fn push_percent_normalised(out: &mut String, s: &str) {
    let b = s.as_bytes();
    let mut i = 0;
    let mut start = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex_val(b[i + 1]), hex_val(b[i + 2]))
        {
            out.push_str(&s[start..i]);
            let v = h * 16 + l;
            if is_unreserved(v) {
                out.push(char::from(v));
            } else {
                out.push('%');
                out.push(char::from(b"0123456789ABCDEF"[usize::from(h)]));
                out.push(char::from(b"0123456789ABCDEF"[usize::from(l)]));
            }
            i += 3;
            start = i;
        } else if b[i] == b'%' {
            // A stray '%' is written as %25, so that the key never decodes further.
            out.push_str(&s[start..i]);
            out.push_str("%25");
            i += 1;
            start = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&s[start..]);
}

pub(crate) fn url(raw: &str) -> Result<Canonical, ObservableError> {
    let ty = T::Url;
    let s = raw.trim();
    if s.is_empty() {
        return Err(ObservableError::Empty { ty });
    }
    if s.len() > MAX_URL {
        return Err(ObservableError::TooLong {
            ty,
            len: s.len(),
            max: MAX_URL,
        });
    }
    let s = refang(ty, s)?;
    // A scheme-less "host/path" (as victims and reports write them) is read as http.
    let with_scheme: Cow<'_, str> = if has_scheme(&s) {
        s
    } else {
        Cow::Owned(format!("http://{s}"))
    };
    let u = url::Url::parse(&with_scheme).map_err(|e| ObservableError::Malformed {
        ty,
        what: url_error(e),
    })?;
    let mut out = String::with_capacity(with_scheme.len());
    out.push_str(u.scheme());
    out.push(':');
    if u.cannot_be_a_base() {
        push_percent_normalised(&mut out, u.path());
    } else {
        if let Some(host) = u.host() {
            out.push_str("//");
            if !u.username().is_empty() || u.password().is_some() {
                push_percent_normalised(&mut out, u.username());
                if let Some(p) = u.password() {
                    out.push(':');
                    push_percent_normalised(&mut out, p);
                }
                out.push('@');
            }
            match host {
                url::Host::Domain(d) => {
                    let d = d.strip_suffix('.').unwrap_or(d);
                    if d.is_empty() || d.starts_with('.') {
                        return Err(ObservableError::Malformed {
                            ty,
                            what: "empty host",
                        });
                    }
                    if u.is_special() {
                        // WHATWG accepts hosts DNS cannot resolve (`a..b`, `a!b`); a URL
                        // observable's host obeys the domain rules.
                        check_ascii_name(ty, d)?;
                        out.push_str(d);
                    } else {
                        // Opaque hosts of non-special schemes: ASCII case folded.
                        out.push_str(&d.to_ascii_lowercase());
                    }
                }
                url::Host::Ipv4(a) => out.push_str(&a.to_string()),
                url::Host::Ipv6(a) => {
                    out.push('[');
                    out.push_str(&a.to_string());
                    out.push(']');
                }
            }
            if let Some(port) = u.port() {
                out.push(':');
                out.push_str(&port.to_string());
            }
        } else if u.path().starts_with("//") {
            // Keep an empty authority so the path is not read as one.
            out.push_str("//");
        }
        push_percent_normalised(&mut out, u.path());
    }
    if let Some(q) = u.query()
        && !q.is_empty()
    {
        out.push('?');
        push_percent_normalised(&mut out, q);
    }
    Ok(Canonical::new(ty, out))
}

/// `scheme:` at the start, per RFC 3986 (letter, then letters, digits, `+-.`), followed by `//`
/// for the hierarchical schemes; `mailto:`, `data:` and the like count too.
fn has_scheme(s: &str) -> bool {
    let Some(colon) = s.find(':') else {
        return false;
    };
    let scheme = &s[..colon];
    let valid = scheme
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !valid {
        return false;
    }
    // "example.com:8080/x" is a host with a port, not a scheme "example.com".
    let after = &s[colon + 1..];
    after.starts_with("//")
        || !(scheme.contains('.') || after.starts_with(|c: char| c.is_ascii_digit()))
}

fn url_error(e: url::ParseError) -> &'static str {
    use url::ParseError as P;
    match e {
        P::EmptyHost => "empty host",
        P::IdnaError => "host is not a valid internationalised domain name",
        P::InvalidPort => "invalid port number",
        P::InvalidIpv4Address => "invalid IPv4 address in host",
        P::InvalidIpv6Address => "invalid IPv6 address in host",
        P::InvalidDomainCharacter => "invalid character in host",
        P::RelativeUrlWithoutBase => "relative URL without a scheme",
        _ => "not a valid URL (WHATWG)",
    }
}

// ---------------------------------------------------------------------------------------------
// IP addresses and CIDR blocks

/// An IPv4 or IPv6 network: a network address (host bits zero) and a prefix length.
///
/// `Display` prints `address/prefix`; parsing accepts host bits set and clears them
/// (`10.1.2.3/8` is `10.0.0.0/8`), as the canonical key of a block is its network.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// The block of `prefix` bits containing `addr`.
    ///
    /// # Errors
    /// `Malformed` when `prefix` exceeds 32 (IPv4) or 128 (IPv6).
    pub fn new(addr: IpAddr, prefix: u8) -> Result<Self, ObservableError> {
        match addr {
            IpAddr::V4(a) => {
                if prefix > 32 {
                    return Err(ObservableError::Malformed {
                        ty: T::Ipv4Cidr,
                        what: "prefix length above 32",
                    });
                }
                let bits = u32::from(a) & mask32(prefix);
                Ok(Self {
                    addr: IpAddr::V4(Ipv4Addr::from(bits)),
                    prefix,
                })
            }
            IpAddr::V6(a) => {
                if prefix > 128 {
                    return Err(ObservableError::Malformed {
                        ty: T::Ipv6Cidr,
                        what: "prefix length above 128",
                    });
                }
                let bits = u128::from(a) & mask128(prefix);
                Ok(Self {
                    addr: IpAddr::V6(Ipv6Addr::from(bits)),
                    prefix,
                })
            }
        }
    }

    /// Parses `address/prefix` (an address alone is a host block, /32 or /128).
    ///
    /// # Errors
    /// An [`ObservableError`] naming the problem.
    pub fn parse(raw: &str) -> Result<Self, ObservableError> {
        let s = raw.trim();
        let ty = if s.contains(':') {
            T::Ipv6Cidr
        } else {
            T::Ipv4Cidr
        };
        if s.is_empty() {
            return Err(ObservableError::Empty { ty });
        }
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr = parse_ip(ty, a)?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            None => max,
            Some(p) => {
                if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(ObservableError::Malformed {
                        ty,
                        what: "prefix length is not a decimal number",
                    });
                }
                p.parse::<u8>().map_err(|_| ObservableError::Malformed {
                    ty,
                    what: "prefix length out of range",
                })?
            }
        };
        Self::new(addr, prefix)
    }

    /// The network address (host bits zero).
    #[must_use]
    pub fn network(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length in bits.
    #[must_use]
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether this is an IPv4 block.
    #[must_use]
    pub fn is_ipv4(&self) -> bool {
        self.addr.is_ipv4()
    }

    /// Whether the block is a single host (/32 or /128).
    #[must_use]
    pub fn is_host(&self) -> bool {
        self.prefix == if self.is_ipv4() { 32 } else { 128 }
    }

    /// Whether `ip` lies in the block. IPv4 and IPv6 never contain each other (an IPv4-mapped
    /// IPv6 address is first folded to IPv4 by [`crate::normalise`], not here).
    #[must_use]
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => u32::from(a) & mask32(self.prefix) == u32::from(n),
            (IpAddr::V6(n), IpAddr::V6(a)) => u128::from(a) & mask128(self.prefix) == u128::from(n),
            _ => false,
        }
    }

    /// Whether `other` is inside this block (equal blocks contain each other).
    #[must_use]
    pub fn contains_cidr(&self, other: &Cidr) -> bool {
        other.prefix >= self.prefix && self.contains(other.addr)
    }

    /// The first and last address of the block as integers (IPv4 in the low 32 bits), for
    /// range indexes.
    #[must_use]
    pub fn range(&self) -> (u128, u128) {
        match self.addr {
            IpAddr::V4(n) => {
                let lo = u32::from(n);
                (u128::from(lo), u128::from(lo | !mask32(self.prefix)))
            }
            IpAddr::V6(n) => {
                let lo = u128::from(n);
                (lo, lo | !mask128(self.prefix))
            }
        }
    }

    /// The canonical key of this block: a CIDR type, or an address type for a host block.
    #[must_use]
    pub fn canonical(&self) -> Canonical {
        match (self.addr, self.is_host()) {
            (IpAddr::V4(a), true) => Canonical::new(T::Ipv4, a.to_string()),
            (IpAddr::V6(a), true) => Canonical::new(T::Ipv6, a.to_string()),
            (IpAddr::V4(_), false) => Canonical::new(T::Ipv4Cidr, self.to_string()),
            (IpAddr::V6(_), false) => Canonical::new(T::Ipv6Cidr, self.to_string()),
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl FromStr for Cidr {
    type Err = ObservableError;
    fn from_str(s: &str) -> Result<Self, ObservableError> {
        Self::parse(s)
    }
}

fn mask32(prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix.min(32)))
    }
}

fn mask128(prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(prefix.min(128)))
    }
}

/// Parses one address: dotted-quad IPv4 (no leading zeros, exactly four parts), or IPv6 in any
/// RFC 4291 form, optionally in brackets. IPv4-mapped IPv6 (`::ffff:a.b.c.d`) becomes IPv4.
/// Zone ids (`%eth0`) are rejected: they have no meaning outside one host.
pub(crate) fn parse_ip(ty: T, raw: &str) -> Result<IpAddr, ObservableError> {
    let s = refang(ty, raw.trim())?;
    let s = s
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .unwrap_or(&s);
    if s.is_empty() {
        return Err(ObservableError::Empty { ty });
    }
    if s.len() > 64 {
        return Err(ObservableError::TooLong {
            ty,
            len: s.len(),
            max: 64,
        });
    }
    if s.contains('%') {
        return Err(ObservableError::Malformed {
            ty,
            what: "IPv6 zone ids are not allowed",
        });
    }
    if s.contains(':') {
        let a = Ipv6Addr::from_str(s).map_err(|_| ObservableError::Malformed {
            ty,
            what: "not an IPv6 address",
        })?;
        Ok(match a.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(a),
        })
    } else {
        Ipv4Addr::from_str(s)
            .map(IpAddr::V4)
            .map_err(|_| ObservableError::Malformed {
                ty,
                what: "not a dotted-quad IPv4 address",
            })
    }
}

/// IPv4 (`want_v4`) or IPv6: an address, or a block (which may refine to the CIDR type).
pub(crate) fn ip(ty: T, raw: &str) -> Result<Canonical, ObservableError> {
    let want_v4 = matches!(ty, T::Ipv4 | T::Ipv4Cidr);
    let cidr = if raw.contains('/') {
        Cidr::parse(&refang(ty, raw)?).map_err(|e| e.retype(ty))?
    } else {
        let a = parse_ip(ty, raw)?;
        Cidr::new(a, if a.is_ipv4() { 32 } else { 128 })?
    };
    if cidr.is_ipv4() != want_v4 {
        return Err(ObservableError::WrongKind {
            ty,
            found: cidr.canonical().ty(),
        });
    }
    Ok(cidr.canonical())
}

// ---------------------------------------------------------------------------------------------
// E-mail addresses

pub(crate) fn email(raw: &str) -> Result<Canonical, ObservableError> {
    let ty = T::Email;
    let s = raw.trim();
    if s.len() > 512 {
        return Err(ObservableError::TooLong {
            ty,
            len: s.len(),
            max: 512,
        });
    }
    let s = refang(ty, s)?;
    let s = strip_prefix_ci(&s, "mailto:").unwrap_or(&s);
    // "Name <user@host>" display form.
    let s = match (s.rfind('<'), s.ends_with('>')) {
        (Some(i), true) => &s[i + 1..s.len() - 1],
        _ => s,
    };
    if s.is_empty() {
        return Err(ObservableError::Empty { ty });
    }
    let Some((local, host)) = s.rsplit_once('@') else {
        return Err(ObservableError::Malformed { ty, what: "no '@'" });
    };
    if local.is_empty() {
        return Err(ObservableError::Malformed {
            ty,
            what: "empty local part",
        });
    }
    if local.len() > 64 {
        return Err(ObservableError::Malformed {
            ty,
            what: "local part longer than 64 bytes",
        });
    }
    if local.starts_with('"') {
        return Err(ObservableError::Malformed {
            ty,
            what: "quoted local parts are not supported",
        });
    }
    if let Some(c) = local.chars().find(|&c| {
        !(c.is_ascii_alphanumeric()
            || "!#$%&'*+-/=?^_`{|}~.".contains(c)
            || (!c.is_ascii() && !c.is_control() && !c.is_whitespace()))
    }) {
        return Err(ObservableError::BadChar { ty, ch: c });
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(ObservableError::Malformed {
            ty,
            what: "local part has a leading, trailing or double dot",
        });
    }
    let host = if let Some(lit) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        let lit = strip_prefix_ci(lit, "IPv6:").unwrap_or(lit);
        format!("[{}]", parse_ip(ty, lit)?)
    } else {
        domain_key(ty, host)?
    };
    Ok(Canonical::new(ty, format!("{local}@{host}")))
}

pub(crate) fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    if s.len() >= prefix.len()
        && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
    {
        s.get(prefix.len()..)
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------------
// AS numbers

pub(crate) fn asn(raw: &str) -> Result<Canonical, ObservableError> {
    let ty = T::Asn;
    let s = raw.trim();
    if s.is_empty() {
        return Err(ObservableError::Empty { ty });
    }
    if s.len() > 32 {
        return Err(ObservableError::TooLong {
            ty,
            len: s.len(),
            max: 32,
        });
    }
    let s = strip_prefix_ci(s, "AS").map_or(s, str::trim_start);
    let digits = |p: &str| -> Result<u64, ObservableError> {
        if p.is_empty() || p.len() > 10 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ObservableError::Malformed {
                ty,
                what: "not a decimal AS number (AS64500, 64500 or asdot 1.10)",
            });
        }
        p.parse::<u64>().map_err(|_| ObservableError::Malformed {
            ty,
            what: "AS number out of range",
        })
    };
    let n = match s.split_once('.') {
        // asdot notation (RFC 5396): high.low, each 16 bits.
        Some((hi, lo)) => {
            let (hi, lo) = (digits(hi)?, digits(lo)?);
            if hi > 65535 || lo > 65535 {
                return Err(ObservableError::Malformed {
                    ty,
                    what: "asdot part above 65535",
                });
            }
            hi * 65536 + lo
        }
        None => digits(s)?,
    };
    if n > u64::from(u32::MAX) {
        return Err(ObservableError::Malformed {
            ty,
            what: "AS number above 4294967295",
        });
    }
    Ok(Canonical::new(ty, format!("AS{n}")))
}

// ---------------------------------------------------------------------------------------------
// MAC addresses

pub(crate) fn mac(raw: &str) -> Result<Canonical, ObservableError> {
    let ty = T::Mac;
    let s = raw.trim();
    if s.is_empty() {
        return Err(ObservableError::Empty { ty });
    }
    if s.len() > 17 {
        return Err(ObservableError::TooLong {
            ty,
            len: s.len(),
            max: 17,
        });
    }
    let sep = s.bytes().find(|b| !b.is_ascii_hexdigit());
    let groups: Vec<&str> = match sep {
        None => vec![s],
        Some(sep @ (b':' | b'-' | b'.' | b' ')) => s.split(char::from(sep)).collect(),
        Some(b) => {
            return Err(ObservableError::BadChar {
                ty,
                ch: s[s.bytes().position(|x| x == b).unwrap_or(0)..]
                    .chars()
                    .next()
                    .unwrap_or('?'),
            });
        }
    };
    // Accepted groupings: 6×2 (aa:bb:…, aa-bb-…, "aa bb …"), 3×4 (aabb.ccdd.eeff and the
    // same with - or :), 2×6 (aabbcc-ddeeff), 1×12 (aabbccddeeff).
    let width = match groups.len() {
        6 => 2,
        3 => 4,
        2 => 6,
        1 => 12,
        _ => 0,
    };
    if width == 0 || groups.iter().any(|g| g.len() != width) {
        return Err(ObservableError::Malformed {
            ty,
            what: "not 6 groups of 2, 3 of 4, 2 of 6 or 12 hex digits",
        });
    }
    let hex: String = groups.concat();
    if let Some(c) = hex.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(ObservableError::BadChar { ty, ch: c });
    }
    let hex = hex.to_ascii_lowercase();
    let mut out = String::with_capacity(17);
    for (i, pair) in hex.as_bytes().chunks(2).enumerate() {
        if i > 0 {
            out.push(':');
        }
        out.extend(pair.iter().map(|&b| char::from(b)));
    }
    Ok(Canonical::new(ty, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refang_forms() {
        let r = |s| refang(T::Url, s).map(Cow::into_owned);
        assert_eq!(
            r("hxxps://a[.]b(.)c{.}d[dot]e").unwrap(),
            "https://a.b.c.d.e"
        );
        assert_eq!(r("a[@]b[at]c[:]80").unwrap(), "a@b@c:80");
        assert_eq!(r("fxp://x").unwrap(), "ftp://x");
        assert!(matches!(
            refang(T::Url, "example.com"),
            Ok(Cow::Borrowed(_))
        ));
        assert!(matches!(refang(T::Url, "(plain)"), Ok(Cow::Borrowed(_))));
        assert!(refang(T::Url, "a[[.]]b").is_err());
        // Multi-byte text right after a would-be scheme prefix is not sliced mid-character.
        assert_eq!(r("fxpé").unwrap(), "fxpé");
        assert_eq!(r("hxxé").unwrap(), "hxxé");
        // Only a scheme is refanged, not a name that starts with the same letters.
        assert_eq!(r("fxpfs285.org").unwrap(), "fxpfs285.org");
        assert_eq!(r("hxxpool.net").unwrap(), "hxxpool.net");
        assert_eq!(r("hxxp[:]//a[.]b").unwrap(), "http://a.b");
        assert_eq!(
            r("HXXPS://a.b").unwrap(),
            "httpS://a.b",
            "the URL normaliser lowercases the scheme"
        );
    }

    #[test]
    fn percent_normalisation() {
        let p = |s: &str| {
            let mut out = String::new();
            push_percent_normalised(&mut out, s);
            out
        };
        assert_eq!(p("%41%2f%7E%7e"), "A%2F~~");
        assert_eq!(p("%zz%4"), "%25zz%254");
        assert_eq!(p("100%"), "100%25");
        assert_eq!(p("%e2%82%ac"), "%E2%82%AC");
    }

    #[test]
    fn masks() {
        assert_eq!(mask32(0), 0);
        assert_eq!(mask32(8), 0xff00_0000);
        assert_eq!(mask32(32), u32::MAX);
        assert_eq!(mask128(0), 0);
        assert_eq!(mask128(128), u128::MAX);
    }
}
