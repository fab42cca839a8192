//! Which part of an observable matched: a URL's host (a domain, an address, inside a block), the
//! parent domains of a domain or of a URL's host against suffix indicators; and the detached
//! entries (`insert`/`remove_slot`) a caller keeps its own identity for.

use serde_json::{Value, json};
use simpul_matcher::input::{Format, Matching, Reader, Source};
use simpul_matcher::{Finds, Index, Part};
use simpul_observable::{Canonical, Context, detect_canonical};
use time::OffsetDateTime;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-06-01 00:00 UTC);

fn ind(n: u32, pattern: &str) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-8000-{n:012}"),
        "created": "2026-01-01T00:00:00Z", "modified": "2026-01-01T00:00:00Z",
        "name": format!("ind {n}"), "pattern_type": "stix", "pattern": pattern,
        "valid_from": "2026-01-01T00:00:00Z",
    })
}

fn index(patterns: &[&str]) -> Index {
    let mut ix = Index::default();
    for (i, p) in patterns.iter().enumerate() {
        ix.offer(&ind(u32::try_from(i).unwrap(), p), NOW).unwrap();
    }
    ix
}

fn key(s: &str) -> Canonical {
    detect_canonical(s).unwrap()
}

/// (indicator name, part, matched key), sorted.
fn parts(ix: &Index, s: &str) -> Vec<(String, Option<&'static str>, Option<String>)> {
    let c = key(s);
    let mut finds = Finds::default();
    ix.find(&c, NOW, &mut finds);
    let mut v: Vec<_> = finds
        .found()
        .iter()
        .map(|f| {
            (
                ix.indicator(f.slot).unwrap().name().unwrap().to_owned(),
                f.part.name(),
                finds.matched(&c, f).map(str::to_owned),
            )
        })
        .collect();
    v.sort();
    v
}

fn one(
    name: &str,
    part: Option<&'static str>,
    matched: Option<&str>,
) -> Vec<(String, Option<&'static str>, Option<String>)> {
    vec![(name.to_owned(), part, matched.map(str::to_owned))]
}

#[test]
fn a_url_also_checks_its_host() {
    let ix = index(&[
        "[domain-name:value = 'bank-login-verify.example']",
        "[ipv4-addr:value = '198.51.100.7']",
        "[ipv4-addr:value ISSUBSET '203.0.113.0/24']",
        "[ipv6-addr:value = '2001:db8::1']",
    ]);
    assert_eq!(
        parts(&ix, "https://bank-login-verify.example/login"),
        one("ind 0", Some("host"), Some("bank-login-verify.example"))
    );
    // Case, the root dot and a port do not matter: the host is a canonical key.
    assert_eq!(
        parts(&ix, "HTTPS://Bank-Login-Verify.Example.:8443/x?y=1"),
        one("ind 0", Some("host"), Some("bank-login-verify.example"))
    );
    assert_eq!(
        parts(&ix, "http://198.51.100.7/a.php"),
        one("ind 1", Some("host"), Some("198.51.100.7"))
    );
    assert_eq!(
        parts(&ix, "http://203.0.113.99:8080/"),
        one("ind 2", Some("host"), Some("203.0.113.99"))
    );
    assert_eq!(
        parts(&ix, "http://[2001:db8::1]/"),
        one("ind 3", Some("host"), Some("2001:db8::1"))
    );
    // The value itself hits as before: no part.
    assert_eq!(
        parts(&ix, "bank-login-verify.example"),
        one("ind 0", None, None)
    );
    assert_eq!(parts(&ix, "203.0.113.1"), one("ind 2", None, None));
    // Only the host, not a look-alike elsewhere in the URL.
    assert!(parts(&ix, "http://good.example/bank-login-verify.example").is_empty());
    assert!(parts(&ix, "http://sub.bank-login-verify.example/").is_empty());
    // `lookup` keeps deciding the value alone (what the pattern evaluator agrees with).
    assert!(
        ix.matches(&key("https://bank-login-verify.example/login"), NOW)
            .is_empty()
    );
}

#[test]
fn parent_domains_against_suffix_indicators() {
    let ix = index(&[
        "[domain-name:value LIKE '%.evil.example']",
        r"[domain-name:value MATCHES '(^|\\.)scam\\.example$']",
        "[url:value = 'http://a.scam.example/pay']",
    ]);
    assert_eq!(
        parts(&ix, "a.b.evil.example"),
        one("ind 0", Some("parent-domain"), Some("evil.example"))
    );
    assert!(
        parts(&ix, "evil.example").is_empty(),
        "strict subdomains only"
    );
    // The inclusive shape: the domain itself is the value, its subdomains hit by the parent.
    assert_eq!(parts(&ix, "scam.example"), one("ind 1", None, None));
    assert_eq!(
        parts(&ix, "www.scam.example"),
        one("ind 1", Some("parent-domain"), Some("scam.example"))
    );
    // A URL's host against suffix indicators too.
    assert_eq!(
        parts(&ix, "https://login.evil.example/x"),
        one("ind 0", Some("parent-domain"), Some("evil.example"))
    );
    // An indicator hit by the value and by a part is reported once, by the value.
    let mut both = parts(&ix, "http://a.scam.example/pay");
    both.sort();
    assert_eq!(
        both,
        vec![
            (
                "ind 1".to_owned(),
                Some("parent-domain"),
                Some("scam.example".to_owned())
            ),
            ("ind 2".to_owned(), None, None),
        ]
    );
}

#[test]
fn an_indicator_hit_by_value_and_host_is_one_hit_by_the_value() {
    let ix = index(&["[url:value = 'http://a.example/' OR domain-name:value = 'a.example']"]);
    assert_eq!(parts(&ix, "http://a.example/"), one("ind 0", None, None));
    assert_eq!(
        parts(&ix, "http://a.example/other"),
        one("ind 0", Some("host"), Some("a.example"))
    );
}

#[test]
fn residual_patterns_see_the_host() {
    let ix = index(&["[domain-name:value MATCHES '^bank-.*\\\\.example$']"]);
    assert_eq!(
        parts(&ix, "https://bank-login-verify.example/login"),
        one("ind 0", Some("host"), Some("bank-login-verify.example"))
    );
    assert_eq!(parts(&ix, "bank-x.example"), one("ind 0", None, None));
    assert!(parts(&ix, "https://other.example/bank-x.example").is_empty());
}

#[test]
fn host_hits_honour_validity() {
    let mut ix = Index::default();
    let mut expired = ind(1, "[domain-name:value = 'old.example']");
    expired["valid_until"] = json!("2026-03-01T00:00:00Z");
    ix.offer(&expired, datetime!(2026-02-01 00:00 UTC)).unwrap();
    let mut soon = ind(2, "[domain-name:value = 'soon.example']");
    soon["valid_from"] = json!("2026-09-01T00:00:00Z");
    ix.offer(&soon, NOW).unwrap();
    assert!(parts(&ix, "http://old.example/").is_empty());
    assert!(parts(&ix, "http://soon.example/").is_empty());
}

#[test]
fn hits_carry_the_part_and_whole_values_keep_their_fields() {
    let ix = index(&[
        "[domain-name:value = 'bank-login-verify.example']",
        "[domain-name:value LIKE '%.evil.example']",
    ]);
    let mut m = Matching::new(
        &ix,
        Reader::new(Format::Lines, None, None),
        Context::new(),
        NOW,
    );
    let mut hits = Vec::new();
    for (i, l) in [
        "https://bank-login-verify.example/login",
        "bank-login-verify.example",
        "x.evil.example",
    ]
    .iter()
    .enumerate()
    {
        m.line(i as u64 + 1, l, &mut |h| {
            hits.push(serde_json::to_string(h).unwrap());
        });
    }
    assert_eq!(m.summary.hits, 3);
    assert_eq!(m.summary.observables_hit, 3);
    let id0 = "indicator--00000000-0000-4000-8000-000000000000";
    let id1 = "indicator--00000000-0000-4000-8000-000000000001";
    assert_eq!(
        hits,
        [
            format!(
                r#"{{"observable":"https://bank-login-verify.example/login","type":"url","canonical":"https://bank-login-verify.example/login","indicator_id":"{id0}","indicator_name":"ind 0","tlp":null,"created_by_ref":null,"valid_until":null,"part":"host","matched":"bank-login-verify.example"}}"#
            ),
            format!(
                r#"{{"observable":"bank-login-verify.example","type":"domain","canonical":"bank-login-verify.example","indicator_id":"{id0}","indicator_name":"ind 0","tlp":null,"created_by_ref":null,"valid_until":null}}"#
            ),
            format!(
                r#"{{"observable":"x.evil.example","type":"domain","canonical":"x.evil.example","indicator_id":"{id1}","indicator_name":"ind 1","tlp":null,"created_by_ref":null,"valid_until":null,"part":"parent-domain","matched":"evil.example"}}"#
            ),
        ]
    );
    assert_eq!(Source::stats(&ix).indicators, 2);
    assert_eq!(Part::Value.name(), None);
}

#[test]
fn detached_entries_are_the_callers_to_remove() {
    let mut ix = Index::default();
    let v = ind(7, "[domain-name:value = 'twice.example']");
    // The same indicator twice (say, in two collections): two entries, both hit.
    let (a, _) = ix.insert(&v, NOW).unwrap().unwrap();
    let (b, _) = ix.insert(&v, NOW).unwrap().unwrap();
    assert_ne!(a, b);
    assert_eq!(ix.len(), 2);
    assert!(
        ix.get(v["id"].as_str().unwrap()).is_none(),
        "not known by id"
    );
    let mut got = ix.matches(&key("twice.example"), NOW);
    got.sort();
    assert_eq!(got, {
        let mut w = vec![a, b];
        w.sort();
        w
    });
    // Removing one leaves the other; the freed slot is reused.
    assert!(ix.remove_slot(a));
    assert!(!ix.remove_slot(a));
    assert_eq!(ix.matches(&key("twice.example"), NOW), [b]);
    let (c, _) = ix
        .insert(&ind(8, "[domain-name:value = 'other.example']"), NOW)
        .unwrap()
        .unwrap();
    assert_eq!(c, a);
    assert_eq!(c.index(), a.index());
    assert_eq!(ix.matches(&key("twice.example"), NOW), [b]);
    assert_eq!(ix.matches(&key("other.example"), NOW), [c]);
    // Revoked or already expired: nothing added.
    let mut revoked = ind(9, "[domain-name:value = 'r.example']");
    revoked["revoked"] = json!(true);
    assert_eq!(ix.insert(&revoked, NOW).unwrap(), None);
    let mut expired = ind(10, "[domain-name:value = 'e.example']");
    expired["valid_until"] = json!("2026-05-01T00:00:00Z");
    assert_eq!(ix.insert(&expired, NOW).unwrap(), None);
    assert!(ix.insert(&ind(11, "[domain-name:value = ]"), NOW).is_err());
    assert_eq!(ix.len(), 2);
    // A detached entry never disturbs one known by id, nor the other way round.
    ix.offer(&v, NOW).unwrap();
    assert!(ix.remove(v["id"].as_str().unwrap()));
    assert_eq!(ix.matches(&key("twice.example"), NOW), [b]);
    assert_eq!(ix.stats().indicators, 2);
}
