//! Where a webhook may point (SSRF): the server POSTs to what an org-admin registers, so unless
//! the operator allows private targets (`[webhooks] allow_private_targets`, for a lab or the
//! tests) an endpoint must be a public address on the Internet.
//!
//! [`is_public`] is the one decision about an address. It refuses: `0.0.0.0/8`, loopback
//! (`127/8`, `::1`), the private ranges (`10/8`, `172.16/12`, `192.168/16`), CGNAT `100.64/10`,
//! link-local (`169.254/16` — cloud metadata —, `fe80::/10`), `192.0.0.0/24` (IETF protocol
//! assignments), benchmarking `198.18/15`, multicast (`224/4`, `ff00::/8`), the reserved `240/4`
//! with the broadcast address, the unspecified `::`, ULA `fc00::/7`, the old site-local
//! `fec0::/10` and the discard prefix `100::/64`; an IPv6 address that embeds an IPv4 one
//! (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4
//! `2002::/16`) is judged by that IPv4 address. The documentation ranges (`192.0.2/24`,
//! `198.51.100/24`, `203.0.113/24`, `2001:db8::/32`) are allowed: nothing routes them, and
//! examples use them.
//!
//! [`check_target`] applies it to a URL when a webhook is created: a host `localhost` or
//! `*.localhost` and an IP literal that is not public are refused, and `http://` is refused
//! altogether (with private targets allowed, `http://` stays possible to loopback only, as
//! [`super::WebhookUrl`] says). A DNS name is not resolved there — what it resolves to may change —:
//! the sender checks every address it connects to (`crates/simpul/src/webhooks/resolve.rs`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::WebhookUrl;

/// Whether `ip` is a public address a webhook may be sent to (see the module docs).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => is_public_v4(a),
        IpAddr::V6(a) => is_public_v6(a),
    }
}

fn is_public_v4(a: Ipv4Addr) -> bool {
    let [b0, b1, b2, _] = a.octets();
    !(b0 == 0
        || b0 == 10
        || b0 == 127
        || (b0 == 100 && (64..128).contains(&b1))
        || (b0 == 169 && b1 == 254)
        || (b0 == 172 && (16..32).contains(&b1))
        || (b0 == 192 && b1 == 168)
        || (b0 == 192 && b1 == 0 && b2 == 0)
        || (b0 == 198 && (18..20).contains(&b1))
        || b0 >= 224)
}

fn is_public_v6(a: Ipv6Addr) -> bool {
    let s = a.segments();
    if let Some(v4) = embedded_v4(a) {
        return is_public_v4(v4);
    }
    !(a.is_unspecified()
        || a.is_loopback()
        || (s[0] & 0xffc0) == 0xfe80
        || (s[0] & 0xffc0) == 0xfec0
        || (s[0] & 0xfe00) == 0xfc00
        || (s[0] & 0xff00) == 0xff00
        || (s[0] == 0x100 && s[1] == 0 && s[2] == 0 && s[3] == 0))
}

/// The IPv4 address an IPv6 one carries: IPv4-mapped, IPv4-compatible (not `::` and `::1`),
/// NAT64 `64:ff9b::/96`, 6to4 `2002::/16`.
fn embedded_v4(a: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = a.segments();
    let low = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    match s {
        [0, 0, 0, 0, 0, 0xffff, hi, lo] => Some(low(hi, lo)),
        [0, 0, 0, 0, 0, 0, hi, lo] if !(hi == 0 && lo <= 1) => Some(low(hi, lo)),
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => Some(low(hi, lo)),
        [0x2002, hi, lo, ..] => Some(low(hi, lo)),
        _ => None,
    }
}

/// Whether a webhook may be registered at `url`: `Err` with a one-line reason when it may not
/// (see the module docs). `allow_private`: the operator allowed private targets.
pub fn check_target(url: &WebhookUrl, allow_private: bool) -> Result<(), String> {
    if allow_private {
        return Ok(());
    }
    let Ok(u) = url::Url::parse(url.as_str()) else {
        return Err("not a URL".into());
    };
    if u.scheme() != "https" {
        return Err(
            "a webhook URL is https:// (http:// to loopback only where the operator allows \
             private targets)"
                .into(),
        );
    }
    let refused = |what: &str| {
        Err(format!(
            "{what} is not a public address: webhooks go to the Internet only (the operator may \
             allow private targets: [webhooks] allow_private_targets)"
        ))
    };
    match u.host() {
        None => Err("a webhook URL names a host".into()),
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            if d == "localhost" || d.ends_with(".localhost") {
                refused(&format!("`{d}`"))
            } else {
                Ok(())
            }
        }
        Some(url::Host::Ipv4(a)) if !is_public_v4(a) => refused(&a.to_string()),
        Some(url::Host::Ipv6(a)) if !is_public_v6(a) => refused(&a.to_string()),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(s: &str) -> bool {
        is_public(s.parse().unwrap())
    }

    #[test]
    fn each_range_is_judged() {
        for (range, private, public_nearby) in [
            ("this network 0/8", "0.1.2.3", "1.0.0.1"),
            ("unspecified", "0.0.0.0", "1.1.1.1"),
            ("10/8", "10.0.0.1", "11.0.0.1"),
            ("10/8 end", "10.255.255.255", "9.255.255.255"),
            ("CGNAT 100.64/10", "100.64.0.1", "100.63.255.255"),
            ("CGNAT end", "100.127.255.255", "100.128.0.0"),
            ("loopback 127/8", "127.0.0.1", "128.0.0.1"),
            ("loopback 127/8 any", "127.1.2.3", "126.255.255.255"),
            ("link-local 169.254/16", "169.254.169.254", "169.253.0.1"),
            ("172.16/12", "172.16.0.1", "172.15.255.255"),
            ("172.16/12 end", "172.31.255.255", "172.32.0.0"),
            ("192.168/16", "192.168.1.1", "192.169.0.1"),
            ("IETF 192.0.0/24", "192.0.0.8", "192.0.1.1"),
            ("benchmarking 198.18/15", "198.19.0.1", "198.20.0.1"),
            ("multicast 224/4", "224.0.0.1", "223.255.255.255"),
            ("reserved 240/4", "240.0.0.1", "8.8.8.8"),
            ("broadcast", "255.255.255.255", "8.8.4.4"),
            ("v6 unspecified", "::", "2606:4700::1111"),
            ("v6 loopback", "::1", "2001:4860::8888"),
            ("v6 link-local fe80::/10", "fe80::1", "fe00::1"),
            ("v6 link-local end", "febf::1", "2a00::1"),
            ("v6 site-local fec0::/10", "fec0::1", "2a00::2"),
            ("ULA fc00::/7", "fd12:3456::1", "fe00::2"),
            ("ULA fc00", "fc00::1", "fb00::1"),
            ("v6 multicast", "ff02::1", "2a00::3"),
            ("v6 discard 100::/64", "100::1", "100:0:0:1::1"),
            ("IPv4-mapped private", "::ffff:10.0.0.1", "::ffff:8.8.8.8"),
            ("IPv4-mapped loopback", "::ffff:127.0.0.1", "::ffff:1.1.1.1"),
            (
                "IPv4-mapped metadata",
                "::ffff:169.254.169.254",
                "::ffff:9.9.9.9",
            ),
            ("IPv4-compatible", "::10.0.0.1", "::8.8.8.8"),
            ("NAT64", "64:ff9b::a00:1", "64:ff9b::808:808"),
            ("6to4 of 192.168.0.1", "2002:c0a8:1::1", "2002:808:808::1"),
        ] {
            assert!(!public(private), "{range}: {private} is not public");
            assert!(public(public_nearby), "{range}: {public_nearby} is public");
        }
        for doc in ["192.0.2.7", "198.51.100.1", "203.0.113.9", "2001:db8::1"] {
            assert!(public(doc), "documentation ranges are allowed: {doc}");
        }
    }

    #[test]
    fn creation_refuses_private_hosts_and_http_unless_allowed() {
        let url = |s: &str| WebhookUrl::parse(s).unwrap();
        for ok in [
            "https://hooks.example/x",
            "https://8.8.8.8/",
            "https://[2606:4700::1111]/",
            "https://192.0.2.7:8443/",
            "https://localhost.example/",
        ] {
            assert_eq!(check_target(&url(ok), false), Ok(()), "{ok}");
        }
        for bad in [
            "https://10.0.0.1/",
            "https://169.254.169.254/latest/meta-data/",
            "https://127.0.0.1:8443/",
            "https://[::1]/",
            "https://[::ffff:10.0.0.1]/",
            "https://[fd00::1]/",
            "https://100.64.0.1/",
            "https://0.0.0.0/",
            "https://localhost/",
            "https://LOCALHOST./",
            "https://api.localhost/",
            "http://127.0.0.1:9000/",
            "http://localhost/",
        ] {
            let e = check_target(&url(bad), false).unwrap_err();
            assert!(!e.contains('\n') && !e.is_empty(), "{bad}: {e}");
            assert_eq!(check_target(&url(bad), true), Ok(()), "{bad} when allowed");
        }
    }
}
