use simpul_observable::{Canonical, ObservableType as T, normalise};

use crate::{ctx, none};

#[test]
fn keys_are_small_and_round_trip() {
    assert!(std::mem::size_of::<Canonical>() <= 24);
    assert!(std::mem::size_of::<T>() <= 2);
    let k = normalise(T::Phone, "0812-3456-7890", &ctx("ID")).unwrap();
    assert_eq!(k.to_string(), "phone|+6281234567890");
    assert_eq!("phone|+6281234567890".parse::<Canonical>().unwrap(), k);
    let w = normalise(
        T::CryptoWallet(simpul_observable::CryptoNetwork::Other),
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        &none(),
    )
    .unwrap();
    assert_eq!(
        w.to_string(),
        "crypto-wallet:ethereum|0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
    );
    assert_eq!(w.to_string().parse::<Canonical>().unwrap(), w);
    // Not canonical (upper case), or not a key at all.
    assert!("domain|EXAMPLE.com".parse::<Canonical>().is_err());
    assert!("domain".parse::<Canonical>().is_err());
    assert!("nope|x".parse::<Canonical>().is_err());
}

#[test]
fn helpers_for_the_matcher() {
    let d = normalise(T::Domain, "A.B.Example.COM.", &none()).unwrap();
    assert_eq!(
        d.domain_suffixes().collect::<Vec<_>>(),
        ["a.b.example.com", "b.example.com", "example.com", "com"]
    );
    let u = normalise(T::Url, "https://user@Evil.Example:8443/x?y", &none()).unwrap();
    assert_eq!(u.domain_suffixes().count(), 0);
    assert_eq!(u.host(), Some("evil.example"));
    assert_eq!(
        normalise(T::Url, "http://[2001:db8::1]:8080/", &none())
            .unwrap()
            .host(),
        Some("[2001:db8::1]")
    );
    assert_eq!(
        normalise(T::Url, "http://192.0.2.1/", &none())
            .unwrap()
            .host(),
        Some("192.0.2.1")
    );
    assert_eq!(
        normalise(T::Email, "a@B.example", &none()).unwrap().host(),
        Some("b.example")
    );
    // A URL's host as a key of its own.
    let host = |raw: &str| {
        normalise(T::Url, raw, &none())
            .unwrap()
            .url_host()
            .map(|c| c.to_string())
    };
    assert_eq!(
        host("https://user@Bank-Login-Verify.Example.:8443/login?x").as_deref(),
        Some("domain|bank-login-verify.example")
    );
    assert_eq!(
        host("http://bücher.example/").as_deref(),
        Some("domain|xn--bcher-kva.example")
    );
    assert_eq!(
        host("http://198.51.100.7/a").as_deref(),
        Some("ipv4|198.51.100.7")
    );
    assert_eq!(
        host("http://[2001:DB8::1]:8080/").as_deref(),
        Some("ipv6|2001:db8::1")
    );
    assert_eq!(
        host("http://[::ffff:198.51.100.7]/").as_deref(),
        Some("ipv4|198.51.100.7")
    );
    assert_eq!(host("mailto:a@b.example"), None);
    assert_eq!(host("file:///etc/passwd"), None);
    assert_eq!(d.url_host(), None, "only URLs have a URL host");
    let ip = normalise(T::Ipv4, "192.0.2.1", &none()).unwrap();
    assert_eq!(ip.ip(), Some("192.0.2.1".parse().unwrap()));
    assert!(ip.cidr().unwrap().is_host());
    let block = normalise(T::Ipv4, "192.0.2.0/24", &none()).unwrap();
    assert_eq!(block.ip(), None);
    assert!(block.cidr().unwrap().contains(ip.ip().unwrap()));
    assert_eq!(
        normalise(T::Md5, "d41d8cd98f00b204e9800998ecf8427e", &none())
            .unwrap()
            .host(),
        None
    );
}
