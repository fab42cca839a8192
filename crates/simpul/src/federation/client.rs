//! A TAXII 2.1 client for federation, over `reqwest` (rustls): discovery to the API root, pages of
//! a collection's objects (`added_after`, `next`, `limit`), posting an envelope and reading its
//! status. Every request has a timeout; every answer body is read up to a bound; failures that may
//! pass (a connection refused or cut, a timeout, 5xx, 429) are retried with exponential backoff
//! and jitter, honouring `Retry-After`.

use std::time::Duration;

use anyhow::{Context, bail};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use serde::Deserialize;
use simpul_core::federation::PeerAuth;

/// TAXII 2.1's media type.
pub const TAXII: &str = "application/taxii+json;version=2.1";

/// Bounds and patience.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The largest answer body read.
    pub max_body: usize,
    /// The time one request may take, connection to last byte.
    pub timeout: Duration,
    /// Attempts of one request (the first included).
    pub attempts: u32,
    /// The first backoff; each retry doubles it (plus up to half again of jitter).
    pub backoff: Duration,
    /// The longest wait between attempts (`Retry-After` included).
    pub max_wait: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body: 64 << 20,
            timeout: Duration::from_secs(60),
            attempts: 5,
            backoff: Duration::from_millis(500),
            max_wait: Duration::from_secs(60),
        }
    }
}

/// A client of one TAXII server.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    discovery: Url,
    auth: PeerAuth,
    limits: Limits,
}

/// One page of a collection's objects: the envelope as received and what TAXII says of it.
#[derive(Debug)]
pub struct Page {
    pub body: Vec<u8>,
    pub more: bool,
    pub next: Option<String>,
    /// `X-TAXII-Date-Added-Last`: the `date_added` of the page's last object.
    pub date_added_last: Option<String>,
    pub count: usize,
}

/// A status resource, as far as sync reads it.
#[derive(Debug, Clone, Deserialize)]
pub struct Status {
    pub id: String,
    pub status: String,
    #[serde(default)]
    pub success_count: u64,
    #[serde(default)]
    pub failure_count: u64,
    #[serde(default)]
    pub pending_count: u64,
    #[serde(default)]
    pub failures: Vec<StatusDetail>,
    #[serde(default)]
    pub successes: Vec<StatusDetail>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StatusDetail {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Deserialize)]
struct Discovery {
    #[serde(default)]
    default: Option<String>,
    #[serde(default)]
    api_roots: Vec<String>,
}

#[derive(Deserialize)]
struct PageHead {
    #[serde(default)]
    more: bool,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    objects: Vec<serde::de::IgnoredAny>,
}

impl Client {
    pub fn new(discovery: &str, auth: PeerAuth, limits: Limits) -> anyhow::Result<Self> {
        let discovery = Url::parse(discovery).with_context(|| format!("peer url {discovery}"))?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10).min(limits.timeout))
            .timeout(limits.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .context("cannot build the HTTP client")?;
        Ok(Self {
            http,
            discovery,
            auth,
            limits,
        })
    }

    /// The API root to use: discovery's `default`, else its first API root.
    pub async fn api_root(&self) -> anyhow::Result<Url> {
        let (_, body) = self
            .send(Method::GET, self.discovery.clone(), None)
            .await
            .context("discovery")?;
        let d: Discovery =
            serde_json::from_slice(&body).context("discovery: no TAXII discovery")?;
        let root = d
            .default
            .or_else(|| d.api_roots.into_iter().next())
            .context("discovery names no API root")?;
        let mut url = self
            .discovery
            .join(&root)
            .with_context(|| format!("API root {root}"))?;
        // Credentials and pushed intelligence go only where the operator pointed: an API root on
        // another origin (scheme, host, port) than the configured discovery URL is refused.
        if !same_origin(&url, &self.discovery) {
            anyhow::bail!(
                "discovery names the API root {} on another origin than {}: simpul sends the \
                 peer's credentials only to the configured discovery URL's scheme, host and port",
                excerpt(url.as_str().as_bytes()),
                self.discovery
            );
        }
        if !url.path().ends_with('/') {
            url.set_path(&format!("{}/", url.path()));
        }
        Ok(url)
    }

    /// One page of `collection`'s objects (every version, oldest added first).
    pub async fn objects(
        &self,
        root: &Url,
        collection: &str,
        added_after: Option<&str>,
        next: Option<&str>,
        limit: u32,
    ) -> anyhow::Result<Page> {
        let mut url = root.join(&format!("collections/{collection}/objects/"))?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("limit", &limit.to_string());
            q.append_pair("match[version]", "all");
            if let Some(a) = added_after {
                q.append_pair("added_after", a);
            }
            if let Some(n) = next {
                q.append_pair("next", n);
            }
        }
        let (headers, body) = self
            .send(Method::GET, url, None)
            .await
            .with_context(|| format!("objects of collection {collection}"))?;
        let head: PageHead = if body.iter().all(u8::is_ascii_whitespace) {
            PageHead {
                more: false,
                next: None,
                objects: Vec::new(),
            }
        } else {
            serde_json::from_slice(&body)
                .with_context(|| format!("objects of collection {collection}: no TAXII envelope"))?
        };
        let date_added_last = headers
            .get("x-taxii-date-added-last")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(Page {
            more: head.more,
            next: head.next,
            count: head.objects.len(),
            date_added_last,
            body,
        })
    }

    /// Posts an envelope to `collection`; answers its status resource.
    pub async fn post(
        &self,
        root: &Url,
        collection: &str,
        envelope: Vec<u8>,
    ) -> anyhow::Result<Status> {
        let url = root.join(&format!("collections/{collection}/objects/"))?;
        let (_, body) = self
            .send(Method::POST, url, Some(envelope))
            .await
            .with_context(|| format!("posting to collection {collection}"))?;
        serde_json::from_slice(&body).context("the answer to a post is no TAXII status")
    }

    /// A status resource.
    pub async fn status(&self, root: &Url, id: &str) -> anyhow::Result<Status> {
        let url = root.join(&format!("status/{id}/"))?;
        let (_, body) = self
            .send(Method::GET, url, None)
            .await
            .with_context(|| format!("status {id}"))?;
        serde_json::from_slice(&body).context("no TAXII status")
    }

    /// Sends with retries; answers the headers and the body (read up to the bound) of a 2xx.
    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
    ) -> anyhow::Result<(HeaderMap, Vec<u8>)> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut req = self
                .http
                .request(method.clone(), url.clone())
                .header(ACCEPT, TAXII);
            req = match &self.auth {
                PeerAuth::Token { token } => req.bearer_auth(token),
                PeerAuth::Basic { user, password } => req.basic_auth(user, Some(password)),
            };
            if let Some(b) = &body {
                req = req.header(CONTENT_TYPE, TAXII).body(b.clone());
            }
            let wait = match req.send().await {
                Ok(res) => {
                    let status = res.status();
                    if status.is_success() {
                        let headers = res.headers().clone();
                        return Ok((headers, read_bounded(res, self.limits.max_body).await?));
                    }
                    let retry_after = retry_after(res.headers());
                    let text = read_bounded(res, 4096).await.unwrap_or_default();
                    let why = format!(
                        "{} {}: HTTP {status}: {}",
                        method,
                        url.path(),
                        excerpt(&text)
                    );
                    if !(status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()) {
                        bail!(why);
                    }
                    if attempt >= self.limits.attempts {
                        bail!("{why} (after {attempt} attempts)");
                    }
                    retry_after.unwrap_or_else(|| self.backoff(attempt))
                }
                Err(e) => {
                    if attempt >= self.limits.attempts {
                        return Err(anyhow::Error::new(e).context(format!(
                            "{method} {} (after {attempt} attempts)",
                            url.path()
                        )));
                    }
                    self.backoff(attempt)
                }
            };
            tracing::debug!(url = %url.path(), attempt, wait_ms = wait.as_millis() as u64, "retrying");
            tokio::time::sleep(wait.min(self.limits.max_wait)).await;
        }
    }

    /// Exponential backoff with up to 50% jitter.
    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.limits.backoff * 2u32.saturating_pow(attempt.saturating_sub(1));
        let jitter = base.mul_f64(jitter_fraction() * 0.5);
        (base + jitter).min(self.limits.max_wait)
    }
}

/// A random fraction in [0, 1) for jitter (from the standard library's random hasher keys).
fn jitter_fraction() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u8(0);
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// `Retry-After` in seconds (an HTTP date is not read: the backoff applies).
fn retry_after(h: &HeaderMap) -> Option<Duration> {
    let v = h
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()?;
    Some(Duration::from_secs(v))
}

/// Whether `a` and `b` have the same scheme, host and port.
fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

fn excerpt(body: &[u8]) -> String {
    simpul_core::error::excerpt(&String::from_utf8_lossy(body)).replace('\n', " ")
}

/// The body of `res`, refused past `max` bytes.
async fn read_bounded(mut res: reqwest::Response, max: usize) -> anyhow::Result<Vec<u8>> {
    if res.content_length().is_some_and(|n| n > max as u64) {
        bail!("the answer is larger than {max} bytes");
    }
    let mut out = Vec::new();
    while let Some(chunk) = res.chunk().await? {
        if out.len() + chunk.len() > max {
            bail!("the answer is larger than {max} bytes");
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let c = Client::new(
            "http://127.0.0.1:9/taxii2/",
            PeerAuth::Token { token: "t".into() },
            Limits::default(),
        )
        .unwrap();
        for attempt in 1..=4 {
            let base = Duration::from_millis(500) * 2u32.pow(attempt - 1);
            let w = c.backoff(attempt);
            assert!(w >= base && w <= base.mul_f64(1.5), "{attempt}: {w:?}");
        }
        assert_eq!(c.backoff(30), Duration::from_secs(60));
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn an_api_root_must_be_on_the_discovery_urls_origin() {
        let d = Url::parse("https://hub.example/taxii2/").unwrap();
        for (root, same) in [
            ("https://hub.example/api/", true),
            ("https://hub.example:443/api/", true),
            ("http://hub.example/api/", false),
            ("https://hub.example:8443/api/", false),
            ("https://evil.example/api/", false),
            ("https://hub.example.evil.example/api/", false),
        ] {
            let r = d.join(root).unwrap();
            assert_eq!(same_origin(&r, &d), same, "{root}");
        }
        // A relative root stays on the discovery's origin.
        assert!(same_origin(&d.join("/api/").unwrap(), &d));
    }
}
