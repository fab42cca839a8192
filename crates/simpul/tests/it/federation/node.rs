//! A simpul node for the federation tests: its own data directory and SQLite database, the real
//! `simpul serve` on a random loopback port, and `simpul peer …` run against it as the operator.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Output, Stdio};

use serde_json::{Value, json};
use simpul_core::intel::CollectionId;
use simpul_core::intel::service::{AudienceNames, NewCollection};
use simpul_core::{OrgKind, Role};

use crate::durability::{free_port, ready};
use crate::helpers::simpul_cmd;
use crate::world::{operator, org, token, user};

/// The token every test node's `/metrics` wants (`SIMPUL_METRICS_TOKEN`).
pub const METRICS_TOKEN: &str = "metrics-token-of-the-test-nodes";
/// The test nodes' peer lease (`SIMPUL_FEDERATION_LEASE_SECS`): short, so a killed round's
/// lease runs out within a test.
pub const LEASE_SECS: &str = "3";

pub struct Node {
    pub name: &'static str,
    pub dir: tempfile::TempDir,
    pub port: u16,
    pub server: Option<Child>,
    pub client: reqwest::Client,
    /// Tokens by email (read,write,sync).
    pub tokens: HashMap<String, String>,
    pub collections: HashMap<&'static str, CollectionId>,
    /// Whether its server syncs its peers itself (off unless a test turns it on: the tests run
    /// rounds with `simpul peer sync`).
    pub schedule: bool,
    /// The `--interval` of the peers it adds.
    pub interval: u32,
    run: usize,
}

impl Node {
    /// A node whose directory holds organisations `orgs` (short names), each with the analysts
    /// `users` names (`(org, email)`), and collections `(title, [orgs])`.
    pub async fn new(
        name: &'static str,
        orgs: &[&str],
        users: &[(&str, &str)],
        collections: &[(&'static str, &[&str])],
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut node = Self {
            name,
            dir,
            port: free_port(),
            server: None,
            // No idle connections kept: a server restarted (or idle past its timeout) between
            // two requests must not answer the second with a cut connection.
            client: reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .unwrap(),
            tokens: HashMap::new(),
            collections: HashMap::new(),
            schedule: false,
            interval: 300,
            run: 0,
        };
        let store = simpul::open_store(&simpul::config::DatabaseUrl::new(node.db_url()))
            .await
            .unwrap();
        let svc = simpul::service(store);
        let mut made = HashMap::new();
        for o in orgs {
            made.insert(*o, org(&svc, o, OrgKind::NationalCert).await);
        }
        for (o, email) in users {
            user(&svc, &made[o], email, Role::Analyst).await;
            let t = token(&svc, email, "read,write,sync", None).await;
            node.tokens.insert((*email).to_owned(), t);
        }
        for (title, members) in collections {
            let names = AudienceNames::Orgs(members.iter().map(|s| (*s).to_owned()).collect());
            let audience = svc.resolve_audience(&operator(), &names).await.unwrap();
            let new = NewCollection {
                id: None,
                title: (*title).into(),
                alias: None,
                description: String::new(),
                audience,
                default_tlp: None,
            };
            let c = svc.create_collection(&operator(), new).await.unwrap();
            node.collections.insert(title, c.id);
        }
        node
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    pub fn db_url(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("simpul.db").display())
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn discovery(&self) -> String {
        format!("{}/taxii2/", self.base())
    }

    /// Starts `simpul serve` and waits until it is ready.
    pub async fn start(&mut self) {
        self.run += 1;
        let log =
            std::fs::File::create(self.dir.path().join(format!("serve-{}.log", self.run))).unwrap();
        let child = simpul_cmd()
            .args(["serve", "--listen", &format!("127.0.0.1:{}", self.port)])
            .arg("--data")
            .arg(self.data())
            .env(
                "SIMPUL_FEDERATION_SCHEDULE",
                if self.schedule { "true" } else { "false" },
            )
            .env("SIMPUL_METRICS_TOKEN", METRICS_TOKEN)
            .env("SIMPUL_FEDERATION_LEASE_SECS", LEASE_SECS)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.server = Some(child);
        ready(&self.client, &self.base()).await;
    }

    /// `/metrics` as a scraper with the node's metrics token (`None`: without it): status, body.
    pub async fn metrics(&self, token: Option<&str>) -> (u16, String) {
        let mut req = self.client.get(format!("{}/metrics", self.base()));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    }

    /// `simpul peer ARGS…` on this node's data, stdin fed.
    pub fn peer(&self, args: &[&str], stdin: &str) -> Output {
        let mut cmd = simpul_cmd();
        cmd.arg("peer").args(args).arg("--data").arg(self.data());
        cmd.env("SIMPUL_FEDERATION_LEASE_SECS", LEASE_SECS);
        crate::helpers::run_with_stdin(cmd, stdin)
    }

    /// Adds a peer of this node: `remote`'s discovery, signing in there with `token`, acting here
    /// as `act_as`, mapping `remote_collection` there to `local_collection` here.
    pub fn add_peer(
        &self,
        name: &str,
        remote: &Node,
        token: &str,
        direction: &str,
        maps: &[(&str, &str)],
        act_as: &str,
    ) {
        let mut args: Vec<String> = vec![
            "add".into(),
            name.into(),
            "--url".into(),
            remote.discovery(),
            // The token on stdin, as an operator should give it (not in the process list).
            "--token-stdin".into(),
            "--direction".into(),
            direction.into(),
            "--as".into(),
            act_as.into(),
            "--interval".into(),
            self.interval.to_string(),
        ];
        for (r, l) in maps {
            args.push("--map".into());
            args.push(format!("{}={}", remote.collections[r], self.collections[l]));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = self.peer(&args, &format!("{token}\n"));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `simpul peer sync NAME`: (pulled, pushed, refused).
    pub fn sync(&self, peer: &str) -> (u64, u64, u64) {
        let out = self.peer(&["sync", peer], "");
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "{} sync {peer}: {}{text}",
            self.name,
            String::from_utf8_lossy(&out.stderr)
        );
        let n: Vec<u64> = text
            .split_whitespace()
            .filter_map(|w| w.trim_matches(|c: char| !c.is_ascii_digit()).parse().ok())
            .collect();
        (n[0], n[1], n[2])
    }

    /// Shares `objects` into `collection` as `email` over REST: the ids stored.
    pub async fn share(&self, email: &str, collection: &str, objects: Vec<Value>) -> Vec<String> {
        self.share_named(email, collection, objects, &[]).await
    }

    /// [`Node::share`] to named recipients.
    pub async fn share_named(
        &self,
        email: &str,
        collection: &str,
        objects: Vec<Value>,
        recipients: &[&str],
    ) -> Vec<String> {
        let body = json!({
            "type": "bundle",
            "id": format!("bundle--{}", uuid::Uuid::new_v4()),
            "objects": objects,
        });
        let mut url = format!(
            "{}/api/v1/collections/{}/objects",
            self.base(),
            self.collections[collection]
        );
        if !recipients.is_empty() {
            url.push_str(&format!("?recipients={}", recipients.join(",")));
        }
        let res = self
            .client
            .post(url)
            .bearer_auth(&self.tokens[email])
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let v: Value = res.json().await.unwrap();
        assert!(status.is_success(), "{v}");
        v["stored"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect()
    }

    /// Every version `email` sees in `collection` over TAXII (`match[version]=all`), paged.
    pub async fn taxii_all(&self, email: &str, collection: &str) -> Vec<Value> {
        self.taxii(email, collection, "all").await
    }

    /// What `email` sees in `collection` over TAXII with `match[version]=VERSION`, paged.
    pub async fn taxii(&self, email: &str, collection: &str, version: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let mut url = format!(
                "{}/taxii2/api/collections/{}/objects/?limit=1000&match[version]={version}",
                self.base(),
                self.collections[collection]
            );
            if let Some(n) = &next {
                url.push_str(&format!("&next={n}"));
            }
            let res = self
                .client
                .get(url)
                .bearer_auth(&self.tokens[email])
                .header("accept", "application/taxii+json;version=2.1")
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            let text = res.text().await.unwrap();
            if text.trim().is_empty() {
                return out;
            }
            let v: Value = serde_json::from_str(&text).unwrap();
            out.extend(v["objects"].as_array().cloned().unwrap_or_default());
            match v["next"].as_str() {
                Some(n) if v["more"] == json!(true) => next = Some(n.to_owned()),
                _ => return out,
            }
        }
    }

    /// Revokes `id` as `email` (its producer) over REST.
    pub async fn revoke(&self, email: &str, id: &str) {
        let res = self
            .client
            .post(format!("{}/api/v1/objects/{id}/revoke", self.base()))
            .bearer_auth(&self.tokens[email])
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    }

    /// The export `format` as `email` sees it.
    pub async fn export(&self, email: &str, format: &str) -> String {
        let res = self
            .client
            .get(format!("{}/api/v1/export/{format}", self.base()))
            .bearer_auth(&self.tokens[email])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        res.text().await.unwrap()
    }

    pub fn kill(&mut self) {
        if let Some(mut c) = self.server.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The ids of `objects`, sorted, with duplicates kept (so a duplicate shows).
pub fn ids(objects: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = objects
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}
