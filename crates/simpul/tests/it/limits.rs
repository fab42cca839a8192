//! One share request names every object in its answer, so it holds a bounded number of them
//! (`MAX_SHARE_OBJECTS`): more is a 400 over REST and a 422 over TAXII, naming the limit and the
//! way to share more (an import job), and nothing is stored.

use reqwest::Method;
use serde_json::{Value, json};
use simpul_core::intel::MAX_SHARE_OBJECTS;

use crate::object_changes::call;
use crate::world::world;

#[tokio::test]
async fn a_share_request_holds_a_bounded_number_of_objects() {
    let w = world().await;
    let (status, c) = call(
        &w,
        Method::POST,
        &w.tokens[0].1,
        "/api/v1/collections",
        Some(&json!({"title": "Own", "audience": {"kind": "orgs", "orgs": ["SingCERT"]}})),
    )
    .await;
    assert_eq!(status, 201, "{c}");
    let c = c["id"].as_str().unwrap();
    let analyst = &w.tokens[2].1;
    let many = format!("[{}]", vec!["{}"; MAX_SHARE_OBJECTS + 1].join(","));

    let res = w
        .app
        .client
        .post(w.app.url(&format!("/api/v1/collections/{c}/objects")))
        .bearer_auth(analyst)
        .header("content-type", "application/json")
        .body(many.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert!(body.to_string().contains("import job"), "{body}");
    assert!(
        body.to_string().len() < 2_000,
        "the error does not echo the input"
    );

    let envelope = format!("{{\"objects\": {many}}}");
    let res = w
        .app
        .client
        .post(w.app.url(&format!("/taxii2/api/collections/{c}/objects/")))
        .bearer_auth(analyst)
        .header("accept", "application/taxii+json;version=2.1")
        .header("content-type", "application/taxii+json;version=2.1")
        .body(envelope)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert!(
        body.to_string().contains("more than 200000 objects"),
        "{body}"
    );

    let (status, list) = call(&w, Method::GET, analyst, "/api/v1/objects", None).await;
    assert_eq!((status, &list["total"]), (200, &json!(0)), "{list}");
}
