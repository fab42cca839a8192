//! The observable types, the canonical key and the normalisation context.

use std::fmt;
use std::str::FromStr;

/// Generates a fieldless `Copy` enum with a stable lower-case name per variant,
/// `name()`, `ALL`, `Display` and `FromStr` (with aliases).
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $Name:ident {
            $( $(#[$vmeta:meta])* $Variant:ident = $name:literal $(| $alias:literal)* ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $Name {
            $( $(#[$vmeta])* $Variant ),+
        }

        impl $Name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$Name] = &[$($Name::$Variant),+];

            /// The stable lower-case name (used in keys, CLI flags and JSON output).
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self { $($Name::$Variant => $name),+ }
            }

            /// Looks a name up, ASCII case-insensitively, accepting documented aliases.
            #[must_use]
            pub fn from_name(s: &str) -> Option<Self> {
                $(
                    if s.eq_ignore_ascii_case($name) $(|| s.eq_ignore_ascii_case($alias))* {
                        return Some($Name::$Variant);
                    }
                )+
                None
            }
        }

        impl fmt::Display for $Name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }

        impl FromStr for $Name {
            type Err = UnknownName;
            fn from_str(s: &str) -> Result<Self, UnknownName> {
                Self::from_name(s).ok_or_else(|| UnknownName {
                    kind: stringify!($Name),
                    name: crate::error::excerpt(s),
                })
            }
        }
    };
}

/// A name that is not one of the variants of an enum of this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {name:?}")]
pub struct UnknownName {
    kind: &'static str,
    name: Box<str>,
}

named_enum! {
    /// The network of a cryptocurrency wallet address.
    ///
    /// Bitcoin, Ethereum, TRON, Litecoin, Dogecoin and XRP addresses are checked (checksums) and
    /// identify their network by
    /// their format. `Other` means "not stated, or a network whose addresses are not checked":
    /// normalising under `Other` recognises the checked formats and keys them to their network;
    /// anything else is kept as an opaque address (see [`crate::normalise`]).
    pub enum CryptoNetwork {
        /// Bitcoin mainnet: base58check P2PKH/P2SH or bech32/bech32m segwit (`bc1…`).
        Bitcoin = "bitcoin" | "btc",
        /// Ethereum and every EVM chain sharing its address space (BNB Smart Chain, Polygon,
        /// Arbitrum…): `0x` + 40 hex digits, EIP-55 checked when mixed-case.
        Ethereum = "ethereum" | "eth" | "evm" | "bsc" | "bnb" | "polygon",
        /// TRON: base58check with version byte 0x41 (`T…`).
        Tron = "tron" | "trx",
        /// Litecoin: base58check P2PKH 0x30 (`L…`) / P2SH 0x32 (`M…`), or segwit with HRP
        /// `ltc`. (Legacy `3…` P2SH addresses share Bitcoin's version byte and key as Bitcoin.)
        Litecoin = "litecoin" | "ltc",
        /// Dogecoin: base58check P2PKH 0x1e (`D…`) / P2SH 0x16 (`9…`, `A…`).
        Dogecoin = "dogecoin" | "doge",
        /// XRP Ledger: base58check in the XRP alphabet, version 0x00 (`r…`). A destination tag
        /// is not part of the address.
        Xrp = "xrp" | "ripple",
        /// Not stated or not checked: checked formats are recognised, the rest is opaque.
        /// Names of networks whose addresses are not checked (Solana, TON, Monero,
        /// Bitcoin Cash, Cardano, Polkadot…) parse to this variant.
        Other = "other" | "unknown" | "any"
            | "solana" | "sol" | "ton" | "monero" | "xmr"
            | "bitcoin-cash" | "bch" | "cardano" | "ada" | "polkadot" | "dot",
    }
}

named_enum! {
    /// The platform of a social-media or messaging account.
    pub enum SocialPlatform {
        /// facebook.com, fb.com, Messenger.
        Facebook = "facebook" | "fb" | "messenger",
        /// instagram.com.
        Instagram = "instagram" | "ig",
        /// x.com, formerly twitter.com.
        X = "x" | "twitter",
        /// tiktok.com.
        TikTok = "tiktok",
        /// t.me, telegram.me.
        Telegram = "telegram" | "tg",
        /// LINE (line.me).
        Line = "line",
        /// WhatsApp: the account is a phone number, keyed in E.164.
        WhatsApp = "whatsapp" | "wa",
        /// Zalo: a phone number (E.164) or a Zalo id.
        Zalo = "zalo",
        /// youtube.com.
        YouTube = "youtube",
        /// linkedin.com.
        LinkedIn = "linkedin",
        /// threads.net.
        Threads = "threads",
        /// WeChat.
        WeChat = "wechat",
        /// Viber: a phone number, keyed in E.164.
        Viber = "viber",
        /// Signal: a phone number (E.164) or a username.
        Signal = "signal",
        /// Discord.
        Discord = "discord",
        /// Not stated (e.g. a STIX `user-account:account_login` without `account_type`) or a
        /// platform not listed (Snapchat, Reddit, KakaoTalk, VK…, which parse to this variant):
        /// one shared key space.
        Other = "other" | "unknown" | "snapchat" | "reddit" | "kakaotalk" | "kakao" | "vk"
            | "pinterest" | "twitch" | "mastodon",
    }
}

named_enum! {
    /// The provider of an e-wallet account (ASEAN's common wallets).
    pub enum EwalletProvider {
        /// GoPay (Indonesia).
        GoPay = "gopay",
        /// OVO (Indonesia).
        Ovo = "ovo",
        /// DANA (Indonesia).
        Dana = "dana",
        /// LinkAja (Indonesia).
        LinkAja = "linkaja",
        /// ShopeePay (regional).
        ShopeePay = "shopeepay",
        /// GrabPay (regional).
        GrabPay = "grabpay",
        /// GCash (Philippines).
        GCash = "gcash",
        /// Maya, formerly PayMaya (Philippines).
        Maya = "maya" | "paymaya",
        /// Touch 'n Go eWallet (Malaysia).
        TouchNGo = "touchngo" | "tng" | "touch-n-go",
        /// Boost (Malaysia).
        Boost = "boost",
        /// TrueMoney (Thailand).
        TrueMoney = "truemoney",
        /// PromptPay (Thailand): a phone number, national id or e-wallet id.
        PromptPay = "promptpay",
        /// MoMo (Viet Nam).
        MoMo = "momo",
        /// ZaloPay (Viet Nam).
        ZaloPay = "zalopay",
        /// Viettel Money (Viet Nam).
        ViettelMoney = "viettelmoney" | "viettelpay",
        /// Wing (Cambodia).
        Wing = "wing",
        /// PayNow (Singapore): a phone number or UEN.
        PayNow = "paynow",
        /// Not stated or not listed: one shared key space.
        Other = "other" | "unknown",
    }
}

/// What an observable is. The stable name of each type (`Display`, `FromStr`) is what the CLI
/// and JSON output use: `domain`, `url`, `ipv4`, `ipv6`, `ipv4-cidr`, `ipv6-cidr`, `email`,
/// `asn`, `mac`, `md5`, `sha1`, `sha256`, `sha512`, `ssdeep`, `tlsh`, `phone`, `sms-sender`,
/// `iban`, `bic`, `bank-account`, `payment-card`, `crypto-wallet[:network]`,
/// `social-account[:platform]`, `app-id`, `ewallet[:provider]`.
///
/// Deliberately not `#[non_exhaustive]`: a new type must make every exhaustive `match` in the
/// workspace (matcher, exports) fail to compile until it is handled.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObservableType {
    /// A DNS name.
    Domain,
    /// A URL.
    Url,
    /// An IPv4 address.
    Ipv4,
    /// An IPv6 address.
    Ipv6,
    /// An IPv4 network (CIDR block).
    Ipv4Cidr,
    /// An IPv6 network (CIDR block).
    Ipv6Cidr,
    /// An e-mail address.
    Email,
    /// An autonomous-system number.
    Asn,
    /// A MAC (EUI-48) address.
    Mac,
    /// MD5 digest.
    Md5,
    /// SHA-1 digest.
    Sha1,
    /// SHA-256 digest.
    Sha256,
    /// SHA-512 digest.
    Sha512,
    /// ssdeep fuzzy hash.
    Ssdeep,
    /// TLSH locality-sensitive hash.
    Tlsh,
    /// A telephone number (E.164).
    Phone,
    /// The sender of an SMS: alphanumeric sender id, national short code or phone number.
    SmsSender,
    /// An International Bank Account Number.
    Iban,
    /// A Business Identifier Code (SWIFT code).
    Bic,
    /// A bank account as country + bank code + account number.
    BankAccount,
    /// A payment-card number (PAN).
    PaymentCard,
    /// A cryptocurrency wallet address on a network.
    CryptoWallet(CryptoNetwork),
    /// A social-media or messaging account on a platform.
    SocialAccount(SocialPlatform),
    /// A mobile-application id (Android package name, iOS bundle id or App Store id).
    AppId,
    /// An e-wallet account at a provider.
    Ewallet(EwalletProvider),
}

impl ObservableType {
    /// The stable name without its parameter (`crypto-wallet`, `social-account`, `ewallet`).
    #[must_use]
    pub const fn family(self) -> &'static str {
        match self {
            Self::Domain => "domain",
            Self::Url => "url",
            Self::Ipv4 => "ipv4",
            Self::Ipv6 => "ipv6",
            Self::Ipv4Cidr => "ipv4-cidr",
            Self::Ipv6Cidr => "ipv6-cidr",
            Self::Email => "email",
            Self::Asn => "asn",
            Self::Mac => "mac",
            Self::Md5 => "md5",
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha512 => "sha512",
            Self::Ssdeep => "ssdeep",
            Self::Tlsh => "tlsh",
            Self::Phone => "phone",
            Self::SmsSender => "sms-sender",
            Self::Iban => "iban",
            Self::Bic => "bic",
            Self::BankAccount => "bank-account",
            Self::PaymentCard => "payment-card",
            Self::CryptoWallet(_) => "crypto-wallet",
            Self::SocialAccount(_) => "social-account",
            Self::AppId => "app-id",
            Self::Ewallet(_) => "ewallet",
        }
    }

    /// Every parameterless type, then each parameterised family with each parameter.
    #[must_use]
    pub fn all() -> Vec<ObservableType> {
        let mut v = vec![
            Self::Domain,
            Self::Url,
            Self::Ipv4,
            Self::Ipv6,
            Self::Ipv4Cidr,
            Self::Ipv6Cidr,
            Self::Email,
            Self::Asn,
            Self::Mac,
            Self::Md5,
            Self::Sha1,
            Self::Sha256,
            Self::Sha512,
            Self::Ssdeep,
            Self::Tlsh,
            Self::Phone,
            Self::SmsSender,
            Self::Iban,
            Self::Bic,
            Self::BankAccount,
            Self::PaymentCard,
            Self::AppId,
        ];
        v.extend(CryptoNetwork::ALL.iter().map(|&n| Self::CryptoWallet(n)));
        v.extend(SocialPlatform::ALL.iter().map(|&p| Self::SocialAccount(p)));
        v.extend(EwalletProvider::ALL.iter().map(|&p| Self::Ewallet(p)));
        v
    }

    /// Whether this is one of the file-hash types.
    #[must_use]
    pub const fn is_hash(self) -> bool {
        matches!(
            self,
            Self::Md5 | Self::Sha1 | Self::Sha256 | Self::Sha512 | Self::Ssdeep | Self::Tlsh
        )
    }
}

impl fmt::Display for ObservableType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.family())?;
        match self {
            Self::CryptoWallet(CryptoNetwork::Other)
            | Self::SocialAccount(SocialPlatform::Other)
            | Self::Ewallet(EwalletProvider::Other) => Ok(()),
            Self::CryptoWallet(n) => write!(f, ":{n}"),
            Self::SocialAccount(p) => write!(f, ":{p}"),
            Self::Ewallet(p) => write!(f, ":{p}"),
            _ => Ok(()),
        }
    }
}

impl FromStr for ObservableType {
    type Err = UnknownName;

    /// Parses the stable names, plus `family:parameter` for the parameterised families
    /// (`crypto-wallet:bitcoin`, `social-account:telegram`, `ewallet:gcash`); a family without a
    /// parameter means its `other` variant. A few aliases are accepted: `ip`/`ipv4-addr`,
    /// `domain-name`, `hostname`, `sha-256`, `phone-number`, `wallet`, `package`.
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        let unknown = || UnknownName {
            kind: "observable type",
            name: crate::error::excerpt(s),
        };
        let (family, param) = match s.split_once(':') {
            Some((f, p)) => (f, Some(p)),
            None => (s, None),
        };
        let f = family.to_ascii_lowercase();
        let ty = match (f.as_str(), param) {
            ("crypto-wallet" | "cryptocurrency-wallet" | "wallet", p) => Self::CryptoWallet(
                p.map_or(Some(CryptoNetwork::Other), CryptoNetwork::from_name)
                    .ok_or_else(unknown)?,
            ),
            ("social-account" | "social" | "user-account", p) => Self::SocialAccount(
                p.map_or(Some(SocialPlatform::Other), SocialPlatform::from_name)
                    .ok_or_else(unknown)?,
            ),
            ("ewallet" | "e-wallet", p) => Self::Ewallet(
                p.map_or(Some(EwalletProvider::Other), EwalletProvider::from_name)
                    .ok_or_else(unknown)?,
            ),
            (_, Some(_)) => return Err(unknown()),
            ("domain" | "domain-name" | "hostname" | "fqdn", None) => Self::Domain,
            ("url" | "uri", None) => Self::Url,
            ("ipv4" | "ip" | "ipv4-addr", None) => Self::Ipv4,
            ("ipv6" | "ipv6-addr", None) => Self::Ipv6,
            ("ipv4-cidr", None) => Self::Ipv4Cidr,
            ("ipv6-cidr", None) => Self::Ipv6Cidr,
            ("email" | "email-addr", None) => Self::Email,
            ("asn" | "as" | "autonomous-system", None) => Self::Asn,
            ("mac" | "mac-addr", None) => Self::Mac,
            ("md5", None) => Self::Md5,
            ("sha1" | "sha-1", None) => Self::Sha1,
            ("sha256" | "sha-256", None) => Self::Sha256,
            ("sha512" | "sha-512", None) => Self::Sha512,
            ("ssdeep", None) => Self::Ssdeep,
            ("tlsh", None) => Self::Tlsh,
            ("phone" | "phone-number", None) => Self::Phone,
            ("sms-sender" | "sms", None) => Self::SmsSender,
            ("iban", None) => Self::Iban,
            ("bic" | "swift", None) => Self::Bic,
            ("bank-account", None) => Self::BankAccount,
            ("payment-card" | "card", None) => Self::PaymentCard,
            ("app-id" | "app" | "package", None) => Self::AppId,
            _ => return Err(unknown()),
        };
        Ok(ty)
    }
}

/// The canonical key of an observable: its (possibly refined) type and one string.
///
/// Two raw values denote the same thing exactly when their `Canonical`s are equal. Cheap to
/// hash and compare: a two-byte type tag and a boxed string (24 bytes in all on 64-bit).
/// Built only by this crate's normalisers, so a `Canonical` is always valid.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Canonical {
    ty: ObservableType,
    key: Box<str>,
}

impl Canonical {
    pub(crate) fn new(ty: ObservableType, key: impl Into<Box<str>>) -> Self {
        Self {
            ty,
            key: key.into(),
        }
    }

    /// The type of the key. It can be more specific than the type asked for: an address given
    /// a CIDR block yields a CIDR, a `/32` block an address, a wallet under
    /// [`CryptoNetwork::Other`] its recognised network, an IBAN given as bank account an IBAN,
    /// an SMS sender that is a phone number a phone.
    #[must_use]
    pub fn ty(&self) -> ObservableType {
        self.ty
    }

    /// The key string (e.g. `example.com`, `+6281234567890`, `AS64500`).
    #[must_use]
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The key string, by value.
    #[must_use]
    pub fn into_key(self) -> Box<str> {
        self.key
    }
}

/// Helpers the matcher needs on keys, without re-parsing the raw value.
impl Canonical {
    /// For a domain: the name itself, then each parent down to the top-level label
    /// (`a.b.example.com`, `b.example.com`, `example.com`, `com`), for suffix indexes. Empty
    /// for other types.
    pub fn domain_suffixes(&self) -> impl Iterator<Item = &str> {
        let key: &str = if self.ty == ObservableType::Domain {
            &self.key
        } else {
            ""
        };
        std::iter::successors((!key.is_empty()).then_some(key), |k| {
            k.split_once('.').map(|(_, rest)| rest)
        })
    }

    /// The host of a URL key or the domain of an e-mail key, as it appears in the key (a
    /// canonical domain, an IPv4 address, or an IPv6 address in brackets); the key itself for a
    /// domain. `None` for other types and host-less URLs.
    #[must_use]
    pub fn host(&self) -> Option<&str> {
        match self.ty {
            ObservableType::Domain => Some(&self.key),
            ObservableType::Email => self.key.rsplit_once('@').map(|(_, h)| h),
            ObservableType::Url => {
                let (_, rest) = self.key.split_once("://")?;
                let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
                let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
                let host = if hostport.starts_with('[') {
                    &hostport[..hostport.find(']').map_or(hostport.len(), |i| i + 1)]
                } else {
                    hostport.split(':').next().unwrap_or_default()
                };
                (!host.is_empty()).then_some(host)
            }
            _ => None,
        }
    }

    /// The host of a URL key as a key of its own: a `domain`, or an `ipv4`/`ipv6` address
    /// (IPv4-mapped IPv6 folded to IPv4, as the address normaliser does). `None` for other
    /// types, for host-less URLs (`mailto:`, `file:///`) and for opaque hosts of non-special
    /// schemes that are no valid domain. So that a URL observable can also be looked up by its
    /// host (`https://bank-login-verify.example/login` → `bank-login-verify.example`).
    #[must_use]
    pub fn url_host(&self) -> Option<Canonical> {
        if self.ty != ObservableType::Url {
            return None;
        }
        let host = self.host()?;
        if let Some(v6) = host.strip_prefix('[') {
            let a = crate::net::parse_ip(ObservableType::Ipv6, v6.strip_suffix(']')?).ok()?;
            let full = if a.is_ipv4() { 32 } else { 128 };
            return crate::Cidr::new(a, full).ok().map(|c| c.canonical());
        }
        if host.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return crate::net::ip(ObservableType::Ipv4, host).ok();
        }
        crate::net::domain(host).ok()
    }

    /// The address of an `ipv4`/`ipv6` key.
    #[must_use]
    pub fn ip(&self) -> Option<std::net::IpAddr> {
        match self.ty {
            ObservableType::Ipv4 | ObservableType::Ipv6 => self.key.parse().ok(),
            _ => None,
        }
    }

    /// The block of an `ipv4-cidr`/`ipv6-cidr` key, or the host block of an address key.
    #[must_use]
    pub fn cidr(&self) -> Option<crate::Cidr> {
        match self.ty {
            ObservableType::Ipv4
            | ObservableType::Ipv6
            | ObservableType::Ipv4Cidr
            | ObservableType::Ipv6Cidr => crate::Cidr::parse(&self.key).ok(),
            _ => None,
        }
    }
}

/// Parses the `type|key` form of [`Canonical`]'s `Display`, re-validating the key: keys are
/// fixed points of normalisation without a context (property-tested), so a stored key reads
/// back as itself and anything else is rejected.
impl FromStr for Canonical {
    type Err = crate::ObservableError;
    fn from_str(s: &str) -> Result<Self, crate::ObservableError> {
        let bad = |ty| crate::ObservableError::Malformed {
            ty,
            what: "not a canonical key (type|key)",
        };
        let (ty, key) = s.split_once('|').ok_or(bad(ObservableType::Domain))?;
        let ty: ObservableType = ty.parse().map_err(|_| bad(ObservableType::Domain))?;
        let c = crate::normalise(ty, key, &Context::new())?;
        if c.ty == ty && &*c.key == key {
            Ok(c)
        } else {
            Err(bad(ty))
        }
    }
}

/// `type|key`, e.g. `phone|+6281234567890` — unambiguous because no type name contains `|`.
impl fmt::Display for Canonical {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}|{}", self.ty, self.key)
    }
}

/// An ISO 3166-1 alpha-2 region code, upper case (`ID`, `TL`…). Only the form is checked here;
/// whether phone metadata knows the region is checked when a phone number is normalised.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region([u8; 2]);

/// A region code that is not two ASCII letters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("region {0:?} is not an ISO 3166-1 alpha-2 code (two letters)")]
pub struct BadRegion(Box<str>);

impl Region {
    /// Parses two ASCII letters, any case.
    ///
    /// # Errors
    /// [`BadRegion`] when `s` is not exactly two ASCII letters.
    pub fn parse(s: &str) -> Result<Self, BadRegion> {
        match s.as_bytes() {
            [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
                Ok(Self([a.to_ascii_uppercase(), b.to_ascii_uppercase()]))
            }
            _ => Err(BadRegion(crate::error::excerpt(s))),
        }
    }

    /// The code, upper case.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Always two ASCII letters, so this never fails.
        std::str::from_utf8(&self.0).unwrap_or("ZZ")
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Region {
    type Err = BadRegion;
    fn from_str(s: &str) -> Result<Self, BadRegion> {
        Self::parse(s)
    }
}

/// What a normaliser may need to know about who reported the value.
///
/// Today that is the reporting organisation's country, used as the default region of phone
/// numbers and short codes written in national format, and as the country of bank accounts
/// given without one.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    region: Option<Region>,
}

impl Context {
    /// A context without a default region: national-format phone numbers are rejected.
    #[must_use]
    pub const fn new() -> Self {
        Self { region: None }
    }

    /// A context whose default region is `region`.
    #[must_use]
    pub const fn with_region(region: Region) -> Self {
        Self {
            region: Some(region),
        }
    }

    /// The default region, if any.
    #[must_use]
    pub const fn region(&self) -> Option<Region> {
        self.region
    }
}
