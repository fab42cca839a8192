//! A team's profile (P2.1): RFC 2350 ("Expectations for Computer Security Incident Response"),
//! section by section, one per organisation. [`TeamProfile::validate`] is the one check of a
//! document: every string and list is bounded, formats are checked and normalised (phones to E.164
//! with simpul-observable, networks to canonical CIDRs, domains to their canonical form), and a
//! refusal names the field by JSON pointer (`/contact/time_zone`). The text rendering is
//! [`super::rfc2350`]; the store keeps the validated document as JSON ([`super::profile_store`]).

use serde::{Deserialize, Deserializer, Serialize};
use simpul_observable::{Cidr, Context, ObservableType, normalise};
use simpul_vocab::csirt_services;
use time::OffsetDateTime;

use crate::country::Country;
use crate::error::{Invalid, excerpt};
use crate::tz::TimeZoneName;
use crate::user::Email;

/// The most characters of a one-line field (a name, a URL, a language tag, a phone number).
pub const LINE_MAX: usize = 200;
/// The most characters of a free-text field (a mission statement, a policy).
pub const TEXT_MAX: usize = 4000;
/// The most entries of any list.
pub const LIST_MAX: usize = 50;
/// The most networks (CIDRs), ASNs or domains of a constituency.
pub const CONSTITUENCY_MAX: usize = 500;

/// An RFC 2350 team profile. Absent sections and fields are empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TeamProfile {
    /// RFC 2350 §3.1 Document Information.
    pub document: DocumentInfo,
    /// §3.2 Contact Information.
    pub contact: ContactInfo,
    /// §3.3 Charter.
    pub charter: Charter,
    /// §3.4 Policies.
    pub policies: Policies,
    /// §3.5 Services: from the FIRST CSIRT Services Framework 2.1.
    pub services: Services,
    /// §3.6 Incident Reporting Forms: URLs or short descriptions.
    pub reporting_forms: Vec<String>,
    /// §3.7 Disclaimers.
    pub disclaimers: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DocumentInfo {
    /// Set by the store on each save; what a document sent says is ignored.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_updated: Option<OffsetDateTime>,
    /// How changes to this document are announced.
    pub distribution: String,
    /// Where the document is published (URLs).
    pub locations: Vec<String>,
    /// Whether the RFC 2350 text is public (readable without signing in). Member organisations
    /// only ([`crate::access::directory::is_member_kind`]).
    pub publish: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContactInfo {
    pub team_name: String,
    pub postal_address: String,
    #[serde(deserialize_with = "time_zone")]
    pub time_zone: Option<TimeZoneName>,
    /// Local time in [`ContactInfo::time_zone`].
    pub business_hours: Vec<BusinessHours>,
    /// BCP 47 language tags (`en`, `ms-MY`, `zh-Hant`).
    pub languages: Vec<String>,
    pub email: Option<String>,
    /// E.164 once validated.
    pub phone: Option<String>,
    /// The 24/7 emergency number, E.164 once validated.
    pub emergency_phone: Option<String>,
    pub fax: Option<String>,
    /// Other telecommunication: chat rooms, secure portals.
    pub other_channels: Vec<String>,
    pub public_keys: Vec<PublicKey>,
    pub members: Vec<TeamMember>,
    pub other: String,
}

/// One weekday's opening hours, local time, `HH:MM`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessHours {
    pub day: Weekday,
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    pub fn name(self) -> &'static str {
        match self {
            Self::Mon => "Monday",
            Self::Tue => "Tuesday",
            Self::Wed => "Wednesday",
            Self::Thu => "Thursday",
            Self::Fri => "Friday",
            Self::Sat => "Saturday",
            Self::Sun => "Sunday",
        }
    }
}

/// The team's key: its fingerprint and where to fetch it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PublicKey {
    /// Hex, spaces allowed; stored upper case without spaces.
    pub fingerprint: String,
    pub url: String,
    pub description: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TeamMember {
    pub name: String,
    pub role: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Charter {
    pub mission: String,
    pub constituency: Constituency,
    pub sponsorship: String,
    pub authority: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Constituency {
    pub description: String,
    #[serde(deserialize_with = "countries")]
    pub countries: Vec<Country>,
    pub sectors: Vec<String>,
    /// CIDRs, canonical once validated.
    pub networks: Vec<String>,
    pub asns: Vec<u32>,
    /// Domain names, canonical once validated.
    pub domains: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policies {
    /// Types of incidents and level of support.
    pub incidents: String,
    /// How the team uses the Traffic Light Protocol.
    pub tlp: String,
    pub disclosure: String,
    /// Co-operation and interaction with other teams.
    pub cooperation: String,
    /// Communication and authentication.
    pub communication: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Services {
    /// Service ids of [`simpul_vocab::csirt_services`], in the framework's order once validated.
    pub offered: Vec<String>,
    pub notes: String,
}

fn time_zone<'de, D: Deserializer<'de>>(d: D) -> Result<Option<TimeZoneName>, D::Error> {
    let s = Option::<String>::deserialize(d)?;
    s.map(|s| TimeZoneName::parse(&s).map_err(|e| serde::de::Error::custom(e.message)))
        .transpose()
}

fn countries<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Country>, D::Error> {
    /// One country of the list, so that a refusal names its index.
    struct One(Country);
    impl<'de> Deserialize<'de> for One {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let s = String::deserialize(d)?;
            Country::parse(&s)
                .map(One)
                .map_err(|e| serde::de::Error::custom(e.message))
        }
    }
    Ok(Vec::<One>::deserialize(d)?
        .into_iter()
        .map(|c| c.0)
        .collect())
}

impl TeamProfile {
    /// An empty profile naming the team (what an organisation without a saved profile shows).
    pub fn skeleton(team_name: &str, country: Option<Country>) -> Self {
        let mut p = Self::default();
        p.contact.team_name = team_name.to_owned();
        p.charter.constituency.countries = country.into_iter().collect();
        p
    }

    /// Reads a document from JSON; a refusal names the JSON pointer. The result is not yet
    /// validated ([`TeamProfile::validate`]).
    pub fn from_json(text: &str) -> Result<Self, Invalid> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let doc: Self = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
            let path = pointer(e.path());
            // serde_json's message without its " at line L column C" tail.
            let msg = e.inner().to_string();
            let msg = msg
                .rfind(" at line ")
                .map_or(msg.as_str(), |k| &msg[..k])
                .to_owned();
            Invalid::new(if path.is_empty() { "/".into() } else { path }, msg)
        })?;
        de.end()
            .map_err(|e| Invalid::new("/", format!("trailing characters: {e}")))?;
        Ok(doc)
    }

    /// Checks every field and normalises what has a canonical form (trimmed text, E.164 phones,
    /// canonical CIDRs and domains, upper-case fingerprints, services in the framework's order).
    pub fn validate(mut self) -> Result<Self, Invalid> {
        let d = &mut self.document;
        text("/document/distribution", &mut d.distribution, TEXT_MAX)?;
        lines("/document/locations", &mut d.locations, LIST_MAX, LINE_MAX)?;
        let c = &mut self.contact;
        line("/contact/team_name", &mut c.team_name)?;
        text("/contact/postal_address", &mut c.postal_address, TEXT_MAX)?;
        hours(&mut c.business_hours)?;
        lines("/contact/languages", &mut c.languages, LIST_MAX, 35)?;
        for (i, l) in c.languages.iter().enumerate() {
            language(&format!("/contact/languages/{i}"), l)?;
        }
        if let Some(e) = &mut c.email {
            *e = Email::parse(e)
                .map_err(|x| Invalid::new("/contact/email", x.message))?
                .to_string();
        }
        for (path, phone) in [
            ("/contact/phone", &mut c.phone),
            ("/contact/emergency_phone", &mut c.emergency_phone),
            ("/contact/fax", &mut c.fax),
        ] {
            if let Some(p) = phone {
                *p = e164(path, p)?;
            }
        }
        lines(
            "/contact/other_channels",
            &mut c.other_channels,
            LIST_MAX,
            LINE_MAX,
        )?;
        count("/contact/public_keys", c.public_keys.len(), LIST_MAX)?;
        for (i, k) in c.public_keys.iter_mut().enumerate() {
            fingerprint(
                &format!("/contact/public_keys/{i}/fingerprint"),
                &mut k.fingerprint,
            )?;
            line(&format!("/contact/public_keys/{i}/url"), &mut k.url)?;
            line(
                &format!("/contact/public_keys/{i}/description"),
                &mut k.description,
            )?;
        }
        count("/contact/members", c.members.len(), LIST_MAX)?;
        for (i, m) in c.members.iter_mut().enumerate() {
            line(&format!("/contact/members/{i}/name"), &mut m.name)?;
            line(&format!("/contact/members/{i}/role"), &mut m.role)?;
            if m.name.is_empty() {
                return Err(Invalid::new(
                    format!("/contact/members/{i}/name"),
                    "is empty",
                ));
            }
        }
        text("/contact/other", &mut c.other, TEXT_MAX)?;
        let ch = &mut self.charter;
        for (path, t) in [
            ("/charter/mission", &mut ch.mission),
            ("/charter/sponsorship", &mut ch.sponsorship),
            ("/charter/authority", &mut ch.authority),
            (
                "/charter/constituency/description",
                &mut ch.constituency.description,
            ),
        ] {
            text(path, t, TEXT_MAX)?;
        }
        constituency(&mut ch.constituency)?;
        let p = &mut self.policies;
        for (path, t) in [
            ("/policies/incidents", &mut p.incidents),
            ("/policies/tlp", &mut p.tlp),
            ("/policies/disclosure", &mut p.disclosure),
            ("/policies/cooperation", &mut p.cooperation),
            ("/policies/communication", &mut p.communication),
        ] {
            text(path, t, TEXT_MAX)?;
        }
        services(&mut self.services)?;
        lines(
            "/reporting_forms",
            &mut self.reporting_forms,
            LIST_MAX,
            TEXT_MAX,
        )?;
        text("/disclaimers", &mut self.disclaimers, TEXT_MAX)?;
        Ok(self)
    }
}

/// A serde path as a JSON pointer.
fn pointer(p: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    p.iter()
        .map(|s| match s {
            Segment::Seq { index } => format!("/{index}"),
            Segment::Map { key } => {
                format!("/{}", excerpt(key).replace('~', "~0").replace('/', "~1"))
            }
            Segment::Enum { variant } => format!("/{variant}"),
            Segment::Unknown => "/?".into(),
        })
        .collect()
}

fn count(path: &str, n: usize, max: usize) -> Result<(), Invalid> {
    if n > max {
        return Err(Invalid::new(
            path,
            format!("has {n} entries; at most {max} are allowed"),
        ));
    }
    Ok(())
}

/// Trimmed free text: at most `max` characters, no control characters but line breaks and tabs.
fn text(path: &str, s: &mut String, max: usize) -> Result<(), Invalid> {
    let t = s.trim();
    let n = t.chars().count();
    if n > max {
        return Err(Invalid::new(
            path,
            format!("has {n} characters; at most {max} are allowed"),
        ));
    }
    if let Some(c) = t
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
    {
        return Err(Invalid::new(
            path,
            format!("contains the control character {c:?}"),
        ));
    }
    *s = t.replace("\r\n", "\n");
    Ok(())
}

/// A one-line field: text without line breaks, at most [`LINE_MAX`] characters.
fn line(path: &str, s: &mut String) -> Result<(), Invalid> {
    text(path, s, LINE_MAX)?;
    if s.contains(['\n', '\r']) {
        return Err(Invalid::new(path, "must be one line"));
    }
    Ok(())
}

/// A list of non-empty one-line entries.
fn lines(path: &str, v: &mut [String], max: usize, chars: usize) -> Result<(), Invalid> {
    count(path, v.len(), max)?;
    for (i, s) in v.iter_mut().enumerate() {
        let at = format!("{path}/{i}");
        text(&at, s, chars)?;
        if chars <= LINE_MAX && s.contains('\n') {
            return Err(Invalid::new(at, "must be one line"));
        }
        if s.is_empty() {
            return Err(Invalid::new(at, "is empty"));
        }
    }
    Ok(())
}

fn e164(path: &str, raw: &str) -> Result<String, Invalid> {
    normalise(ObservableType::Phone, raw, &Context::new())
        .map(|c| c.key().to_owned())
        .map_err(|e| Invalid::new(path, format!("{e} (write it in international form, +65 …)")))
}

/// A BCP 47 tag, by its syntax: a 2–3 letter (or 4–8 letter) language, then subtags of 1–8 letters
/// or digits.
fn language(path: &str, tag: &str) -> Result<(), Invalid> {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or("");
    let ok = matches!(primary.len(), 2..=3 | 5..=8)
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts
            .all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if ok {
        Ok(())
    } else {
        Err(Invalid::new(
            path,
            format!(
                "`{}` is not a BCP 47 language tag (for example en, ms-MY, zh-Hant)",
                excerpt(tag)
            ),
        ))
    }
}

fn fingerprint(path: &str, f: &mut String) -> Result<(), Invalid> {
    let hex: String = f.chars().filter(|c| !c.is_whitespace()).collect();
    if !matches!(hex.len(), 40 | 64) || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Invalid::new(
            path,
            "must be an OpenPGP fingerprint: 40 (v4) or 64 (v6) hexadecimal digits",
        ));
    }
    *f = hex.to_ascii_uppercase();
    Ok(())
}

/// `HH:MM`, 00:00 to 24:00, as minutes.
fn clock_time(path: &str, s: &str) -> Result<u16, Invalid> {
    let bad = || {
        Invalid::new(
            path,
            format!(
                "`{}` is not a time of day HH:MM (00:00 to 24:00)",
                excerpt(s)
            ),
        )
    };
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m > 59 || h > 24 || (h == 24 && m > 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

fn hours(v: &mut [BusinessHours]) -> Result<(), Invalid> {
    count("/contact/business_hours", v.len(), 21)?;
    for (i, h) in v.iter().enumerate() {
        let from = clock_time(&format!("/contact/business_hours/{i}/from"), &h.from)?;
        let to = clock_time(&format!("/contact/business_hours/{i}/to"), &h.to)?;
        if from >= to {
            return Err(Invalid::new(
                format!("/contact/business_hours/{i}/to"),
                "must be after `from` (a range ending past midnight is two entries)",
            ));
        }
        let overlaps = v[..i].iter().any(|o| {
            o.day == h.day
                && clock_time("", &o.from).is_ok_and(|f| f < to)
                && clock_time("", &o.to).is_ok_and(|t| t > from)
        });
        if overlaps {
            return Err(Invalid::new(
                format!("/contact/business_hours/{i}"),
                format!("overlaps another range on {}", h.day.name()),
            ));
        }
    }
    v.sort_by(|a, b| (a.day, &a.from).cmp(&(b.day, &b.from)));
    Ok(())
}

fn constituency(c: &mut Constituency) -> Result<(), Invalid> {
    let at = "/charter/constituency";
    count(&format!("{at}/countries"), c.countries.len(), 250)?;
    lines(&format!("{at}/sectors"), &mut c.sectors, LIST_MAX, LINE_MAX)?;
    count(
        &format!("{at}/networks"),
        c.networks.len(),
        CONSTITUENCY_MAX,
    )?;
    for (i, n) in c.networks.iter_mut().enumerate() {
        let cidr = Cidr::parse(n.trim())
            .map_err(|e| Invalid::new(format!("{at}/networks/{i}"), e.to_string()))?;
        *n = cidr.to_string();
    }
    count(&format!("{at}/asns"), c.asns.len(), CONSTITUENCY_MAX)?;
    for (i, a) in c.asns.iter().enumerate() {
        // 0 and 65535 / 4294967295 are reserved (RFC 7607, RFC 7300).
        if matches!(*a, 0 | 65535 | u32::MAX) {
            return Err(Invalid::new(
                format!("{at}/asns/{i}"),
                format!("AS{a} is reserved"),
            ));
        }
    }
    count(&format!("{at}/domains"), c.domains.len(), CONSTITUENCY_MAX)?;
    for (i, d) in c.domains.iter_mut().enumerate() {
        *d = normalise(ObservableType::Domain, d, &Context::new())
            .map(|c| c.key().to_owned())
            .map_err(|e| Invalid::new(format!("{at}/domains/{i}"), e.to_string()))?;
    }
    Ok(())
}

fn services(s: &mut Services) -> Result<(), Invalid> {
    count("/services/offered", s.offered.len(), 64)?;
    for (i, id) in s.offered.iter().enumerate() {
        if csirt_services::service(id).is_none() {
            return Err(Invalid::new(
                format!("/services/offered/{i}"),
                format!(
                    "`{}` is not a service of the FIRST CSIRT Services Framework 2.1 (for example incident-management/incident-coordination)",
                    excerpt(id)
                ),
            ));
        }
    }
    let order: Vec<&str> = csirt_services::AREAS
        .iter()
        .flat_map(|a| a.services)
        .map(|s| s.id)
        .collect();
    s.offered
        .sort_by_key(|id| order.iter().position(|o| o == id));
    s.offered.dedup();
    text("/services/notes", &mut s.notes, TEXT_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(json: serde_json::Value) -> Result<TeamProfile, Invalid> {
        TeamProfile::from_json(&json.to_string())?.validate()
    }

    fn path_of(json: serde_json::Value) -> String {
        doc(json).unwrap_err().path
    }

    #[test]
    fn a_full_document_is_normalised() {
        let p = doc(serde_json::json!({
            "contact": {
                "team_name": " SingCERT ", "time_zone": "Asia/Singapore", "languages": ["en", "zh-Hans"],
                "email": "cert@csa.gov.sg", "phone": "+65 6211 0000", "emergency_phone": "+65-6211-0000",
                "business_hours": [{"day": "tue", "from": "08:30", "to": "18:00"},
                                   {"day": "mon", "from": "08:30", "to": "18:00"}],
                "public_keys": [{"fingerprint": "0123 4567 89ab cdef 0123 4567 89AB CDEF 0123 4567", "url": "https://x.example/k.asc"}]
            },
            "charter": {"constituency": {"countries": ["sg"], "networks": ["192.0.2.7/24"], "asns": [64500], "domains": ["GOV.SG."]}},
            "services": {"offered": ["knowledge-transfer/exercises", "event-management/event-analysis", "knowledge-transfer/exercises"]}
        }))
        .unwrap();
        assert_eq!(p.contact.team_name, "SingCERT");
        assert_eq!(p.contact.phone.as_deref(), Some("+6562110000"));
        assert_eq!(p.contact.business_hours[0].day, Weekday::Mon);
        assert_eq!(
            p.contact.public_keys[0].fingerprint,
            "0123456789ABCDEF0123456789ABCDEF01234567"
        );
        assert_eq!(p.charter.constituency.networks, ["192.0.2.0/24"]);
        assert_eq!(p.charter.constituency.domains, ["gov.sg"]);
        assert_eq!(p.charter.constituency.countries[0].as_str(), "SG");
        assert_eq!(
            p.services.offered,
            [
                "event-management/event-analysis",
                "knowledge-transfer/exercises"
            ]
        );
        // Round trip: what is stored reads back the same.
        let again = TeamProfile::from_json(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(again.validate().unwrap(), p);
    }

    #[test]
    fn refusals_name_the_field() {
        use serde_json::json;
        let cases = [
            (
                json!({"contact": {"time_zone": "Mars/Olympus"}}),
                "/contact/time_zone",
            ),
            (
                json!({"contact": {"email": "not-an-address"}}),
                "/contact/email",
            ),
            (
                json!({"contact": {"emergency_phone": "call us"}}),
                "/contact/emergency_phone",
            ),
            (
                json!({"contact": {"languages": ["en", "english language"]}}),
                "/contact/languages/1",
            ),
            (
                json!({"contact": {"business_hours": [{"day": "mon", "from": "18:00", "to": "09:00"}]}}),
                "/contact/business_hours/0/to",
            ),
            (
                json!({"contact": {"business_hours": [{"day": "mon", "from": "9:00", "to": "17:00"}]}}),
                "/contact/business_hours/0/from",
            ),
            (
                json!({"contact": {"business_hours": [{"day": "mon", "from": "09:00", "to": "12:00"},
                                                   {"day": "mon", "from": "11:00", "to": "17:00"}]}}),
                "/contact/business_hours/1",
            ),
            (
                json!({"contact": {"business_hours": [{"day": "funday", "from": "09:00", "to": "12:00"}]}}),
                "/contact/business_hours/0/day",
            ),
            (
                json!({"contact": {"public_keys": [{"fingerprint": "abc"}]}}),
                "/contact/public_keys/0/fingerprint",
            ),
            (
                json!({"charter": {"constituency": {"countries": ["SG", "XX"]}}}),
                "/charter/constituency/countries/1",
            ),
            (
                json!({"charter": {"constituency": {"networks": ["300.1.1.0/24"]}}}),
                "/charter/constituency/networks/0",
            ),
            (
                json!({"charter": {"constituency": {"asns": [0]}}}),
                "/charter/constituency/asns/0",
            ),
            (
                json!({"charter": {"constituency": {"domains": ["not a domain"]}}}),
                "/charter/constituency/domains/0",
            ),
            (
                json!({"services": {"offered": ["incident-management/tea"]}}),
                "/services/offered/0",
            ),
            (
                json!({"charter": {"mission": "x".repeat(TEXT_MAX + 1)}}),
                "/charter/mission",
            ),
            (
                json!({"contact": {"team_name": "two\nlines"}}),
                "/contact/team_name",
            ),
            (
                json!({"document": {"locations": vec!["https://a.example"; LIST_MAX + 1]}}),
                "/document/locations",
            ),
            (json!({"contact": {"nickname": "x"}}), "/contact/nickname"),
        ];
        for (json, want) in cases {
            assert_eq!(path_of(json.clone()), want, "{json}");
        }
        let e = doc(json!({"contact": {"time_zone": "Mars/Olympus"}})).unwrap_err();
        assert!(e.message.contains("IANA time zone"), "{e}");
    }
}
