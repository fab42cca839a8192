//! Index behaviour: CIDR, suffix, residual patterns, replace, revoke, expire.

use serde_json::{Value, json};
use simpul_matcher::{Index, Never, Outcome, Route, Tlp};
use simpul_observable::{Canonical, Context, ObservableType as T, detect_canonical, normalise};
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

fn id(n: u32) -> String {
    format!("indicator--00000000-0000-4000-8000-{n:012}")
}

fn key(s: &str) -> Canonical {
    detect_canonical(s).unwrap()
}

fn hits(ix: &Index, s: &str) -> Vec<String> {
    hits_at(ix, s, NOW)
}

fn hits_at(ix: &Index, s: &str, now: OffsetDateTime) -> Vec<String> {
    let mut v: Vec<String> = ix
        .matches(&key(s), now)
        .into_iter()
        .map(|s| ix.indicator(s).unwrap().id().to_owned())
        .collect();
    v.sort();
    v
}

fn index(patterns: &[&str]) -> Index {
    let mut ix = Index::default();
    for (i, p) in patterns.iter().enumerate() {
        ix.offer(&ind(u32::try_from(i).unwrap(), p), NOW).unwrap();
    }
    ix
}

#[test]
fn exact_keys_are_normalised() {
    let ix = index(&[
        "[domain-name:value = 'Evil.Example.']",
        "[url:value = 'HTTP://evil.example:80/a']",
        "[file:hashes.'SHA-256' = 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855']",
        "[phone-number:value = '+62 812 3456 7890']",
        "[email-addr:value = 'a@b.example' OR domain-name:value IN ('x.example', 'y.example')]",
    ]);
    assert_eq!(hits(&ix, "evil.example"), [id(0)]);
    assert_eq!(hits(&ix, "http://EVIL.example/a"), [id(1)]);
    assert_eq!(
        hits(
            &ix,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        ),
        [id(2)]
    );
    let ctx = Context::with_region(simpul_observable::Region::parse("ID").unwrap());
    let local = normalise(T::Phone, "0812-3456-7890", &ctx).unwrap();
    assert_eq!(ix.matches(&local, NOW).len(), 1);
    assert_eq!(hits(&ix, "y.example"), [id(4)]);
    assert_eq!(hits(&ix, "a@b.example"), [id(4)]);
    assert!(hits(&ix, "sub.evil.example").is_empty());
    assert!(hits(&ix, "b.example").is_empty());
}

#[test]
fn cidr_containment() {
    let ix = index(&[
        "[ipv4-addr:value ISSUBSET '10.0.0.0/8']",
        "[ipv4-addr:value = '10.1.0.0/16']",
        "[ipv4-addr:value = '10.1.2.3']",
        "[ipv6-addr:value ISSUBSET '2001:db8::/32']",
    ]);
    assert_eq!(hits(&ix, "10.1.2.3"), [id(0), id(1), id(2)]);
    assert_eq!(hits(&ix, "10.1.9.9"), [id(0), id(1)]);
    assert_eq!(hits(&ix, "10.200.0.1"), [id(0)]);
    assert!(hits(&ix, "11.0.0.1").is_empty());
    // A block inside a block is a subset; a wider one is not.
    assert_eq!(hits(&ix, "10.1.2.0/24"), [id(0), id(1)]);
    assert!(hits(&ix, "10.0.0.0/7").is_empty());
    assert_eq!(hits(&ix, "2001:db8::1"), [id(3)]);
    assert!(hits(&ix, "2001:db9::1").is_empty());
    assert_eq!(ix.stats().cidrs, 3);
}

#[test]
fn domain_suffixes() {
    let ix = index(&[
        "[domain-name:value LIKE '%.example.com']",
        r"[domain-name:value MATCHES '(^|\\.)evil\\.net$']",
        r"[domain-name:value MATCHES '\\.bad\\.org$']",
    ]);
    assert_eq!(hits(&ix, "a.example.com"), [id(0)]);
    assert_eq!(hits(&ix, "x.y.example.com"), [id(0)]);
    assert!(hits(&ix, "example.com").is_empty(), "LIKE '%.d' is strict");
    assert!(hits(&ix, "badexample.com").is_empty());
    assert_eq!(hits(&ix, "evil.net"), [id(1)]);
    assert_eq!(hits(&ix, "www.evil.net"), [id(1)]);
    assert!(hits(&ix, "notevil.net").is_empty());
    assert_eq!(hits(&ix, "c.bad.org"), [id(2)]);
    assert!(hits(&ix, "bad.org").is_empty());
    assert_eq!(ix.stats().indexed, 3);
    assert_eq!(ix.stats().residual, 0);
}

#[test]
fn residual_patterns_are_evaluated() {
    let ix = index(&[
        "[domain-name:value LIKE '%evil%']",
        "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e' AND file:name = 'x.exe']",
        "[url:value MATCHES '^https?://[a-z]+\\\\.example/login']",
        "[domain-name:value = 'a.example'] START t'2026-01-01T00:00:00Z' STOP t'2026-02-01T00:00:00Z'",
        "[domain-name:value = 'a.example'] REPEATS 2 TIMES",
    ]);
    let st = ix.stats();
    assert_eq!(st.residual, 5, "{st:?}");
    assert_eq!(hits(&ix, "my-evil-site.com"), [id(0)]);
    assert!(hits(&ix, "good.com").is_empty());
    // Only a hash: the AND needs a file name in the same object.
    assert!(hits(&ix, "d41d8cd98f00b204e9800998ecf8427e").is_empty());
    assert_eq!(hits(&ix, "https://shop.example/login?x=1"), [id(2)]);
    // START/STOP is judged at `now`; REPEATS 2 never fires from one observable.
    assert!(hits(&ix, "a.example").is_empty());
    assert_eq!(
        hits_at(&ix, "a.example", datetime!(2026-01-15 00:00 UTC)),
        [id(3)]
    );
}

#[test]
fn multi_observation_patterns_never_fire() {
    let mut ix = Index::default();
    let out = ix
        .offer(
            &ind(
                1,
                "[domain-name:value = 'a.example'] AND [ipv4-addr:value = '192.0.2.1']",
            ),
            NOW,
        )
        .unwrap();
    assert_eq!(out, Outcome::Added(Route::Never(Never::MultiObservation)));
    assert!(hits(&ix, "a.example").is_empty());
    assert!(hits(&ix, "192.0.2.1").is_empty());
    assert_eq!(ix.len(), 1);
}

#[test]
fn replace_takes_newer_versions_only() {
    let mut ix = Index::default();
    let mut v1 = ind(1, "[domain-name:value = 'old.example']");
    ix.offer(&v1, NOW).unwrap();
    let mut v2 = ind(1, "[domain-name:value = 'new.example']");
    v2["modified"] = json!("2026-02-01T00:00:00Z");
    v2["name"] = json!("renamed");
    assert_eq!(
        ix.offer(&v2, NOW).unwrap(),
        Outcome::Replaced(Route::Indexed)
    );
    assert!(hits(&ix, "old.example").is_empty());
    assert_eq!(hits(&ix, "new.example"), [id(1)]);
    assert_eq!(ix.get(&id(1)).unwrap().name(), Some("renamed"));
    // An older version arriving late changes nothing.
    v1["name"] = json!("late");
    assert_eq!(ix.offer(&v1, NOW).unwrap(), Outcome::Stale);
    assert_eq!(hits(&ix, "new.example"), [id(1)]);
    assert_eq!(ix.len(), 1);
    assert_eq!(ix.stats().exact_keys, 1);
}

#[test]
fn revoke_is_final() {
    let mut ix = index(&[
        "[domain-name:value = 'a.example']",
        "[domain-name:value = 'a.example']",
    ]);
    assert_eq!(hits(&ix, "a.example"), [id(0), id(1)]);
    let mut rev = ind(0, "[domain-name:value = 'a.example']");
    rev["modified"] = json!("2026-03-01T00:00:00Z");
    rev["revoked"] = json!(true);
    assert_eq!(ix.offer(&rev, NOW).unwrap(), Outcome::Revoked);
    assert_eq!(hits(&ix, "a.example"), [id(1)]);
    let mut again = ind(0, "[domain-name:value = 'a.example']");
    again["modified"] = json!("2026-04-01T00:00:00Z");
    assert_eq!(ix.offer(&again, NOW).unwrap(), Outcome::AlreadyRevoked);
    assert!(ix.revoke(&id(1)));
    assert!(hits(&ix, "a.example").is_empty());
    assert_eq!(
        ix.stats().exact_keys,
        0,
        "entries are removed, not just hidden"
    );
}

#[test]
fn expire_by_valid_until() {
    let mut ix = Index::default();
    let mut a = ind(1, "[ipv4-addr:value ISSUBSET '192.0.2.0/24']");
    a["valid_until"] = json!("2026-07-01T00:00:00Z");
    let mut b = ind(2, "[ipv4-addr:value = '192.0.2.7']");
    b["valid_until"] = json!("2026-08-01T00:00:00Z");
    let mut gone = ind(3, "[ipv4-addr:value = '192.0.2.7']");
    gone["valid_until"] = json!("2026-05-01T00:00:00Z");
    ix.offer(&a, NOW).unwrap();
    ix.offer(&b, NOW).unwrap();
    assert_eq!(ix.offer(&gone, NOW).unwrap(), Outcome::Expired);
    assert_eq!(hits(&ix, "192.0.2.7"), [id(1), id(2)]);
    let july = datetime!(2026-07-01 00:00 UTC);
    // Lookups already skip what has expired…
    assert_eq!(hits_at(&ix, "192.0.2.7", july), [id(2)]);
    // …and expire frees it.
    assert_eq!(ix.expire(july), 1);
    assert_eq!(ix.len(), 1);
    assert_eq!(ix.stats().cidrs, 0);
    assert_eq!(ix.expire(datetime!(2027-01-01 00:00 UTC)), 1);
    assert!(ix.is_empty());
}

#[test]
fn metadata_for_hits() {
    let mut ix = Index::default();
    let mut v = ind(1, "[domain-name:value = 'a.example']");
    v["object_marking_refs"] = json!([
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
    ]);
    v["created_by_ref"] = json!("identity--11111111-1111-4111-8111-111111111111");
    v["valid_until"] = json!("2027-01-01T00:00:00.000Z");
    ix.offer(&v, NOW).unwrap();
    let c = key("a.example");
    let s = ix.matches(&c, NOW)[0];
    let hit = simpul_matcher::hit_json("A.example", &c, ix.indicator(s).unwrap());
    assert_eq!(
        hit,
        json!({
            "observable": "A.example", "type": "domain", "canonical": "a.example",
            "indicator_id": id(1), "indicator_name": "ind 1", "tlp": "TLP:AMBER+STRICT",
            "created_by_ref": "identity--11111111-1111-4111-8111-111111111111",
            "valid_until": "2027-01-01T00:00:00Z"
        })
    );
    assert_eq!(
        Tlp::from_marking_id("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"),
        Some(Tlp::Clear)
    );
}

#[test]
fn other_objects_are_refused_with_a_reason() {
    let mut ix = Index::default();
    let mut sigma = ind(1, "title: x");
    sigma["pattern_type"] = json!("sigma");
    let e = ix.offer(&sigma, NOW).unwrap_err();
    assert!(
        e.to_string().contains("pattern_type \"sigma\" is not stix"),
        "{e}"
    );
    let e = ix
        .offer(&ind(2, "[domain-name:value = ]"), NOW)
        .unwrap_err();
    assert!(e.to_string().contains("bad pattern"), "{e}");
    let e = ix.offer(&json!({"type": "malware"}), NOW).unwrap_err();
    assert!(e.to_string().contains("not an indicator"), "{e}");
    assert!(ix.is_empty());
}

#[test]
fn not_yet_valid_indicators_do_not_fire() {
    let mut ix = Index::default();
    let mut v = ind(1, "[domain-name:value = 'soon.example']");
    v["valid_from"] = json!("2026-09-01T00:00:00Z");
    ix.offer(&v, NOW).unwrap();
    assert!(hits(&ix, "soon.example").is_empty());
    assert_eq!(
        hits_at(&ix, "soon.example", datetime!(2026-09-01 00:00 UTC)),
        [id(1)]
    );
}
