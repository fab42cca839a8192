use super::*;
use serde_json::json;
use simpul_observable::Region;

fn entry(v: serde_json::Value) -> NewEntry {
    serde_json::from_value(v).unwrap()
}

fn thailand() -> Context {
    Context::with_region(Region::parse("TH").unwrap())
}

/// As a party, in a TLP:AMBER case.
fn check(v: serde_json::Value) -> Result<ValidEntry, Invalid> {
    entry(v).validate(Tlp::Amber, false, &thailand())
}

fn path(v: serde_json::Value) -> String {
    let e = check(v.clone()).unwrap_err();
    assert!(!e.message.is_empty(), "{v}");
    e.path
}

#[test]
fn a_partys_comment_is_held_back_and_an_owners_released() {
    let e = check(json!({"kind": "comment", "text": " Seen on our ISP's range.\n "})).unwrap();
    assert_eq!(
        e.body,
        EntryBody::Comment {
            text: "Seen on our ISP's range.".into()
        }
    );
    assert_eq!(e.tlp, Tlp::Amber, "the case's TLP by default");
    assert_eq!(e.audience, None, "the whole case by default");
    assert!(!e.released_to_case, "a party's entry waits for its release");
    assert!(e.allow.is_empty() && e.recipients.is_empty());
    let owner = entry(json!({"kind": "comment", "text": "x"}))
        .validate(Tlp::Amber, true, &thailand())
        .unwrap();
    assert!(owner.released_to_case);
    let kept = entry(json!({"kind": "comment", "text": "x", "release": false}))
        .validate(Tlp::Amber, true, &thailand())
        .unwrap();
    assert!(!kept.released_to_case, "the owner may keep a note back too");
    let released = check(json!({"kind": "comment", "text": "x", "release": true})).unwrap();
    assert!(released.released_to_case);
}

#[test]
fn an_entry_is_never_below_its_cases_tlp() {
    let e = check(json!({"kind": "comment", "text": "x", "tlp": "TLP:AMBER+STRICT"})).unwrap();
    assert_eq!(e.tlp, Tlp::AmberStrict);
    assert_eq!(
        check(json!({"kind": "comment", "text": "x", "tlp": "amber"}))
            .unwrap()
            .tlp,
        Tlp::Amber
    );
    for low in ["green", "clear", "white"] {
        let e = check(json!({"kind": "comment", "text": "x", "tlp": low})).unwrap_err();
        assert_eq!(e.path, "/tlp");
        assert!(e.message.contains("TLP:AMBER"), "{}", e.message);
    }
    assert_eq!(
        path(json!({"kind": "comment", "text": "x", "tlp": "purple"})),
        "/tlp"
    );
}

#[test]
fn each_kind_takes_its_fields() {
    let stix = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
    let e = check(json!({"kind": "stix", "id": format!(" {stix} ")})).unwrap();
    assert_eq!(e.body, EntryBody::Stix { id: stix.into() });
    assert_eq!(e.body.kind(), EntryKind::Stix);
    let e = check(json!({"kind": "observable", "type": "phone", "value": "081 234 5678"})).unwrap();
    assert_eq!(
        e.body,
        EntryBody::Observable {
            ty: "phone".into(),
            value: "081 234 5678".into(),
            key: "phone|+66812345678".into()
        }
    );
    let e = check(json!({"kind": "attachment", "filename": "headers.eml",
        "media_type": "Message/RFC822", "size": 2048}))
    .unwrap();
    assert_eq!(
        e.body,
        EntryBody::Attachment {
            filename: "headers.eml".into(),
            media_type: "message/rfc822".into(),
            size: 2048
        }
    );
    for (v, at) in [
        (json!({"kind": "comment"}), "/text"),
        (json!({"kind": "comment", "text": " "}), "/text"),
        (
            json!({"kind": "comment", "text": "t".repeat(limits::COMMENT_CHARS + 1)}),
            "/text",
        ),
        (json!({"kind": "comment", "text": "x", "id": stix}), "/id"),
        (json!({"kind": "stix"}), "/id"),
        (json!({"kind": "stix", "id": "indicator-x"}), "/id"),
        (json!({"kind": "stix", "id": stix, "text": "x"}), "/text"),
        (json!({"kind": "observable", "value": "a.example"}), "/type"),
        (json!({"kind": "observable", "type": "domain"}), "/value"),
        (
            json!({"kind": "observable", "type": "planet", "value": "x"}),
            "/type",
        ),
        (
            json!({"kind": "observable", "type": "ipv4", "value": "999.1.1.1"}),
            "/value",
        ),
        (
            json!({"kind": "observable", "type": "url", "value": "x".repeat(limits::VALUE_CHARS + 1)}),
            "/value",
        ),
        (
            json!({"kind": "attachment", "media_type": "text/plain", "size": 1}),
            "/filename",
        ),
        (
            json!({"kind": "attachment", "filename": "a.txt", "size": 1}),
            "/media_type",
        ),
        (
            json!({"kind": "attachment", "filename": "a.txt", "media_type": "text/plain"}),
            "/size",
        ),
        (
            json!({"kind": "attachment", "filename": "../a.txt", "media_type": "text/plain", "size": 1}),
            "/filename",
        ),
        (
            json!({"kind": "attachment", "filename": "C:\\a.txt", "media_type": "text/plain", "size": 1}),
            "/filename",
        ),
        (
            json!({"kind": "attachment", "filename": "..", "media_type": "text/plain", "size": 1}),
            "/filename",
        ),
        (
            json!({"kind": "attachment", "filename": "a\nb", "media_type": "text/plain", "size": 1}),
            "/filename",
        ),
        (
            json!({"kind": "attachment", "filename": "a", "media_type": "text", "size": 1}),
            "/media_type",
        ),
        (
            json!({"kind": "attachment", "filename": "a", "media_type": "text/plain; charset=utf-8", "size": 1}),
            "/media_type",
        ),
        (
            json!({"kind": "attachment", "filename": "a", "media_type": "/plain", "size": 1}),
            "/media_type",
        ),
        (
            json!({"kind": "attachment", "filename": "a", "media_type": "text/plain", "size": 0}),
            "/size",
        ),
        (
            json!({"kind": "attachment", "filename": "a", "media_type": "text/plain", "size": 1, "value": "x"}),
            "/value",
        ),
        (json!({"kind": "status-change", "text": "x"}), "/text"),
        (json!({"kind": "status-change"}), "/kind"),
    ] {
        assert_eq!(path(v.clone()), at, "{v}");
    }
}

#[test]
fn attachments_are_bounded_in_size() {
    let at = |size: u64| {
        check(json!({"kind": "attachment", "filename": "dump.pcap",
            "media_type": "application/vnd.tcpdump.pcap", "size": size}))
    };
    assert!(at(1).is_ok());
    assert!(at(MAX_ATTACHMENT_BYTES).is_ok());
    let e = at(MAX_ATTACHMENT_BYTES + 1).unwrap_err();
    assert_eq!(e.path, "/size");
    assert!(e.message.contains("10 MiB"), "{}", e.message);
    assert_eq!(MAX_ATTACHMENT_BYTES, 10_485_760);
    assert!(check_size("/x", MAX_ATTACHMENT_BYTES).is_ok());
    assert_eq!(check_size("/x", 0).unwrap_err().path, "/x");
}

#[test]
fn audience_allowance_and_recipients() {
    let e = check(json!({"kind": "comment", "text": "x",
        "audience": {"orgs": ["MyCERT", "ID-SIRTII"]}, "allow": ["ThaiCERT"]}))
    .unwrap();
    let names = |l: &[ShortName]| l.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    assert_eq!(
        names(e.audience.as_deref().unwrap()),
        ["MyCERT", "ID-SIRTII"]
    );
    assert_eq!(names(&e.allow), ["ThaiCERT"]);
    assert_eq!(
        check(json!({"kind": "comment", "text": "x", "audience": "case"}))
            .unwrap()
            .audience,
        None
    );
    for (v, at) in [
        (
            json!({"kind": "comment", "text": "x", "audience": {"orgs": []}}),
            "/audience/orgs",
        ),
        (
            json!({"kind": "comment", "text": "x", "audience": {"orgs": ["MyCERT", "mycert"]}}),
            "/audience/orgs/1",
        ),
        (
            json!({"kind": "comment", "text": "x", "allow": ["ok", "-bad"]}),
            "/allow/1",
        ),
        (
            json!({"kind": "comment", "text": "x", "recipients": ["a@b.org"]}),
            "/recipients",
        ),
        (
            json!({"kind": "comment", "text": "x", "tlp": "red"}),
            "/recipients",
        ),
        (
            json!({"kind": "comment", "text": "x", "tlp": "red", "recipients": ["a@b.org", "x"]}),
            "/recipients/1",
        ),
    ] {
        assert_eq!(path(v.clone()), at, "{v}");
    }
    let e = entry(json!({"kind": "comment", "text": "x", "allow": ["ThaiCERT"]}))
        .validate(Tlp::Amber, true, &thailand())
        .unwrap_err();
    assert_eq!(e.path, "/allow");
    let red = check(json!({"kind": "comment", "text": "x", "tlp": "red",
        "recipients": ["duty@thaicert.or.th"]}))
    .unwrap();
    assert_eq!(red.recipients.len(), 1);
    for bad in [
        json!({"kind": "comment", "text": "x", "audience": "everyone"}),
        json!({"kind": "comment", "text": "x", "author": "me"}),
        json!({"kind": "note", "text": "x"}),
    ] {
        assert!(
            serde_json::from_value::<NewEntry>(bad.clone()).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn consent_is_only_ever_given() {
    let (a, b) = (OrgId::new_random(), OrgId::new_random());
    let mut c = Consent::default();
    assert!(!c.released_to_case && c.allowed_parties.is_empty());
    c.allow(&[a, b, a]);
    c.allow(&[b]);
    assert_eq!(c.allowed_parties, [a, b]);
    c.release();
    c.release();
    assert!(c.released_to_case);
}

#[test]
fn the_owner_passes_on_only_what_the_author_allowed() {
    let (owner, author, allowed, other, listed) = (
        OrgId::new_random(),
        OrgId::new_random(),
        OrgId::new_random(),
        OrgId::new_random(),
        OrgId::new_random(),
    );
    let audience = EntryAudience::Orgs(vec![listed]);
    let held = Consent {
        released_to_case: false,
        allowed_parties: vec![allowed],
    };
    let mut passed = vec![];
    assert_eq!(
        pass_on(&held, &audience, owner, author, &mut passed, allowed),
        Err(PassOnRefused::NotReleased)
    );
    let released = Consent {
        released_to_case: true,
        ..held
    };
    assert_eq!(
        pass_on(&released, &audience, owner, author, &mut passed, other),
        Err(PassOnRefused::NotAllowed)
    );
    for sees in [listed, owner, author] {
        assert_eq!(
            pass_on(&released, &audience, owner, author, &mut passed, sees),
            Err(PassOnRefused::AlreadySees)
        );
    }
    assert!(passed.is_empty(), "nothing passed on by a refusal");
    assert_eq!(
        pass_on(&released, &audience, owner, author, &mut passed, allowed),
        Ok(())
    );
    assert_eq!(passed, [allowed]);
    assert_eq!(
        pass_on(&released, &audience, owner, author, &mut passed, allowed),
        Err(PassOnRefused::AlreadySees)
    );
    // To the whole case, everyone already sees a released entry.
    assert_eq!(
        pass_on(
            &released,
            &EntryAudience::Case,
            owner,
            author,
            &mut vec![],
            allowed
        ),
        Err(PassOnRefused::AlreadySees)
    );
    assert!(
        PassOnRefused::NotAllowed
            .to_string()
            .contains("did not allow")
    );
}

#[test]
fn audiences_always_include_the_owner() {
    let (owner, a, b) = (
        OrgId::new_random(),
        OrgId::new_random(),
        OrgId::new_random(),
    );
    let some = EntryAudience::Orgs(vec![a]);
    assert!(some.includes(a, owner) && some.includes(owner, owner));
    assert!(!some.includes(b, owner));
    assert!(EntryAudience::Case.includes(b, owner));
}

#[test]
fn bodies_serialise_with_their_kind() {
    let v = serde_json::to_value(EntryBody::Comment { text: "x".into() }).unwrap();
    assert_eq!(v, json!({"kind": "comment", "text": "x"}));
    let v = serde_json::to_value(EntryBody::Observable {
        ty: "domain".into(),
        value: "a.example".into(),
        key: "domain|a.example".into(),
    })
    .unwrap();
    assert_eq!(v["type"], "domain");
    assert_eq!(v["kind"], "observable");
    let v = serde_json::to_value(EntryBody::StatusChange {
        party: OrgId::new_random(),
        from: PartyStatus::Invited,
        to: PartyStatus::Acknowledged,
        reason: None,
    })
    .unwrap();
    assert_eq!(v["kind"], "status-change");
    assert_eq!(v["to"], "acknowledged");
}
