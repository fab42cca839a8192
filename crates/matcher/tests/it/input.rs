//! Reading observables from each input format, and the matching loop's counts.

use serde_json::json;
use simpul_matcher::Index;
use simpul_matcher::input::{Format, Matching, Raw, Reader};
use simpul_observable::{Context, ObservableType as T};
use time::macros::datetime;

fn read(format: Format, column: Option<&str>, text: &str) -> (Vec<Raw>, Vec<usize>) {
    let mut r = Reader::new(format, column.map(str::to_owned), None);
    let (mut all, mut bad, mut out) = (Vec::new(), Vec::new(), Vec::new());
    for (i, line) in text.lines().enumerate() {
        match r.line(line, &mut out) {
            Ok(()) => all.append(&mut out),
            Err(_) => bad.push(i + 1),
        }
    }
    (all, bad)
}

fn values(raws: &[Raw]) -> Vec<&str> {
    raws.iter().map(|r| r.value.as_str()).collect()
}

#[test]
fn lines_and_jsonl() {
    let (r, bad) = read(Format::Auto, None, "# list\nexample.com\n\n  192.0.2.1  \n");
    assert_eq!(values(&r), ["example.com", "192.0.2.1"]);
    assert!(bad.is_empty());
    let (r, bad) = read(
        Format::Auto,
        None,
        "{\"type\":\"phone\",\"value\":\"0812-3456-7890\"}\n{\"value\":\"a.example\"}\nnot json\n{\"type\":\"nope\",\"value\":\"x\"}\n\"b.example\"\n{}\n",
    );
    assert_eq!(values(&r), ["0812-3456-7890", "a.example", "b.example"]);
    assert_eq!(r[0].ty, Some(T::Phone));
    assert_eq!(r[1].ty, None);
    assert_eq!(bad, [3, 4, 6]);
}

#[test]
fn csv_column() {
    let (r, bad) = read(
        Format::Auto,
        Some("indicator"),
        "id,indicator,note\n1,example.com,x\n2,\"evil.example\",\"a, b\"\n3\n4,\"open\n",
    );
    assert_eq!(values(&r), ["example.com", "evil.example"]);
    assert_eq!(bad, [4, 5]);
    let (_, bad) = read(Format::Csv, Some("missing"), "a,b\n1,2\n");
    assert_eq!(bad, [1, 2]);
}

const DNS: &str = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n#fields\tts\tuid\tid.orig_h\tid.resp_h\tquery\tanswers\n#types\ttime\tstring\taddr\taddr\tstring\tvector[string]\n1.0\tC1\t10.0.0.2\t10.0.0.1\tevil.example\t192.0.2.1,cdn.example\n1.1\tC2\t10.0.0.2\t10.0.0.1\tgood.example\t-\nbroken line\n";

#[test]
fn zeek_logs() {
    let (r, bad) = read(Format::Auto, None, DNS);
    assert_eq!(
        values(&r),
        ["evil.example", "192.0.2.1", "cdn.example", "good.example"]
    );
    assert_eq!(bad, [10]);
    let http = "#separator \\x09\n#path\thttp\n#fields\tts\tid.resp_h\thost\turi\n1.0\t192.0.2.9\tshop.example\t/login?a=1\n";
    let (r, _) = read(Format::Zeek, None, http);
    assert_eq!(
        values(&r),
        ["http://shop.example/login?a=1", "shop.example"]
    );
    let conn = "#separator \\x09\n#path\tconn\n#fields\tts\tid.orig_h\tid.resp_h\n1.0\t10.0.0.2\t198.51.100.7\n";
    let (r, _) = read(Format::Zeek, None, conn);
    assert_eq!(values(&r), ["198.51.100.7"]);
}

#[test]
fn matching_counts_and_reports_lines() {
    let now = datetime!(2026-06-01 00:00 UTC);
    let mut ix = Index::default();
    ix.offer(
        &json!({"type": "indicator", "id": "indicator--00000000-0000-4000-8000-000000000001",
            "pattern_type": "stix", "pattern": "[domain-name:value = 'evil.example']",
            "modified": "2026-01-01T00:00:00Z"}),
        now,
    )
    .unwrap();
    let mut m = Matching::new(
        &ix,
        Reader::new(Format::Jsonl, None, None),
        Context::new(),
        now,
    );
    let mut hits = Vec::new();
    let input = "{\"type\":\"domain\",\"value\":\"EVIL.example\"}\n{\"value\":\"hello\"}\n{\"type\":\"ipv4\",\"value\":\"999.1.1.1\"}\n{oops\n";
    for (i, l) in input.lines().enumerate() {
        m.line(i as u64 + 1, l, &mut |h| {
            hits.push(serde_json::to_value(h).unwrap())
        });
    }
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["canonical"], "evil.example");
    assert_eq!(hits[0]["observable"], "EVIL.example");
    let s = &m.summary;
    assert_eq!(
        (s.lines, s.observables, s.unrecognised, s.malformed, s.hits),
        (4, 1, 1, 2, 1)
    );
    assert_eq!(
        s.malformed_lines
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>(),
        [3, 4]
    );
}
