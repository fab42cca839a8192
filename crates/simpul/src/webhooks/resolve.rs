//! The sender's guard against server-side request forgery at connect time: a DNS resolver for
//! the HTTP client ([`PublicOnly`]) that resolves with tokio and keeps only public addresses
//! (core's [`is_public`]), so that a name which resolves — or starts resolving, DNS rebinding —
//! to a private, link-local or loopback address is never connected to; and [`literal_refusal`]
//! for a URL whose host is an IP literal (the client does not resolve those). Creation refuses
//! such URLs already (`simpul_core::webhooks::target`); these checks catch what a name resolves to
//! when it is sent, and rows stored before the guard existed. Both stand aside when the operator
//! allows private targets (`[webhooks] allow_private_targets`). A refusal is a delivery failed
//! for good ([`refusal`] finds it in the client's error), not retried.

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use simpul_core::webhooks::is_public;

/// A host's addresses, looked up (the port is the resolver's caller's).
pub type LookupFuture = Pin<Box<dyn Future<Output = std::io::Result<Vec<SocketAddr>>> + Send>>;
/// How a host is looked up: tokio's resolver, or a test's table.
pub type Lookup = Arc<dyn Fn(String) -> LookupFuture + Send + Sync>;

/// A resolver that answers a name's public addresses only (an error when none remain).
#[derive(Clone)]
pub struct PublicOnly {
    lookup: Lookup,
}

impl fmt::Debug for PublicOnly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PublicOnly")
    }
}

impl Default for PublicOnly {
    /// Over tokio's resolver (the system's, `getaddrinfo`).
    fn default() -> Self {
        Self::with_lookup(Arc::new(|host: String| {
            Box::pin(
                async move { Ok(tokio::net::lookup_host((host.as_str(), 0)).await?.collect()) },
            )
        }))
    }
}

impl PublicOnly {
    pub fn with_lookup(lookup: Lookup) -> Self {
        Self { lookup }
    }

    /// `host`'s public addresses (refused when there is none).
    pub async fn public_addrs(&self, host: &str) -> Result<Vec<SocketAddr>, NotPublic> {
        let found = (self.lookup)(host.to_owned())
            .await
            .map_err(|e| NotPublic {
                what: format!("`{host}` does not resolve: {e}"),
                refused: false,
            })?;
        let public: Vec<SocketAddr> = found.into_iter().filter(|a| is_public(a.ip())).collect();
        if public.is_empty() {
            return Err(NotPublic {
                what: format!("`{host}` resolves to no public address"),
                refused: true,
            });
        }
        Ok(public)
    }
}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let this = self.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs = this.public_addrs(&host).await?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// The resolver's answer when it found no address to connect to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotPublic {
    what: String,
    /// Addresses were found, all of them private: refused (not a transient lookup failure).
    refused: bool,
}

impl fmt::Display for NotPublic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.what)?;
        if self.refused {
            f.write_str(
                ": webhooks go to public addresses only ([webhooks] allow_private_targets)",
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for NotPublic {}

/// The resolver's refusal inside a client error, as the log says it (a failed lookup is not one:
/// that is retried).
pub fn refusal(e: &reqwest::Error) -> Option<String> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(n) = c.downcast_ref::<NotPublic>() {
            return n.refused.then(|| n.to_string());
        }
        cause = c.source();
    }
    None
}

/// Why a URL whose host is an IP literal that is not public is not sent to; `None` for a name or
/// a public address.
pub fn literal_refusal(url: &str) -> Option<String> {
    let u = reqwest::Url::parse(url).ok()?;
    let host = u.host_str()?;
    // An IPv6 literal is bracketed; a name does not parse as an address.
    let ip: std::net::IpAddr = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()?;
    (!is_public(ip)).then(|| {
        format!(
            "{ip} is not a public address: webhooks go to public addresses only ([webhooks] \
             allow_private_targets)"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(addrs: &'static [&'static str]) -> PublicOnly {
        PublicOnly::with_lookup(Arc::new(move |_host| {
            Box::pin(async move {
                Ok(addrs
                    .iter()
                    .map(|a| SocketAddr::new(a.parse().unwrap(), 0))
                    .collect())
            })
        }))
    }

    #[tokio::test]
    async fn only_public_addresses_are_answered() {
        let mixed = table(&[
            "127.0.0.1",
            "10.1.2.3",
            "93.184.215.14",
            "::ffff:169.254.169.254",
        ]);
        let got: Vec<SocketAddr> = mixed
            .resolve("hooks.example".parse().unwrap())
            .await
            .unwrap()
            .collect();
        assert_eq!(got, ["93.184.215.14:0".parse().unwrap()]);

        for private in [
            table(&["127.0.0.1"]),
            table(&["::1", "fe80::1"]),
            table(&["169.254.169.254"]),
            table(&["192.168.0.10", "fd00::5"]),
        ] {
            let e = private.public_addrs("rebind.example").await.unwrap_err();
            assert!(e.refused, "{e}");
            assert!(e.to_string().contains("no public address"), "{e}");
        }
        let failing = PublicOnly::with_lookup(Arc::new(|_| {
            Box::pin(async { Err(std::io::Error::other("no such host")) })
        }));
        let e = failing.public_addrs("nowhere.example").await.unwrap_err();
        assert!(!e.refused, "a failed lookup is retried, not refused: {e}");
    }

    #[tokio::test]
    async fn the_real_lookup_drops_localhost() {
        let e = PublicOnly::default()
            .public_addrs("localhost")
            .await
            .unwrap_err();
        assert!(e.refused, "{e}");
    }

    #[test]
    fn ip_literals_are_judged_before_sending() {
        for bad in [
            "http://127.0.0.1:9000/x",
            "https://10.0.0.1/",
            "https://[::ffff:10.0.0.1]/",
            "https://169.254.169.254/",
        ] {
            assert!(literal_refusal(bad).is_some(), "{bad}");
        }
        for ok in [
            "https://8.8.8.8/",
            "https://hooks.example/",
            "http://localhost:1/",
        ] {
            assert_eq!(literal_refusal(ok), None, "{ok}");
        }
    }
}
