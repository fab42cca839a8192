//! # simpul-observable: one canonical key per observable
//!
//! This crate owns the *normalisation* of observables — the things analysts share and look
//! for: domain names, URLs, IP addresses and blocks, e-mail addresses, AS numbers, MAC
//! addresses, file hashes, and the online-scam observables (phone numbers, SMS senders, IBANs,
//! BICs, bank accounts, payment cards, crypto wallets, social-media accounts, mobile apps,
//! e-wallets). [`normalise`] turns a raw value of a given [`ObservableType`] into a
//! [`Canonical`] key; two raw values denote the same thing exactly when their keys are equal.
//! Correlation, matching and search compare keys, never raw strings ("normalise once").
//! [`detect`] guesses the type of a value from a plain log line, conservatively. The [`stix`]
//! module maps STIX 2.1 object paths to observable types and lists the custom SCO types.
//!
//! It must never do I/O, read the clock, allocate unboundedly on hostile input, or panic: every
//! normaliser returns a typed [`ObservableError`] naming what is wrong (property-tested over
//! arbitrary strings). It knows nothing of indicators, patterns, storage or sharing rules; the
//! matcher and the intel store build on it.
//!
//! ```
//! use simpul_observable::{Context, ObservableType, Region, normalise};
//!
//! // Reported by Indonesia's CERT in national form, and by another CERT in international form.
//! let indonesia = Context::with_region(Region::parse("ID")?);
//! let a = normalise(ObservableType::Phone, "0812-3456-7890", &indonesia)?;
//! let b = normalise(ObservableType::Phone, "+62 812 3456 7890", &Context::new())?;
//! assert_eq!(a, b);
//! assert_eq!(a.key(), "+6281234567890");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Normalisation rules
//!
//! All normalisers trim surrounding white space. Those for network values also *refang*:
//! `hxxp`/`fxp` schemes and `[.]`, `(.)`, `{.}`, `[dot]`, `[:]`, `[@]`, `[at]`.
//!
//! | type | canonical key | rules |
//! |---|---|---|
//! | `domain` | `example.com`, `xn--bcher-kva.example` | lower case; one trailing dot dropped; IDNA (UTS 46, non-transitional) to punycode; labels 1–63 bytes of `a-z0-9-_`, no hyphen first/last; ≤ 253 bytes; last label not numeric |
//! | `url` | `http://example.com/a%2Fb?q=1` | WHATWG parsing (scheme and host lower-cased, IDNA host, default port dropped, dot segments resolved, IPv4 host forms canonicalised); fragment dropped; empty query dropped (query parameters keep their order: reordering can change meaning); trailing dot of the host dropped; `%XX` of unreserved characters (`A-Za-z0-9-._~`) decoded, other escapes' hex upper-cased, a stray `%` written `%25`; a value without scheme is read as `http://` |
//! | `ipv4`, `ipv6` | `192.0.2.1`, `2001:db8::1` | `std::net` parsing (IPv4 dotted quad only, no leading zeros), RFC 5952 text for IPv6; brackets dropped; zone ids rejected; IPv4-mapped IPv6 folds to IPv4; given a block, yields the CIDR type; a `/32` or `/128` block is the address |
//! | `ipv4-cidr`, `ipv6-cidr` | `10.0.0.0/8` | network address (host bits cleared) `/` prefix; see [`Cidr`] for containment |
//! | `email` | `John.Doe@example.com` | `mailto:` and `Name <…>` dropped; domain part by the domain rules (or an IP literal); **local part case kept** (RFC 5321 makes it case-sensitive, so `John@x` and `john@x` are different keys even where a provider folds them); dot-atom characters only, quoted local parts rejected |
//! | `asn` | `AS64500` | `AS64500`, `as 64500`, `64500`, asdot `1.10` (= 65546); 0–4294967295 |
//! | `mac` | `00:1a:2b:3c:4d:5e` | 6×2 with `:`/`-`/space, 3×4 with `.`/`-`/`:`, 2×6, 12 bare hex; lower-case colon form |
//! | `md5`, `sha1`, `sha256`, `sha512` | lower-case hex | exactly 32/40/64/128 hex digits |
//! | `ssdeep` | `96:abc…:def…` | `blocksize:h1:h2`, block size 3·2ⁿ, base64 parts ≤ 64; case kept; trailing `,"file"` dropped |
//! | `tlsh` | `T1` + 70 upper-case hex | `T1`+70 hex, or the older 70 hex without prefix (same digest) |
//! | `phone` | `+6281234567890` | E.164 via libphonenumber metadata (the `phonenumber` crate); digits, leading `+` and separators ` -./()` only; a national number is read in the context's region ([`Context`]) and rejected without one; must be valid in its numbering plan |
//! | `sms-sender` | `+65…`, `SG/72345`, `dbs bank` | a phone number (leading `+` or ≥ 9 digits) → `phone` key; a short code of 3–8 digits → `REGION/digits` (region required); an alphanumeric id of ≤ 11 characters with a letter → lower-cased, runs of spaces collapsed |
//! | `iban` | `GB82WEST12345698765432` | spaces/hyphens dropped, upper case, `IBAN` prefix dropped; country known, its length, mod-97 = 1 |
//! | `bic` | `DEUTDEFF` | 8 or 11 characters, upper case; branch `XXX` dropped (primary office) |
//! | `bank-account` | `ID/BCA/1234567890` | `COUNTRY/BANK/NUMBER` from `CC:BANK:NUMBER`, `BANK:NUMBER` or `NUMBER` (country from the context); parts compacted and upper-cased; an IBAN yields the `iban` key, and an IBAN-shaped value of an IBAN country that fails its check is an error, not an account number; see [`bank_account_key`] for structured input |
//! | `payment-card` | digits | 12–19 digits, spaces/hyphens dropped, Luhn-checked |
//! | `crypto-wallet:bitcoin` | `1…`/`3…` as written, `bc1…` lower | base58check (version 0x00/0x05) or bech32 (v0, 20/32-byte program) / bech32m (v1–16), HRP `bc`; `bitcoin:` URIs unwrapped |
//! | `crypto-wallet:ethereum` | `0x` + 40 lower hex | EVM chains share it; mixed case must pass EIP-55; compared case-insensitively |
//! | `crypto-wallet:tron` | `T…` as written | base58check with version 0x41 |
//! | `crypto-wallet:litecoin` | `L…`/`M…` as written, `ltc1…` lower | base58check 0x30/0x32, segwit HRP `ltc` |
//! | `crypto-wallet:dogecoin` | `D…`/`9…`/`A…` as written | base58check 0x1e/0x16 |
//! | `crypto-wallet:xrp` | `r…` as written | base58check in the XRP alphabet, version 0x00 |
//! | `crypto-wallet` (other) | as written | recognised Bitcoin/Ethereum/TRON/Litecoin/Dogecoin/XRP forms are keyed to their network (type refined); a malformed one of those forms is rejected; anything else is an opaque address of 8–128 characters of `A-Za-z0-9-_.:+/=`, case kept, in **one key space shared by all unchecked networks**: STIX's (OpenCTI's) `cryptocurrency-wallet:value` carries no network, so a network name is not part of the key; addresses of different networks differ in form, so collisions are not expected |
//! | `social-account:PLATFORM` | handle (platform in the type) | profile URLs of facebook, instagram, x/twitter, tiktok, telegram, line, whatsapp, zalo, youtube, linkedin, threads reduced to the handle; leading `@` dropped; WhatsApp/Viber → E.164; Zalo/Signal → E.164 when a phone number; handles lower-cased (YouTube channel ids kept) |
//! | `app-id` | `com.example.app`, `id123456789` | Google Play / App Store URLs reduced to the id; package names case kept (Android package names are case-sensitive) |
//! | `ewallet:PROVIDER` | `+63…` or id | phone numbers (leading `+`; or leading `0`, ≥ 8 digits and valid in the context's region) → E.164; otherwise a lower-cased id of `A-Za-z0-9._-@`, digits-only ids compacted |
//!
//! The canonical type can be more specific than the type asked for ([`Canonical::ty`]): an
//! address type given a block yields the CIDR type (and a host block the address type), a
//! wallet of network `other` its recognised network, a bank account that is an IBAN `iban`,
//! an SMS sender that is a phone number `phone`. A social account given as a profile URL under
//! platform `other` takes the URL's platform.
//!
//! ## The STIX 2.1 mapping
//!
//! STIX 2.1 has no standard object for the scam observables. simpul represents them as custom
//! cyber-observable types (`new-sco`) declared by one extension-definition
//! ([`stix::EXTENSION_DEFINITION_ID`]), and uses OpenCTI's type and property names wherever
//! OpenCTI defines one, so that OpenCTI and simpul read each other's objects.
//!
//! | observable type | STIX object path | defined by |
//! |---|---|---|
//! | domain | `domain-name:value` (also OpenCTI's `hostname:value`) | STIX (OpenCTI) |
//! | url | `url:value` | STIX |
//! | ipv4, ipv4-cidr | `ipv4-addr:value` (an address or a CIDR block) | STIX |
//! | ipv6, ipv6-cidr | `ipv6-addr:value` | STIX |
//! | email | `email-addr:value`; `email-message:from_ref.value`, `sender_ref.value`, `to_refs[*].value`, `cc_refs[*].value`, `bcc_refs[*].value` | STIX |
//! | asn | `autonomous-system:number` | STIX |
//! | mac | `mac-addr:value` | STIX |
//! | md5 … tlsh | `file:hashes.MD5`, `hashes.'SHA-1'`, `hashes.'SHA-256'`, `hashes.'SHA-512'`, `hashes.SSDEEP`, `hashes.TLSH` (also on `artifact`, `x509-certificate`) | STIX |
//! | phone | `phone-number:value` (E.164) | OpenCTI custom SCO |
//! | iban, bic, bank-account | `bank-account:iban`, `bank-account:bic`, `bank-account:account_number` | OpenCTI custom SCO |
//! | payment-card | `payment-card:card_number` | OpenCTI custom SCO |
//! | crypto-wallet | `cryptocurrency-wallet:value` (network recognised from the address) | OpenCTI custom SCO |
//! | social-account | `user-account:account_login`, platform in `user-account:account_type` | STIX (`account-type-ov` extended with platform names) |
//! | sms-sender | `sms-sender:value` | simpul custom SCO |
//! | app-id | `mobile-app:value` | simpul custom SCO |
//! | ewallet | `e-wallet:value`, provider in `e-wallet:provider` | simpul custom SCO |
//!
//! A path like `network-traffic:dst_ref.value` has several candidate types
//! ([`stix::candidate_types`]); paths not in the table are not normalisable.
//!
//! ## Auto-detection
//!
//! See [`detect`] for the ordered rules; it never guesses types whose forms collide with
//! ordinary numbers and words (national phone numbers, account numbers, handles).
//!
//! ## Phone metadata: the `phonenumber` crate
//!
//! Phone numbers are parsed and validated by the `phonenumber` crate (whisperfish), a Rust port
//! of Google's libphonenumber. Evaluated for this crate: it is maintained (0.3.10 of July 2026
//! carries libphonenumber 9.0.33 metadata; the repository has commits through 2026), its
//! metadata covers all 11 ASEAN member states — Brunei +673, Cambodia +855, Indonesia +62,
//! Laos +856, Malaysia +60, Myanmar +95, the Philippines +63, Singapore +65, Thailand +66,
//! Viet Nam +84 and Timor-Leste +670 — each exercised by the tests in national and
//! international form. Two published advisories (GHSA-whhr-7f2w-qqj2, GHSA-mjw4-jj88-v687)
//! report panics on crafted RFC 3966 input (`;phone-context=`); such input cannot reach the
//! parser here, because only digits, a leading `+` and ` -./()` pass the filter in front of it.
//! Its cost is about 3 µs per number (metadata regexes), the slowest normaliser by far: see
//! BENCHMARKS.md. A metadata update is a crate update.

mod bank;
mod crypto;
mod detect;
mod error;
mod hash;
mod net;
mod phone;
mod social;
pub mod stix;
mod types;

pub use bank::{bank_account_key, iban_length};
pub use detect::{detect, detect_canonical};
pub use error::ObservableError;
pub use net::Cidr;
pub use types::{
    BadRegion, Canonical, Context, CryptoNetwork, EwalletProvider, ObservableType, Region,
    SocialPlatform, UnknownName,
};

use ObservableType as T;

/// The canonical key of `raw` read as an observable of type `ty`.
///
/// `ctx` supplies the reporting organisation's default region for values written in national
/// form (phone numbers, short codes, bank accounts). See the crate docs for each type's rules.
///
/// # Errors
/// An [`ObservableError`] naming what is wrong with `raw`. Never panics.
pub fn normalise(
    ty: ObservableType,
    raw: &str,
    ctx: &Context,
) -> Result<Canonical, ObservableError> {
    match ty {
        T::Domain => net::domain(raw),
        T::Url => net::url(raw),
        T::Ipv4 | T::Ipv6 | T::Ipv4Cidr | T::Ipv6Cidr => net::ip(ty, raw),
        T::Email => net::email(raw),
        T::Asn => net::asn(raw),
        T::Mac => net::mac(raw),
        T::Md5 | T::Sha1 | T::Sha256 | T::Sha512 => hash::digest(ty, raw),
        T::Ssdeep => hash::ssdeep(raw),
        T::Tlsh => hash::tlsh(raw),
        T::Phone => phone::phone(raw, ctx),
        T::SmsSender => phone::sms_sender(raw, ctx),
        T::Iban => bank::iban(raw),
        T::Bic => bank::bic(raw),
        T::BankAccount => bank::bank_account(raw, ctx),
        T::PaymentCard => bank::payment_card(raw),
        T::CryptoWallet(n) => crypto::wallet(n, raw),
        T::SocialAccount(p) => social::social(p, raw, ctx),
        T::AppId => social::app_id(raw),
        T::Ewallet(p) => social::ewallet(p, raw, ctx),
    }
}

/// Parses an IP address as the normalisers do (IPv4-mapped IPv6 folded to IPv4, brackets
/// dropped, refanged), for callers that need the address itself, e.g. for CIDR containment.
///
/// # Errors
/// An [`ObservableError`] when `raw` is not an address.
pub fn parse_ip(raw: &str) -> Result<std::net::IpAddr, ObservableError> {
    let ty = if raw.contains(':') { T::Ipv6 } else { T::Ipv4 };
    net::parse_ip(ty, raw)
}
