//! Peers administered over REST and the CLI: credentials are sealed at rest (not in the database
//! file), never answered or printed, redacted by `simpul config`; bad input names its field.

use serde_json::{Value, json};

use super::node::Node;

#[tokio::test]
async fn peers_over_rest_and_the_cli_never_show_their_secrets() {
    let mut n = Node::new(
        "solo",
        &["ASEAN-CERT", "SingCERT"],
        &[
            ("SingCERT", "node@sg.example"),
            ("ASEAN-CERT", "admin@hub.example"),
        ],
        &[("regional", &["ASEAN-CERT", "SingCERT"])],
    )
    .await;
    // A site-admin for REST.
    let store = simpul::open_store(&simpul::config::DatabaseUrl::new(n.db_url()))
        .await
        .unwrap();
    let svc = simpul::service(store);
    let hub = svc
        .org_by_short_name(&crate::world::operator(), "ASEAN-CERT")
        .await
        .unwrap();
    crate::world::user(&svc, &hub, "sa@hub.example", simpul_core::Role::SiteAdmin).await;
    let sa = crate::world::token(&svc, "sa@hub.example", "admin,read", None).await;
    drop(svc);
    n.start().await;
    let local = n.collections["regional"];
    let secret = "simpul_peer_secret_do_not_show";

    // CLI: Basic credentials from stdin.
    let out = n.peer(
        &[
            "add",
            "hub",
            "--url",
            "http://127.0.0.1:9/taxii2/",
            "--user",
            "sg-node",
            "--password-stdin",
            "--direction",
            "both",
            "--map",
            &format!("remote-1={local}"),
            "--as",
            "node@sg.example",
            "--interval",
            "30",
        ],
        &format!("{secret}\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = n.peer(&["list"], "");
    let listed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        listed.contains("hub") && listed.contains("never"),
        "{listed}"
    );
    assert!(!listed.contains(secret));
    // Bad input: one line naming the flag, exit 2.
    let out = n.peer(
        &[
            "add",
            "x",
            "--url",
            "http://h/",
            "--token",
            "t",
            "--direction",
            "sideways",
            "--map",
            &format!("r={local}"),
            "--as",
            "node@sg.example",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--direction"));
    let out = n.peer(
        &[
            "add",
            "x",
            "--url",
            "http://h/",
            "--token",
            "t",
            "--direction",
            "pull",
            "--map",
            "no-equals",
            "--as",
            "node@sg.example",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--map"));
    // A token read from stdin must be there: an empty line is refused, nothing added.
    let out = n.peer(
        &[
            "add",
            "empty",
            "--url",
            "http://h/",
            "--token-stdin",
            "--direction",
            "pull",
            "--map",
            &format!("r={local}"),
            "--as",
            "node@sg.example",
        ],
        "\n",
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(err.contains("token on stdin is empty"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let listed = String::from_utf8_lossy(&n.peer(&["list"], "").stdout).to_string();
    assert!(!listed.contains("empty"), "{listed}");

    // REST: a token peer; never answered back.
    let base = n.base();
    let c = &n.client;
    let res = c
        .post(format!("{base}/api/v1/peers"))
        .bearer_auth(&sa)
        .json(&json!({
            "name": "other", "url": "https://other.example/taxii2/", "token": secret,
            "direction": "pull", "maps": [{"remote": "r", "local": local}],
            "as": "node@sg.example"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let text = res.text().await.unwrap();
    assert!(!text.contains(secret), "{text}");
    let list: Value = c
        .get(format!("{base}/api/v1/peers"))
        .bearer_auth(&sa)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = list["peers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["hub", "other"]);
    assert!(!list.to_string().contains(secret));
    assert_eq!(list["peers"][0]["auth"], "basic");
    assert_eq!(list["peers"][0]["status"]["lag_seconds"], Value::Null);
    // Bad input: 400 with the JSON pointer.
    let res = c
        .post(format!("{base}/api/v1/peers"))
        .bearer_auth(&sa)
        .json(&json!({
            "name": "bad", "url": "ftp://x/", "token": "t", "direction": "pull",
            "maps": [{"remote": "r", "local": local}], "as": "node@sg.example"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["errors"][0]["pointer"], "/url", "{problem}");

    // A failing round: exit 1, one line, recorded in the status without the secret.
    let out = n.peer(&["sync", "hub"], "");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        err.starts_with("simpul: error: peer hub") && !err.contains(secret),
        "{err}"
    );
    // The peer as REST shows it to the site-admin.
    let hub = || {
        let req = c.get(format!("{base}/api/v1/peers/hub")).bearer_auth(&sa);
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let one = hub().await;
    assert_eq!(one["status"]["errors"], 1, "{one}");
    assert!(one["status"]["last_error"].as_str().is_some());

    // While another process holds the peer's lease (the server's scheduler, another `peer
    // sync`), `peer sync` does not run a second round at the same time: exit 1, one line.
    let config = simpul::config::Config::resolve(
        &simpul::config::StoreArgs {
            data: Some(n.data()),
            ..Default::default()
        },
        None,
    )
    .unwrap();
    let store = simpul::open_store(&config.database).await.unwrap();
    let svc =
        simpul::service(store).with_federation_key(simpul::federation::load_key(&config).unwrap());
    let session = svc
        .peer_session(&crate::world::operator(), "hub")
        .await
        .unwrap();
    let holder = uuid::Uuid::new_v4();
    assert!(svc.claim_peer(&session, holder, 600).await.unwrap());
    let out = n.peer(&["sync", "hub"], "");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(err.contains("holds its lease"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    svc.release_peer(&session, holder).await.unwrap();
    drop(svc);
    // The refused round was not run: still one failed round.
    let one = hub().await;
    assert_eq!(one["status"]["errors"], 1, "{one}");

    // Not in the database file, nor in `simpul config`.
    let db = std::fs::read(n.dir.path().join("simpul.db")).unwrap();
    let wal = std::fs::read(n.dir.path().join("simpul.db-wal")).unwrap_or_default();
    for bytes in [&db, &wal] {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "plaintext at rest"
        );
    }
    let out = crate::helpers::simpul_cmd()
        .args(["config", "--data"])
        .arg(n.data())
        .env(
            "SIMPUL_FEDERATION_KEY",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        )
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        shown.contains("key = \"***\"") && !shown.contains("AAAAAAAA"),
        "{shown}"
    );

    // Removed: gone, over the CLI.
    let out = n.peer(&["remove", "hub"], "");
    assert!(out.status.success());
    let res = c
        .get(format!("{base}/api/v1/peers/hub"))
        .bearer_auth(&sa)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn configured_peers_are_put_in_the_store_and_shown_redacted() {
    let n = Node::new(
        "configured",
        &["SingCERT", "ASEAN-CERT"],
        &[("ASEAN-CERT", "hub@asean.example")],
        &[("regional", &["SingCERT", "ASEAN-CERT"])],
    )
    .await;
    let secret = "simpul_configured_secret";
    let file = n.dir.path().join("simpul.toml");
    std::fs::write(
        &file,
        format!(
            "[federation]\nschedule = false\n\n[[federation.peers]]\nname = \"hub\"\n\
             url = \"http://127.0.0.1:9/taxii2/\"\ntoken = \"{secret}\"\ndirection = \"pull\"\n\
             map = [\"remote-1={}\"]\ninterval = 60\nas = \"hub@asean.example\"\n",
            n.collections["regional"]
        ),
    )
    .unwrap();
    let config = |args: &[&str]| {
        crate::helpers::simpul_cmd()
            .args(args)
            .arg("--config")
            .arg(&file)
            .arg("--data")
            .arg(n.data())
            .output()
            .unwrap()
    };
    let shown = config(&["config"]);
    let text = String::from_utf8_lossy(&shown.stdout).to_string();
    assert!(
        shown.status.success(),
        "{}",
        String::from_utf8_lossy(&shown.stderr)
    );
    assert!(
        text.contains("token = \"***\"") && !text.contains(secret),
        "{text}"
    );
    // A round puts it in the store first (then fails: nothing listens there).
    let out = config(&["peer", "sync", "hub"]);
    assert_eq!(out.status.code(), Some(1));
    let listed = config(&["peer", "list"]);
    let listed = String::from_utf8_lossy(&listed.stdout).to_string();
    assert!(
        listed.contains("hub") && listed.contains("pull"),
        "{listed}"
    );
    assert!(!listed.contains(secret));
    // A bad entry names its key.
    std::fs::write(
        &file,
        "[[federation.peers]]\nname = \"Bad Name\"\nurl = \"http://h/\"\ntoken = \"t\"\n\
         direction = \"pull\"\nmap = []\nas = \"x@y.example\"\n",
    )
    .unwrap();
    let out = config(&["config"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(err.contains("federation.peers[0].name"), "{err}");
}
