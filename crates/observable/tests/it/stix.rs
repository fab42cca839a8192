use simpul_observable::stix::{
    CUSTOM_SCOS, candidate_types, hash_type, keys_for, observable_type, platform_of_account_type,
    stix_property,
};
use simpul_observable::{
    CryptoNetwork as N, EwalletProvider as E, ObservableType as T, SocialPlatform as P,
};

#[test]
fn paths_to_types() {
    let rows: &[(&str, &str, T)] = &[
        ("domain-name", "value", T::Domain),
        ("hostname", "value", T::Domain),
        ("url", "value", T::Url),
        ("ipv4-addr", "value", T::Ipv4),
        ("ipv6-addr", "value", T::Ipv6),
        ("email-addr", "value", T::Email),
        ("email-message", "from_ref.value", T::Email),
        ("email-message", "to_refs[*].value", T::Email),
        ("autonomous-system", "number", T::Asn),
        ("mac-addr", "value", T::Mac),
        ("file", "hashes.MD5", T::Md5),
        ("file", "hashes.'SHA-1'", T::Sha1),
        ("file", "hashes.'SHA-256'", T::Sha256),
        ("file", "hashes.SHA256", T::Sha256),
        ("file", "hashes.\"SHA-512\"", T::Sha512),
        ("file", "hashes.SSDEEP", T::Ssdeep),
        ("artifact", "hashes.TLSH", T::Tlsh),
        ("phone-number", "value", T::Phone),
        ("bank-account", "iban", T::Iban),
        ("bank-account", "bic", T::Bic),
        ("bank-account", "account_number", T::BankAccount),
        ("cryptocurrency-wallet", "value", T::CryptoWallet(N::Other)),
        ("payment-card", "card_number", T::PaymentCard),
        ("user-account", "account_login", T::SocialAccount(P::Other)),
        ("sms-sender", "value", T::SmsSender),
        ("mobile-app", "value", T::AppId),
        ("e-wallet", "value", T::Ewallet(E::Other)),
    ];
    for (obj, path, ty) in rows {
        assert_eq!(observable_type(obj, path), Some(*ty), "{obj}:{path}");
    }
    for (obj, path) in [
        ("file", "name"),
        ("file", "hashes.'SHA3-256'"),
        ("file", "hashes.'SHA-256"),
        ("process", "pid"),
        ("domain-name", "resolves_to_refs[*].value"),
        ("x-custom", "value"),
    ] {
        assert_eq!(observable_type(obj, path), None, "{obj}:{path}");
    }
    assert_eq!(
        candidate_types("network-traffic", "dst_ref.value"),
        &[T::Ipv4, T::Ipv6, T::Domain]
    );
    assert_eq!(observable_type("network-traffic", "dst_ref.value"), None);
}

#[test]
fn every_type_has_a_stix_home_that_maps_back() {
    for ty in T::all() {
        let (obj, path) = stix_property(ty);
        let back = candidate_types(obj, path);
        assert!(
            back.iter().any(|b| b.family() == ty.family()
                || (ty.family().ends_with("-cidr")
                    && b.family() == ty.family().trim_end_matches("-cidr"))),
            "{ty} → {obj}:{path} → {back:?}"
        );
    }
}

#[test]
fn custom_scos_and_helpers() {
    for sco in CUSTOM_SCOS {
        for (prop, ty) in sco.keyed {
            assert!(sco.properties.contains(prop), "{}:{prop}", sco.stix_type);
            assert!(
                candidate_types(sco.stix_type, prop).contains(ty),
                "{}:{prop}",
                sco.stix_type
            );
        }
    }
    let opencti: Vec<_> = CUSTOM_SCOS
        .iter()
        .filter(|s| s.opencti)
        .map(|s| s.stix_type)
        .collect();
    assert_eq!(
        opencti,
        [
            "phone-number",
            "bank-account",
            "cryptocurrency-wallet",
            "payment-card",
            "hostname"
        ]
    );
    assert_eq!(hash_type("sha-256"), Some(T::Sha256));
    assert_eq!(hash_type("SHA3-256"), None);
    assert_eq!(platform_of_account_type("facebook"), Some(P::Facebook));
    assert_eq!(platform_of_account_type("twitter"), Some(P::X));
    assert_eq!(platform_of_account_type("mastodon"), Some(P::Other));
    assert_eq!(platform_of_account_type("unix"), None);
}

#[test]
fn type_names_round_trip() {
    for ty in T::all() {
        let name = ty.to_string();
        assert_eq!(name.parse::<T>().unwrap(), ty, "{name}");
    }
    assert_eq!(
        "crypto-wallet".parse::<T>().unwrap(),
        T::CryptoWallet(N::Other)
    );
    assert_eq!("phone-number".parse::<T>().unwrap(), T::Phone);
    assert_eq!(
        "crypto-wallet:solana".parse::<T>().unwrap(),
        T::CryptoWallet(N::Other)
    );
    assert_eq!("wallet:TRX".parse::<T>().unwrap(), T::CryptoWallet(N::Tron));
    assert!("crypto-wallet:notachain".parse::<T>().is_err());
    assert!("sha256:x".parse::<T>().is_err());
    assert!("nope".parse::<T>().is_err());
}

#[test]
fn keys_for_pattern_literals() {
    let none = crate::none();
    let k = keys_for("network-traffic", "dst_ref.value", "192.0.2.1", &none);
    assert_eq!(k.len(), 1);
    assert_eq!(k[0].ty(), T::Ipv4);
    let k = keys_for("network-traffic", "dst_ref.value", "evil.example", &none);
    assert_eq!(k.iter().map(|k| k.ty()).collect::<Vec<_>>(), [T::Domain]);
    let k = keys_for("ipv4-addr", "value", "10.1.2.3/8", &none);
    assert_eq!(k[0].to_string(), "ipv4-cidr|10.0.0.0/8");
    let k = keys_for(
        "cryptocurrency-wallet",
        "value",
        "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
        &none,
    );
    assert_eq!(k[0].ty(), T::CryptoWallet(N::Tron));
    assert!(keys_for("file", "hashes.MD5", "not-a-hash", &none).is_empty());
    assert!(keys_for("process", "pid", "1", &none).is_empty());
}

#[test]
fn parse_ip_names_the_family() {
    assert_eq!(
        simpul_observable::parse_ip("[2001:db8::1]")
            .unwrap()
            .to_string(),
        "2001:db8::1"
    );
    assert_eq!(
        simpul_observable::parse_ip("::ffff:192.0.2.1")
            .unwrap()
            .to_string(),
        "192.0.2.1"
    );
    let e = simpul_observable::parse_ip("2001:db8:::1").unwrap_err();
    assert_eq!(e.observable_type(), T::Ipv6);
}
