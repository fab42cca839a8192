//! The error message of each kind of reject, as a user of `simpul match` or the API reads it.

use simpul_observable::{CryptoNetwork as N, ObservableType as T, SocialPlatform as P, normalise};

use crate::{ctx, none};

#[test]
fn error_messages() {
    let id = ctx("ID");
    let rows: &[(T, &str)] = &[
        (T::Domain, ""),
        (T::Domain, "exa mple.com"),
        (T::Domain, "a..b"),
        (T::Domain, "-a.com"),
        (T::Domain, "10.0.0.1"),
        (T::Url, "http://example.com:99999/"),
        (T::Url, "http://a..b/"),
        (T::Url, "hxxp://evil[[.]]com/"),
        (T::Ipv4, "256.1.1.1"),
        (T::Ipv4, "2001:db8::1"),
        (T::Ipv6, "fe80::1%eth0"),
        (T::Ipv4Cidr, "10.0.0.0/33"),
        (T::Email, "alice.example.com"),
        (T::Email, "\"quoted\"@example.com"),
        (T::Asn, "AS4294967296"),
        (T::Mac, "00:1a:2b:3c:4d"),
        (T::Md5, "d41d8cd98f00b204e9800998ecf8427"),
        (T::Sha256, "xyz"),
        (T::Ssdeep, "5:abc:def"),
        (T::Tlsh, "T1ABC"),
        (T::Phone, "0812-3456-7890"),
        (T::Phone, "+62 812 CALL NOW"),
        (T::Phone, "+999 1234 5678"),
        (T::SmsSender, "ABCDEFGHIJKL"),
        (T::Iban, "GB82WEST12345698765433"),
        (T::Iban, "ID82WEST12345698765432"),
        (T::Bic, "DEUTDEF"),
        (T::BankAccount, "1234567890"),
        (T::PaymentCard, "4111 1111 1111 1112"),
        (
            T::CryptoWallet(N::Bitcoin),
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",
        ),
        (
            T::CryptoWallet(N::Bitcoin),
            "tb1qw508d6qejxtdg4c5r3zarvary0c5xw7kxpjzsx",
        ),
        (
            T::CryptoWallet(N::Ethereum),
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",
        ),
        (
            T::CryptoWallet(N::Tron),
            "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u",
        ),
        (T::SocialAccount(P::X), "https://t.me/cryptopump"),
        (
            T::SocialAccount(P::Facebook),
            "https://facebook.com/groups/123",
        ),
        (T::SocialAccount(P::WhatsApp), "scammer"),
        (T::AppId, "app"),
        (T::Ewallet(simpul_observable::EwalletProvider::GoPay), "ab"),
    ];
    let mut out = String::new();
    for (ty, raw) in rows {
        let c = if *raw == "0812-3456-7890" || *ty == T::BankAccount {
            none()
        } else {
            id
        };
        let msg = match normalise(*ty, raw, &c) {
            Ok(k) => format!("ACCEPTED as {k}"),
            Err(e) => e.to_string(),
        };
        out.push_str(&format!("{ty} {raw:?}\n    {msg}\n"));
    }
    insta::assert_snapshot!(out);
}
