//! The mapping table, row by row: each MISP attribute type and object template with the exact
//! STIX pattern and cyber-observable it becomes.

use serde_json::{Value, json};

use super::{EVENT, alone, attr, event, keys, run, u};
/// (type, value, pattern, the observed object's type and properties).
const ROWS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "ip-src",
        "192.0.2.1",
        "[ipv4-addr:value = '192.0.2.1']",
        "ipv4-addr",
        r#"{"value":"192.0.2.1"}"#,
    ),
    (
        "ip-dst",
        "2001:db8::1",
        "[ipv6-addr:value = '2001:db8::1']",
        "ipv6-addr",
        r#"{"value":"2001:db8::1"}"#,
    ),
    (
        "ip-src|port",
        "192.0.2.1|8080",
        "[network-traffic:src_ref.value = '192.0.2.1' AND network-traffic:src_port = 8080]",
        "network-traffic",
        r#"{"src_port":8080,"protocols":["ipv4"]}"#,
    ),
    (
        "ip-dst|port",
        "192.0.2.9|443",
        "[network-traffic:dst_ref.value = '192.0.2.9' AND network-traffic:dst_port = 443]",
        "network-traffic",
        r#"{"dst_port":443}"#,
    ),
    (
        "domain",
        "bank-login.example",
        "[domain-name:value = 'bank-login.example']",
        "domain-name",
        r#"{"value":"bank-login.example"}"#,
    ),
    (
        "hostname",
        "www.bank-login.example",
        "[domain-name:value = 'www.bank-login.example']",
        "domain-name",
        r#"{"value":"www.bank-login.example"}"#,
    ),
    (
        "domain|ip",
        "bank-login.example|192.0.2.7",
        "[domain-name:value = 'bank-login.example' AND domain-name:resolves_to_refs[*].value = '192.0.2.7']",
        "domain-name",
        r#"{"value":"bank-login.example"}"#,
    ),
    (
        "url",
        "https://bank-login.example/verify",
        "[url:value = 'https://bank-login.example/verify']",
        "url",
        r#"{"value":"https://bank-login.example/verify"}"#,
    ),
    (
        "uri",
        "http://bank-login.example/verify.php",
        "[url:value = 'http://bank-login.example/verify.php']",
        "url",
        r#"{"value":"http://bank-login.example/verify.php"}"#,
    ),
    (
        "email-src",
        "support@bank-login.example",
        "[email-addr:value = 'support@bank-login.example']",
        "email-addr",
        r#"{"value":"support@bank-login.example"}"#,
    ),
    (
        "email-dst",
        "victim@example.org",
        "[email-addr:value = 'victim@example.org']",
        "email-addr",
        r#"{"value":"victim@example.org"}"#,
    ),
    (
        "email",
        "a@example.org",
        "[email-addr:value = 'a@example.org']",
        "email-addr",
        r#"{"value":"a@example.org"}"#,
    ),
    (
        "whois-registrant-email",
        "reg@example.org",
        "[email-addr:value = 'reg@example.org']",
        "email-addr",
        r#"{"value":"reg@example.org"}"#,
    ),
    (
        "md5",
        "d41d8cd98f00b204e9800998ecf8427e",
        "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']",
        "file",
        r#"{"hashes":{"MD5":"d41d8cd98f00b204e9800998ecf8427e"}}"#,
    ),
    (
        "sha1",
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "[file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']",
        "file",
        r#"{"hashes":{"SHA-1":"da39a3ee5e6b4b0d3255bfef95601890afd80709"}}"#,
    ),
    (
        "sha256",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
        "file",
        r#"{"hashes":{"SHA-256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}"#,
    ),
    (
        "sha512",
        "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
        "[file:hashes.'SHA-512' = 'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e']",
        "file",
        r#"{}"#,
    ),
    (
        "ssdeep",
        "3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C",
        "[file:hashes.SSDEEP = '3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C']",
        "file",
        r#"{"hashes":{"SSDEEP":"3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C"}}"#,
    ),
    (
        "filename|sha256",
        "invoice.exe|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "[file:name = 'invoice.exe' AND file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
        "file",
        r#"{"name":"invoice.exe"}"#,
    ),
    (
        "filename|md5",
        "a.doc|d41d8cd98f00b204e9800998ecf8427e",
        "[file:name = 'a.doc' AND file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']",
        "file",
        r#"{"name":"a.doc"}"#,
    ),
    (
        "AS",
        "AS64496",
        "[autonomous-system:number = 64496]",
        "autonomous-system",
        r#"{"number":64496}"#,
    ),
    (
        "mac-address",
        "00-1A-2B-3C-4D-5E",
        "[mac-addr:value = '00:1a:2b:3c:4d:5e']",
        "mac-addr",
        r#"{"value":"00:1a:2b:3c:4d:5e"}"#,
    ),
    (
        "regkey",
        "HKLM\\Software\\Evil",
        "[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\Software\\\\Evil']",
        "windows-registry-key",
        r#"{"key":"HKEY_LOCAL_MACHINE\\Software\\Evil"}"#,
    ),
    (
        "mutex",
        "Global\\evilmutex",
        "[mutex:name = 'Global\\\\evilmutex']",
        "mutex",
        r#"{"name":"Global\\evilmutex"}"#,
    ),
    (
        "btc",
        "1BoatSLRTtKwQQ9xbeyaJSmpeQkeZgvMSU",
        "[cryptocurrency-wallet:value = '1BoatSLRTtKwQQ9xbeyaJSmpeQkeZgvMSU']",
        "cryptocurrency-wallet",
        r#"{"value":"1BoatSLRTtKwQQ9xbeyaJSmpeQkeZgvMSU"}"#,
    ),
    (
        "xmr",
        "4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge",
        "[cryptocurrency-wallet:value = '4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge']",
        "cryptocurrency-wallet",
        r#"{}"#,
    ),
    (
        "phone-number",
        "+41 79 123 45 67",
        "[phone-number:value = '+41 79 123 45 67']",
        "phone-number",
        r#"{"value":"+41 79 123 45 67"}"#,
    ),
    (
        "iban",
        "CH93 0076 2011 6238 5295 7",
        "[bank-account:iban = 'CH93 0076 2011 6238 5295 7']",
        "bank-account",
        r#"{"iban":"CH93 0076 2011 6238 5295 7"}"#,
    ),
    (
        "bic",
        "UBSWCHZH80A",
        "[bank-account:bic = 'UBSWCHZH80A']",
        "bank-account",
        r#"{"bic":"UBSWCHZH80A"}"#,
    ),
    (
        "bank-account-nr",
        "0123456789",
        "[bank-account:account_number = '0123456789']",
        "bank-account",
        r#"{"account_number":"0123456789"}"#,
    ),
    (
        "cc-number",
        "4111111111111111",
        "[payment-card:card_number = '4111111111111111']",
        "payment-card",
        r#"{"card_number":"4111111111111111"}"#,
    ),
    (
        "user-agent",
        "EvilBot/1.0",
        "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'EvilBot/1.0']",
        "x-misp-attribute",
        r#"{}"#,
    ),
];

#[test]
fn each_attribute_type_becomes_its_pattern_and_observable() {
    for (n, (kind, value, pattern, sco_type, sco_props)) in ROWS.iter().enumerate() {
        let n = n as u128 + 100;
        let out = run(
            event(json!([
                attr(n, kind, value, true),
                attr(n + 1000, kind, value, false)
            ])),
            &alone(),
        );
        let ind = out.get(&format!("indicator--{}", u(n)));
        assert_eq!(ind["pattern"], *pattern, "{kind}");
        assert_eq!(ind["x_misp_type"], *kind);
        assert_eq!(ind["valid_from"], "2026-03-01T21:20:00.000Z");
        let od = out.get(&format!("observed-data--{}", u(n + 1000)));
        let first = od["object_refs"][0].as_str().unwrap();
        let sco = out.get(first);
        assert_eq!(sco["type"], *sco_type, "{kind}");
        let want: Value = serde_json::from_str(sco_props).unwrap();
        for (k, v) in want.as_object().unwrap() {
            assert_eq!(&sco[k], v, "{kind}: {k} of {sco}");
        }
        // The indicator's canonical keys are those of the observables: they correlate.
        let sco_keys: Vec<String> = out
            .objects
            .iter()
            .filter(|o| o.get("created").is_none())
            .flat_map(keys)
            .collect();
        for k in keys(ind) {
            assert!(sco_keys.contains(&k), "{kind}: {k} not in {sco_keys:?}");
        }
        assert!(out.refused.is_empty() && out.warnings.is_empty() || *kind == "user-agent");
    }
}

#[test]
fn scam_values_are_keyed_as_simpul_keys_them() {
    let out = run(
        event(json!([
            attr(1, "phone-number", "+41 79 123 45 67", true),
            attr(2, "iban", "CH93 0076 2011 6238 5295 7", true),
            attr(3, "domain", "Bank-Login.example.", true),
        ])),
        &alone(),
    );
    let k = |n| keys(out.get(&format!("indicator--{}", u(n))));
    assert_eq!(k(1), ["phone|+41791234567"]);
    assert_eq!(k(2), ["iban|CH9300762011623852957"]);
    assert_eq!(k(3), ["domain|bank-login.example"]);
}

#[test]
fn text_becomes_a_note_and_unknown_types_a_custom_observable_with_a_warning() {
    let out = run(
        event(json!([
            attr(1, "text", "Victims are called first", false),
            attr(2, "vulnerability", "CVE-2026-0001", true)
        ])),
        &alone(),
    );
    let note = out.get(&format!("note--{}", u(1)));
    assert_eq!(note["content"], "Victims are called first");
    assert_eq!(note["object_refs"][0], format!("report--{EVENT}"));
    let custom = out.get(&format!("x-misp-attribute--{}", u(2)));
    assert_eq!(custom["x_misp_value"], "CVE-2026-0001");
    assert_eq!(custom["x_misp_type"], "vulnerability");
    assert_eq!(out.warnings.len(), 1);
    assert_eq!(out.warnings[0].0, "/Event/Attribute/1/type");
    assert!(
        out.warnings[0]
            .1
            .contains("'vulnerability' has no STIX mapping")
    );
}

pub(super) fn object(n: u128, name: &str, attrs: &[(&str, &str, &str)], to_ids: bool) -> Value {
    let attributes: Vec<Value> = attrs
        .iter()
        .enumerate()
        .map(|(i, (rel, kind, value))| {
            let mut a = attr(n * 100 + i as u128, kind, value, to_ids);
            a["object_relation"] = json!(rel);
            a
        })
        .collect();
    json!({"uuid": u(n).to_string(), "name": name, "timestamp": "1772400000",
           "Attribute": attributes})
}

/// (template, attributes (relation, type, value), pattern).
/// (relation, type, value).
type Attr = (&'static str, &'static str, &'static str);

const TEMPLATES: &[(&str, &[Attr], &str)] = &[
    (
        "phone",
        &[
            ("phone-number", "phone-number", "+41791234567"),
            ("brand", "text", "X"),
        ],
        "[phone-number:value = '+41791234567']",
    ),
    (
        "phone-number",
        &[("phone-number", "text", "+41791234567")],
        "[phone-number:value = '+41791234567']",
    ),
    (
        "bank-account",
        &[
            ("iban", "iban", "CH9300762011623852957"),
            ("swift", "bic", "UBSWCHZH80A"),
            ("account", "bank-account-nr", "62385295"),
            ("account-name", "text", "J. Doe"),
        ],
        "[bank-account:iban = 'CH9300762011623852957' AND bank-account:bic = 'UBSWCHZH80A' AND bank-account:account_number = '62385295']",
    ),
    (
        "coin-address",
        &[
            ("address", "btc", "1BoatSLRTtKwQQ9xbeyaJSmpeQkeZgvMSU"),
            ("symbol", "text", "BTC"),
        ],
        "[cryptocurrency-wallet:value = '1BoatSLRTtKwQQ9xbeyaJSmpeQkeZgvMSU']",
    ),
    (
        "phishing",
        &[
            ("url", "url", "https://bank-login.example/"),
            ("hostname", "hostname", "bank-login.example"),
            ("target", "text", "Bank X"),
        ],
        "[url:value = 'https://bank-login.example/'] AND [domain-name:value = 'bank-login.example']",
    ),
    (
        "android-app",
        &[
            ("appid", "text", "com.fake.bank"),
            ("name", "text", "Fake Bank"),
            (
                "sha256",
                "sha256",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ),
            (
                "certificate",
                "sha1",
                "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            ),
        ],
        "[mobile-app:value = 'com.fake.bank' AND mobile-app:name = 'Fake Bank'] AND [file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'] AND [x509-certificate:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']",
    ),
    (
        "telegram-account",
        &[
            ("username", "text", "bank_support"),
            ("phone", "text", "+41791234567"),
        ],
        "[user-account:account_type = 'telegram' AND user-account:account_login = 'bank_support'] AND [phone-number:value = '+41791234567']",
    ),
    (
        "domain-ip",
        &[
            ("domain", "domain", "bank-login.example"),
            ("ip", "ip-dst", "192.0.2.7"),
            ("ip", "ip-dst", "192.0.2.8"),
        ],
        "[domain-name:value = 'bank-login.example'] AND [ipv4-addr:value = '192.0.2.7'] AND [ipv4-addr:value = '192.0.2.8']",
    ),
    (
        "url",
        &[
            ("url", "url", "https://bank-login.example/a"),
            ("domain", "domain", "bank-login.example"),
        ],
        "[url:value = 'https://bank-login.example/a'] AND [domain-name:value = 'bank-login.example']",
    ),
    (
        "file",
        &[
            ("filename", "filename", "invoice.exe"),
            ("md5", "md5", "d41d8cd98f00b204e9800998ecf8427e"),
            ("size-in-bytes", "size-in-bytes", "1024"),
        ],
        "[file:name = 'invoice.exe' AND file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e' AND file:size = 1024]",
    ),
    (
        "email",
        &[
            ("from", "email-src", "support@bank-login.example"),
            ("to", "email-dst", "victim@example.org"),
            ("subject", "email-subject", "Verify your account"),
        ],
        "[email-message:from_ref.value = 'support@bank-login.example' AND email-message:to_refs[*].value = 'victim@example.org' AND email-message:subject = 'Verify your account']",
    ),
];

#[test]
fn each_object_template_becomes_one_composed_pattern_and_observed_objects() {
    for (n, (name, attrs, pattern)) in TEMPLATES.iter().enumerate() {
        let n = n as u128 + 10;
        let mut ev = event(json!([]));
        ev["Object"] = json!([
            object(n, name, attrs, true),
            object(n + 100, name, attrs, false)
        ]);
        let out = run(ev, &alone());
        let ind = out.get(&format!("indicator--{}", u(n)));
        assert_eq!(ind["pattern"], *pattern, "{name}");
        assert_eq!(ind["x_misp_object_name"], *name);
        let od = out.get(&format!("observed-data--{}", u(n + 100)));
        let refs = od["object_refs"].as_array().unwrap();
        assert_eq!(
            refs.len(),
            pattern.matches(" AND [").count() + 1,
            "{name}: {od}"
        );
        let loose = attrs
            .iter()
            .filter(|a| a.1 == "text" && !pattern.contains(a.2))
            .count();
        let rest = ind
            .get("x_misp_object_attributes")
            .and_then(Value::as_array);
        assert_eq!(rest.map_or(0, Vec::len), loose, "{name}");
    }
}
