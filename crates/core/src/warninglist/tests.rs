use serde_json::json;
use simpul_observable::{Context, ObservableType as T};

use super::*;

fn list(name: &str, kind: &str, attrs: &[&str], entries: &[&str]) -> serde_json::Value {
    json!({"name": name, "description": "d", "version": 3, "type": kind,
           "matching_attributes": attrs, "list": entries})
}

fn world() -> (Warninglists, LoadReport) {
    let files = [
        (
            "resolvers",
            list(
                "Public DNS resolvers",
                "cidr",
                &["ip-src", "ip-dst", "domain|ip"],
                &["8.8.8.0/24", "1.1.1.1", "2001:4860::/32", "not-a-block"],
            ),
        ),
        (
            "hashes",
            list(
                "EICAR",
                "string",
                &["md5", "sha256"],
                &["44D88612FEA8A8F36DE82E1278ABB02F"],
            ),
        ),
        (
            "top",
            list(
                "Top domains",
                "hostname",
                &["domain", "hostname", "url"],
                &[".google.com", "example.org."],
            ),
        ),
        (
            "disposable",
            list(
                "Disposable e-mail",
                "substring",
                &["email-src", "email-dst"],
                &["@mailinator.com"],
            ),
        ),
        (
            "phones",
            list(
                "Fictional phone numbers",
                "regex",
                &["phone-number"],
                &["/((?:\\+|00)1)?([0-9]{3})55501([0-9]{2})/g", "/(?<=x)y/"],
            ),
        ),
        (
            "all",
            list(
                "Everything named",
                "string",
                &[],
                &["evil.example", "gb82west12345698765432"],
            ),
        ),
        (
            "odd",
            json!({"name": "Odd", "type": "bloom", "list": ["x"]}),
        ),
        ("broken", json!([1, 2])),
    ];
    compile(
        files
            .into_iter()
            .map(|(folder, l)| (format!("{folder}/list.json"), l.to_string().into_bytes())),
    )
}

fn on(lists: &Warninglists, ty: T, raw: &str) -> Vec<String> {
    let c = simpul_observable::normalise(ty, raw, &Context::new()).unwrap();
    lists.check(&c).into_iter().map(|l| l.name).collect()
}

#[test]
fn each_list_type_is_looked_up_as_misp_does() {
    let (lists, _) = world();
    assert_eq!(on(&lists, T::Ipv4, "8.8.8.8"), ["Public DNS resolvers"]);
    assert_eq!(on(&lists, T::Ipv4, "1.1.1.1"), ["Public DNS resolvers"]);
    assert!(on(&lists, T::Ipv4, "1.1.1.2").is_empty());
    assert!(on(&lists, T::Ipv4, "8.8.9.1").is_empty());
    assert_eq!(
        on(&lists, T::Ipv4Cidr, "8.8.8.128/25"),
        ["Public DNS resolvers"]
    );
    assert!(on(&lists, T::Ipv4Cidr, "8.8.0.0/16").is_empty());
    assert_eq!(
        on(&lists, T::Ipv6, "2001:4860:4860::8888"),
        ["Public DNS resolvers"]
    );
    // A hash in upper case in the list, lower case as canonical.
    assert_eq!(
        on(&lists, T::Md5, "44d88612fea8a8f36de82e1278abb02f"),
        ["EICAR"]
    );
    // Host names: the name, its sub-domains, a URL's host; not a look-alike.
    assert_eq!(on(&lists, T::Domain, "google.com"), ["Top domains"]);
    assert_eq!(on(&lists, T::Domain, "mail.GOOGLE.com."), ["Top domains"]);
    assert_eq!(
        on(&lists, T::Url, "https://www.example.org/login"),
        ["Top domains"]
    );
    assert!(on(&lists, T::Domain, "notgoogle.com").is_empty());
    assert!(on(&lists, T::Domain, "google.com.evil.example").is_empty());
    assert_eq!(
        on(&lists, T::Email, "x@mailinator.com"),
        ["Disposable e-mail"]
    );
    assert_eq!(
        on(&lists, T::Phone, "+1 212 555 0123"),
        ["Fictional phone numbers"]
    );
    assert!(on(&lists, T::Phone, "+6591234567").is_empty());
    // A list without matching attributes applies to every type.
    assert_eq!(on(&lists, T::Domain, "evil.example"), ["Everything named"]);
    // An upper-case canonical key (an IBAN) against a list written in lower case.
    assert_eq!(
        on(&lists, T::Iban, "GB82 WEST 1234 5698 7654 32"),
        ["Everything named"]
    );
}

#[test]
fn a_list_applies_only_to_its_matching_attributes() {
    let (lists, _) = world();
    // The EICAR list is for hashes, the resolvers list for addresses: a URL with an address host
    // is not an address attribute, and a domain list does not reach e-mail addresses.
    assert!(on(&lists, T::Url, "http://8.8.8.8/x").is_empty());
    assert!(on(&lists, T::Email, "someone@google.com").is_empty());
}

#[test]
fn unreadable_lists_and_entries_are_reported_not_fatal() {
    let (lists, report) = world();
    let names: Vec<&str> = lists.lists().iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names.len(), 6, "{names:?}");
    assert!(!names.contains(&"Odd"));
    let w = report.warnings.join("\n");
    assert!(w.contains("unknown list type \"bloom\""), "{w}");
    assert!(w.contains("broken"), "{w}");
    assert!(
        w.contains("resolvers/list.json: 1 entries could not be read"),
        "{w}"
    );
    // The look-behind is not in the regex crate's syntax: left out, named, the other kept.
    assert!(w.contains("phones/list.json: 1 entries"), "{w}");
    assert!(
        w.contains("phones/list.json: entry `/(?<=x)y/` left out: error: look-around"),
        "{w}"
    );
    let resolvers = lists.lists().iter().find(|l| l.kind == Kind::Cidr).unwrap();
    assert_eq!((resolvers.entries, resolvers.version), (3, 3));
}

#[test]
fn nothing_is_listed_without_lists() {
    let c = simpul_observable::normalise(T::Domain, "google.com", &Context::new()).unwrap();
    assert!(Warninglists::default().check(&c).is_empty());
}

#[test]
fn a_regex_list_too_big_for_one_set_keeps_every_entry_that_builds() {
    // Twenty entries that each build but not all together (the regex crate's size limit), and
    // one that does not build at all: the list keeps the twenty and names the one it left out.
    let mut entries: Vec<String> = (b'a'..=b't')
        .map(|c| format!("/^{}\\w{{60}}\\./", char::from(c)))
        .collect();
    entries.push("/(?<=x)y/".into());
    let refs: Vec<&str> = entries.iter().map(String::as_str).collect();
    let big = list("Big regexes", "regex", &["domain"], &refs);
    let (lists, report) = compile([("big/list.json".to_owned(), big.to_string().into_bytes())]);
    let info = &lists.lists()[0];
    assert_eq!((info.name.as_str(), info.entries), ("Big regexes", 20));
    let w = report.warnings.join("\n");
    assert!(
        w.contains("big/list.json: 1 entries could not be read"),
        "{w}"
    );
    assert!(
        w.contains("big/list.json: entry `/(?<=x)y/` left out"),
        "{w}"
    );
    let value = format!("t{}.example", "x".repeat(60));
    assert_eq!(on(&lists, T::Domain, &value), ["Big regexes"]);
    assert!(on(&lists, T::Domain, "u.example").is_empty());
}
