//! A webhook's endpoint. The decision: `https://` to any host, or `http://` only to a loopback
//! address (`127.0.0.0/8`, `[::1]`, `localhost`) — a receiver on the same machine (a local bridge,
//! the tests' receiver) sends nothing over a network, anything else must be TLS. No user
//! information (credentials in a URL end up in logs: a receiver checks the signature instead), no
//! fragment, at most [`MAX_URL_CHARS`] characters. Kept in the URL's normal form.

use serde::{Deserialize, Serialize};

use crate::error::{Invalid, excerpt};

/// The most characters of a webhook's URL.
pub const MAX_URL_CHARS: usize = 2000;

/// A validated endpoint (see the module).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WebhookUrl(String);

fn bad(message: impl Into<String>) -> Invalid {
    Invalid::new("url", message)
}

impl WebhookUrl {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim();
        if s.is_empty() || s.chars().count() > MAX_URL_CHARS {
            return Err(bad(format!("a URL has 1 to {MAX_URL_CHARS} characters")));
        }
        let u =
            url::Url::parse(s).map_err(|e| bad(format!("`{}` is not a URL: {e}", excerpt(s))))?;
        if !u.username().is_empty() || u.password().is_some() {
            return Err(bad(
                "a webhook URL carries no user name or password (receivers check the signature)",
            ));
        }
        if u.fragment().is_some() {
            return Err(bad("a webhook URL has no fragment (`#…`)"));
        }
        let loopback = match u.host() {
            None => return Err(bad("a webhook URL names a host")),
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(a)) => a.is_loopback(),
            Some(url::Host::Ipv6(a)) => a.is_loopback(),
        };
        match u.scheme() {
            "https" => {}
            "http" if loopback => {}
            "http" => {
                return Err(bad(
                    "a webhook URL is https://, or http:// to a loopback address only",
                ));
            }
            other => {
                return Err(bad(format!(
                    "`{}`: a webhook URL is https:// (or http:// to a loopback address)",
                    excerpt(other)
                )));
            }
        }
        Ok(Self(u.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for WebhookUrl {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<WebhookUrl> for String {
    fn from(u: WebhookUrl) -> String {
        u.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_to_loopback_only() {
        for ok in [
            "https://hooks.example/simpul?x=1",
            "https://192.0.2.7:8443/",
            "http://127.0.0.1:9000/hook",
            "http://[::1]:9000/",
            "http://localhost/hook",
        ] {
            assert!(WebhookUrl::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            WebhookUrl::parse("HTTPS://Hooks.Example").unwrap().as_str(),
            "https://hooks.example/"
        );
        for bad in [
            "",
            "hooks.example/x",
            "http://hooks.example/",
            "http://10.0.0.1/",
            "ftp://hooks.example/",
            "https://user:pw@hooks.example/",
            "https://user@hooks.example/",
            "https://hooks.example/#frag",
            "file:///etc/passwd",
            &format!("https://hooks.example/{}", "a".repeat(MAX_URL_CHARS)),
        ] {
            assert!(WebhookUrl::parse(bad).is_err(), "{bad:?}");
        }
    }
}
