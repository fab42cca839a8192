use simpul_observable::{Cidr, ObservableType as T, normalise};

use crate::{message, none, rejects, same, table};

#[test]
fn domains() {
    table(
        T::Domain,
        T::Domain,
        &none(),
        &[
            ("example.com", "example.com"),
            ("EXAMPLE.COM.", "example.com"),
            ("  Www.Example.Com  ", "www.example.com"),
            ("example[.]com", "example.com"),
            ("_dmarc.example.com", "_dmarc.example.com"),
            ("bücher.example", "xn--bcher-kva.example"),
            ("XN--BCHER-KVA.example", "xn--bcher-kva.example"),
            ("ไทย.ไทย", "xn--o3cw4h.xn--o3cw4h"),
            ("tiếngviệt.vn", "xn--tingvit-5t4cyc.vn"),
            ("localhost", "localhost"),
            ("a-b.c", "a-b.c"),
        ],
    );
    same(
        T::Domain,
        &none(),
        &["bücher.example", "BÜCHER.example.", "xn--bcher-kva.example"],
    );
}

#[test]
fn domain_rejects() {
    let errs = rejects(
        T::Domain,
        &none(),
        &[
            "",
            "   ",
            ".",
            "a..b",
            "-a.com",
            "a-.com",
            "exa mple.com",
            "example.com/path",
            "user@example.com",
            "1.2.3.4",
            "*.example.com",
            &format!("{}.com", "a".repeat(64)),
            &format!("{}com", "abcdefghi.".repeat(26)),
            "xn--zz.com",
        ],
    );
    assert!(errs[0].to_string().contains("empty domain"));
    assert_eq!(
        message(T::Domain, "-a.com", &none()),
        "invalid domain: label \"-a\" starts or ends with a hyphen"
    );
    assert_eq!(
        message(T::Domain, "1.2.3.4", &none()),
        "invalid domain: the last label is numeric (an IP address is not a domain name)"
    );
}

#[test]
fn urls() {
    table(
        T::Url,
        T::Url,
        &none(),
        &[
            ("http://example.com", "http://example.com/"),
            ("HTTP://EXAMPLE.COM:80/", "http://example.com/"),
            (
                "https://Example.com:443/a/./b/../c",
                "https://example.com/a/c",
            ),
            ("https://example.com:8443/x", "https://example.com:8443/x"),
            ("http://example.com/a#frag", "http://example.com/a"),
            ("http://example.com/?", "http://example.com/"),
            (
                "http://example.com/%7euser/%41%2f",
                "http://example.com/~user/A%2F",
            ),
            (
                "http://example.com/a%2fb?q=%7e%3d",
                "http://example.com/a%2Fb?q=~%3D",
            ),
            ("hxxp://evil[.]example/login", "http://evil.example/login"),
            ("example.com/login.php", "http://example.com/login.php"),
            ("example.com:8080/x", "http://example.com:8080/x"),
            ("http://bücher.example/", "http://xn--bcher-kva.example/"),
            ("http://example.com./a", "http://example.com/a"),
            ("http://user:pw@example.com/", "http://user:pw@example.com/"),
            ("http://[2001:DB8::1]:80/", "http://[2001:db8::1]/"),
            ("http://0x7f.1/", "http://127.0.0.1/"),
            ("ftp://files.example.com:21/x", "ftp://files.example.com/x"),
            ("http://example.com/a b", "http://example.com/a%20b"),
            (
                "http://example.com/(a)[b]{c}",
                "http://example.com/(a)[b]%7Bc%7D",
            ),
            ("http://example.com/100%", "http://example.com/100%25"),
        ],
    );
    same(
        T::Url,
        &none(),
        &[
            "http://example.com/~a?b=c",
            "HTTP://EXAMPLE.com:80/%7Ea?b=c#top",
            "http://example.com/%7ea?b=c",
        ],
    );
}

#[test]
fn url_rejects() {
    rejects(
        T::Url,
        &none(),
        &[
            "",
            "http://",
            "http://exa mple.com/",
            "http://example.com:99999/",
            "http://[::1/",
        ],
    );
    assert_eq!(
        message(T::Url, "http://example.com:99999/", &none()),
        "invalid url: invalid port number"
    );
}

#[test]
fn ip_addresses() {
    table(
        T::Ipv4,
        T::Ipv4,
        &none(),
        &[
            ("192.0.2.1", "192.0.2.1"),
            (" 192.0.2.1 ", "192.0.2.1"),
            ("192.0.2[.]1", "192.0.2.1"),
            ("192.0.2.1/32", "192.0.2.1"),
            ("::ffff:192.0.2.1", "192.0.2.1"),
        ],
    );
    table(
        T::Ipv6,
        T::Ipv6,
        &none(),
        &[
            ("2001:DB8::1", "2001:db8::1"),
            ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
            ("[2001:db8::1]", "2001:db8::1"),
            ("2001:db8::1/128", "2001:db8::1"),
            ("::", "::"),
        ],
    );
    rejects(
        T::Ipv4,
        &none(),
        &[
            "",
            "256.1.1.1",
            "1.2.3",
            "01.2.3.4",
            "1.2.3.4.5",
            "0x7f.0.0.1",
            "2001:db8::1",
        ],
    );
    rejects(
        T::Ipv6,
        &none(),
        &["", "fe80::1%eth0", "2001:db8:::1", "192.0.2.1", "gggg::1"],
    );
    assert_eq!(
        message(T::Ipv4, "2001:db8::1", &none()),
        "invalid ipv4: the value is of type ipv6"
    );
}

#[test]
fn cidr_blocks() {
    table(
        T::Ipv4,
        T::Ipv4Cidr,
        &none(),
        &[
            ("10.1.2.3/8", "10.0.0.0/8"),
            ("192.0.2.0/24", "192.0.2.0/24"),
            ("0.0.0.0/0", "0.0.0.0/0"),
        ],
    );
    table(
        T::Ipv4Cidr,
        T::Ipv4Cidr,
        &none(),
        &[("192.0.2.77/25", "192.0.2.0/25")],
    );
    table(
        T::Ipv6Cidr,
        T::Ipv6Cidr,
        &none(),
        &[("2001:DB8:1::5/48", "2001:db8:1::/48"), ("::/0", "::/0")],
    );
    rejects(
        T::Ipv4Cidr,
        &none(),
        &["10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/08x"],
    );
    rejects(T::Ipv6Cidr, &none(), &["::/129"]);

    let block: Cidr = "10.0.0.0/8".parse().unwrap();
    assert!(block.contains("10.255.1.2".parse().unwrap()));
    assert!(!block.contains("11.0.0.0".parse().unwrap()));
    assert!(!block.contains("::1".parse().unwrap()));
    assert!(block.contains_cidr(&"10.1.0.0/16".parse().unwrap()));
    assert!(!block.contains_cidr(&"0.0.0.0/0".parse().unwrap()));
    assert_eq!(block.range(), (0x0a00_0000, 0x0aff_ffff));
    let v6: Cidr = "2001:db8::/32".parse().unwrap();
    assert!(v6.contains("2001:db8:ffff::1".parse().unwrap()));
    assert!(!v6.contains("2001:db9::".parse().unwrap()));
    let all: Cidr = "::/0".parse().unwrap();
    assert_eq!(all.range(), (0, u128::MAX));
    assert!(Cidr::parse("192.0.2.1").unwrap().is_host());
    assert_eq!(Cidr::parse("192.0.2.1").unwrap().canonical().ty(), T::Ipv4);
}

#[test]
fn emails() {
    table(
        T::Email,
        T::Email,
        &none(),
        &[
            ("alice@example.com", "alice@example.com"),
            ("Alice.Smith@EXAMPLE.COM.", "Alice.Smith@example.com"),
            ("mailto:bob@example.com", "bob@example.com"),
            ("Bob <bob+tag@example.com>", "bob+tag@example.com"),
            ("carol@bücher.example", "carol@xn--bcher-kva.example"),
            ("dave[@]example[.]com", "dave@example.com"),
            ("root@[192.0.2.1]", "root@[192.0.2.1]"),
        ],
    );
    // The local part keeps its case: these are two keys.
    let a = normalise(T::Email, "John@example.com", &none()).unwrap();
    let b = normalise(T::Email, "john@example.com", &none()).unwrap();
    assert_ne!(a, b);
    rejects(
        T::Email,
        &none(),
        &[
            "",
            "example.com",
            "@example.com",
            "a@",
            "a..b@example.com",
            ".a@example.com",
            "\"quoted\"@example.com",
            "a b@example.com",
            "a@exa mple.com",
            &format!("{}@example.com", "a".repeat(65)),
        ],
    );
    assert_eq!(
        message(T::Email, "a b@example.com", &none()),
        "invalid email: character ' ' not allowed"
    );
}

#[test]
fn asns() {
    table(
        T::Asn,
        T::Asn,
        &none(),
        &[
            ("AS64500", "AS64500"),
            ("as64500", "AS64500"),
            ("AS 64500", "AS64500"),
            ("64500", "AS64500"),
            ("1.10", "AS65546"),
            ("AS4294967295", "AS4294967295"),
            ("0", "AS0"),
        ],
    );
    rejects(
        T::Asn,
        &none(),
        &[
            "",
            "AS",
            "ASX",
            "AS4294967296",
            "AS-1",
            "65536.0",
            "12345678901",
            "AS1.2.3",
        ],
    );
}

#[test]
fn macs() {
    let want = "00:1a:2b:3c:4d:5e";
    for raw in [
        "00:1A:2B:3C:4D:5E",
        "00-1a-2b-3c-4d-5e",
        "001a.2b3c.4d5e",
        "001A2B3C4D5E",
        "001a2b-3c4d5e",
        "00 1a 2b 3c 4d 5e",
        "001a-2b3c-4d5e",
    ] {
        table(T::Mac, T::Mac, &none(), &[(raw, want)]);
    }
    rejects(
        T::Mac,
        &none(),
        &[
            "",
            "00:1a:2b:3c:4d",
            "00:1a:2b:3c:4d:5e:6f",
            "00:1a:2b:3c:4d:5g",
            "0:1a:2b:3c:4d:5e0",
            "00:1a-2b:3c:4d:5e",
        ],
    );
}
