//! Property: the index and the pattern evaluator agree on random indicators and observables
//! (canonical literals; observables as SCOs wrapped in observed-data).

use proptest::prelude::*;
use serde_json::json;
use simpul_matcher::{Index, sco};
use simpul_observable::{Canonical, Cidr, detect_canonical};
use time::macros::datetime;

const LABELS: &[&str] = &["a", "b", "evil", "example", "xn--bcher-kva"];
const TLDS: &[&str] = &["com", "net"];
const HASHES: &[&str] = &[
    "d41d8cd98f00b204e9800998ecf8427e",
    "0cc175b9c0f1b6a831c399e269772661",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb",
];

fn domain() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(prop::sample::select(LABELS), 1..=3),
        prop::sample::select(TLDS),
    )
        .prop_map(|(labels, tld)| format!("{}.{tld}", labels.join(".")))
}

fn ipv4() -> impl Strategy<Value = [u8; 4]> {
    (0u8..2, 0u8..3, 0u8..6).prop_map(|(b, c, d)| [10, b, c, d])
}

fn cidr() -> impl Strategy<Value = String> {
    (ipv4(), prop::sample::select(&[8u8, 16, 23, 24, 30, 31][..])).prop_map(|(ip, p)| {
        Cidr::new(std::net::Ipv4Addr::from(ip).into(), p)
            .unwrap()
            .to_string()
    })
}

fn url() -> impl Strategy<Value = String> {
    (domain(), prop::sample::select(&["", "login", "a/b"][..]))
        .prop_map(|(d, p)| format!("http://{d}/{p}"))
}

fn ip_str(ip: [u8; 4]) -> String {
    std::net::Ipv4Addr::from(ip).to_string()
}

fn re(d: &str) -> String {
    // A regex for D as written inside a pattern string: `\.` is `\\.` there.
    d.replace('.', "\\\\.")
}

fn comparison() -> impl Strategy<Value = String> {
    prop_oneof![
        domain().prop_map(|d| format!("domain-name:value = '{d}'")),
        (domain(), domain()).prop_map(|(a, b)| format!("domain-name:value IN ('{a}', '{b}')")),
        domain().prop_map(|d| format!("domain-name:value LIKE '%.{d}'")),
        domain().prop_map(|d| format!("domain-name:value MATCHES '(^|\\\\.){}$'", re(&d))),
        domain().prop_map(|d| format!("domain-name:value MATCHES '\\\\.{}$'", re(&d))),
        domain().prop_map(|d| format!("domain-name:value MATCHES '^{}$'", re(&d))),
        prop::sample::select(LABELS).prop_map(|l| format!("domain-name:value LIKE '%{l}%'")),
        domain().prop_map(|d| format!("domain-name:value != '{d}'")),
        ipv4().prop_map(|ip| format!("ipv4-addr:value = '{}'", ip_str(ip))),
        cidr().prop_map(|c| format!("ipv4-addr:value ISSUBSET '{c}'")),
        prop::sample::select(&HASHES[..2]).prop_map(|h| format!("file:hashes.MD5 = '{h}'")),
        prop::sample::select(&HASHES[2..]).prop_map(|h| format!("file:hashes.'SHA-256' = '{h}'")),
        url().prop_map(|u| format!("url:value = '{u}'")),
    ]
}

fn pattern() -> impl Strategy<Value = String> {
    let bracket = (
        prop::collection::vec(comparison(), 1..=3),
        prop::sample::select(&[" OR ", " AND "][..]),
    )
        .prop_map(|(cs, op)| format!("[{}]", cs.join(op)));
    (
        prop::collection::vec(bracket, 1..=2),
        prop::sample::select(&[" OR ", " AND ", " FOLLOWEDBY "][..]),
    )
        .prop_map(|(bs, op)| bs.join(op))
}

fn observable() -> impl Strategy<Value = Canonical> {
    prop_oneof![
        3 => domain(),
        2 => ipv4().prop_map(ip_str),
        1 => cidr(),
        1 => prop::sample::select(HASHES).prop_map(str::to_owned),
        1 => url(),
    ]
    .prop_map(|s| detect_canonical(&s).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn index_agrees_with_evaluator(
        patterns in prop::collection::vec(pattern(), 1..6),
        observables in prop::collection::vec(observable(), 1..8),
    ) {
        let now = datetime!(2026-06-01 00:00 UTC);
        let mut ix = Index::default();
        let mut parsed = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            let id = format!("indicator--00000000-0000-4000-8000-{i:012}");
            ix.offer(&json!({
                "type": "indicator", "id": id, "pattern_type": "stix", "pattern": p,
                "created": "2026-01-01T00:00:00Z", "modified": "2026-01-01T00:00:00Z",
            }), now).unwrap();
            parsed.push((id, simpul_pattern::parse(p).unwrap()));
        }
        for c in &observables {
            let observation = [sco::observation(c, "2026-06-01T00:00:00Z")];
            let mut want: Vec<&str> = parsed
                .iter()
                .filter(|(_, p)| p.matches(&observation).is_ok_and(|r| r.matched))
                .map(|(id, _)| id.as_str())
                .collect();
            want.sort_unstable();
            let mut got: Vec<&str> = ix
                .matches(c, now)
                .into_iter()
                .map(|s| ix.indicator(s).unwrap().id())
                .collect();
            got.sort_unstable();
            prop_assert_eq!(got, want, "observable {}, patterns {:?}", c, patterns);
        }
    }
}
