//! The contact: a person or a functional mailbox of an organisation, and its validation.
//!
//! Every string and list is bounded ([`limits`]); a rejected field is an [`Invalid`] whose path is
//! the JSON pointer of the field (`/emails/1`, `/handles/0/network`, `/pgp_key`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{ContactId, ContactKind, DirectoryVisibility};
use crate::error::{Invalid, excerpt};
use crate::org::{OrgId, check_name};
use crate::user::Email;

/// The bounds on a contact's fields.
pub mod limits {
    pub const KINDS: usize = 5;
    pub const EMAILS: usize = 10;
    pub const PHONES: usize = 10;
    pub const HANDLES: usize = 10;
    pub const LANGUAGES: usize = 10;
    pub const NETWORK_CHARS: usize = 40;
    pub const HANDLE_CHARS: usize = 200;
    pub const LANGUAGE_CHARS: usize = 35;
    pub const AVAILABILITY_CHARS: usize = 200;
    /// An armoured public key with a few subkeys and user ids fits easily.
    pub const PGP_KEY_BYTES: usize = 64 * 1024;
}

/// A messaging handle: a network (`signal`, `matrix`, `telegram`, …) and the handle on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handle {
    pub network: String,
    pub handle: String,
}

/// A stored contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub id: ContactId,
    pub org_id: OrgId,
    pub name: String,
    /// A functional mailbox (a duty desk, `cert@…`) rather than a person.
    pub mailbox: bool,
    pub kinds: Vec<ContactKind>,
    pub emails: Vec<Email>,
    /// E.164 (`+` and digits).
    pub phones: Vec<String>,
    pub handles: Vec<Handle>,
    /// The armoured OpenPGP public key, as given.
    pub pgp_key: Option<String>,
    /// BCP 47 tags.
    pub languages: Vec<String>,
    pub availability: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_verified: Option<OffsetDateTime>,
    pub visibility: DirectoryVisibility,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// The editable fields as given (unvalidated); [`NewContact::validate`] checks them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewContact {
    pub name: String,
    #[serde(default)]
    pub mailbox: bool,
    #[serde(default)]
    pub kinds: Vec<ContactKind>,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub handles: Vec<Handle>,
    #[serde(default)]
    pub pgp_key: Option<String>,
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub availability: Option<String>,
    #[serde(default)]
    pub visibility: Option<DirectoryVisibility>,
}

/// Changes to a contact; an absent field is kept, `null` clears an optional one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    pub name: Option<String>,
    pub mailbox: Option<bool>,
    pub kinds: Option<Vec<ContactKind>>,
    pub emails: Option<Vec<String>>,
    pub phones: Option<Vec<String>>,
    pub handles: Option<Vec<Handle>>,
    #[serde(default, deserialize_with = "double_option")]
    pub pgp_key: Option<Option<String>>,
    pub languages: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub availability: Option<Option<String>>,
    pub visibility: Option<DirectoryVisibility>,
}

fn double_option<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// The validated fields of a contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fields {
    pub name: String,
    pub mailbox: bool,
    pub kinds: Vec<ContactKind>,
    pub emails: Vec<Email>,
    pub phones: Vec<String>,
    pub handles: Vec<Handle>,
    pub pgp_key: Option<String>,
    pub languages: Vec<String>,
    pub availability: Option<String>,
    pub visibility: DirectoryVisibility,
}

fn bounded<T>(path: &str, list: &[T], max: usize) -> Result<(), Invalid> {
    if list.len() > max {
        return Err(Invalid::new(path, format!("at most {max} entries")));
    }
    Ok(())
}

fn short_text(path: &str, s: &str, max: usize) -> Result<String, Invalid> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > max || t.chars().any(char::is_control) {
        return Err(Invalid::new(
            path,
            format!("must be 1-{max} characters without control characters"),
        ));
    }
    Ok(t.to_owned())
}

/// The shape of a BCP 47 language tag: a 2-3 letter primary language, then subtags of 1-8
/// letters or digits (`en`, `th`, `zh-Hant-TW`, `ms-MY`).
pub fn check_language(path: &str, tag: &str) -> Result<String, Invalid> {
    let bad = || {
        Invalid::new(
            path,
            format!(
                "`{}` is not a BCP 47 language tag (such as `en`, `ms-MY`, `zh-Hant-TW`)",
                excerpt(tag)
            ),
        )
    };
    if tag.len() > limits::LANGUAGE_CHARS {
        return Err(bad());
    }
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or_default();
    if !(2..=3).contains(&primary.len()) || !primary.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(bad());
    }
    for sub in parts {
        if !(1..=8).contains(&sub.len()) || !sub.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(bad());
        }
    }
    Ok(tag.to_owned())
}

impl NewContact {
    /// Checks every field; phones are normalised to E.164 in `ctx` (the organisation's country is
    /// the region of national forms).
    pub(crate) fn validate(self, ctx: &simpul_observable::Context) -> Result<Fields, Invalid> {
        let name = check_name("/name", &self.name)?;
        if self.kinds.is_empty() {
            return Err(Invalid::new("/kinds", "a contact has at least one kind"));
        }
        bounded("/kinds", &self.kinds, limits::KINDS)?;
        let mut kinds = self.kinds;
        kinds.sort_by_key(|k| k.as_str());
        kinds.dedup();
        bounded("/emails", &self.emails, limits::EMAILS)?;
        let mut emails: Vec<Email> = Vec::with_capacity(self.emails.len());
        for (i, e) in self.emails.iter().enumerate() {
            let e = Email::parse(e).map_err(|x| Invalid::new(format!("/emails/{i}"), x.message))?;
            if !emails.contains(&e) {
                emails.push(e);
            }
        }
        if self.mailbox && emails.is_empty() {
            return Err(Invalid::new(
                "/emails",
                "a functional mailbox has at least one e-mail address",
            ));
        }
        bounded("/phones", &self.phones, limits::PHONES)?;
        let mut phones: Vec<String> = Vec::with_capacity(self.phones.len());
        for (i, p) in self.phones.iter().enumerate() {
            let c = simpul_observable::normalise(simpul_observable::ObservableType::Phone, p, ctx)
                .map_err(|e| Invalid::new(format!("/phones/{i}"), e.to_string()))?;
            let e164 = c.key().to_owned();
            if !phones.contains(&e164) {
                phones.push(e164);
            }
        }
        bounded("/handles", &self.handles, limits::HANDLES)?;
        let mut handles = Vec::with_capacity(self.handles.len());
        for (i, h) in self.handles.iter().enumerate() {
            let network = short_text(
                &format!("/handles/{i}/network"),
                &h.network.to_ascii_lowercase(),
                limits::NETWORK_CHARS,
            )?;
            if !network
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
            {
                return Err(Invalid::new(
                    format!("/handles/{i}/network"),
                    "letters, digits, `-` and `.` only (such as `signal`, `matrix`)",
                ));
            }
            let handle = short_text(
                &format!("/handles/{i}/handle"),
                &h.handle,
                limits::HANDLE_CHARS,
            )?;
            handles.push(Handle { network, handle });
        }
        let pgp_key = match self.pgp_key {
            Some(k) if !k.trim().is_empty() => {
                if k.len() > limits::PGP_KEY_BYTES {
                    return Err(Invalid::new(
                        "/pgp_key",
                        format!("at most {} bytes", limits::PGP_KEY_BYTES),
                    ));
                }
                super::pgp::KeyFacts::parse(&k)
                    .map_err(|e| Invalid::new("/pgp_key", e.to_string()))?;
                Some(k.trim().to_owned() + "\n")
            }
            _ => None,
        };
        bounded("/languages", &self.languages, limits::LANGUAGES)?;
        let mut languages = Vec::with_capacity(self.languages.len());
        for (i, l) in self.languages.iter().enumerate() {
            languages.push(check_language(&format!("/languages/{i}"), l.trim())?);
        }
        let availability = match self.availability {
            Some(a) if !a.trim().is_empty() => {
                Some(short_text("/availability", &a, limits::AVAILABILITY_CHARS)?)
            }
            _ => None,
        };
        Ok(Fields {
            name,
            mailbox: self.mailbox,
            kinds,
            emails,
            phones,
            handles,
            pgp_key,
            languages,
            availability,
            visibility: self.visibility.unwrap_or(DirectoryVisibility::Members),
        })
    }
}

impl Contact {
    /// The contact's editable fields, as input again (to apply a patch and validate the result).
    pub fn to_input(&self) -> NewContact {
        NewContact {
            name: self.name.clone(),
            mailbox: self.mailbox,
            kinds: self.kinds.clone(),
            emails: self.emails.iter().map(|e| e.as_str().to_owned()).collect(),
            phones: self.phones.clone(),
            handles: self.handles.clone(),
            pgp_key: self.pgp_key.clone(),
            languages: self.languages.clone(),
            availability: self.availability.clone(),
            visibility: Some(self.visibility),
        }
    }

    pub(crate) fn set(&mut self, f: Fields) {
        self.name = f.name;
        self.mailbox = f.mailbox;
        self.kinds = f.kinds;
        self.emails = f.emails;
        self.phones = f.phones;
        self.handles = f.handles;
        self.pgp_key = f.pgp_key;
        self.languages = f.languages;
        self.availability = f.availability;
        self.visibility = f.visibility;
    }

    /// The key facts of the contact's OpenPGP key (a stored key was checked when it was set).
    pub fn key_facts(&self) -> Option<super::KeyFacts> {
        self.pgp_key
            .as_deref()
            .and_then(|k| super::KeyFacts::parse(k).ok())
    }
}

impl ContactPatch {
    pub fn apply(self, mut c: NewContact) -> NewContact {
        if let Some(v) = self.name {
            c.name = v;
        }
        if let Some(v) = self.mailbox {
            c.mailbox = v;
        }
        if let Some(v) = self.kinds {
            c.kinds = v;
        }
        if let Some(v) = self.emails {
            c.emails = v;
        }
        if let Some(v) = self.phones {
            c.phones = v;
        }
        if let Some(v) = self.handles {
            c.handles = v;
        }
        if let Some(v) = self.pgp_key {
            c.pgp_key = v;
        }
        if let Some(v) = self.languages {
            c.languages = v;
        }
        if let Some(v) = self.availability {
            c.availability = v;
        }
        if let Some(v) = self.visibility {
            c.visibility = Some(v);
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> NewContact {
        NewContact {
            name: "Duty desk".into(),
            mailbox: true,
            kinds: vec![ContactKind::Duty24x7],
            emails: vec!["Duty@CERT.example".into()],
            phones: vec!["+65 6211 0000".into()],
            languages: vec!["en".into(), "ms-MY".into()],
            ..Default::default()
        }
    }

    #[test]
    fn validates_and_normalises() {
        let f = input()
            .validate(&simpul_observable::Context::new())
            .unwrap();
        assert_eq!(f.emails[0].as_str(), "duty@cert.example");
        assert_eq!(f.phones, ["+6562110000"]);
        assert_eq!(f.visibility, DirectoryVisibility::Members);
    }

    #[test]
    fn refuses_with_the_field_path() {
        let ctx = simpul_observable::Context::new();
        let cases: Vec<(NewContact, &str)> = vec![
            (
                NewContact {
                    kinds: vec![],
                    ..input()
                },
                "/kinds",
            ),
            (
                NewContact {
                    emails: vec![],
                    ..input()
                },
                "/emails",
            ),
            (
                NewContact {
                    emails: vec!["a@b.org".into(), "nope".into()],
                    ..input()
                },
                "/emails/1",
            ),
            (
                NewContact {
                    phones: vec!["12ab".into()],
                    ..input()
                },
                "/phones/0",
            ),
            (
                NewContact {
                    languages: vec!["english!".into()],
                    ..input()
                },
                "/languages/0",
            ),
            (
                NewContact {
                    handles: vec![Handle {
                        network: "sig nal".into(),
                        handle: "x".into(),
                    }],
                    ..input()
                },
                "/handles/0/network",
            ),
            (
                NewContact {
                    pgp_key: Some("not a key".into()),
                    ..input()
                },
                "/pgp_key",
            ),
            (
                NewContact {
                    name: " ".into(),
                    ..input()
                },
                "/name",
            ),
            (
                NewContact {
                    availability: Some("x".repeat(201)),
                    ..input()
                },
                "/availability",
            ),
            (
                NewContact {
                    phones: vec!["+6562110000".into(); 11],
                    ..input()
                },
                "/phones",
            ),
        ];
        for (c, path) in cases {
            assert_eq!(c.validate(&ctx).unwrap_err().path, path);
        }
    }

    #[test]
    fn language_tags_have_the_bcp47_shape() {
        for ok in ["en", "fil", "zh-Hant-TW", "ms-MY", "en-GB-x-duty"] {
            check_language("l", ok).unwrap();
        }
        for bad in [
            "",
            "e",
            "english",
            "en_GB",
            "en--GB",
            "en-toolongsubtag",
            "12",
        ] {
            assert!(check_language("l", bad).is_err(), "{bad}");
        }
    }
}
