//! Accounts: social-media and messaging accounts, mobile application ids, e-wallet ids.

use crate::{
    Canonical, Context, EwalletProvider, ObservableError, ObservableType as T, SocialPlatform as P,
};

/// The platform a profile-URL host belongs to (host lower-case, without `www.`/`m.` etc.).
fn platform_of_host(host: &str) -> Option<P> {
    let host = host
        .strip_prefix("www.")
        .or_else(|| host.strip_prefix("m."))
        .or_else(|| host.strip_prefix("mobile."))
        .or_else(|| host.strip_prefix("web."))
        .unwrap_or(host);
    Some(match host {
        "facebook.com" | "fb.com" | "fb.me" | "messenger.com" | "m.me" => P::Facebook,
        "instagram.com" | "instagr.am" => P::Instagram,
        "x.com" | "twitter.com" => P::X,
        "tiktok.com" => P::TikTok,
        "t.me" | "telegram.me" | "telegram.dog" => P::Telegram,
        "line.me" => P::Line,
        "wa.me" | "api.whatsapp.com" | "whatsapp.com" => P::WhatsApp,
        "zalo.me" | "chat.zalo.me" => P::Zalo,
        "youtube.com" => P::YouTube,
        "linkedin.com" => P::LinkedIn,
        "threads.net" | "threads.com" => P::Threads,
        _ => return None,
    })
}

/// Path segments (non-empty) of a URL path.
fn segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

/// Extracts `(platform, raw handle)` from a profile URL of a known platform.
fn from_profile_url(ty: T, s: &str) -> Result<(P, String), ObservableError> {
    let with_scheme = if s.contains("://") {
        s.to_owned()
    } else {
        format!("https://{s}")
    };
    let u = url::Url::parse(&with_scheme).map_err(|_| ObservableError::Malformed {
        ty,
        what: "not a profile URL",
    })?;
    let host = u.host_str().unwrap_or_default().to_ascii_lowercase();
    let Some(platform) = platform_of_host(&host) else {
        return Err(ObservableError::Malformed {
            ty,
            what: "profile URL of an unknown platform",
        });
    };
    let segs = segments(u.path());
    let query = |k: &str| {
        u.query_pairs()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.into_owned())
    };
    let unsupported = ObservableError::Malformed {
        ty,
        what: "URL is not an account profile of its platform",
    };
    let handle: Option<String> = match platform {
        P::Facebook => match segs.as_slice() {
            ["profile.php", ..] => query("id"),
            ["people", _, id, ..] => Some((*id).to_owned()),
            [first, ..]
                if !matches!(
                    *first,
                    "groups" | "pages" | "events" | "watch" | "sharer" | "share" | "login"
                ) =>
            {
                Some((*first).to_owned())
            }
            _ => None,
        },
        P::X => match segs.as_slice() {
            [first, ..]
                if !matches!(
                    *first,
                    "i" | "home" | "intent" | "share" | "search" | "hashtag"
                ) =>
            {
                Some((*first).to_owned())
            }
            _ => None,
        },
        P::Instagram | P::Threads => match segs.as_slice() {
            [first, ..] if !matches!(*first, "p" | "reel" | "reels" | "explore" | "stories") => {
                Some((*first).to_owned())
            }
            _ => None,
        },
        P::TikTok => match segs.as_slice() {
            [first, ..] if first.starts_with('@') => Some((*first).to_owned()),
            _ => None,
        },
        P::Telegram => match segs.as_slice() {
            ["s", name, ..] => Some((*name).to_owned()),
            [first, ..] if !first.starts_with('+') && *first != "joinchat" => {
                Some((*first).to_owned())
            }
            _ => None,
        },
        P::Line => match segs.as_slice() {
            ["ti", "p", id, ..] | ["R", "ti", "p", id, ..] => Some((*id).to_owned()),
            _ => None,
        },
        P::WhatsApp => match segs.as_slice() {
            ["send", ..] => query("phone"),
            [num, ..] => Some((*num).to_owned()),
            [] => query("phone"),
        },
        P::Zalo => segs.first().map(|s| (*s).to_owned()),
        P::YouTube => match segs.as_slice() {
            [first, ..] if first.starts_with('@') => Some((*first).to_owned()),
            ["channel" | "c" | "user", name, ..] => Some((*name).to_owned()),
            _ => None,
        },
        P::LinkedIn => match segs.as_slice() {
            ["in" | "company", name, ..] => Some((*name).to_owned()),
            _ => None,
        },
        _ => None,
    };
    let handle = handle.ok_or(unsupported)?;
    let handle = if platform == P::Line {
        handle.trim_start_matches('~').to_owned()
    } else {
        handle
    };
    Ok((platform, handle))
}

fn looks_like_url(s: &str) -> bool {
    s.contains("://")
        || s.split('/').next().is_some_and(|host| {
            let h = host.to_ascii_lowercase();
            h.contains('.') && platform_of_host(&h).is_some() && s.contains('/')
        })
}

/// Social-media or messaging account: `platform + handle`.
///
/// - A profile URL of a known platform (facebook, instagram, x/twitter, tiktok, telegram, line,
///   whatsapp, zalo, youtube, linkedin, threads) is reduced to its handle; its platform must
///   match the one asked for (or the one asked for is `other`, and the URL's platform is used).
/// - A leading `@` is dropped.
/// - WhatsApp and Viber accounts are phone numbers: keyed in E.164 (default region from the
///   context). Zalo and Signal accounts are keyed in E.164 when they read as a phone number.
/// - YouTube channel ids (`UC` + 22 characters) keep their case; every other handle is
///   lower-cased, as these platforms treat handles case-insensitively.
/// - Handles are 1–100 of letters, digits, `.`, `_`, `-`.
pub(crate) fn social(platform: P, raw: &str, ctx: &Context) -> Result<Canonical, ObservableError> {
    let ty = T::SocialAccount(platform);
    let s = raw.trim();
    if s.is_empty() {
        return Err(ObservableError::Empty { ty });
    }
    if s.len() > 512 {
        return Err(ObservableError::TooLong {
            ty,
            len: s.len(),
            max: 512,
        });
    }
    let (platform, handle) = if looks_like_url(s) {
        let (p, h) = from_profile_url(ty, s)?;
        if platform != P::Other && p != platform {
            return Err(ObservableError::WrongKind {
                ty,
                found: T::SocialAccount(p),
            });
        }
        (p, h)
    } else {
        (platform, s.to_owned())
    };
    let ty = T::SocialAccount(platform);
    let handle = handle.strip_prefix('@').unwrap_or(&handle);
    let phone_like = handle
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b' ' | b'-' | b'.' | b'(' | b')'));
    match platform {
        P::WhatsApp | P::Viber => {
            if !phone_like {
                return Err(ObservableError::Malformed {
                    ty,
                    what: "a WhatsApp or Viber account is a phone number",
                });
            }
            // wa.me links carry the number without '+', in international form.
            let intl = if handle.starts_with('+') || handle.starts_with('0') {
                handle.to_owned()
            } else {
                format!("+{handle}")
            };
            return Ok(Canonical::new(ty, crate::phone::e164(ty, &intl, ctx)?));
        }
        P::Zalo | P::Signal if phone_like => {
            if let Ok(k) = crate::phone::e164(ty, handle, ctx) {
                return Ok(Canonical::new(ty, k));
            }
        }
        _ => {}
    }
    if handle.is_empty() {
        return Err(ObservableError::Empty { ty });
    }
    if handle.len() > 100 {
        return Err(ObservableError::TooLong {
            ty,
            len: handle.len(),
            max: 100,
        });
    }
    if let Some(c) = handle
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || "._-".contains(c)))
    {
        return Err(ObservableError::BadChar { ty, ch: c });
    }
    let youtube_channel_id =
        platform == P::YouTube && handle.len() == 24 && handle.starts_with("UC");
    let key = if youtube_channel_id {
        handle.to_owned()
    } else {
        handle.to_ascii_lowercase()
    };
    Ok(Canonical::new(ty, key))
}

/// Mobile application id:
/// - a Google Play URL (`…/store/apps/details?id=PKG`) → `PKG`;
/// - an App Store URL (`apps.apple.com/…/id123456789`) or `id123456789` → `id123456789`;
/// - a package name / bundle id: 2 or more dot-separated segments of letters, digits, `_`, `-`,
///   each starting with a letter or `_`, at most 255 bytes. Case is kept: Android package names
///   are case-sensitive.
pub(crate) fn app_id(raw: &str) -> Result<Canonical, ObservableError> {
    let ty = T::AppId;
    let s = raw.trim();
    if s.is_empty() {
        return Err(ObservableError::Empty { ty });
    }
    if s.len() > 1024 {
        return Err(ObservableError::TooLong {
            ty,
            len: s.len(),
            max: 1024,
        });
    }
    let lower = s.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        let u = url::Url::parse(s).map_err(|_| ObservableError::Malformed {
            ty,
            what: "not a store URL",
        })?;
        let host = u.host_str().unwrap_or_default().to_ascii_lowercase();
        if host == "play.google.com" {
            let id = u
                .query_pairs()
                .find(|(k, _)| k == "id")
                .map(|(_, v)| v.into_owned())
                .ok_or(ObservableError::Malformed {
                    ty,
                    what: "Google Play URL without id=",
                })?;
            return package(&id);
        }
        if host == "apps.apple.com" || host == "itunes.apple.com" {
            let last = segments(u.path()).last().map(|s| (*s).to_owned());
            if let Some(id) = last.filter(|l| apple_id(l)) {
                return Ok(Canonical::new(ty, id));
            }
            return Err(ObservableError::Malformed {
                ty,
                what: "App Store URL without an id…",
            });
        }
        return Err(ObservableError::Malformed {
            ty,
            what: "URL of an unknown app store",
        });
    }
    if apple_id(&lower) {
        return Ok(Canonical::new(ty, lower));
    }
    package(s)
}

fn apple_id(s: &str) -> bool {
    s.strip_prefix("id")
        .is_some_and(|d| (5..=12).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}

fn package(s: &str) -> Result<Canonical, ObservableError> {
    let ty = T::AppId;
    if s.len() > 255 {
        return Err(ObservableError::TooLong {
            ty,
            len: s.len(),
            max: 255,
        });
    }
    let segs: Vec<&str> = s.split('.').collect();
    if segs.len() < 2 {
        return Err(ObservableError::Malformed {
            ty,
            what: "a package name has at least two dot-separated segments",
        });
    }
    for seg in &segs {
        let Some(first) = seg.chars().next() else {
            return Err(ObservableError::Malformed {
                ty,
                what: "empty segment",
            });
        };
        if !(first.is_ascii_alphabetic() || first == '_') {
            return Err(ObservableError::Malformed {
                ty,
                what: "a segment starts with a letter or '_'",
            });
        }
        if let Some(c) = seg
            .chars()
            .find(|&c| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        {
            return Err(ObservableError::BadChar { ty, ch: c });
        }
    }
    Ok(Canonical::new(ty, s))
}

/// E-wallet account id at a provider. Most ASEAN e-wallets are keyed by the owner's phone
/// number: a value that reads as a phone number (leading `+`, or a leading `0`, 8 or more
/// digits and a valid number in the default region) is keyed in E.164. Anything else (PromptPay national ids, PayNow UENs, wallet ids) is
/// kept as letters, digits, `.`, `_`, `-`, `@`, lower-cased, separators space/`-` removed from
/// all-digit ids.
pub(crate) fn ewallet(
    provider: EwalletProvider,
    raw: &str,
    ctx: &Context,
) -> Result<Canonical, ObservableError> {
    let ty = T::Ewallet(provider);
    let s = raw.trim();
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
    let phone_like = s
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b' ' | b'-' | b'.' | b'(' | b')'));
    let compacted: String = if phone_like {
        let digits: String = s.chars().filter(char::is_ascii_digit).collect();
        if s.starts_with('+') {
            return Ok(Canonical::new(ty, crate::phone::e164(ty, s, ctx)?));
        }
        if digits.starts_with('0')
            && digits.len() >= 8
            && ctx.region().is_some()
            && let Ok(k) = crate::phone::e164(ty, s, ctx)
        {
            return Ok(Canonical::new(ty, k));
        }
        digits
    } else {
        s.to_ascii_lowercase()
    };
    if compacted.len() < 3 {
        return Err(ObservableError::BadLength {
            ty,
            len: compacted.len(),
            expected: "at least 3 characters",
        });
    }
    if let Some(c) = compacted
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || "._-@".contains(c)))
    {
        return Err(ObservableError::BadChar { ty, ch: c });
    }
    Ok(Canonical::new(ty, compacted))
}
