//! The REST API's contract: every documented response schema is what the handler answers (one
//! successful call per route of the table). The bounds the document states are in `bounds.rs`.

use reqwest::Method;
use serde_json::{Value, json};
use simpul_core::org::OrgKind;
use simpul_core::service::NewToken;
use simpul_core::{Principal, Role, Scopes};
use simpul_server::Limits;

use super::{PASSWORD, org, spawn, user};

/// The collection and the object the contract test shares.
const COLLECTION: &str = "0c011ec7-0000-4000-8000-000000000001";
const OBJECT: &str = "indicator--0c011ec7-0000-4000-8000-000000000002";

/// The schema at `#/components/schemas/{name}` of `doc`, as a validator (formats checked).
fn validator(doc: &Value, name: &str) -> jsonschema::Validator {
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{name}"),
        "components": doc["components"],
    });
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn assert_valid(doc: &Value, name: &str, instance: &Value, what: &str) {
    let v = validator(doc, name);
    let errors: Vec<String> = v.iter_errors(instance).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{what}: {errors:?}\n{instance:#}");
}

#[tokio::test]
async fn every_documented_response_is_what_the_handler_answers() {
    let app = spawn(Limits::default()).await;
    let doc: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let op = Principal::operator("test");
    let community = app
        .service
        .create_community(
            &op,
            simpul_core::CommunityName::parse("asean").unwrap(),
            "All of us",
        )
        .await
        .unwrap();
    let spare = org(&app.service, "Spare", OrgKind::Other).await;
    let spare_user = user(&app.service, &spare, "u@spare.example", Role::Analyst).await;
    let t = NewToken {
        name: "to-revoke".into(),
        scopes: Scopes::parse("read").unwrap(),
        expires_in_days: Some(30),
    };
    let doomed = app
        .service
        .create_token_for(&op, "sa@regional.example", t)
        .await
        .unwrap()
        .0;
    // The member's token a federation peer of this server signs in with.
    let member_token = app
        .service
        .create_token_for(
            &op,
            "an@member.example",
            NewToken {
                name: "peer".into(),
                scopes: Scopes::parse("read,sync").unwrap(),
                expires_in_days: Some(30),
            },
        )
        .await
        .unwrap()
        .1;
    // A communication check with a target of the member, and a schedule to delete.
    let comm_new = |title: &str| simpul_core::comm_checks::NewCheck {
        title: title.into(),
        message: "Please acknowledge".into(),
        channels: vec![simpul_core::comm_checks::Channel::Email],
        kinds: vec![],
        targets: simpul_core::comm_checks::TargetSpec::AllMembers,
        deadline: "4h".parse().unwrap(),
    };
    // The caller (the hub's site-admin) is one of its targets too: its pending list and its
    // acknowledgement answer.
    let hub_duty = app
        .service
        .add_contact(
            &op,
            app.regional.id,
            simpul_core::contacts::NewContact {
                name: "Hub duty".into(),
                emails: vec!["sa@regional.example".into()],
                kinds: vec![simpul_core::contacts::ContactKind::Duty24x7],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let comm_check = app
        .service
        .start_check(
            &op,
            comm_new("contract"),
            vec![
                simpul_core::comm_checks::TargetContact {
                    contact_id: simpul_core::contacts::ContactId::new_random(),
                    org_id: app.member.id,
                    name: "Duty desk".into(),
                    email: "duty@member.example".into(),
                },
                simpul_core::comm_checks::TargetContact {
                    contact_id: hub_duty.id,
                    org_id: app.regional.id,
                    name: hub_duty.name,
                    email: "sa@regional.example".into(),
                },
            ],
        )
        .await
        .unwrap()
        .check;
    let comm_schedule = app
        .service
        .create_schedule(
            &op,
            simpul_core::comm_checks::schedule::NewSchedule {
                check: comm_new("doomed"),
                every_days: 7,
                start_local: simpul_core::comm_checks::rows::parse_local("2026-01-05T09:00:00")
                    .unwrap(),
                time_zone: simpul_core::tz::TimeZoneName::parse("UTC").unwrap(),
            },
        )
        .await
        .unwrap();
    // A contact to read and change, and one to delete.
    let new_contact = |name: &str| simpul_core::contacts::NewContact {
        name: name.into(),
        kinds: vec![simpul_core::contacts::ContactKind::TechnicalPoc],
        emails: vec![format!("{}@member.example", name.to_lowercase())],
        ..Default::default()
    };
    let contact = app
        .service
        .add_contact(&op, app.member.id, new_contact("Kept"))
        .await
        .unwrap()
        .id;
    let doomed_contact = app
        .service
        .add_contact(&op, app.member.id, new_contact("Doomed"))
        .await
        .unwrap()
        .id;
    // Webhooks of the member, one with a delivery in its log, one to delete.
    let doomed_hook = crate::webhooks_rest::contract_fixture(&app.service, app.member.id).await;
    // A case of the hub with the member invited (and done with it, to re-invite), an entry, an
    // attachment and a task of the hub's.
    let case = crate::cases_api::contract_fixture(&app.service).await;
    // A request of the hub's to the member.
    let request = crate::requests_api::contract_fixture(&app.service).await;
    // One successful request per route: (method, path, body).
    let calls: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, "/api/v1/me".into(), None),
        (
            Method::POST,
            "/api/v1/me/password".into(),
            Some(json!({"current_password": PASSWORD, "new_password": "another long passphrase"})),
        ),
        (Method::GET, "/api/v1/organisations".into(), None),
        (
            Method::POST,
            "/api/v1/organisations".into(),
            Some(
                json!({"name": "New team", "short_name": "NewCERT", "kind": "sector-cert", "country": "th"}),
            ),
        ),
        (
            Method::GET,
            format!("/api/v1/organisations/{}", app.member.id),
            None,
        ),
        (
            Method::PATCH,
            format!("/api/v1/organisations/{}", app.member.id),
            Some(json!({"name": "Singapore CERT", "country": "SG"})),
        ),
        (
            Method::PUT,
            format!("/api/v1/organisations/{}/profile", app.member.id),
            Some(json!({
                "document": {"publish": true},
                "contact": {"team_name": "SingCERT", "time_zone": "Asia/Singapore"},
                "services": {"offered": ["incident-management/incident-coordination"]}
            })),
        ),
        (
            Method::GET,
            format!("/api/v1/organisations/{}/profile", app.member.id),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/organisations/{}/rfc2350.txt", app.member.id),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/organisations/{}/suspend", spare.id),
            None,
        ),
        (
            Method::POST,
            "/api/v1/contacts".into(),
            Some(json!({
                "org": app.member.id, "name": "Duty desk", "mailbox": true, "kinds": ["24x7-duty"],
                "emails": ["duty@member.example"], "phones": ["+65 6211 0000"],
                "handles": [{"network": "signal", "handle": "+6562110000"}],
                "languages": ["en"], "availability": "24x7", "visibility": "public"
            })),
        ),
        (
            Method::GET,
            format!(
                "/api/v1/contacts?org={}&kind=technical-poc&q=kept",
                app.member.id
            ),
            None,
        ),
        (Method::GET, format!("/api/v1/contacts/{contact}"), None),
        (
            Method::PATCH,
            format!("/api/v1/contacts/{contact}"),
            Some(json!({"availability": null, "visibility": "partners"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/contacts/{doomed_contact}"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/contacts/{contact}/vcard"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/organisations/{}/contacts/vcard", app.member.id),
            None,
        ),
        (Method::GET, "/api/v1/communities".into(), None),
        (
            Method::POST,
            "/api/v1/communities".into(),
            Some(json!({"name": "drill-2026"})),
        ),
        (
            Method::GET,
            format!("/api/v1/communities/{}", community.name),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/communities/{}/members", community.name),
            Some(json!({"members": [app.member.id, app.regional.id]})),
        ),
        (Method::GET, "/api/v1/users".into(), None),
        (
            Method::POST,
            "/api/v1/users".into(),
            Some(
                json!({"email": "new@member.example", "display_name": "New", "role": "analyst", "org_id": app.member.id}),
            ),
        ),
        (
            Method::GET,
            format!("/api/v1/users/{}", app.analyst.id),
            None,
        ),
        (
            Method::PATCH,
            format!("/api/v1/users/{}", app.analyst.id),
            Some(json!({"display_name": "Analyst", "role": "read-only"})),
        ),
        (
            Method::POST,
            format!("/api/v1/users/{}/reset-password", spare_user.id),
            None,
        ),
        (Method::GET, "/api/v1/tokens".into(), None),
        (
            Method::POST,
            "/api/v1/tokens".into(),
            Some(json!({"name": "siem", "scopes": ["read", "sync"], "expires_in_days": 90})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/tokens/{}", doomed.id),
            None,
        ),
        (Method::GET, "/api/v1/audit?limit=50".into(), None),
        (Method::GET, "/api/v1/collections".into(), None),
        (
            Method::POST,
            "/api/v1/collections".into(),
            Some(json!({
                "title": "Regional", "alias": "regional", "description": "Us two",
                "audience": {"kind": "orgs", "orgs": ["ASEAN-CERT", "SingCERT"]},
                "default_tlp": "green", "id": COLLECTION,
            })),
        ),
        (
            Method::GET,
            format!("/api/v1/collections/{COLLECTION}"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/collections/{COLLECTION}/objects"),
            Some(json!([
                crate::world::indicator(OBJECT, None, "evil.example", "2026-01-01T00:00:00.000Z"),
                {"type": "indicator", "id": "indicator--nope"},
            ])),
        ),
        (
            Method::POST,
            format!("/api/v1/collections/{COLLECTION}/imports?tlp=clear"),
            Some(json!([crate::world::indicator(
                OBJECT,
                None,
                "evil.example",
                "2026-01-01T00:00:00.000Z"
            )])),
        ),
        // The job the import above started.
        (Method::GET, "/api/v1/imports/{job}".into(), None),
        (
            Method::GET,
            "/api/v1/objects?type=indicator&limit=10&observable=EVIL.EXAMPLE.".into(),
            None,
        ),
        (Method::GET, format!("/api/v1/objects/{OBJECT}"), None),
        (
            Method::GET,
            format!("/api/v1/objects/{OBJECT}/versions"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/objects/{OBJECT}/sightings"),
            Some(json!({
                "count": 3, "where": "Mail gateway", "false_positive": false, "tlp": "amber",
                "first_seen": "2026-01-02T00:00:00+07:00", "last_seen": "2026-01-03T00:00:00Z",
            })),
        ),
        (
            Method::GET,
            format!("/api/v1/objects/{OBJECT}/sightings?limit=10"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/objects/{OBJECT}/correlations"),
            None,
        ),
        (
            Method::GET,
            "/api/v1/observables/domain/Evil.Example.?limit=5".into(),
            None,
        ),
        (
            Method::POST,
            "/api/v1/match".into(),
            Some(json!([
                "evil.example",
                "http://evil.example/x",
                "nothing.example"
            ])),
        ),
        (Method::GET, "/api/v1/warninglists".into(), None),
        (Method::GET, "/api/v1/export/suricata".into(), None),
        (
            Method::GET,
            format!("/feeds/misp/{COLLECTION}/manifest.json"),
            None,
        ),
        (
            Method::GET,
            format!("/feeds/misp/{COLLECTION}/hashes.csv"),
            None,
        ),
        (
            Method::GET,
            format!(
                "/feeds/misp/{COLLECTION}/{}.json",
                simpul_core::misp::from_stix::synthetic_uuid(simpul_core::intel::CollectionId(
                    uuid::Uuid::parse_str(COLLECTION).unwrap()
                ))
            ),
            None,
        ),
        (
            Method::GET,
            "/api/v1/warninglists/check?value=Evil.Example.&type=domain".into(),
            None,
        ),
        (
            Method::PATCH,
            format!("/api/v1/collections/{COLLECTION}"),
            Some(json!({"description": "Still us two", "alias": null, "read_only_orgs": []})),
        ),
        (
            Method::POST,
            format!("/api/v1/objects/{OBJECT}/versions"),
            Some(crate::world::indicator(
                OBJECT,
                None,
                "evil.example",
                "2026-02-01T00:00:00.000Z",
            )),
        ),
        (
            Method::PUT,
            format!("/api/v1/objects/{OBJECT}/marking"),
            Some(json!({"tlp": "amber"})),
        ),
        (
            Method::PUT,
            format!("/api/v1/objects/{OBJECT}/recipients"),
            Some(json!({"recipients": ["sa@regional.example"]})),
        ),
        (
            Method::POST,
            format!("/api/v1/objects/{OBJECT}/revoke"),
            None,
        ),
        // A peer that is this server itself, so that its round (below) runs for real: it pulls
        // what it holds, all of it "held".
        (
            Method::POST,
            "/api/v1/peers".into(),
            Some(json!({
                "name": "hub", "url": format!("http://{}/taxii2/", app.addr),
                "token": member_token, "direction": "pull", "interval_secs": 60,
                "maps": [{"remote": COLLECTION, "local": COLLECTION}],
                "as": "an@member.example"
            })),
        ),
        (Method::GET, "/api/v1/peers".into(), None),
        (Method::GET, "/api/v1/peers/hub".into(), None),
        (Method::POST, "/api/v1/peers/hub/sync".into(), None),
        (Method::DELETE, "/api/v1/peers/hub".into(), None),
        (Method::GET, "/api/v1/mail?status=queued".into(), None),
        (Method::GET, "/api/v1/directory/health".into(), None),
        (Method::GET, "/api/v1/comm-checks".into(), None),
        (
            Method::POST,
            "/api/v1/comm-checks".into(),
            Some(json!({
                "title": "Contract", "targets": {"orgs": ["SingCERT"]}, "deadline": "90s",
                "channels": ["in-app"], "message": "Please acknowledge"
            })),
        ),
        (Method::GET, "/api/v1/comm-checks/pending".into(), None),
        (
            Method::POST,
            format!("/api/v1/comm-checks/{}/acknowledge", comm_check.id),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/comm-checks/{}", comm_check.id),
            None,
        ),
        (Method::GET, "/api/v1/comm-check-schedules".into(), None),
        (
            Method::POST,
            "/api/v1/comm-check-schedules".into(),
            Some(json!({
                "title": "Quarterly", "targets": {"orgs": ["SingCERT"]}, "kinds": ["24x7-duty"],
                "deadline": "2d", "every_days": 90, "start": "2026-01-05T09:00:00",
                "time_zone": "Asia/Singapore"
            })),
        ),
        (
            Method::DELETE,
            format!("/api/v1/comm-check-schedules/{}", comm_schedule.id),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/organisations/{}/webhooks", app.member.id),
            Some(json!({
                "url": "https://hooks.member.example/soar", "events": ["request.*", "case.created"],
                "description": "SOAR", "active": true
            })),
        ),
        (
            Method::GET,
            format!("/api/v1/organisations/{}/webhooks", app.member.id),
            None,
        ),
        (
            Method::DELETE,
            format!(
                "/api/v1/organisations/{}/webhooks/{doomed_hook}",
                app.member.id
            ),
            None,
        ),
        (
            Method::GET,
            format!(
                "/api/v1/organisations/{}/webhook-deliveries?limit=10",
                app.member.id
            ),
            None,
        ),
        (Method::GET, "/api/v1/cases?limit=5".into(), None),
        (
            Method::POST,
            "/api/v1/cases".into(),
            Some(json!({"title": "Contract", "severity": 2, "tlp": "amber", "category": "ddos"})),
        ),
        (Method::GET, format!("/api/v1/cases/{}", case.case), None),
        (
            Method::PATCH,
            format!("/api/v1/cases/{}", case.case),
            Some(json!({"severity": 4, "pap": "green"})),
        ),
        (
            Method::GET,
            format!("/api/v1/cases/{}/parties", case.case),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/cases/{}/parties", case.case),
            Some(json!({"org": "Extra"})),
        ),
        (
            Method::POST,
            format!("/api/v1/cases/{}/parties/SingCERT/status", case.case),
            Some(json!({"to": "invited", "reason": "a new C2 in your space"})),
        ),
        (
            Method::GET,
            format!("/api/v1/cases/{}/timeline", case.case),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/cases/{}/timeline", case.case),
            Some(json!({"kind": "comment", "text": "Seen from here too"})),
        ),
        (
            Method::POST,
            format!(
                "/api/v1/cases/{}/timeline/{}/release",
                case.case, case.entry
            ),
            Some(json!({})),
        ),
        (
            Method::GET,
            format!(
                "/api/v1/cases/{}/timeline/{}/attachment",
                case.case, case.attachment
            ),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/cases/{}/tasks", case.case),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/cases/{}/tasks", case.case),
            Some(json!({"title": "Contract task", "owner": "ASEAN-CERT"})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/cases/{}/tasks/{}", case.case, case.task),
            Some(json!({"state": "in-progress"})),
        ),
        (
            Method::GET,
            format!("/api/v1/cases/{}/summary", case.case),
            None,
        ),
        (Method::GET, "/api/v1/requests?limit=5".into(), None),
        (
            Method::POST,
            "/api/v1/requests".into(),
            Some(json!({
                "kind": "takedown", "to": {"org": "SingCERT"}, "urgency": "high", "tlp": "amber",
                "observables": [{"type": "url", "value": "https://phish.example/login"}],
                "summary": "Phishing page of a bank"
            })),
        ),
        (Method::GET, format!("/api/v1/requests/{request}"), None),
        (
            Method::GET,
            format!("/api/v1/requests/{request}/comments"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/requests/{request}/comments"),
            Some(json!({"text": "Any news?"})),
        ),
        (
            Method::GET,
            format!("/api/v1/requests/{request}/intel"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/requests/{request}/transitions"),
            Some(json!({"to": "withdrawn", "reason": "Taken down by the host"})),
        ),
        (Method::GET, "/api/v1/requests/stats".into(), None),
        (Method::GET, "/api/v1/requests/stats.csv".into(), None),
    ];
    let table = simpul_server::api::table();
    for r in &table {
        let pattern = r.full_path();
        let covered = calls.iter().any(|(m, p, _)| {
            *m == r.method && matches_template(&pattern, p.split('?').next().unwrap())
        });
        assert!(covered, "{r:?} has no call in this test");
    }
    let mut checked = 0;
    let mut job = String::new();
    for (method, path, body) in &calls {
        let path = &path.replace("{job}", &job);
        let bare = path.split('?').next().unwrap();
        // A fixed segment (`/comm-checks/pending`) is its own route before any `{id}` one.
        let route = table
            .iter()
            .find(|r| r.method == *method && r.full_path() == bare)
            .or_else(|| {
                table
                    .iter()
                    .find(|r| r.method == *method && matches_template(&r.full_path(), bare))
            })
            .unwrap_or_else(|| panic!("{method} {path} is not in the table"));
        let mut req = app.call(method.clone(), path);
        if let Some(b) = body {
            req = req.json(b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let media = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = res.text().await.unwrap();
        assert_eq!(status, route.success, "{method} {path}: {text}");
        if route.response.is_some() {
            assert_eq!(media, route.response_type, "{method} {path}: media type");
        }
        let op_doc = &doc["paths"][route.full_path()][method.as_str().to_lowercase()];
        let documented = &op_doc["responses"][status.as_str()];
        assert!(
            documented.is_object(),
            "{method} {path}: {status} is not documented"
        );
        match &route.response {
            Some(schema) => {
                let reference = documented["content"][route.response_type]["schema"]["$ref"]
                    .as_str()
                    .unwrap();
                assert_eq!(reference, format!("#/components/schemas/{}", schema.name()));
                if route.response_type == "application/x-ndjson" {
                    // JSON lines: each line is one of the schema.
                    assert!(text.lines().count() > 0, "{method} {path}: no lines");
                    for line in text.lines() {
                        let value: Value = serde_json::from_str(line).unwrap();
                        assert_valid(&doc, &schema.name(), &value, &format!("{method} {path}"));
                    }
                } else if route.response_type == "application/octet-stream" {
                    // Bytes: an attachment as stored.
                    assert!(!text.is_empty(), "{method} {path}: no bytes");
                } else if route.response_type.starts_with("text/") {
                    // A text body: the schema is a string.
                    assert!(!text.is_empty(), "{method} {path}: no text");
                    let value = Value::String(text);
                    assert_valid(&doc, &schema.name(), &value, &format!("{method} {path}"));
                } else {
                    let value: Value = serde_json::from_str(&text).unwrap();
                    assert_valid(&doc, &schema.name(), &value, &format!("{method} {path}"));
                    if schema.name() == "ImportJobView" {
                        job = value["id"].as_str().unwrap().to_owned();
                    }
                }
            }
            None => assert!(text.is_empty() && documented.get("content").is_none()),
        }
        checked += 1;
    }
    assert_eq!(checked, table.len());
    // Error bodies match the Problem schema, a validation error with its field errors too.
    for (path, body) in [
        (
            "/api/v1/organisations",
            json!({"name": "", "short_name": "x", "kind": "x"}),
        ),
        ("/api/v1/tokens", json!("not an object")),
    ] {
        let res = app
            .call(Method::POST, path)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
        let value: Value = res.json().await.unwrap();
        assert_valid(&doc, "Problem", &value, path);
    }
    app.stop().await;
}

/// Whether `path` is an instance of the route `template` (`{…}` matches one segment).
fn matches_template(template: &str, path: &str) -> bool {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(a, b)| a == b || (a.starts_with('{') && a.ends_with('}') && !b.is_empty()))
}
