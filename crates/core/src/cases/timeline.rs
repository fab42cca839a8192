//! A case's timeline: entries written by the owner and the parties, each with its own TLP (never
//! below the case's) and audience within the case, behind a **consent gate** (as in CERT/CC's
//! VINCE): an entry is seen only by its author's organisation until the author releases it to
//! the case, and the owner may pass a party's entry on to a party outside its audience only when
//! the author allowed that party.
//!
//! | the author's side | the owner's side |
//! |---|---|
//! | writes with an audience: the whole case, or some of its organisations (the owner always among them) | — |
//! | releases it ([`Consent::released_to_case`]); an owner's entry is released when written unless kept back | — |
//! | allows parties it may be passed on to ([`Consent::allowed_parties`]) | passes it on to an allowed party ([`pass_on`]) |
//!
//! A release and an allowance are never taken back (others may have read the entry); who may
//! give them is `crate::access::cases`'s, as is who sees an entry. Status changes are written by
//! the server, released to the whole case. Attachments are metadata here: the bytes are the
//! store's, at most [`MAX_ATTACHMENT_BYTES`].

use std::fmt;

use serde::{Deserialize, Serialize};
use simpul_observable::{Context, ObservableType};

use super::party::PartyStatus;
use super::short_names;
use crate::error::{Invalid, excerpt};
use crate::intel::{Tlp, parse_tlp};
use crate::org::{OrgId, ShortName, string_enum};
use crate::requests::{named_users, text};
use crate::user::Email;

/// The largest attachment, in bytes (10 MiB): kept in the database, so bounded.
pub const MAX_ATTACHMENT_BYTES: u64 = 10 * 1024 * 1024;

/// The bounds of an entry's fields.
pub mod limits {
    pub const COMMENT_CHARS: usize = 20_000;
    pub const FILENAME_CHARS: usize = 255;
    pub const MEDIA_TYPE_CHARS: usize = 127;
    pub const VALUE_CHARS: usize = 2_048;
    /// Organisations named in an audience or an allowance.
    pub const ORGS: usize = 50;
}

string_enum!(
    /// What an entry is.
    EntryKind, "kind" {
        Comment => "comment",
        StatusChange => "status-change",
        Stix => "stix",
        Observable => "observable",
        Attachment => "attachment",
    }
);

/// What an entry says, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum EntryBody {
    Comment {
        text: String,
    },
    /// Written by the server on each party step.
    StatusChange {
        party: OrgId,
        from: PartyStatus,
        to: PartyStatus,
        reason: Option<String>,
    },
    /// A STIX object of the intelligence store, by id (seen through the sharing policy, not
    /// through the case).
    Stix {
        id: String,
    },
    Observable {
        #[serde(rename = "type")]
        ty: String,
        value: String,
        /// `type|key`, as the intelligence is indexed by.
        key: String,
    },
    /// An attachment's metadata; its sha256 is computed by the store from the bytes.
    Attachment {
        filename: String,
        media_type: String,
        size: u64,
    },
}

impl EntryBody {
    pub fn kind(&self) -> EntryKind {
        match self {
            EntryBody::Comment { .. } => EntryKind::Comment,
            EntryBody::StatusChange { .. } => EntryKind::StatusChange,
            EntryBody::Stix { .. } => EntryKind::Stix,
            EntryBody::Observable { .. } => EntryKind::Observable,
            EntryBody::Attachment { .. } => EntryKind::Attachment,
        }
    }
}

/// Whom in the case an entry is for, as given: `"case"` or `{"orgs": [SHORT, …]}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AudienceInput {
    Case,
    Orgs(Vec<String>),
}

/// Whom in the case an entry is for, resolved: every organisation of the case, or these (the
/// owner and the author's organisation always see it besides).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryAudience {
    Case,
    Orgs(Vec<OrgId>),
}

impl EntryAudience {
    /// Whether `org` is in the audience of an entry in a case owned by `owner`.
    pub fn includes(&self, org: OrgId, owner: OrgId) -> bool {
        match self {
            EntryAudience::Case => true,
            EntryAudience::Orgs(list) => org == owner || list.contains(&org),
        }
    }
}

/// The author's consent: whether the entry left its organisation, and to which further parties
/// the owner may pass it on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Consent {
    pub released_to_case: bool,
    pub allowed_parties: Vec<OrgId>,
}

impl Consent {
    /// Releases the entry to its audience. Once released, always released.
    pub fn release(&mut self) {
        self.released_to_case = true;
    }

    /// Adds parties the owner may pass the entry on to; an allowance is never taken back.
    pub fn allow(&mut self, orgs: &[OrgId]) {
        for o in orgs {
            if !self.allowed_parties.contains(o) {
                self.allowed_parties.push(*o);
            }
        }
    }
}

/// Why the owner may not pass an entry on to a party.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassOnRefused {
    /// The author has not released it to the case.
    NotReleased,
    /// The author did not allow this party.
    NotAllowed,
    /// The party already sees it.
    AlreadySees,
}

impl fmt::Display for PassOnRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PassOnRefused::NotReleased => "its author has not released the entry to the case",
            PassOnRefused::NotAllowed => "its author did not allow passing it on to that party",
            PassOnRefused::AlreadySees => "that party already sees the entry",
        })
    }
}

impl std::error::Error for PassOnRefused {}

/// Passes an entry on to `to` (the owner's step, checked by `crate::access::cases` for who): only
/// a released entry, only to a party the author allowed and that does not see it yet. `passed_to`
/// is the list of parties the owner passed it on to.
pub fn pass_on(
    consent: &Consent,
    audience: &EntryAudience,
    owner: OrgId,
    author_org: OrgId,
    passed_to: &mut Vec<OrgId>,
    to: OrgId,
) -> Result<(), PassOnRefused> {
    if !consent.released_to_case {
        return Err(PassOnRefused::NotReleased);
    }
    if to == author_org || audience.includes(to, owner) || passed_to.contains(&to) {
        return Err(PassOnRefused::AlreadySees);
    }
    if !consent.allowed_parties.contains(&to) {
        return Err(PassOnRefused::NotAllowed);
    }
    passed_to.push(to);
    Ok(())
}

/// The body of `POST /api/v1/cases/{id}/timeline` (unvalidated): a `kind` and that kind's
/// fields, and the entry's TLP, audience, release and allowance.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewEntry {
    pub kind: EntryKind,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default, rename = "type")]
    pub ty: Option<String>,
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub filename: Option<String>,
    #[serde(default)]
    pub media_type: Option<String>,
    #[serde(default)]
    pub size: Option<u64>,
    /// The case's TLP when absent; never below it.
    #[serde(default)]
    pub tlp: Option<String>,
    /// The whole case when absent.
    #[serde(default)]
    pub audience: Option<AudienceInput>,
    /// Released at once: by default yes for the owner's entries, no for a party's.
    #[serde(default)]
    pub release: Option<bool>,
    /// Parties the owner may pass a party's entry on to.
    #[serde(default)]
    pub allow: Vec<String>,
    /// For TLP:RED only: the users who may see it (besides its author).
    #[serde(default)]
    pub recipients: Vec<String>,
}

/// An entry whose every field is checked; organisations still by short name (the store resolves
/// them to parties of the case, refusing others at the same pointer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidEntry {
    pub body: EntryBody,
    pub tlp: Tlp,
    /// `None`: the whole case.
    pub audience: Option<Vec<ShortName>>,
    pub released_to_case: bool,
    pub allow: Vec<ShortName>,
    pub recipients: Vec<Email>,
}

impl NewEntry {
    /// Checks every field of an entry in a case of `case_tlp`, written by the owner or a party
    /// (`by_owner`); `ctx` normalises an observable (the author's organisation's region).
    pub fn validate(
        &self,
        case_tlp: Tlp,
        by_owner: bool,
        ctx: &Context,
    ) -> Result<ValidEntry, Invalid> {
        let body = self.body(ctx)?;
        let tlp = match &self.tlp {
            None => case_tlp,
            Some(s) => {
                let t = parse_tlp("/tlp", s)?;
                if t < case_tlp {
                    return Err(Invalid::new(
                        "/tlp",
                        format!(
                            "is below the case's {}: an entry is at least as restricted as its case",
                            case_tlp.label()
                        ),
                    ));
                }
                t
            }
        };
        let audience = match &self.audience {
            None | Some(AudienceInput::Case) => None,
            Some(AudienceInput::Orgs(list)) => Some(short_names(
                "/audience/orgs",
                list,
                Some("name at least one organisation of the case"),
                limits::ORGS,
            )?),
        };
        if by_owner && !self.allow.is_empty() {
            return Err(Invalid::new(
                "/allow",
                "the owner widens its own entry's audience instead of allowing parties",
            ));
        }
        let allow = short_names("/allow", &self.allow, None, limits::ORGS)?;
        let recipients = named_users(
            &self.recipients,
            tlp,
            super::limits::RECIPIENTS,
            "users are named only for a TLP:RED entry; at other levels its audience sees it",
            "a TLP:RED entry names the users who may see it",
        )?;
        Ok(ValidEntry {
            body,
            tlp,
            audience,
            released_to_case: self.release.unwrap_or(by_owner),
            allow,
            recipients,
        })
    }

    fn body(&self, ctx: &Context) -> Result<EntryBody, Invalid> {
        let fields: [(&str, bool, &[EntryKind]); 7] = [
            ("text", self.text.is_some(), &[EntryKind::Comment]),
            ("id", self.id.is_some(), &[EntryKind::Stix]),
            ("type", self.ty.is_some(), &[EntryKind::Observable]),
            ("value", self.value.is_some(), &[EntryKind::Observable]),
            (
                "filename",
                self.filename.is_some(),
                &[EntryKind::Attachment],
            ),
            (
                "media_type",
                self.media_type.is_some(),
                &[EntryKind::Attachment],
            ),
            ("size", self.size.is_some(), &[EntryKind::Attachment]),
        ];
        for (name, given, kinds) in fields {
            if given && !kinds.contains(&self.kind) {
                return Err(Invalid::new(
                    format!("/{name}"),
                    format!("is not a field of a {} entry", self.kind),
                ));
            }
        }
        let need = |name: &str, v: &Option<String>| -> Result<String, Invalid> {
            v.clone().ok_or_else(|| {
                Invalid::new(
                    format!("/{name}"),
                    format!("a {} entry needs it", self.kind),
                )
            })
        };
        Ok(match self.kind {
            EntryKind::Comment => EntryBody::Comment {
                text: text(
                    "/text",
                    &need("text", &self.text)?,
                    limits::COMMENT_CHARS,
                    true,
                    false,
                )?,
            },
            EntryKind::StatusChange => {
                return Err(Invalid::new(
                    "/kind",
                    "status changes are written by the server when a party's status moves",
                ));
            }
            EntryKind::Stix => {
                let id = need("id", &self.id)?;
                let id = id.trim();
                simpul_stix::StixId::parse(id)
                    .map_err(|e| Invalid::new("/id", format!("`{}` {e}", excerpt(id))))?;
                EntryBody::Stix { id: id.to_owned() }
            }
            EntryKind::Observable => {
                let ty: ObservableType = need("type", &self.ty)?.trim().parse().map_err(
                    |e: simpul_observable::UnknownName| Invalid::new("/type", e.to_string()),
                )?;
                let value = need("value", &self.value)?;
                let value = value.trim();
                if value.chars().count() > limits::VALUE_CHARS {
                    return Err(Invalid::new(
                        "/value",
                        format!("is longer than {} characters", limits::VALUE_CHARS),
                    ));
                }
                let canonical = simpul_observable::normalise(ty, value, ctx)
                    .map_err(|e| Invalid::new("/value", format!("`{}`: {e}", excerpt(value))))?;
                EntryBody::Observable {
                    ty: canonical.ty().to_string(),
                    value: value.to_owned(),
                    key: canonical.to_string(),
                }
            }
            EntryKind::Attachment => {
                let filename = filename(&need("filename", &self.filename)?)?;
                let media_type = media_type(&need("media_type", &self.media_type)?)?;
                let size = self
                    .size
                    .ok_or_else(|| Invalid::new("/size", "an attachment entry needs it"))?;
                check_size("/size", size)?;
                EntryBody::Attachment {
                    filename,
                    media_type,
                    size,
                }
            }
        })
    }
}

/// Refuses an empty attachment or one above [`MAX_ATTACHMENT_BYTES`] (the store calls it again
/// with the bytes' real length).
pub fn check_size(path: &str, size: u64) -> Result<(), Invalid> {
    if size == 0 {
        return Err(Invalid::new(path, "an attachment is not empty"));
    }
    if size > MAX_ATTACHMENT_BYTES {
        return Err(Invalid::new(
            path,
            format!(
                "is larger than the {} MiB an attachment may be",
                MAX_ATTACHMENT_BYTES / (1024 * 1024)
            ),
        ));
    }
    Ok(())
}

/// A file name without a path: no separators, not `.` or `..`, one line.
fn filename(s: &str) -> Result<String, Invalid> {
    let name = text("/filename", s, limits::FILENAME_CHARS, true, true)?;
    if name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(Invalid::new(
            "/filename",
            "is a file name without a path (no `/` or `\\`)",
        ));
    }
    Ok(name)
}

/// A media type `type/subtype`, lower-cased, without parameters.
fn media_type(s: &str) -> Result<String, Invalid> {
    let t = text("/media_type", s, limits::MEDIA_TYPE_CHARS, true, true)?.to_ascii_lowercase();
    let token = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
    };
    match t.split_once('/') {
        Some((a, b)) if token(a) && token(b) => Ok(t),
        _ => Err(Invalid::new(
            "/media_type",
            format!("`{}` is not a media type (type/subtype)", excerpt(&t)),
        )),
    }
}

#[cfg(test)]
#[path = "timeline_tests.rs"]
mod tests;
