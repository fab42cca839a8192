//! Cryptocurrency wallet addresses.
//!
//! Checked formats: Bitcoin base58check (P2PKH version 0x00, P2SH 0x05) and segwit bech32
//! (v0) / bech32m (v1–v16) with HRP `bc`; Ethereum `0x` + 40 hex (EIP-55 checksum verified
//! when the address is mixed-case; key lower-case); TRON base58check with version 0x41;
//! Litecoin base58check 0x30/0x32 and segwit with HRP `ltc`; Dogecoin base58check 0x1e/0x16;
//! XRP Ledger base58check in the XRP alphabet, version 0x00 (`r…`).
//! Everything else is an opaque address kept as written.

use sha2::{Digest as _, Sha256};
use sha3::Keccak256;

use crate::{Canonical, CryptoNetwork as N, ObservableError, ObservableType as T};

/// The Bitcoin base58 alphabet (also Litecoin, Dogecoin, TRON).
const B58: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
/// The XRP Ledger's base58 alphabet.
const B58_XRP: &[u8; 58] = b"rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz";

/// Decodes base58 in `alphabet` (whose first character stands for a leading zero byte);
/// `None` on a character outside the alphabet.
fn base58_decode(s: &str, alphabet: &[u8; 58]) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::with_capacity(s.len());
    for c in s.bytes() {
        let mut carry = u32::try_from(alphabet.iter().position(|&a| a == c)?).ok()?;
        for b in out.iter_mut().rev() {
            carry += u32::from(*b) * 58;
            *b = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            out.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let zeros = s.bytes().take_while(|&c| c == alphabet[0]).count();
    let mut v = vec![0u8; zeros];
    v.extend_from_slice(&out);
    Some(v)
}

/// A base58check payload of 21 bytes (version + 20-byte hash): `Some(Ok(version))` when the
/// checksum matches, `Some(Err(()))` when it does not, `None` when it is not 25 base58 bytes.
fn base58check_21(s: &str, alphabet: &[u8; 58]) -> Option<Result<u8, ()>> {
    if !(25..=35).contains(&s.len()) {
        return None;
    }
    let v = base58_decode(s, alphabet)?;
    if v.len() != 25 {
        return None;
    }
    let h = Sha256::digest(Sha256::digest(&v[..21]));
    Some(if h[..4] == v[21..] { Ok(v[0]) } else { Err(()) })
}

const BECH32_CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

fn bech32_polymod(values: impl Iterator<Item = u8>) -> u32 {
    const GEN: [u32; 5] = [
        0x3b6a_57b2,
        0x2650_8e6d,
        0x1ea1_19fa,
        0x3d42_33dd,
        0x2a14_62b3,
    ];
    let mut chk: u32 = 1;
    for v in values {
        let top = chk >> 25;
        chk = ((chk & 0x01ff_ffff) << 5) ^ u32::from(v);
        for (i, g) in GEN.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk
}

/// Why a `bc1…` string is not a segwit address.
enum SegwitError {
    Checksum,
    Invalid(&'static str),
}

/// Validates a segwit address (BIP 173 / BIP 350) with human-readable part `want_hrp`
/// (`bc` for Bitcoin, `ltc` for Litecoin mainnet); returns it lower-cased.
fn segwit(s: &str, want_hrp: &str) -> Result<String, SegwitError> {
    if s.len() > 90 {
        return Err(SegwitError::Invalid("longer than 90 characters"));
    }
    let has_lower = s.bytes().any(|b| b.is_ascii_lowercase());
    let has_upper = s.bytes().any(|b| b.is_ascii_uppercase());
    if has_lower && has_upper {
        return Err(SegwitError::Invalid("mixed case"));
    }
    let s = s.to_ascii_lowercase();
    let Some(sep) = s.rfind('1') else {
        return Err(SegwitError::Invalid("no separator"));
    };
    let (hrp, data) = (&s[..sep], &s[sep + 1..]);
    if hrp != want_hrp {
        return Err(SegwitError::Invalid(
            "wrong human-readable part for this network (bc1…, ltc1…)",
        ));
    }
    if data.len() < 7 {
        return Err(SegwitError::Invalid("too short"));
    }
    let mut vals = Vec::with_capacity(data.len());
    for c in data.bytes() {
        let Some(v) = BECH32_CHARSET.iter().position(|&a| a == c) else {
            return Err(SegwitError::Invalid(
                "character outside the bech32 alphabet",
            ));
        };
        vals.push(v as u8);
    }
    let hrp_exp = hrp
        .bytes()
        .map(|b| b >> 5)
        .chain(std::iter::once(0))
        .chain(hrp.bytes().map(|b| b & 31));
    let pm = bech32_polymod(hrp_exp.chain(vals.iter().copied()));
    let version = vals[0];
    let expected = if version == 0 { 1 } else { 0x2bc8_30a3 };
    if pm != expected {
        return Err(SegwitError::Checksum);
    }
    if version > 16 {
        return Err(SegwitError::Invalid("witness version above 16"));
    }
    // 5-bit groups to bytes, no padding allowed beyond 4 zero bits.
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    let mut prog = Vec::with_capacity(40);
    for &v in &vals[1..vals.len() - 6] {
        acc = (acc << 5) | u32::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            prog.push(((acc >> bits) & 0xff) as u8);
        }
    }
    if bits >= 5 || (acc & ((1 << bits) - 1)) != 0 {
        return Err(SegwitError::Invalid("non-zero padding"));
    }
    if !(2..=40).contains(&prog.len()) || (version == 0 && prog.len() != 20 && prog.len() != 32) {
        return Err(SegwitError::Invalid("witness program of the wrong length"));
    }
    Ok(s)
}

/// The key of a segwit address of `net`, or the error naming what is wrong.
fn segwit_key(ty: T, net: N, s: &str, hrp: &str) -> Result<Canonical, ObservableError> {
    match segwit(s, hrp) {
        Ok(k) => Ok(Canonical::new(T::CryptoWallet(net), k)),
        Err(SegwitError::Checksum) => Err(ObservableError::BadChecksum {
            ty,
            which: "bech32/bech32m",
        }),
        Err(SegwitError::Invalid(what)) => Err(ObservableError::Malformed { ty, what }),
    }
}

/// Whether `s` is `0x` + 40 hex digits.
fn eth_shape(s: &str) -> bool {
    s.len() == 42 && s.starts_with("0x") && s[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// EIP-55: a mixed-case address must carry the checksum; all-lower and all-upper are accepted.
fn eth_checksum_ok(s: &str) -> bool {
    let hex = &s[2..];
    let lower = hex.to_ascii_lowercase();
    let has_lower = hex.bytes().any(|b| b.is_ascii_lowercase());
    let has_upper = hex.bytes().any(|b| b.is_ascii_uppercase());
    if !(has_lower && has_upper) {
        return true;
    }
    let hash = Keccak256::digest(lower.as_bytes());
    hex.bytes().enumerate().all(|(i, c)| {
        if c.is_ascii_digit() {
            return true;
        }
        let nibble = (hash[i / 2] >> (if i % 2 == 0 { 4 } else { 0 })) & 0xf;
        (nibble >= 8) == c.is_ascii_uppercase()
    })
}

/// Strips payment-URI wrappers: `bitcoin:ADDR?amount=…`, `ethereum:ADDR@1/…`, `tron:ADDR`.
fn strip_uri(s: &str) -> &str {
    for scheme in ["bitcoin:", "ethereum:", "tron:"] {
        if let Some(rest) = crate::net::strip_prefix_ci(s, scheme) {
            let end = rest.find(['?', '@', '/']).unwrap_or(rest.len());
            return &rest[..end];
        }
    }
    s
}

/// An address with its base58check decodings, computed once for all networks tried.
struct Address<'a> {
    s: &'a str,
    /// Base58check in the Bitcoin alphabet.
    b58: Option<Result<u8, ()>>,
    /// Base58check in the XRP alphabet (only for `r…`).
    xrp: Option<Result<u8, ()>>,
}

/// Whether `a` is an address of the checked network `net`: `None` when it does not have the
/// network's form at all, `Some(Err)` when it has the form but fails its check.
fn check(ty: T, net: N, a: &Address<'_>) -> Option<Result<Canonical, ObservableError>> {
    let s = a.s;
    let key = |k: &str| Some(Ok(Canonical::new(T::CryptoWallet(net), k)));
    let bad_b58 = || {
        Some(Err(ObservableError::BadChecksum {
            ty,
            which: "base58check",
        }))
    };
    match net {
        N::Bitcoin => {
            if s.len() >= 3 && s[..3].eq_ignore_ascii_case("bc1") {
                return Some(segwit_key(ty, net, s, "bc"));
            }
            match a.b58 {
                Some(Ok(0x00 | 0x05)) => key(s),
                Some(Err(())) if s.starts_with(['1', '3']) => bad_b58(),
                _ => None,
            }
        }
        N::Ethereum => {
            if !eth_shape(s) {
                return None;
            }
            Some(if eth_checksum_ok(s) {
                Ok(Canonical::new(T::CryptoWallet(net), s.to_ascii_lowercase()))
            } else {
                Err(ObservableError::BadChecksum {
                    ty,
                    which: "EIP-55",
                })
            })
        }
        N::Tron => match a.b58 {
            Some(Ok(0x41)) if s.starts_with('T') => key(s),
            Some(Err(())) if s.starts_with('T') => bad_b58(),
            _ => None,
        },
        N::Litecoin => {
            if s.len() >= 4 && s[..4].eq_ignore_ascii_case("ltc1") {
                return Some(segwit_key(ty, net, s, "ltc"));
            }
            match a.b58 {
                Some(Ok(0x30 | 0x32)) => key(s),
                Some(Err(())) if s.starts_with(['L', 'M']) => bad_b58(),
                _ => None,
            }
        }
        N::Dogecoin => match a.b58 {
            Some(Ok(0x1e | 0x16)) => key(s),
            Some(Err(())) if s.starts_with('D') => bad_b58(),
            _ => None,
        },
        N::Xrp => match a.xrp {
            Some(Ok(0x00)) => key(s),
            Some(Err(())) => bad_b58(),
            _ => None,
        },
        N::Other => None,
    }
}

/// The checked networks, in the order `other` tries them.
const CHECKED: [N; 6] = [
    N::Ethereum,
    N::Bitcoin,
    N::Tron,
    N::Litecoin,
    N::Dogecoin,
    N::Xrp,
];

pub(crate) fn wallet(net: N, raw: &str) -> Result<Canonical, ObservableError> {
    let ty = T::CryptoWallet(net);
    let s = strip_uri(raw.trim());
    if s.is_empty() {
        return Err(ObservableError::Empty { ty });
    }
    if s.len() > 128 {
        return Err(ObservableError::TooLong {
            ty,
            len: s.len(),
            max: 128,
        });
    }
    if let Some(c) = s
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || "-_.:+/=".contains(c)))
    {
        return Err(ObservableError::BadChar { ty, ch: c });
    }
    // "0X…" is a typo often seen for "0x…"; the hex is what matters.
    let fixed;
    let s = if s.len() == 42 && s.starts_with("0X") {
        fixed = format!("0x{}", &s[2..]);
        fixed.as_str()
    } else {
        s
    };
    let a = Address {
        s,
        b58: base58check_21(s, B58),
        xrp: if s.starts_with('r') {
            base58check_21(s, B58_XRP)
        } else {
            None
        },
    };
    if net != N::Other {
        return check(ty, net, &a).unwrap_or(Err(ObservableError::Malformed {
            ty,
            what: match net {
                N::Bitcoin => "not a Bitcoin address (base58 1…/3… or bech32 bc1…)",
                N::Ethereum => "not an Ethereum address (0x + 40 hex digits)",
                N::Tron => "not a TRON address (base58check T…)",
                N::Litecoin => "not a Litecoin address (base58 L…/M… or bech32 ltc1…)",
                N::Dogecoin => "not a Dogecoin address (base58 D…, 9…, A…)",
                N::Xrp | N::Other => "not an XRP Ledger address (base58check r…)",
            },
        }));
    }
    if let Some(r) = CHECKED.iter().find_map(|&n| check(ty, n, &a)) {
        return r;
    }
    if s.len() < 8 {
        return Err(ObservableError::BadLength {
            ty,
            len: s.len(),
            expected: "at least 8 characters for an address",
        });
    }
    Ok(Canonical::new(ty, s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base58_decodes_leading_ones_as_zero_bytes() {
        assert_eq!(base58_decode("1", B58), Some(vec![0]));
        assert_eq!(base58_decode("11z", B58), Some(vec![0, 0, 57]));
        assert_eq!(base58_decode("2g", B58), Some(vec![0x61]));
        assert_eq!(base58_decode("0OIl", B58), None);
    }

    #[test]
    fn base58check_reports_version_and_checksum() {
        assert_eq!(
            base58check_21("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", B58),
            Some(Ok(0x00))
        );
        assert_eq!(
            base58check_21("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", B58),
            Some(Err(()))
        );
        assert_eq!(base58check_21("1A1zP1", B58), None);
    }

    #[test]
    fn bech32_constants() {
        // An empty data part under HRP "a" has the well-known bech32 checksum "a12uel5l".
        let vals: Vec<u8> = "2uel5l"
            .bytes()
            .map(|c| BECH32_CHARSET.iter().position(|&a| a == c).unwrap_or(0) as u8)
            .collect();
        let hrp = [b'a' >> 5, 0, b'a' & 31];
        assert_eq!(bech32_polymod(hrp.into_iter().chain(vals)), 1);
    }
}
