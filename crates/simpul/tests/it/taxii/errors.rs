//! Content negotiation and the error objects: 401 (with its challenges), 403, 404 (an unknown
//! collection and one the caller is not in the audience of, alike), 406, 415, 413, 400, 422 —
//! each the TAXII error object with the request id.

use reqwest::Method;
use serde_json::{Value, json};

use super::{Caller, Fixture, MEDIA, OURS, THEIRS, ind, json_of, objects_path};

/// Sends and checks the status and that the body is a TAXII error object; answers the body.
async fn refused(res: reqwest::Response, status: u16) -> Value {
    assert_eq!(res.status(), status);
    assert_eq!(res.headers()["content-type"], MEDIA);
    let rid = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body = json_of(res).await;
    assert_eq!(body["http_status"], status.to_string());
    assert_eq!(body["error_id"], rid.as_str());
    body
}

pub async fn errors(f: Fixture) {
    let analyst = f.analyst().await;
    let c = &f.w.app.client;
    let url = |p: &str| f.w.app.url(p);

    // 401: no credentials, a bad token, malformed Basic; both challenges.
    let res = c
        .get(url("/taxii2/"))
        .header("accept", MEDIA)
        .send()
        .await
        .unwrap();
    let challenge = res.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        challenge.contains("Basic") && challenge.contains("Bearer"),
        "{challenge}"
    );
    let body = refused(res, 401).await;
    insta::assert_json_snapshot!("taxii_error_401", body, { ".error_id" => "[request_id]" });
    let bad = Caller {
        email: "an@own.example".into(),
        secret: Some("simpul_not-a-real-token-000000000000000000000000".into()),
    };
    refused(f.get(&bad, "/taxii2/").await, 401).await;
    let res = c
        .get(url("/taxii2/"))
        .header("authorization", "Basic !!!")
        .send()
        .await
        .unwrap();
    refused(res, 401).await;

    // 406: Accept without TAXII 2.1.
    for accept in ["application/json", "application/taxii+json;version=2.0"] {
        let res = c
            .get(url("/taxii2/api/collections/"))
            .basic_auth(&analyst.email, analyst.secret.as_ref())
            .header("accept", accept)
            .send()
            .await
            .unwrap();
        let body = refused(res, 406).await;
        if accept == "application/json" {
            insta::assert_json_snapshot!("taxii_error_406", body, { ".error_id" => "[request_id]" });
        }
    }
    // A bare `application/taxii+json` is 2.1.
    let res = c
        .get(url("/taxii2/api/collections/"))
        .basic_auth(&analyst.email, analyst.secret.as_ref())
        .header("accept", "application/taxii+json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // 404: unknown root, unknown collection, a collection outside the audience — alike.
    refused(f.get(&analyst, "/taxii2/nope/").await, 404).await;
    let unknown = uuid::Uuid::from_u128(0x7a11_dead);
    let a = refused(f.get(&analyst, &objects_path(unknown)).await, 404).await;
    let b = refused(f.get(&analyst, &objects_path(THEIRS)).await, 404).await;
    let without_id = |v: &Value, id: uuid::Uuid| {
        v["description"]
            .as_str()
            .unwrap()
            .replace(&id.to_string(), "…")
    };
    assert_eq!(
        without_id(&a, unknown),
        without_id(&b, THEIRS),
        "indistinguishable"
    );
    insta::assert_json_snapshot!("taxii_error_404", a, { ".error_id" => "[request_id]" });
    refused(
        f.get(&analyst, "/taxii2/api/collections/not-a-uuid/").await,
        404,
    )
    .await;

    // 403: a token without `write` may read but not add; without `read`, not read.
    let read_only = f.caller("an@own.example", "read").await;
    let post = json!({"objects": [ind(1, "2026-01-01T00:00:00.000Z")]});
    let body = refused(
        f.send(&read_only, Method::POST, &objects_path(OURS), Some(&post))
            .await,
        403,
    )
    .await;
    insta::assert_json_snapshot!("taxii_error_403", body, { ".error_id" => "[request_id]" });
    let write_only = f.caller("an@own.example", "write").await;
    refused(f.get(&write_only, &objects_path(OURS)).await, 403).await;
    // `sync` (machine-to-machine exchange) reads and writes over TAXII, as the role allows.
    let sync = f.caller("an@own.example", "sync").await;
    let coll: Value = json_of(f.get(&sync, &super::collection_path(OURS)).await).await;
    assert_eq!(
        (coll["can_read"].clone(), coll["can_write"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(f.get(&sync, &objects_path(OURS)).await.status(), 200);
    let s = f
        .add(&sync, OURS, vec![ind(77, "2026-01-01T00:00:00.000Z")])
        .await;
    assert_eq!(s["success_count"], 1, "{s}");
    let status = format!("/taxii2/api/status/{}/", s["id"].as_str().unwrap());
    assert_eq!(f.get(&sync, &status).await.status(), 200);
    let bearer =
        f.w.app
            .client
            .get(f.w.app.url(&objects_path(OURS)))
            .bearer_auth(sync.secret.as_ref().unwrap())
            .header("accept", MEDIA)
            .send()
            .await
            .unwrap();
    assert_eq!(bearer.status(), 200, "Bearer as well as Basic");
    let res = f
        .send(
            &sync,
            Method::DELETE,
            &format!("{}{}/", objects_path(OURS), super::ind_id(77)),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);

    // 415: a post that is not TAXII JSON.
    let send_raw = |ct: &'static str, body: Vec<u8>| {
        let req = c
            .post(url(&objects_path(OURS)))
            .basic_auth(&analyst.email, analyst.secret.as_ref())
            .header("accept", MEDIA)
            .header("content-type", ct)
            .body(body);
        async move { req.send().await.unwrap() }
    };
    let body = refused(
        send_raw("application/json", post.to_string().into_bytes()).await,
        415,
    )
    .await;
    insta::assert_json_snapshot!("taxii_error_415", body, { ".error_id" => "[request_id]" });
    refused(
        send_raw("application/stix+json;version=2.1", b"{}".to_vec()).await,
        415,
    )
    .await;

    // 400: not JSON; 422: JSON but no envelope; each with where.
    let body = refused(send_raw(MEDIA, b"{\"objects\": [".to_vec()).await, 400).await;
    insta::assert_json_snapshot!("taxii_error_400", body, { ".error_id" => "[request_id]" });
    for (envelope, pointer) in [
        (json!([ind(1, "2026-01-01T00:00:00.000Z")]), "/"),
        (json!({"type": "bundle", "objects": []}), "/type"),
        (json!({"objects": {"a": 1}}), "/objects"),
        (json!({"more": false}), "/objects"),
    ] {
        let body = refused(
            send_raw(MEDIA, envelope.to_string().into_bytes()).await,
            422,
        )
        .await;
        assert_eq!(
            body["details"]["errors"][0]["pointer"], pointer,
            "{envelope}"
        );
        if pointer == "/type" {
            insta::assert_json_snapshot!("taxii_error_422", body, { ".error_id" => "[request_id]" });
        }
    }
    // Bad filters are 400 with the parameter named.
    for query in [
        "limit=0",
        "next=x",
        "added_after=yesterday",
        "match[version]=newest",
        "match[colour]=red",
    ] {
        let path = format!("{}?{query}", objects_path(OURS));
        let body = refused(f.get(&analyst, &path).await, 400).await;
        assert!(
            body["details"]["errors"][0]["pointer"].is_string(),
            "{query}: {body}"
        );
    }

    // 413: larger than max_content_length (advertised by the API root), on a server with a
    // small one; nothing is stored.
    let mut roots = simpul_server::taxii::TaxiiSettings::default().roots;
    roots.push(simpul_server::taxii::ApiRoot {
        name: "drill".into(),
        title: "Drill".into(),
        description: String::new(),
    });
    let settings = simpul_server::Settings {
        taxii: simpul_server::taxii::TaxiiSettings {
            max_content_length: 2048,
            roots,
            ..Default::default()
        },
        ..Default::default()
    };
    let small =
        crate::helpers::spawn_app_full(f.w.service.clone(), settings, simpul_server::Router::new())
            .await;
    let root: Value = small
        .client
        .get(small.url("/taxii2/api/"))
        .basic_auth(&analyst.email, analyst.secret.as_ref())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(root["max_content_length"], 2048);
    // A second API root: listed by discovery, serving the same collections.
    let get = |path: &str| {
        small
            .client
            .get(small.url(path))
            .basic_auth(&analyst.email, analyst.secret.as_ref())
            .send()
    };
    let discovery: Value = get("/taxii2/").await.unwrap().json().await.unwrap();
    assert_eq!(discovery["default"], "/taxii2/api/");
    assert_eq!(
        discovery["api_roots"],
        json!(["/taxii2/api/", "/taxii2/drill/"])
    );
    let drill: Value = get("/taxii2/drill/collections/")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(drill["collections"][0]["id"], OURS.to_string());
    let objects: Vec<Value> = (100..120)
        .map(|n| ind(n, "2026-01-01T00:00:00.000Z"))
        .collect();
    let res = small
        .client
        .post(small.url(&objects_path(OURS)))
        .basic_auth(&analyst.email, analyst.secret.as_ref())
        .header("accept", MEDIA)
        .header("content-type", MEDIA)
        .body(json!({ "objects": objects }).to_string())
        .send()
        .await
        .unwrap();
    refused(res, 413).await;
    small.shutdown().await;
    let after = json_of(f.get(&analyst, &objects_path(OURS)).await).await;
    assert!(after.get("objects").is_none(), "nothing stored: {after}");
    f.w.app.shutdown().await;
}
