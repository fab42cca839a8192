//! A new version drawn from a base version (the web's form sends the `modified` it was drawn
//! from): of two posted on one base at once — each a later version than the base, the second
//! later still — exactly one is stored and the other is refused as a conflict saying the object
//! changed since its form was opened, round after round; the check is inside the store's write, so
//! it holds however close together the posts come. A post without a base (REST) still stores any
//! later version. On SQLite and PostgreSQL.

use reqwest::Method;
use serde_json::json;
use simpul_core::CoreError;
use simpul_core::clock::rfc3339_micros;
use simpul_core::intel::Tlp;
use time::{Duration, OffsetDateTime};

use crate::helpers::TestDb;
use crate::object_changes::{call, get, setup, share};
use crate::world::{World, indicator};

const ID: &str = "indicator--0b5e0000-0000-4000-8000-000000000001";

fn body(t: OffsetDateTime, name: &str) -> Vec<u8> {
    let mut v = indicator(ID, Some(Tlp::Green), "base.example", &rfc3339_micros(t));
    v["name"] = json!(name);
    serde_json::to_vec(&v).unwrap()
}

async fn two_posts_on_one_base(w: World) {
    let r = setup(&w).await;
    share(&w, &r, ID, Tlp::Green, "base.example").await;
    let p = w
        .service
        .authenticate_token(&r.producer, None)
        .await
        .unwrap();
    let mut base = time::macros::datetime!(2026-01-01 00:00:00 UTC);
    for round in 0..12_i64 {
        let (near, far) = (
            base + Duration::milliseconds(1),
            base + Duration::milliseconds(2),
        );
        let (first, second) = (
            body(near, &format!("near {round}")),
            body(far, &format!("far {round}")),
        );
        let (a, b) = tokio::join!(
            w.service.post_object_version(&p, ID, &first, Some(base)),
            w.service.post_object_version(&p, ID, &second, Some(base)),
        );
        let (stored, refused) = match (a, b) {
            (Ok(s), Err(e)) | (Err(e), Ok(s)) => (s, e),
            other => panic!("round {round}: exactly one must be stored: {other:?}"),
        };
        assert!(stored.stored, "round {round}");
        let CoreError::Conflict(why) = refused else {
            panic!("round {round}: {refused:?}")
        };
        assert!(
            why.contains("this object changed since you opened the form"),
            "round {round}: {why}"
        );
        base = stored.object.version;
    }
    let (status, v) = get(&w, &r.producer, &format!("/api/v1/objects/{ID}/versions")).await;
    assert_eq!(status, 200);
    assert_eq!(
        v["versions"].as_array().map(Vec::len),
        Some(13),
        "the share and one version a round: {v}"
    );
    // A stale base alone, with nothing concurrent: refused, nothing stored.
    let stale = w
        .service
        .post_object_version(
            &p,
            ID,
            &body(base + Duration::hours(1), "stale"),
            Some(base - Duration::milliseconds(1)),
        )
        .await;
    assert!(matches!(stale, Err(CoreError::Conflict(_))), "{stale:?}");
    // REST has no base: a later version is stored.
    let later = serde_json::from_slice(&body(base + Duration::hours(1), "rest")).unwrap();
    let path = format!("/api/v1/objects/{ID}/versions");
    let (status, out) = call(&w, Method::POST, &r.producer, &path, Some(&later)).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["object"]["name"], "rest", "{out}");
    w.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_versions_on_one_base_the_second_is_refused_sqlite() {
    two_posts_on_one_base(crate::world::world_on(TestDb::sqlite()).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set SIMPUL_TEST_POSTGRES (the PostgreSQL leg of .ci/run does)"]
async fn of_two_versions_on_one_base_the_second_is_refused_postgres() {
    two_posts_on_one_base(crate::world::world_on(TestDb::postgres().await).await).await;
}
