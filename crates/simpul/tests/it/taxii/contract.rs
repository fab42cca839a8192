//! The TAXII contract: one successful call per route of `simpul_server::taxii::table()` (a new
//! route without a call here fails), each answering TAXII JSON with the properties the
//! specification requires of its resource; and hostile query strings, media types and bodies
//! that never get a 5xx.

use reqwest::Method;
use serde_json::{Value, json};

use super::{Fixture, MEDIA, OURS, ind, ind_id, objects_path};

/// The properties TAXII 2.1 requires of each resource (§4.1, §4.2, §4.3, §5.1, §5.2, §3.7, §5.6,
/// §5.8), by route.
fn required(route: &str) -> &'static [&'static str] {
    match route {
        "GET /taxii2/" => &["title", "api_roots"],
        "GET /taxii2/{root}/" => &["title", "versions", "max_content_length"],
        "GET /taxii2/{root}/status/{status_id}/"
        | "POST /taxii2/{root}/collections/{id}/objects/" => &[
            "id",
            "status",
            "total_count",
            "success_count",
            "failure_count",
            "pending_count",
        ],
        "GET /taxii2/{root}/collections/" => &["collections"],
        "GET /taxii2/{root}/collections/{id}/" => &["id", "title", "can_read", "can_write"],
        "GET /taxii2/{root}/collections/{id}/objects/{object_id}/versions/" => {
            &["more", "versions"]
        }
        "GET /taxii2/{root}/collections/{id}/objects/"
        | "GET /taxii2/{root}/collections/{id}/objects/{object_id}/"
        | "GET /taxii2/{root}/collections/{id}/manifest/" => &["more", "objects"],
        "DELETE /taxii2/{root}/collections/{id}/objects/{object_id}/" => &[],
        other => panic!("no contract for {other}: add a call below"),
    }
}

pub async fn contract(f: Fixture) {
    let analyst = f.analyst().await;
    let status = f
        .add(
            &analyst,
            OURS,
            vec![
                ind(1, "2026-01-01T00:00:00.000Z"),
                ind(2, "2026-01-01T00:00:00.000Z"),
            ],
        )
        .await;
    let object = format!("{}{}/", objects_path(OURS), ind_id(1));
    let calls: Vec<(&str, String, Option<Value>)> = vec![
        ("GET /taxii2/", "/taxii2/".into(), None),
        ("GET /taxii2/{root}/", "/taxii2/api/".into(), None),
        (
            "GET /taxii2/{root}/status/{status_id}/",
            format!("/taxii2/api/status/{}/", status["id"].as_str().unwrap()),
            None,
        ),
        (
            "GET /taxii2/{root}/collections/",
            "/taxii2/api/collections/".into(),
            None,
        ),
        (
            "GET /taxii2/{root}/collections/{id}/",
            format!("/taxii2/api/collections/{OURS}/"),
            None,
        ),
        (
            "GET /taxii2/{root}/collections/{id}/objects/",
            objects_path(OURS),
            None,
        ),
        (
            "POST /taxii2/{root}/collections/{id}/objects/",
            objects_path(OURS),
            Some(json!({"objects": [ind(3, "2026-01-01T00:00:00.000Z")]})),
        ),
        (
            "GET /taxii2/{root}/collections/{id}/objects/{object_id}/",
            object.clone(),
            None,
        ),
        (
            "GET /taxii2/{root}/collections/{id}/objects/{object_id}/versions/",
            format!("{object}versions/"),
            None,
        ),
        (
            "GET /taxii2/{root}/collections/{id}/manifest/",
            format!("/taxii2/api/collections/{OURS}/manifest/"),
            None,
        ),
        (
            "DELETE /taxii2/{root}/collections/{id}/objects/{object_id}/",
            format!("{}{}/", objects_path(OURS), ind_id(2)),
            None,
        ),
    ];
    let table = simpul_server::taxii::table();
    for r in &table {
        let route = format!("{} {}", r.method, r.path);
        assert!(calls.iter().any(|c| c.0 == route), "no call for {route}");
    }
    for (route, path, body) in &calls {
        let method = Method::from_bytes(route.split(' ').next().unwrap().as_bytes()).unwrap();
        let res = f.send(&analyst, method, path, body.as_ref()).await;
        assert!(res.status().is_success(), "{route}: {}", res.status());
        assert_eq!(res.headers()["content-type"], MEDIA, "{route}");
        let text = res.text().await.unwrap();
        let want = required(route);
        if want.is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(&text).unwrap();
        for key in want {
            assert!(v.get(key).is_some(), "{route}: no `{key}` in {v}");
        }
    }

    // Hostile input: never a 5xx, never a hang.
    let queries = [
        "limit=99999999999999999999999",
        "next=-1",
        "next=9223372036854775807",
        "added_after=9999-12-31T23:59:59.999999999Z",
        "added_after=0000-01-01T00:00:00Z",
        "match[id]=%00",
        "match[type]=%F0%9F%92%A9,,,",
        "match[version]=all,first,last,2026-01-01T00:00:00Z",
        "match%5Bversion%5D=%",
        "match[spec_version]=2.1&limit=1&next=1",
        "&&&=&=",
    ];
    for q in queries {
        for base in [
            objects_path(OURS),
            format!("/taxii2/api/collections/{OURS}/manifest/"),
            format!("{object}versions/"),
        ] {
            let res = f.get(&analyst, &format!("{base}?{q}")).await;
            assert!(res.status().as_u16() < 500, "{base}?{q}: {}", res.status());
        }
    }
    let deep = format!(
        "{{\"objects\": [{}{}]}}",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let bodies: Vec<Vec<u8>> = vec![
        deep.into_bytes(),
        b"\xff\xfe".to_vec(),
        br#"{"objects": [1, "x", null, [], {}]}"#.to_vec(),
        br#"{"objects": [{"type": "indicator"}], "objects": []}"#.to_vec(),
        format!("{{\"objects\": [{}]}}", vec!["{}"; 5000].join(",")).into_bytes(),
    ];
    for body in bodies {
        for ct in [
            MEDIA,
            "application/taxii+json",
            "text/plain",
            "application/taxii+json;version=\u{0}",
        ] {
            let res =
                f.w.app
                    .client
                    .post(f.w.app.url(&objects_path(OURS)))
                    .basic_auth(&analyst.email, analyst.secret.as_ref())
                    .header("accept", MEDIA)
                    .header("content-type", ct.replace('\u{0}', ""))
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
            assert!(res.status().as_u16() < 500, "{ct}: {}", res.status());
        }
    }
    f.w.app.shutdown().await;
}
