//! A TAXII client's whole walk, as the analyst of SingCERT, with what the others see of it.

use reqwest::Method;
use serde_json::{Value, json};
use simpul_core::intel::Tlp;

use super::{Fixture, OURS, THEIRS, collection_path, ind, ind_id, json_of, objects_path};
use crate::helpers::call;
use crate::world::indicator;

const V1: &str = "2026-02-01T00:00:00.000Z";
const V2: &str = "2026-03-01T00:00:00.000Z";

fn ids(envelope: &Value) -> Vec<(String, String)> {
    envelope["objects"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|o| {
                    (
                        o["id"].as_str().unwrap().to_owned(),
                        o["modified"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

pub async fn walk(f: Fixture) {
    let analyst = f.analyst().await;
    let reader = f.caller("ro@own.example", "read").await;
    let site_admin = f
        .caller("sa@regional.example", "read,write,sync,admin")
        .await;
    let partner = f.caller("an@other.example", "read,write").await;

    // Discovery and the API root.
    let res = f.get(&analyst, "/taxii2/").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], super::MEDIA);
    insta::assert_json_snapshot!("taxii_discovery", json_of(res).await);
    let res = f.get(&analyst, "/taxii2/api/").await;
    assert_eq!(res.status(), 200);
    insta::assert_json_snapshot!("taxii_api_root", json_of(res).await);

    // Collections: each sees those of their audiences; the regional site-admin, in neither,
    // none; the read-only user may not write.
    let list = |v: Value| -> Vec<(String, bool, bool)> {
        v.get("collections")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|c| {
                (
                    c["id"].as_str().unwrap().to_owned(),
                    c["can_read"].as_bool().unwrap(),
                    c["can_write"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    let res = f.get(&analyst, "/taxii2/api/collections/").await;
    let body = json_of(res).await;
    insta::assert_json_snapshot!("taxii_collections", body);
    assert_eq!(list(body), [(OURS.to_string(), true, true)]);
    let body = json_of(f.get(&reader, "/taxii2/api/collections/").await).await;
    assert_eq!(list(body), [(OURS.to_string(), true, false)]);
    let body = json_of(f.get(&site_admin, "/taxii2/api/collections/").await).await;
    assert!(body.get("collections").is_none(), "no empty list: {body}");
    assert_eq!(list(body), []);
    let body = json_of(f.get(&partner, "/taxii2/api/collections/").await).await;
    let mut seen = list(body);
    seen.sort();
    let mut want = vec![
        (OURS.to_string(), true, true),
        (THEIRS.to_string(), true, true),
    ];
    want.sort();
    assert_eq!(seen, want);
    let res = f.get(&analyst, &collection_path(OURS)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(json_of(res).await["title"], "TAXII ours");
    for (who, c) in [(&analyst, THEIRS), (&site_admin, OURS)] {
        assert_eq!(f.get(who, &collection_path(c)).await.status(), 404);
    }

    // Add objects: two versions of one indicator, another, and what fails — invalid, RED
    // without recipients, no id, the same id and version twice — while the valid ones are stored.
    let mut invalid = ind(3, V1);
    invalid.as_object_mut().unwrap().remove("pattern");
    let red = indicator(&ind_id(4), Some(Tlp::Red), "red.example", V1);
    let mut no_id = ind(5, V1);
    no_id.as_object_mut().unwrap().remove("id");
    let status = f
        .add(
            &analyst,
            OURS,
            vec![
                ind(1, V1),
                ind(1, V2),
                ind(2, V1),
                invalid,
                red,
                no_id,
                ind(2, V1),
            ],
        )
        .await;
    insta::assert_json_snapshot!("taxii_status", status, {
        ".id" => "[id]", ".request_timestamp" => "[timestamp]"
    });
    assert_eq!(status["success_count"], 3);
    assert_eq!(status["failure_count"], 4);
    // Re-posting a stored id and version is a success that stores nothing.
    let again = f.add(&analyst, OURS, vec![ind(1, V1)]).await;
    assert_eq!(again["success_count"], 1, "{again}");
    assert_eq!(
        again["successes"][0]["message"],
        "already stored: your organisation holds this id and version"
    );
    // The status, for the poster's organisation only.
    let path = format!("/taxii2/api/status/{}/", status["id"].as_str().unwrap());
    let org_admin = f.caller("oa@own.example", "read").await;
    let res = f.get(&org_admin, &path).await;
    assert_eq!(res.status(), 200);
    assert_eq!(json_of(res).await, status);
    assert_eq!(f.get(&partner, &path).await.status(), 404);
    assert_eq!(
        f.get(&analyst, "/taxii2/api/status/not-a-uuid/")
            .await
            .status(),
        404
    );

    // Objects: the latest version of each by default, byte for byte as posted.
    let res = f.get(&analyst, &objects_path(OURS)).await;
    assert_eq!(res.status(), 200);
    let first = res.headers()["x-taxii-date-added-first"]
        .to_str()
        .unwrap()
        .to_owned();
    let last = res.headers()["x-taxii-date-added-last"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(first < last, "{first} {last}");
    let text = res.text().await.unwrap();
    assert!(
        text.contains(&ind(1, V2).to_string()),
        "served as received: {text}"
    );
    let env: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(env["more"], false);
    assert_eq!(ids(&env), [(ind_id(1), V2.into()), (ind_id(2), V1.into())]);
    let q = |query: &str| {
        let path = format!("{}?{query}", objects_path(OURS));
        let analyst = analyst.clone();
        let f = &f;
        async move { json_of(f.get(&analyst, &path).await).await }
    };
    let all = [
        (ind_id(1), V1.into()),
        (ind_id(1), V2.into()),
        (ind_id(2), V1.into()),
    ];
    for (query, want) in [
        ("match[version]=all", all.to_vec()),
        ("match[version]=first", vec![all[0].clone(), all[2].clone()]),
        ("match[version]=first,last", all.to_vec()),
        (
            &format!("match[version]={V1}") as &str,
            vec![all[0].clone(), all[2].clone()],
        ),
        (
            &format!("match[id]={}&match[version]=all", ind_id(1)),
            all[..2].to_vec(),
        ),
        (
            &format!("match[id]={},{}", ind_id(2), ind_id(9)),
            vec![all[2].clone()],
        ),
        (
            "match[type]=malware,indicator",
            vec![all[1].clone(), all[2].clone()],
        ),
        ("match[type]=malware", vec![]),
        ("match[spec_version]=2.1&match[version]=all", all.to_vec()),
        ("match[spec_version]=2.0", vec![]),
        (
            &format!("added_after={first}&match[version]=all"),
            all[2..].to_vec(), // `first` was the latest page's: v2, added second
        ),
    ] {
        assert_eq!(ids(&q(query).await), want, "{query}");
    }
    // Paging, one at a time, through every version.
    let mut got = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let query = match &next {
            Some(n) => format!("match[version]=all&limit=1&next={n}"),
            None => "match[version]=all&limit=1".to_owned(),
        };
        let page = q(&query).await;
        got.extend(ids(&page));
        if page["more"] == false {
            assert!(page.get("next").is_none());
            break;
        }
        next = Some(page["next"].as_str().unwrap().to_owned());
    }
    assert_eq!(got, all);

    // Manifest, versions, one object.
    let res = f
        .get(
            &analyst,
            &format!("/taxii2/api/collections/{OURS}/manifest/?match[version]=all"),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().contains_key("x-taxii-date-added-first"));
    let m = json_of(res).await;
    let records: Vec<(&str, &str)> = m["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["version"].as_str().unwrap()))
        .collect();
    assert_eq!(records.len(), 3);
    assert_eq!(
        records[0],
        (ind_id(1).as_str(), "2026-02-01T00:00:00.000000Z")
    );
    assert_eq!(
        m["objects"][0]["media_type"],
        "application/stix+json;version=2.1"
    );
    let object = |id: &str| format!("{}{id}/", objects_path(OURS));
    let res = f
        .get(&analyst, &format!("{}versions/", object(&ind_id(1))))
        .await;
    assert_eq!(res.status(), 200);
    let v = json_of(res).await;
    assert_eq!(
        v["versions"],
        json!(["2026-02-01T00:00:00.000000Z", "2026-03-01T00:00:00.000000Z"])
    );
    assert_eq!(v["more"], false);
    assert_eq!(
        ids(&json_of(f.get(&analyst, &object(&ind_id(1))).await).await),
        [all[1].clone()]
    );
    let first_only = format!("{}?match[version]=first", object(&ind_id(1)));
    assert_eq!(
        ids(&json_of(f.get(&analyst, &first_only).await).await),
        [all[0].clone()]
    );
    for missing in [ind_id(3), ind_id(4), "nonsense".to_owned()] {
        assert_eq!(
            f.get(&analyst, &object(&missing)).await.status(),
            404,
            "{missing}"
        );
        let versions = format!("{}versions/", object(&missing));
        assert_eq!(f.get(&analyst, &versions).await.status(), 404, "{missing}");
    }

    // The partner (an audience member) sees the GREEN objects; the read-only user reads but may
    // not add; the site-admin outside the audience gets "not found" everywhere.
    assert_eq!(
        ids(&json_of(f.get(&partner, &objects_path(OURS)).await).await).len(),
        2
    );
    assert_eq!(
        ids(&json_of(f.get(&reader, &objects_path(OURS)).await).await).len(),
        2
    );
    let post = json!({"objects": [ind(6, V1)]});
    let res = f
        .send(&reader, Method::POST, &objects_path(OURS), Some(&post))
        .await;
    assert_eq!(res.status(), 403);
    for path in [
        objects_path(OURS),
        format!("/taxii2/api/collections/{OURS}/manifest/"),
        object(&ind_id(1)),
    ] {
        assert_eq!(f.get(&site_admin, &path).await.status(), 404, "{path}");
    }
    let res = f
        .send(&site_admin, Method::POST, &objects_path(OURS), Some(&post))
        .await;
    assert_eq!(res.status(), 404);

    // Delete: only the producer; one version, then all; audited; the match index forgets.
    let token = &f.w.tokens[2].1;
    let app = &f.w.app;
    let matched = |value: &'static str| async move {
        let res = call(
            app,
            Method::POST,
            "/api/v1/match",
            Some(token),
            Some(&json!([value])),
        )
        .await;
        assert_eq!(res.status(), 200);
        res.text().await.unwrap()
    };
    assert!(matched("d2.example").await.contains(&ind_id(2)));
    let res = f
        .send(&partner, Method::DELETE, &object(&ind_id(1)), None)
        .await;
    assert_eq!(res.status(), 403, "not the producer");
    let res = f
        .send(&reader, Method::DELETE, &object(&ind_id(1)), None)
        .await;
    assert_eq!(res.status(), 403, "a read-only user");
    // Deleting is writing: the producer's own organisation, once the collection holds it
    // read-only, may not delete either.
    let read_only = |orgs: Value| {
        let secret = site_admin.secret.clone().unwrap();
        async move {
            let path = format!("/api/v1/collections/{OURS}");
            let body = json!({ "read_only_orgs": orgs });
            let res = call(app, Method::PATCH, &path, Some(&secret), Some(&body)).await;
            assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        }
    };
    read_only(json!(["SingCERT"])).await;
    let res = f
        .send(&analyst, Method::DELETE, &object(&ind_id(1)), None)
        .await;
    assert_eq!(res.status(), 403, "a read-only organisation");
    read_only(json!([])).await;
    let res = f
        .send(
            &analyst,
            Method::DELETE,
            &format!("{}?match[version]=first", object(&ind_id(1))),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let v = json_of(
        f.get(&analyst, &format!("{}versions/", object(&ind_id(1))))
            .await,
    )
    .await;
    assert_eq!(v["versions"], json!(["2026-03-01T00:00:00.000000Z"]));
    let res = f
        .send(&analyst, Method::DELETE, &object(&ind_id(2)), None)
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(f.get(&analyst, &object(&ind_id(2))).await.status(), 404);
    assert_eq!(
        f.send(&analyst, Method::DELETE, &object(&ind_id(2)), None)
            .await
            .status(),
        404
    );
    assert!(
        !matched("d2.example").await.contains(&ind_id(2)),
        "deleted: no hit"
    );
    let audit = call(
        &f.w.app,
        Method::GET,
        "/api/v1/audit",
        Some(&f.w.tokens[1].1),
        None,
    )
    .await;
    let text = audit.text().await.unwrap();
    assert_eq!(text.matches("object.delete").count(), 2, "{text}");
    // A status is kept for the retention (24 h by default), then gone.
    f.w.clock.advance(time::Duration::hours(23));
    assert_eq!(f.get(&analyst, &path).await.status(), 200);
    f.w.clock.advance(time::Duration::hours(2));
    assert_eq!(f.get(&analyst, &path).await.status(), 404, "expired");
    f.w.app.shutdown().await;
}
