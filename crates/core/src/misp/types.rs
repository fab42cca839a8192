//! What a MISP attribute type denotes in STIX: the comparisons on cyber-observable properties
//! that an indicator's pattern tests and an observed-data's objects carry. The object paths are
//! the ones simpul-observable canonicalises ([`simpul_observable::stix::candidate_types`]), so a
//! MISP value is keyed, matched and correlated like the same value shared as STIX.
//!
//! The table is documented in `MAPPING.md` next to this file.

/// A literal of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lit {
    Str(String),
    Int(i64),
}

impl Lit {
    /// The literal as a STIX pattern writes it.
    pub fn pattern(&self) -> String {
        match self {
            Lit::Str(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
            Lit::Int(i) => i.to_string(),
        }
    }

    pub fn json(&self) -> serde_json::Value {
        match self {
            Lit::Str(s) => serde_json::Value::String(s.clone()),
            Lit::Int(i) => serde_json::Value::from(*i),
        }
    }
}

/// `sco:path = value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cmp {
    pub sco: &'static str,
    /// The object path after the `:` (`value`, `hashes.'SHA-256'`, `resolves_to_refs[*].value`).
    pub path: &'static str,
    pub value: Lit,
}

fn cmp(sco: &'static str, path: &'static str, value: &str) -> Cmp {
    Cmp {
        sco,
        path,
        value: Lit::Str(value.trim().to_owned()),
    }
}

/// What an attribute type becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mapped {
    /// Comparisons on cyber-observables (an indicator's pattern, or observed-data's objects).
    Observable(Vec<Cmp>),
    /// Free text: a STIX `note`.
    Note,
    /// Neither: kept as a custom observable, with a warning saying why.
    Custom(String),
}

/// The STIX hash name of a MISP hash type.
pub fn hash_path(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "md5" => "hashes.MD5",
        "sha1" => "hashes.'SHA-1'",
        "sha256" => "hashes.'SHA-256'",
        "sha512" => "hashes.'SHA-512'",
        "ssdeep" => "hashes.SSDEEP",
        "tlsh" => "hashes.TLSH",
        _ => return None,
    })
}

/// `ipv4-addr:value` or `ipv6-addr:value`, by the value's form.
pub fn ip_sco(value: &str) -> &'static str {
    if value.contains(':') {
        "ipv6-addr"
    } else {
        "ipv4-addr"
    }
}

fn ip(value: &str) -> Cmp {
    cmp(ip_sco(value), "value", value)
}

/// Splits `a|b` (a MISP composite value) at its first `|`.
fn pair<'v>(kind: &str, value: &'v str) -> Result<(&'v str, &'v str), String> {
    value
        .split_once('|')
        .map(|(a, b)| (a.trim(), b.trim()))
        .filter(|(a, b)| !a.is_empty() && !b.is_empty())
        .ok_or_else(|| format!("a {kind} value must be two parts joined by '|'"))
}

fn port(kind: &str, p: &str) -> Result<i64, String> {
    p.parse::<u16>()
        .map(i64::from)
        .map_err(|_| format!("the port of a {kind} value must be 0–65535"))
}

/// A registry key with its hive named in full (`HKLM\\…` → `HKEY_LOCAL_MACHINE\\…`), as STIX
/// requires.
fn full_hive(key: &str) -> String {
    const HIVES: &[(&str, &str)] = &[
        ("HKLM", "HKEY_LOCAL_MACHINE"),
        ("HKCU", "HKEY_CURRENT_USER"),
        ("HKCR", "HKEY_CLASSES_ROOT"),
        ("HKU", "HKEY_USERS"),
        ("HKCC", "HKEY_CURRENT_CONFIG"),
    ];
    let (hive, rest) = key.split_once('\\').unwrap_or((key, ""));
    match HIVES
        .iter()
        .find(|(short, _)| hive.eq_ignore_ascii_case(short))
    {
        Some((_, long)) if rest.is_empty() => (*long).to_owned(),
        Some((_, long)) => format!("{long}\\{rest}"),
        None => key.to_owned(),
    }
}

/// The mapping of the attribute type `kind` with `value`.
pub fn map(kind: &str, value: &str) -> Mapped {
    match observable(kind, value) {
        Ok(Some(cmps)) => Mapped::Observable(cmps),
        Ok(None) if matches!(kind, "text" | "comment" | "other") => Mapped::Note,
        Ok(None) => Mapped::Custom(format!(
            "MISP attribute type '{}' has no STIX mapping: kept as a custom x-misp-attribute \
             observable",
            crate::error::excerpt(kind)
        )),
        Err(why) => Mapped::Custom(format!(
            "{why}: kept as a custom x-misp-attribute observable"
        )),
    }
}

/// The comparisons of a known observable type; `None` for a type with no observable mapping.
fn observable(kind: &str, value: &str) -> Result<Option<Vec<Cmp>>, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(format!("an empty {kind} value"));
    }
    let one = |sco, path| Ok(Some(vec![cmp(sco, path, v)]));
    match kind {
        "ip-src" | "ip-dst" => Ok(Some(vec![ip(v)])),
        "ip-src|port" | "ip-dst|port" => {
            let (addr, p) = pair(kind, v)?;
            let p = port(kind, p)?;
            let (r, port_path) = if kind == "ip-src|port" {
                ("src_ref.value", "src_port")
            } else {
                ("dst_ref.value", "dst_port")
            };
            Ok(Some(vec![
                cmp("network-traffic", r, addr),
                Cmp {
                    sco: "network-traffic",
                    path: port_path,
                    value: Lit::Int(p),
                },
            ]))
        }
        "domain" | "hostname" => one("domain-name", "value"),
        "domain|ip" | "hostname|ip" => {
            let (d, a) = pair(kind, v)?;
            Ok(Some(vec![
                cmp("domain-name", "value", d),
                cmp("domain-name", "resolves_to_refs[*].value", a),
            ]))
        }
        "url" => one("url", "value"),
        "uri" if v.contains("://") => one("url", "value"),
        "uri" => Err("a uri without a scheme is no STIX url".into()),
        "email" | "email-src" | "email-dst" | "whois-registrant-email" | "email-reply-to" => {
            one("email-addr", "value")
        }
        "email-subject" => one("email-message", "subject"),
        "filename" => one("file", "name"),
        "size-in-bytes" => match v.parse::<i64>() {
            Ok(n) if n >= 0 => Ok(Some(vec![Cmp {
                sco: "file",
                path: "size",
                value: Lit::Int(n),
            }])),
            _ => Err("a size-in-bytes value must be a whole number".into()),
        },
        "AS" => {
            let digits = v.trim_start_matches("AS").trim_start_matches("as");
            match digits.parse::<u32>() {
                Ok(n) => Ok(Some(vec![Cmp {
                    sco: "autonomous-system",
                    path: "number",
                    value: Lit::Int(i64::from(n)),
                }])),
                Err(_) => Err("an AS value must be a number (AS64496 or 64496)".into()),
            }
        }
        "mac-address" => Ok(Some(vec![cmp(
            "mac-addr",
            "value",
            &v.to_ascii_lowercase().replace('-', ":"),
        )])),
        "regkey" => Ok(Some(vec![cmp(
            "windows-registry-key",
            "key",
            &full_hive(v),
        )])),
        "regkey|value" => {
            let (k, d) = pair(kind, v)?;
            Ok(Some(vec![
                cmp("windows-registry-key", "key", &full_hive(k)),
                cmp("windows-registry-key", "values[*].data", d),
            ]))
        }
        "mutex" => one("mutex", "name"),
        "user-agent" => one(
            "network-traffic",
            "extensions.'http-request-ext'.request_header.'User-Agent'",
        ),
        "btc" | "xmr" => one("cryptocurrency-wallet", "value"),
        "phone-number" => one("phone-number", "value"),
        "iban" => one("bank-account", "iban"),
        "bic" => one("bank-account", "bic"),
        "bank-account-nr" => one("bank-account", "account_number"),
        "cc-number" => one("payment-card", "card_number"),
        k => {
            if let Some(path) = hash_path(k) {
                return one("file", path);
            }
            if let Some(h) = k.strip_prefix("filename|")
                && let Some(path) = hash_path(h)
            {
                let (name, hash) = pair(kind, v)?;
                return Ok(Some(vec![
                    cmp("file", "name", name),
                    cmp("file", path, hash),
                ]));
            }
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_escaped_for_patterns() {
        assert_eq!(Lit::Str("a'b\\c".into()).pattern(), r"'a\'b\\c'");
        assert_eq!(Lit::Int(443).pattern(), "443");
    }

    #[test]
    fn bad_composite_values_become_custom_with_the_reason() {
        let Mapped::Custom(why) = map("ip-dst|port", "192.0.2.1|99999") else {
            panic!("not custom");
        };
        assert!(why.contains("0–65535"), "{why}");
        let Mapped::Custom(why) = map("domain|ip", "example.com") else {
            panic!("not custom");
        };
        assert!(why.contains("joined by '|'"), "{why}");
        assert!(matches!(map("vulnerability", "CVE-1"), Mapped::Custom(_)));
        assert!(matches!(map("uri", "/login.php"), Mapped::Custom(_)));
        assert_eq!(map("comment", "hello"), Mapped::Note);
    }
}
