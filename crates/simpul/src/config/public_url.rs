//! `public_url`: the address people reach this server at, which the links in its mail point to
//! (a communication check's `{public_url}/ack/{token}`). From the file's `public_url`, or
//! `SIMPUL_PUBLIC_URL`; by default `http://{listen}`, an unspecified listen address (`0.0.0.0`,
//! `::`) written `localhost`. Behind a proxy or with TLS, set it.
//!
//! An `http://` or `https://` URL with a host, an optional port and path, no user, query or
//! fragment; trailing slashes are dropped (`https://simpul.example.org/` →
//! `https://simpul.example.org`).

use std::net::SocketAddr;

use super::ConfigError;

/// The URL when none is configured: `http://{listen}`, `localhost` for an unspecified address.
pub fn default_for(listen: SocketAddr) -> String {
    if listen.ip().is_unspecified() {
        format!("http://localhost:{}", listen.port())
    } else {
        format!("http://{listen}")
    }
}

/// Reads a configured URL; `key` names where it came from in the error.
pub fn parse(key: &str, s: &str) -> Result<String, ConfigError> {
    let shown = simpul_core::error::excerpt(s);
    let bad = |why: &str| {
        ConfigError(format!(
            "{key} `{shown}`: {why} (e.g. https://simpul.example.org)"
        ))
    };
    let t = s.trim();
    if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("has a space or control character"));
    }
    let lower = t.to_ascii_lowercase();
    let scheme = if lower.starts_with("https://") {
        "https"
    } else if lower.starts_with("http://") {
        "http"
    } else {
        return Err(bad("give an http:// or https:// URL"));
    };
    let rest = &t[scheme.len() + 3..];
    if t.contains('?') || t.contains('#') {
        return Err(bad("must have no query (?) or fragment (#)"));
    }
    let authority = rest.split('/').next().unwrap_or("");
    if authority.contains('@') {
        return Err(bad("must name no user"));
    }
    let host = match authority.strip_prefix('[') {
        // [v6]:port
        Some(v6) => {
            let (addr, after) = v6
                .split_once(']')
                .ok_or_else(|| bad("has an unclosed `[`"))?;
            if addr.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(bad("has no valid IPv6 address in brackets"));
            }
            check_port(after, &bad)?;
            addr
        }
        None => {
            let (host, port) = match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            };
            if let Some(p) = port {
                check_port(&format!(":{p}"), &bad)?;
            }
            let ok = host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
            if !ok {
                return Err(bad("has no valid host name"));
            }
            host
        }
    };
    if host.is_empty() {
        return Err(bad("has no host"));
    }
    // The scheme in lower case (`HTTPS://` is `https://`).
    let out = format!("{scheme}://{}", rest.trim_end_matches('/'));
    // The service's own rule, so what is accepted here is what `Service::with_public_url` takes.
    simpul_core::comm_checks::start::normalise_public_url(&out)
        .map_err(|e| ConfigError(format!("{key}: {}", e.message)))
}

fn check_port(after: &str, bad: &dyn Fn(&str) -> ConfigError) -> Result<(), ConfigError> {
    match after.strip_prefix(':') {
        None if after.is_empty() => Ok(()),
        Some(p) if p.parse::<u16>().is_ok_and(|n| n > 0) => Ok(()),
        _ => Err(bad("has no valid port (1-65535)")),
    }
}

/// The effective URL: `SIMPUL_PUBLIC_URL`, the file's `public_url`, or [`default_for`] `listen`.
pub(super) fn resolve(file: Option<String>, listen: SocketAddr) -> Result<String, ConfigError> {
    match std::env::var("SIMPUL_PUBLIC_URL") {
        Ok(v) if !v.is_empty() => parse("SIMPUL_PUBLIC_URL", &v),
        _ => match file {
            Some(f) => parse("public_url", &f),
            None => Ok(default_for(listen)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_listen_address() {
        let d = |a: &str| default_for(a.parse().unwrap());
        assert_eq!(d("127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(d("0.0.0.0:80"), "http://localhost:80");
        assert_eq!(d("[::]:8443"), "http://localhost:8443");
        assert_eq!(d("[::1]:8080"), "http://[::1]:8080");
        assert_eq!(d("192.0.2.7:9000"), "http://192.0.2.7:9000");
    }

    #[test]
    fn urls_are_checked_and_lose_their_trailing_slash() {
        for (given, want) in [
            ("https://simpul.example.org", "https://simpul.example.org"),
            ("https://simpul.example.org/", "https://simpul.example.org"),
            (" http://localhost:8080// ", "http://localhost:8080"),
            (
                "https://cert.example/simpul/",
                "https://cert.example/simpul",
            ),
            ("http://[2001:db8::1]:8080/", "http://[2001:db8::1]:8080"),
            ("HTTPS://Simpul.Example.org", "https://Simpul.Example.org"),
        ] {
            assert_eq!(parse("public_url", given).unwrap(), want, "{given}");
        }
        for (given, says) in [
            ("simpul.example.org", "give an http:// or https:// URL"),
            (
                "ftp://simpul.example.org",
                "give an http:// or https:// URL",
            ),
            ("https://", "has no host"),
            ("https:///path", "has no host"),
            ("https://a.example/?x=1", "no query"),
            ("https://a.example/#top", "fragment"),
            ("https://user:pw@a.example", "no user"),
            ("https://a.example:0", "port"),
            ("https://a.example:99999", "port"),
            ("https://a.example:http", "port"),
            ("https://a b.example", "space"),
            ("https://a_b!.example", "host name"),
            ("http://[::1", "unclosed"),
            ("http://[zz]:80", "IPv6"),
        ] {
            let e = parse("public_url", given).unwrap_err().0;
            assert!(
                e.starts_with("public_url `") && e.contains(says) && !e.contains('\n'),
                "{given}: {e}"
            );
        }
        let e = parse("SIMPUL_PUBLIC_URL", "nope").unwrap_err().0;
        assert!(e.starts_with("SIMPUL_PUBLIC_URL `nope`"), "{e}");
    }

    #[test]
    fn the_file_sets_it_and_the_listen_address_defaults_it() {
        use super::super::{Config, ServeFlags, StoreArgs};
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        let store = StoreArgs {
            config: Some(p.clone()),
            ..StoreArgs::default()
        };
        std::fs::write(&p, "listen = \"0.0.0.0:8181\"\n").unwrap();
        let c = Config::resolve(&store, None).unwrap();
        assert_eq!(c.public_url, "http://localhost:8181");
        let flags = ServeFlags {
            listen: Some("127.0.0.1:2222".parse().unwrap()),
            ..ServeFlags::default()
        };
        let c = Config::resolve(&store, Some(&flags)).unwrap();
        assert_eq!(c.public_url, "http://127.0.0.1:2222", "the flag's address");
        std::fs::write(&p, "public_url = \"https://simpul.example.org/\"\n").unwrap();
        let c = Config::resolve(&store, Some(&flags)).unwrap();
        assert_eq!(c.public_url, "https://simpul.example.org");
        assert!(
            c.to_toml()
                .contains("public_url = \"https://simpul.example.org\"")
        );
        std::fs::write(&p, "public_url = \"https://a.example/?q\"\n").unwrap();
        let e = Config::resolve(&store, None).unwrap_err().0;
        assert!(e.starts_with("public_url `https://a.example/?q`"), "{e}");
    }
}
