//! The submit pages over HTTP: one observable with its server-side preview, the scam report, and
//! the upload of a STIX bundle or MISP event — what is stored, what is refused with the reason
//! beside its field, and that nothing is stored around the sharing rules or without the CSRF token.

use serde_json::json;
use simpul_core::intel::store::ObjectQuery;

use crate::helpers::{TestApp, no_redirects, spawn_app_full};
use crate::web_pages::{csrf_of, get, session_of, two_collections};
use crate::world::{World, operator, world};

/// `html` with what changes from run to run replaced: CSRF tokens, UUIDs, the version.
fn redact(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let b = html.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if is_uuid(&b[i..]) {
            out.push_str("[uuid]");
            i += 36;
        } else {
            let ch = html[i..].chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    let marker = "name=\"csrf_token\" value=\"";
    let mut redacted = String::new();
    let mut rest = out.as_str();
    while let Some(k) = rest.find(marker) {
        redacted.push_str(&rest[..k + marker.len()]);
        rest = &rest[k + marker.len()..];
        redacted.push_str("[csrf]");
        rest = &rest[rest.find('"').unwrap_or(rest.len())..];
    }
    redacted.push_str(rest);
    redacted.replace(
        &format!("simpul {}", env!("CARGO_PKG_VERSION")),
        "simpul [version]",
    )
}

fn is_uuid(b: &[u8]) -> bool {
    b.len() >= 36
        && b[..36].iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit() && !c.is_ascii_uppercase(),
        })
}

/// Posts `form` to `path` with the session `cookie`.
async fn post(w: &World, path: &str, cookie: &str, form: &[(&str, &str)]) -> reqwest::Response {
    no_redirects()
        .post(w.app.url(path))
        .header("cookie", cookie)
        .form(form)
        .send()
        .await
        .unwrap()
}

/// How many objects of `stix_type` SingCERT's analyst may see.
async fn count(w: &World, stix_type: &str) -> u64 {
    let p = w
        .service
        .act_as(&operator(), "an@own.example")
        .await
        .unwrap();
    let q = ObjectQuery {
        types: vec![stix_type.to_owned()],
        ..ObjectQuery::default()
    };
    w.service.count_objects(&p, &q).await.unwrap()
}

#[tokio::test]
async fn the_preview_shows_the_canonical_form_and_submit_stores_it() {
    let w = world().await;
    let [community, _] = two_collections(&w).await;
    let own = session_of(&w, "an@own.example").await;
    let (status, html) = get(&w, "/submit", &own).await;
    assert_eq!(status, 200);
    assert!(html.contains("<a href=\"/submit\" aria-current=\"page\">Submit</a>"));
    insta::assert_snapshot!("web_submit_form", redact(&html));
    let csrf = csrf_of(&html);

    // Preview: the canonical key and the pattern; nothing stored.
    let form = [
        ("csrf_token", csrf.as_str()),
        ("kind", "url"),
        (
            "value",
            "hxxps://Login.Example-Bank[.]COM:443/a/../Verify?x=1#top",
        ),
        ("name", ""),
        ("description", "Phishing page"),
        ("tlp", "TLP:GREEN"),
        ("collection", community.as_str()),
        ("valid_from", ""),
        ("shape", "indicator"),
        ("action", "preview"),
    ];
    let res = post(&w, "/submit", &own, &form).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(
            "<dt>Canonical value</dt><dd><code class=\"canonical\">https://login.example-bank.com/Verify?x=1</code></dd>"
        ),
        "{html}"
    );
    assert!(html.contains("<code>url|https://login.example-bank.com/Verify?x=1</code>"));
    assert!(html.contains("[url:value = &#39;https://login.example-bank.com/Verify?x=1&#39;]"));
    // The form keeps what was typed.
    assert!(html.contains("<option value=\"url\" selected>URL</option>"));
    assert!(html.contains("<option value=\"TLP:GREEN\" selected>TLP:GREEN</option>"));
    insta::assert_snapshot!("web_submit_preview", redact(&html));
    assert_eq!(count(&w, "indicator").await, 0);

    // Submit: stored through the share service, then the object's page.
    let mut form = form;
    form[9] = ("action", "submit");
    let res = post(&w, "/submit", &own, &form).await;
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/objects/indicator--"), "{location}");
    let (status, html) = get(&w, &location, &own).await;
    assert_eq!(status, 200);
    assert!(html.contains("<span class=\"tlp tlp-green\">TLP:GREEN</span>"));
    assert!(
        html.contains("url https://login.example-bank.com/Verify?x=1"),
        "{html}"
    );
    assert!(html.contains("Phishing page"));
    assert_eq!(count(&w, "indicator").await, 1);
    // Another member of the community sees it and its canonical key finds it.
    let other = session_of(&w, "an@other.example").await;
    let (status, _) = get(&w, &location, &other).await;
    assert_eq!(status, 200);

    // A phone number in national form is read in the organisation's country; as observed data
    // it becomes an observed-data and its phone-number object.
    let form = [
        ("csrf_token", csrf.as_str()),
        ("kind", "phone"),
        ("value", "+65 6123 4567"),
        ("tlp", "TLP:AMBER"),
        ("collection", community.as_str()),
        ("valid_from", "2026-11-27 10:30"),
        ("shape", "observed-data"),
        ("action", "submit"),
    ];
    let res = post(&w, "/submit", &own, &form).await;
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("/objects/observed-data--"),
        "{location}"
    );
    let (_, html) = get(&w, &location, &own).await;
    assert!(
        html.contains("datetime=\"2026-11-27T10:30:00.000000Z\""),
        "{html}"
    );
    assert_eq!(count(&w, "phone-number").await, 1);
    w.app.shutdown().await;
}

#[tokio::test]
async fn bad_values_and_forbidden_collections_are_refused_beside_their_field() {
    let w = world().await;
    let [community, own_only] = two_collections(&w).await;
    let own = session_of(&w, "an@own.example").await;
    let (_, html) = get(&w, "/submit", &own).await;
    let csrf = csrf_of(&html);
    let form = |kind: &'static str, value: &'static str, collection: &str, tlp: &'static str| {
        vec![
            ("csrf_token".to_owned(), csrf.clone()),
            ("kind".to_owned(), kind.to_owned()),
            ("value".to_owned(), value.to_owned()),
            ("tlp".to_owned(), tlp.to_owned()),
            ("collection".to_owned(), collection.to_owned()),
            ("action".to_owned(), "submit".to_owned()),
        ]
    };
    let send = |cookie: String, form: Vec<(String, String)>| {
        let url = w.app.url("/submit");
        async move {
            let res = no_redirects()
                .post(url)
                .header("cookie", cookie)
                .form(&form)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    // Not an IPv4 address: the reason under the value, the value kept, nothing stored.
    let (status, html) = send(
        own.clone(),
        form("ipv4", "192.0.2.300", &community, "TLP:GREEN"),
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("<span class=\"error\" id=\"submit-value-error\">not a valid ipv4 address: "),
        "{html}"
    );
    assert!(html.contains(
        "aria-invalid=\"true\" aria-describedby=\"submit-value-help submit-value-error\""
    ));
    assert!(html.contains("value=\"192.0.2.300\""));
    insta::assert_snapshot!("web_submit_invalid", redact(&html));
    // An unknown type, an empty value, a bad time.
    let mut f = form("widget", "x", &community, "TLP:GREEN");
    f.push(("valid_from".into(), "yesterday".into()));
    let (status, html) = send(own.clone(), f).await;
    assert_eq!(status, 422);
    assert!(html.contains(
        "<span class=\"error\" id=\"submit-kind-error\">choose a type from the list</span>"
    ));
    assert!(
        html.contains("not a time: write 2026-12-01 08:00 (UTC) or 2026-12-01 (got `yesterday`)")
    );
    // TLP:RED into a community collection: the sharing rules refuse it, beside the TLP.
    let (status, html) = send(
        own.clone(),
        form("domain", "red.example", &community, "TLP:RED"),
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"submit-tlp-error\">"), "{html}");
    // MyCERT's analyst may not write into SingCERT's own collection (not even see it); the
    // read-only user may not share at all.
    let other = session_of(&w, "an@other.example").await;
    let (_, page) = get(&w, "/submit", &other).await;
    assert!(
        !page.contains(&own_only),
        "only writable collections are offered"
    );
    let mut f = form("domain", "sneaky.example", &own_only, "TLP:GREEN");
    f[0].1 = csrf_of(&page);
    let (status, html) = send(other.clone(), f).await;
    assert_eq!(status, 422);
    assert!(
        html.contains("<span class=\"error\" id=\"submit-collection-error\">"),
        "{html}"
    );
    let ro = session_of(&w, "ro@own.example").await;
    let (_, page) = get(&w, "/submit", &ro).await;
    assert!(page.contains("There is no collection you may share into"));
    let mut f = form("domain", "readonly.example", &community, "TLP:GREEN");
    f[0].1 = csrf_of(&page);
    let (status, html) = send(ro, f).await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"submit-collection-error\">"), "{html}");
    assert_eq!(count(&w, "indicator").await, 0, "nothing was stored");

    // Without the CSRF token: refused on every submit form.
    for path in ["/submit", "/submit/scam"] {
        let res = post(
            &w,
            path,
            &own,
            &[
                ("kind", "domain"),
                ("value", "nocsrf.example"),
                ("collection", &community),
            ],
        )
        .await;
        assert_eq!(res.status(), 403, "{path}");
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("Missing or wrong CSRF token")
        );
    }
    let res = upload(&w.app, &own, "", &community, "x.json", b"{}").await;
    assert_eq!(res.status(), 403);
    assert_eq!(count(&w, "indicator").await, 0);
    w.app.shutdown().await;
}

#[tokio::test]
async fn a_scam_report_stores_each_observable_normalised() {
    let w = world().await;
    let [community, _] = two_collections(&w).await;
    let own = session_of(&w, "an@own.example").await;
    let (status, html) = get(&w, "/submit/scam", &own).await;
    assert_eq!(status, 200);
    insta::assert_snapshot!("web_submit_scam_form", redact(&html));
    let csrf = csrf_of(&html);
    // Nothing to report, and a bad wallet: refused beside the fields.
    let res = post(
        &w,
        "/submit/scam",
        &own,
        &[
            ("csrf_token", &csrf),
            ("description", ""),
            ("tlp", "TLP:AMBER"),
            ("collection", &community),
        ],
    )
    .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("id=\"scam-phone-error\">enter at least one of"),
        "{html}"
    );
    assert!(html.contains("id=\"scam-description-error\">describe the scam in a few words"));
    let res = post(
        &w,
        "/submit/scam",
        &own,
        &[
            ("csrf_token", &csrf),
            ("wallet", "0xNOTAWALLET"),
            ("chain", "ethereum"),
            ("description", "x"),
            ("tlp", "TLP:AMBER"),
            ("collection", &community),
        ],
    )
    .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("id=\"scam-wallet-error\">not a valid crypto wallet: "),
        "{html}"
    );
    assert_eq!(count(&w, "report").await, 0);

    let res = post(
        &w,
        "/submit/scam",
        &own,
        &[
            ("csrf_token", &csrf),
            ("phone", "+65 6123 4567"),
            ("url", "hxxp://Parcel-Fee[.]Example/Pay"),
            ("bank_account", "123-456-7890"),
            ("bank", "bca"),
            ("bank_country", "id"),
            ("wallet", "0x52908400098527886E0F7030069857D2E4169EE7"),
            ("chain", "ethereum"),
            ("social", "https://www.facebook.com/Parcel.Fee.Help"),
            ("platform", "facebook"),
            (
                "app",
                "https://play.google.com/store/apps/details?id=com.parcel.fee",
            ),
            (
                "description",
                "Parcel fee SMS scam\nVictims pay a fake customs fee.",
            ),
            ("tlp", "TLP:AMBER"),
            ("collection", &community),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/submit/scam/report--"), "{location}");
    let (status, html) = get(&w, &location, &own).await;
    assert_eq!(status, 200);
    for key in [
        "phone|+6561234567",
        "url|http://parcel-fee.example/Pay",
        "bank-account|ID/BCA/1234567890",
        "crypto-wallet:ethereum|0x52908400098527886e0f7030069857d2e4169ee7",
        "social-account|parcel.fee.help",
        "app-id|com.parcel.fee",
    ] {
        assert!(
            html.contains(&format!("<code>{key}</code>")),
            "{key}: {html}"
        );
    }
    assert!(html.contains("Scam report: Parcel fee SMS scam"));
    insta::assert_snapshot!("web_submit_scam_done", redact(&html));
    assert_eq!(count(&w, "report").await, 1);
    assert_eq!(count(&w, "indicator").await, 6);
    // The report's page is the object page.
    let report = location.trim_start_matches("/submit/scam/");
    let (status, _) = get(&w, &format!("/objects/{report}"), &own).await;
    assert_eq!(status, 200);
    // Another organisation outside the audience sees no report.
    let spare = crate::world::user(
        &w.service,
        &w.spare,
        "an@spare.example",
        simpul_core::Role::Analyst,
    )
    .await;
    let _ = spare;
    let outsider = session_of(&w, "an@spare.example").await;
    let (status, html) = get(&w, &location, &outsider).await;
    assert_eq!(status, 404);
    assert!(!html.contains("parcel"));
    w.app.shutdown().await;
}

/// Uploads `file` as the multipart form of the page (CSRF token, collection, TLP, file).
async fn upload(
    app: &TestApp,
    cookie: &str,
    csrf: &str,
    collection: &str,
    name: &str,
    file: &[u8],
) -> reqwest::Response {
    let boundary = "SiMpUlBoUnDaRy";
    let mut body = Vec::new();
    for (k, v) in [
        ("csrf_token", csrf),
        ("collection", collection),
        ("tlp", "default"),
    ] {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: application/json\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    no_redirects()
        .post(app.url("/submit/upload"))
        .header("cookie", cookie)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_upload_reports_what_was_stored_skipped_and_refused() {
    let w = world().await;
    let [community, own_only] = two_collections(&w).await;
    let own = session_of(&w, "an@own.example").await;
    let (status, html) = get(&w, "/submit/upload", &own).await;
    assert_eq!(status, 200);
    assert!(html.contains("enctype=\"multipart/form-data\""));
    let csrf = csrf_of(&html);
    let good = |n: u32| {
        crate::world::indicator(
            &format!("indicator--0b5e0000-0000-4000-8000-{n:012}"),
            None,
            &format!("upload{n}.example"),
            "2026-11-20T00:00:00.000Z",
        )
    };
    let mut bad = good(3);
    bad["pattern"] = json!("[domain-name:value = ");
    let bundle = json!({
        "type": "bundle",
        "id": "bundle--0b5e0000-0000-4000-8000-000000000000",
        "objects": [good(1), good(2), bad],
    });
    let bytes = serde_json::to_vec(&bundle).unwrap();
    let res = upload(&w.app, &own, &csrf, &community, "wave.json", &bytes).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("<h2 id=\"result-h\">Imported wave.json</h2>"),
        "{html}"
    );
    assert!(
        html.contains("<tr><th scope=\"row\">Stored</th><td class=\"num\">2</td>"),
        "{html}"
    );
    assert!(html.contains("<tr><th scope=\"row\">Refused</th><td class=\"num\">1</td>"));
    assert!(html.contains("<code>indicator--0b5e0000-0000-4000-8000-000000000003</code>"));
    assert!(html.contains("<code>/objects/2/pattern</code>"), "{html}");
    insta::assert_snapshot!("web_submit_upload_result", redact(&html));
    // Again: unchanged, so skipped.
    let res = upload(&w.app, &own, &csrf, &community, "wave.json", &bytes).await;
    let html = res.text().await.unwrap();
    assert!(
        html.contains("<tr><th scope=\"row\">Skipped</th><td class=\"num\">2</td>"),
        "{html}"
    );
    assert!(html.contains("<tr><th scope=\"row\">Stored</th><td class=\"num\">0</td>"));

    // A MISP event is recognised as one and converted.
    let event = json!({"Event": {
        "uuid": "5f0c1e2d-3b4a-4c5d-8e6f-7a8b9c0d1e2f", "info": "Loan app scam",
        "date": "2026-11-20", "timestamp": "1795000000", "distribution": "1",
        "Tag": [{"name": "tlp:green"}],
        "Attribute": [{"uuid": "5f0c1e2d-3b4a-4c5d-8e6f-7a8b9c0d1e30", "type": "domain",
            "category": "Network activity", "value": "loan-misp.example", "to_ids": true,
            "timestamp": "1795000000"}],
    }});
    let res = upload(
        &w.app,
        &own,
        &csrf,
        &community,
        "event.json",
        &serde_json::to_vec(&event).unwrap(),
    )
    .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        !html.contains("<tr><th scope=\"row\">Stored</th><td class=\"num\">0</td>"),
        "{html}"
    );
    assert!(html.contains("Read to the end"), "{html}");

    // Bad files: the form again, one line saying why.
    for (file, status, why) in [
        (
            &b"hello, world"[..],
            422,
            "not a JSON file: upload a STIX bundle or a MISP event (JSON)",
        ),
        (
            &b"{\"hello\": 1"[..],
            422,
            "not a STIX bundle or MISP event: ",
        ),
        (
            &b""[..],
            422,
            "choose a file: a STIX bundle or a MISP event, as JSON",
        ),
    ] {
        let res = upload(&w.app, &own, &csrf, &community, "bad.json", file).await;
        assert_eq!(res.status(), status, "{why}");
        let html = res.text().await.unwrap();
        assert!(
            html.contains(&format!(
                "<span class=\"error\" id=\"upload-file-error\">{why}"
            )),
            "{why}: {html}"
        );
    }
    // Into a collection MyCERT may not write: refused beside the collection, nothing stored.
    let other = session_of(&w, "an@other.example").await;
    let (_, page) = get(&w, "/submit/upload", &other).await;
    let res = upload(
        &w.app,
        &other,
        &csrf_of(&page),
        &own_only,
        "wave.json",
        &bytes,
    )
    .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("<span class=\"error\" id=\"upload-collection-error\">"),
        "{html}"
    );

    // Larger than the server's import limit: refused, the form again.
    let small = spawn_app_full(
        w.service.clone(),
        simpul_server::Settings {
            max_import_bytes: 1024,
            ..simpul_server::Settings::default()
        },
        simpul_server::Router::new(),
    )
    .await;
    let big = serde_json::to_vec(&json!({
        "type": "bundle",
        "id": "bundle--0b5e0000-0000-4000-8000-000000000001",
        "objects": (10..60).map(good).collect::<Vec<_>>(),
    }))
    .unwrap();
    assert!(big.len() > 8 * 1024);
    let res = upload(&small, &own, &csrf, &community, "big.json", &big).await;
    assert_eq!(res.status(), 413);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("the file is larger than this server&#39;s upload limit of 1 KiB"),
        "{html}"
    );
    assert!(!html.contains("upload10.example"), "the file is not echoed");
    assert_eq!(count(&w, "indicator").await, 3, "2 uploaded, 1 from MISP");
    small.shutdown().await;
    w.app.shutdown().await;
}
