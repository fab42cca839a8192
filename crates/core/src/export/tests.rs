use time::macros::datetime;

use super::*;

fn fields(pattern: &str, from: Option<&str>, until: Option<&str>) -> Fields {
    let t = |s: Option<&str>| {
        s.map(|s| OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).unwrap())
    };
    Fields {
        facts: Facts::with_kinds(
            &serde_json::json!({}),
            Vec::new(),
            datetime!(2026-01-01 00:00 UTC),
        ),
        name: None,
        pattern: Some(pattern.into()),
        valid_from: t(from),
        valid_until_at: t(until),
        valid_until: None,
    }
}

fn shown(f: &Fields) -> Option<Vec<String>> {
    f.values().map(|vs| {
        vs.iter()
            .map(|v| match v {
                Value::Exact(c) => format!("exact {c}"),
                Value::Suffix(d) => format!("suffix {d}"),
                Value::Cidr(c) => format!("cidr {c}"),
            })
            .collect()
    })
}

#[test]
fn only_exact_disjunctions_are_exported() {
    let f = fields(
        "[domain-name:value = 'Evil.Example'] OR [ipv4-addr:value = '198.51.100.0/24'] \
         OR [domain-name:value LIKE '%.scam.example']",
        None,
        None,
    );
    assert_eq!(
        shown(&f).unwrap(),
        [
            "exact domain|evil.example",
            "cidr ipv4-cidr|198.51.100.0/24",
            "suffix scam.example"
        ]
    );
    // Two observations must both be seen: no single value means the indicator.
    let f = fields(
        "[domain-name:value = 'a.example'] AND [ipv4-addr:value = '192.0.2.1']",
        None,
        None,
    );
    assert_eq!(shown(&f), None);
    assert_eq!(
        shown(&fields("[domain-name:value != 'a.example']", None, None)),
        None
    );
    assert_eq!(shown(&fields("not a pattern", None, None)), None);
}

#[test]
fn validity_is_checked_against_now() {
    let now = datetime!(2026-06-01 00:00 UTC);
    let p = "[domain-name:value = 'a.example']";
    assert!(fields(p, None, None).valid_at(now));
    assert!(
        fields(
            p,
            Some("2026-01-01T00:00:00Z"),
            Some("2026-07-01T00:00:00Z")
        )
        .valid_at(now)
    );
    assert!(!fields(p, Some("2026-07-01T00:00:00Z"), None).valid_at(now));
    assert!(!fields(p, None, Some("2026-06-01T00:00:00Z")).valid_at(now));
}

#[test]
fn formats_are_named_and_pap_gates_blocking() {
    assert_eq!(Format::parse("rpz").unwrap(), Format::Rpz);
    assert_eq!(Format::parse("RPZ").unwrap_err().path, "format");
    assert!(allows_blocking(None));
    assert!(allows_blocking(Some(Pap::Green)));
    assert!(!allows_blocking(Some(Pap::Amber)));
    assert!(!allows_blocking(Some(Pap::Red)));
}
