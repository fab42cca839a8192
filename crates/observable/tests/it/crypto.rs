use simpul_observable::{CryptoNetwork as N, ObservableError, ObservableType as T, normalise};

use crate::{none, rejects, same, table};

const BTC_P2PKH: &str = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa";
const BTC_P2SH: &str = "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy";
const BTC_V0: &str = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq";
const BTC_V1: &str = "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0";
const TRON: &str = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";

#[test]
fn bitcoin() {
    let btc = T::CryptoWallet(N::Bitcoin);
    table(
        btc,
        btc,
        &none(),
        &[
            (BTC_P2PKH, BTC_P2PKH),
            (BTC_P2SH, BTC_P2SH),
            (BTC_V0, BTC_V0),
            ("BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ", BTC_V0),
            (BTC_V1, BTC_V1),
            (&format!("bitcoin:{BTC_P2PKH}?amount=0.1"), BTC_P2PKH),
        ],
    );
    let errs = rejects(
        btc,
        &none(),
        &[
            "",
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",
            "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr",
            "bc1qAr0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
            // v2 program with a bech32 (not bech32m) checksum, BIP 350.
            "bc1zw508d6qejxtdg4c5r3zarvaryvaxxpcs",
            // v0 program of 16 bytes, BIP 173.
            "BC1QR508D6QEJXTDG4C5R3ZARVARYV98GJ9P",
            "tb1qw508d6qejxtdg4c5r3zarvary0c5xw7kxpjzsx",
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            TRON,
        ],
    );
    assert!(matches!(
        errs[1],
        ObservableError::BadChecksum {
            which: "base58check",
            ..
        }
    ));
    assert!(matches!(
        errs[2],
        ObservableError::BadChecksum {
            which: "bech32/bech32m",
            ..
        }
    ));
}

#[test]
fn ethereum_is_compared_case_insensitively_with_eip55() {
    let eth = T::CryptoWallet(N::Ethereum);
    for addr in [
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ] {
        let lower = addr.to_ascii_lowercase();
        table(eth, eth, &none(), &[(addr, &lower)]);
        same(
            eth,
            &none(),
            &[
                addr,
                &lower,
                &format!("0x{}", addr[2..].to_ascii_uppercase()),
                &format!("0X{}", addr[2..].to_ascii_uppercase()),
            ],
        );
    }
    let errs = rejects(
        eth,
        &none(),
        &[
            "",
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",
            "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae",
            "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
            "0xgaaeb6053f3e94c9b9a09f33669435e7ef1beaed",
        ],
    );
    assert!(matches!(
        errs[1],
        ObservableError::BadChecksum {
            which: "EIP-55",
            ..
        }
    ));
}

#[test]
fn tron() {
    let trx = T::CryptoWallet(N::Tron);
    table(trx, trx, &none(), &[(TRON, TRON)]);
    let errs = rejects(
        trx,
        &none(),
        &["", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u", BTC_P2PKH, "T123"],
    );
    assert!(matches!(errs[1], ObservableError::BadChecksum { .. }));
}

#[test]
fn other_networks_recognise_checked_formats_and_keep_the_rest_opaque() {
    let any = T::CryptoWallet(N::Other);
    table(
        any,
        T::CryptoWallet(N::Bitcoin),
        &none(),
        &[(BTC_P2PKH, BTC_P2PKH), (BTC_V1, BTC_V1)],
    );
    table(
        any,
        T::CryptoWallet(N::Ethereum),
        &none(),
        &[(
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
        )],
    );
    table(any, T::CryptoWallet(N::Tron), &none(), &[(TRON, TRON)]);
    // Solana: opaque, case kept.
    table(
        any,
        any,
        &none(),
        &[(
            "7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV",
            "7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV",
        )],
    );
    // A malformed checked form is not silently opaque.
    rejects(
        any,
        &none(),
        &[
            "",
            "short",
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",
            "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr",
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",
            "addr with space",
        ],
    );
    // The same address under its network and under `other` is one key.
    assert_eq!(
        normalise(any, BTC_V0, &none()).unwrap(),
        normalise(T::CryptoWallet(N::Bitcoin), BTC_V0, &none()).unwrap()
    );
}

/// Base58check/bech32 encodings of one 20-byte hash under each network's version bytes and
/// HRP (made for these tests; the algorithms are pinned by the Bitcoin vectors above — the
/// same hash under Bitcoin's HRP must be accepted as Bitcoin).
const HASH_LTC_P2PKH: &str = "LXmteg8PyzybHdrywScarTEfieHWJbpAHy";
const HASH_LTC_P2SH: &str = "MLT6ctiyQMuLvW99zHHDphnEyeoPivQPBX";
const HASH_LTC_SEGWIT: &str = "ltc1q3x4ummath24m42a64wa2hw4th24m42a68q9pmw";
const HASH_BTC_SEGWIT: &str = "bc1q3x4ummath24m42a64wa2hw4th24m42a6rul9r7";
const HASH_DOGE_P2PKH: &str = "DHh2vimDCkdpZqMRVtcr8CLWPZeXYBVYcL";
const HASH_DOGE_P2SH: &str = "A4zD3rNuXJvp2NEjJXxJFCADMXayoGQfvQ";

#[test]
fn litecoin_and_dogecoin() {
    let ltc = T::CryptoWallet(N::Litecoin);
    let doge = T::CryptoWallet(N::Dogecoin);
    let btc = T::CryptoWallet(N::Bitcoin);
    table(btc, btc, &none(), &[(HASH_BTC_SEGWIT, HASH_BTC_SEGWIT)]);
    // A Litecoin address seen in the wild.
    table(
        ltc,
        ltc,
        &none(),
        &[(
            "LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9",
            "LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9",
        )],
    );
    table(
        ltc,
        ltc,
        &none(),
        &[
            (HASH_LTC_P2PKH, HASH_LTC_P2PKH),
            (HASH_LTC_P2SH, HASH_LTC_P2SH),
            (HASH_LTC_SEGWIT, HASH_LTC_SEGWIT),
            (&HASH_LTC_SEGWIT.to_uppercase(), HASH_LTC_SEGWIT),
        ],
    );
    table(
        doge,
        doge,
        &none(),
        &[
            (HASH_DOGE_P2PKH, HASH_DOGE_P2PKH),
            (HASH_DOGE_P2SH, HASH_DOGE_P2SH),
        ],
    );
    // Recognised under `other`, and by detection.
    let any = T::CryptoWallet(N::Other);
    table(
        any,
        ltc,
        &none(),
        &[
            (HASH_LTC_P2PKH, HASH_LTC_P2PKH),
            (HASH_LTC_SEGWIT, HASH_LTC_SEGWIT),
        ],
    );
    table(any, doge, &none(), &[(HASH_DOGE_P2PKH, HASH_DOGE_P2PKH)]);
    for a in [
        HASH_LTC_P2PKH,
        HASH_LTC_P2SH,
        HASH_LTC_SEGWIT,
        HASH_DOGE_P2PKH,
        HASH_DOGE_P2SH,
    ] {
        assert!(
            matches!(
                simpul_observable::detect(a),
                Some(T::CryptoWallet(N::Litecoin | N::Dogecoin))
            ),
            "{a}"
        );
    }
    // Wrong network, wrong checksum.
    rejects(
        ltc,
        &none(),
        &[
            BTC_P2PKH,
            HASH_DOGE_P2PKH,
            HASH_BTC_SEGWIT,
            "LXmteg8PyzybHdrywScarTEfieHWJbpAHz",
            "ltc1q3x4ummath24m42a64wa2hw4th24m42a68q9pmq",
        ],
    );
    rejects(
        doge,
        &none(),
        &[
            BTC_P2PKH,
            HASH_LTC_P2PKH,
            "DHh2vimDCkdpZqMRVtcr8CLWPZeXYBVYcM",
        ],
    );
    rejects(btc, &none(), &[HASH_LTC_SEGWIT, HASH_LTC_P2PKH]);
    rejects(
        any,
        &none(),
        &[
            "DHh2vimDCkdpZqMRVtcr8CLWPZeXYBVYcM",
            "LXmteg8PyzybHdrywScarTEfieHWJbpAHz",
        ],
    );
}

#[test]
fn xrp_ledger() {
    let xrp = T::CryptoWallet(N::Xrp);
    // The genesis account and an address seen in the wild.
    for a in [
        "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh",
        "rEb8TK3gBgk5auZkwc6sHnwrGVJH8DuaLh",
    ] {
        table(xrp, xrp, &none(), &[(a, a)]);
        table(T::CryptoWallet(N::Other), xrp, &none(), &[(a, a)]);
        assert_eq!(simpul_observable::detect(a), Some(xrp));
    }
    let errs = rejects(
        xrp,
        &none(),
        &["rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTi", BTC_P2PKH, "r123"],
    );
    assert!(matches!(errs[0], ObservableError::BadChecksum { .. }));
}
