use simpul_observable::{CryptoNetwork as N, ObservableType as T, detect, detect_canonical};

#[test]
fn detects_confident_types() {
    let rows: &[(&str, T)] = &[
        ("example.com", T::Domain),
        ("www.example.co.id", T::Domain),
        ("EXAMPLE.COM", T::Domain),
        ("xn--bcher-kva.example", T::Domain),
        ("http://example.com/x", T::Url),
        ("hxxps://evil[.]example/login", T::Url),
        // Names that merely start like a defanged scheme are domains, keyed as written.
        ("fxpfs285.org", T::Domain),
        ("hxxpool.net", T::Domain),
        // An IBAN made only of hex characters is still an IBAN, not a hash of an odd length.
        ("DE89370400440532013000", T::Iban),
        ("alice@example.com", T::Email),
        ("192.0.2.1", T::Ipv4),
        ("10.0.0.0/8", T::Ipv4Cidr),
        ("2001:db8::1", T::Ipv6),
        ("::1", T::Ipv6),
        ("2001:db8::/32", T::Ipv6Cidr),
        ("00:1a:2b:3c:4d:5e", T::Mac),
        ("001a.2b3c.4d5e", T::Mac),
        ("d41d8cd98f00b204e9800998ecf8427e", T::Md5),
        ("da39a3ee5e6b4b0d3255bfef95601890afd80709", T::Sha1),
        (
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            T::Sha256,
        ),
        ("3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C", T::Ssdeep),
        ("+62 812 3456 7890", T::Phone),
        ("+6281234567890", T::Phone),
        (
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            T::CryptoWallet(N::Ethereum),
        ),
        (
            "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
            T::CryptoWallet(N::Bitcoin),
        ),
        (
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
            T::CryptoWallet(N::Bitcoin),
        ),
        (
            "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
            T::CryptoWallet(N::Tron),
        ),
        ("AS64500", T::Asn),
        ("GB82WEST12345698765432", T::Iban),
    ];
    for (raw, ty) in rows {
        assert_eq!(detect(raw), Some(*ty), "{raw:?}");
    }
    assert_eq!(
        detect_canonical("EXAMPLE.COM.").unwrap().key(),
        "example.com"
    );
}

/// Ordinary words, numbers, file names and prose are never typed.
#[test]
fn no_false_positives_on_ordinary_text() {
    for raw in [
        "",
        " ",
        "hello",
        "Hello",
        "password",
        "the quick brown fox",
        "e.g.",
        "i.e.",
        "etc.",
        "a.m.",
        "U.S.",
        "Ph.D.",
        "Mr.Smith",
        "v1.2.3",
        "1.5",
        "3.14159",
        "2024-10-16",
        "12:30:45",
        "08123456789",
        "0812-3456-7890",
        "1234567890",
        "64500",
        "README.md",
        "report.pdf",
        "setup.exe",
        "main.rs",
        "config.yaml",
        "index.html",
        "script.py",
        "node.js",
        "archive.zip",
        "deadbeef",
        "123456789012",
        "aabbccddeeff",
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",
        "0x123",
        "@someone",
        "user@localhost",
        "C:\\Windows\\System32",
        "/etc/passwd",
        "ssh://host",
        "javascript:alert(1)",
        "foo..bar",
        "-flag",
        "--help",
        "1.2.3.4.5",
        "999.1.1.1",
        "Status:200",
        "key=value",
        "+",
        "+abc",
        "AS",
        "GB00WEST12345698765432",
        "com.example.app",
        "org.apache.commons.io",
        "java.lang.String",
    ] {
        assert_eq!(detect(raw), None, "{raw:?} detected as {:?}", detect(raw));
    }
}

#[test]
fn lookalikes_keep_their_own_keys() {
    assert_eq!(
        detect_canonical("fxpfs285.org").unwrap().key(),
        "fxpfs285.org"
    );
    assert_eq!(
        detect_canonical("DE89370400440532013000").unwrap().key(),
        "DE89370400440532013000"
    );
    // All-hex of a non-hash length that is not a valid IBAN is still not guessed.
    assert_eq!(detect("DE89370400440532013001"), None);
    assert_eq!(detect("deadbeefdeadbeefdeadbee"), None);
}

#[test]
fn detects_the_forms_analysts_paste() {
    // IBANs in groups of four and in lower case: the same key as the compact upper-case form.
    for raw in [
        "GB82 WEST 1234 5698 7654 32",
        "gb82west12345698765432",
        "gb82 west 1234 5698 7654 32",
        "GB82WEST12345698765432",
    ] {
        let c = detect_canonical(raw).unwrap_or_else(|| panic!("{raw}"));
        assert_eq!(c.to_string(), "iban|GB82WEST12345698765432", "{raw}");
    }
    // Domains whose labels are each in one case, in any script.
    for raw in ["BÜCHER.example.", "bücher.EXAMPLE", "EVIL.example"] {
        assert_eq!(detect(raw), Some(T::Domain), "{raw}");
    }
    assert_eq!(
        detect_canonical("BÜCHER.example.").unwrap().to_string(),
        "domain|xn--bcher-kva.example"
    );
    // Still not guessed: prose with a dot, mixed-case IBAN-like words, grouped text that is not
    // an IBAN, a wrong checksum, groups that are not of four.
    for raw in [
        "Mr.Smith",
        "Evil.Example",
        "Gb82west12345698765432",
        "GB82 WEST 1234 5698 7654 33",
        "GB82 WEST 12345 698 7654 32",
        "this is a line of text",
        "ab12 cdef ghij klmn",
    ] {
        assert_eq!(detect(raw), None, "{raw}");
    }
}
