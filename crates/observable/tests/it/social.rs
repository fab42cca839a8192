use simpul_observable::{
    EwalletProvider as E, ObservableError, ObservableType as T, SocialPlatform as P, normalise,
};

use crate::{ctx, none, rejects, same, table};

#[test]
fn handles_and_profile_urls() {
    let rows: &[(P, &[&str], &str)] = &[
        (
            P::Facebook,
            &[
                "ScamPage.Official",
                "@scampage.official",
                "https://www.facebook.com/ScamPage.Official",
                "https://m.facebook.com/scampage.official?ref=x",
                "fb.com/scampage.official",
            ],
            "scampage.official",
        ),
        (
            P::Facebook,
            &[
                "100012345678901",
                "https://www.facebook.com/profile.php?id=100012345678901",
                "https://facebook.com/people/Some-Name/100012345678901/",
            ],
            "100012345678901",
        ),
        (
            P::X,
            &[
                "@ScamBot",
                "scambot",
                "https://twitter.com/ScamBot",
                "https://x.com/scambot/status/1",
            ],
            "scambot",
        ),
        (
            P::Instagram,
            &["@Fake.Shop_", "https://www.instagram.com/fake.shop_/"],
            "fake.shop_",
        ),
        (
            P::TikTok,
            &["@Deals4U", "https://www.tiktok.com/@deals4u/video/123"],
            "deals4u",
        ),
        (
            P::Telegram,
            &[
                "@CryptoPump",
                "https://t.me/CryptoPump",
                "t.me/s/cryptopump",
                "https://telegram.me/cryptopump",
            ],
            "cryptopump",
        ),
        (
            P::Line,
            &["scamline", "https://line.me/ti/p/~ScamLine"],
            "scamline",
        ),
        (
            P::YouTube,
            &["@FakeNews", "https://www.youtube.com/@fakenews"],
            "fakenews",
        ),
        (
            P::YouTube,
            &[
                "https://www.youtube.com/channel/UCabcdefghijklmnopqrstuv",
                "UCabcdefghijklmnopqrstuv",
            ],
            "UCabcdefghijklmnopqrstuv",
        ),
        (
            P::LinkedIn,
            &["https://www.linkedin.com/in/John-Recruiter/"],
            "john-recruiter",
        ),
    ];
    for (platform, raws, key) in rows {
        let ty = T::SocialAccount(*platform);
        for raw in *raws {
            table(ty, ty, &none(), &[(raw, key)]);
        }
        same(ty, &none(), raws);
    }
}

#[test]
fn phone_based_accounts_are_e164() {
    let wa = T::SocialAccount(P::WhatsApp);
    same(
        wa,
        &ctx("ID"),
        &[
            "https://wa.me/6281234567890",
            "+62 812-3456-7890",
            "0812 3456 7890",
            "https://api.whatsapp.com/send?phone=6281234567890&text=hi",
        ],
    );
    table(
        wa,
        wa,
        &ctx("ID"),
        &[("wa.me/6281234567890", "+6281234567890")],
    );
    let zalo = T::SocialAccount(P::Zalo);
    table(
        zalo,
        zalo,
        &ctx("VN"),
        &[
            ("0912 345 678", "+84912345678"),
            ("https://zalo.me/84912345678", "+84912345678"),
            ("scam.shop", "scam.shop"),
        ],
    );
}

#[test]
fn platform_from_url_and_mismatch() {
    let other = T::SocialAccount(P::Other);
    table(
        other,
        T::SocialAccount(P::Telegram),
        &none(),
        &[("https://t.me/CryptoPump", "cryptopump")],
    );
    table(other, other, &none(), &[("@SomeOne", "someone")]);
    let e = normalise(T::SocialAccount(P::X), "https://t.me/cryptopump", &none()).unwrap_err();
    assert!(
        matches!(
            e,
            ObservableError::WrongKind {
                found: T::SocialAccount(P::Telegram),
                ..
            }
        ),
        "{e}"
    );
    rejects(
        T::SocialAccount(P::Facebook),
        &none(),
        &[
            "",
            "@",
            "bad handle",
            "https://facebook.com/groups/123",
            "https://example.com/someone",
            "a/b",
        ],
    );
    rejects(
        T::SocialAccount(P::Telegram),
        &none(),
        &["https://t.me/+AbCdEf", "https://t.me/joinchat/abc"],
    );
    rejects(
        T::SocialAccount(P::WhatsApp),
        &none(),
        &["scammer", "0812 3456 7890"],
    );
}

#[test]
fn app_ids() {
    table(
        T::AppId,
        T::AppId,
        &none(),
        &[
            ("com.example.app", "com.example.app"),
            ("com.Example.App", "com.Example.App"),
            (
                "https://play.google.com/store/apps/details?id=com.fake.bank&hl=en",
                "com.fake.bank",
            ),
            (
                "https://apps.apple.com/sg/app/fake-bank/id1234567890",
                "id1234567890",
            ),
            ("id1234567890", "id1234567890"),
            ("com.my-company.ios_app", "com.my-company.ios_app"),
        ],
    );
    rejects(
        T::AppId,
        &none(),
        &[
            "",
            "app",
            "com..app",
            "com.1app",
            "com.app!",
            "https://example.com/x",
            "https://play.google.com/store/apps/details",
        ],
    );
}

#[test]
fn ewallets() {
    let gopay = T::Ewallet(E::GoPay);
    same(gopay, &ctx("ID"), &["0812-3456-7890", "+62 812 3456 7890"]);
    table(
        gopay,
        gopay,
        &ctx("ID"),
        &[("0812-3456-7890", "+6281234567890")],
    );
    let pp = T::Ewallet(E::PromptPay);
    table(
        pp,
        pp,
        &none(),
        &[
            ("1 2345 67890 12 3", "1234567890123"),
            ("Shop.Wallet@id", "shop.wallet@id"),
        ],
    );
    rejects(gopay, &ctx("ID"), &["", "ab", "has space!", "+62 12"]);
}
