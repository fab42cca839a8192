//! A team profile as the plain text RFC 2350 describes: its numbered sections (1 Document
//! Information … 7 Disclaimers), every line at most [`WIDTH`] columns. Pure and stable: the same
//! profile renders the same text (no "now" in it), so the text can be signed and compared.

use out::Out;
use simpul_vocab::csirt_services;

use super::profile::TeamProfile;
use crate::org::Organisation;

/// The widest line.
pub const WIDTH: usize = 72;
/// Body text is indented by this much under its heading.
const INDENT: &str = "   ";
const NONE: &str = "Not specified.";

/// The RFC 2350 text of `org`'s profile.
pub fn render(org: &Organisation, p: &TeamProfile) -> String {
    let mut o = Out::default();
    let team = if p.contact.team_name.is_empty() {
        org.name.as_str()
    } else {
        p.contact.team_name.as_str()
    };
    o.para(
        "",
        &format!("RFC 2350 description of {team} ({})", org.short_name),
    );
    document(&mut o, p);
    contact(&mut o, p);
    charter(&mut o, p);
    policies(&mut o, p);
    services(&mut o, p);
    o.heading("6. Incident Reporting Forms");
    o.list(&p.reporting_forms);
    o.heading("7. Disclaimers");
    o.text(&p.disclaimers);
    o.finish()
}

fn document(o: &mut Out, p: &TeamProfile) {
    let d = &p.document;
    o.heading("1. Document Information");
    o.sub("1.1. Date of Last Update");
    match d.last_updated {
        Some(t) => o.text(&format!(
            "{:04}-{:02}-{:02} (UTC).",
            t.year(),
            u8::from(t.month()),
            t.day()
        )),
        None => o.text("This document has not been saved yet."),
    }
    o.sub("1.2. Distribution List for Notifications");
    o.text(&d.distribution);
    o.sub("1.3. Locations where this Document May Be Found");
    o.list(&d.locations);
}

fn contact(o: &mut Out, p: &TeamProfile) {
    let c = &p.contact;
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    o.heading("2. Contact Information");
    o.sub("2.1. Name of the Team");
    o.text(&c.team_name);
    o.sub("2.2. Address");
    o.text(&c.postal_address);
    o.sub("2.3. Time Zone");
    o.text(c.time_zone.as_ref().map_or("", |z| z.as_str()));
    o.sub("2.4. Telephone Number");
    o.text(&opt(&c.phone));
    o.sub("2.5. Facsimile Number");
    o.text(&opt(&c.fax));
    o.sub("2.6. Other Telecommunication");
    o.list(&c.other_channels);
    o.sub("2.7. Electronic Mail Address");
    o.text(&opt(&c.email));
    o.sub("2.8. Public Keys and Encryption Information");
    let keys: Vec<String> = c
        .public_keys
        .iter()
        .map(|k| {
            let mut s = format!("Fingerprint {}", spaced(&k.fingerprint));
            if !k.url.is_empty() {
                s.push_str(&format!(", at {}", k.url));
            }
            if !k.description.is_empty() {
                s.push_str(&format!(" ({})", k.description));
            }
            s
        })
        .collect();
    o.list(&keys);
    o.sub("2.9. Team Members");
    let members: Vec<String> = c
        .members
        .iter()
        .map(|m| match m.role.as_str() {
            "" => m.name.clone(),
            role => format!("{}, {role}", m.name),
        })
        .collect();
    o.list(&members);
    o.sub("2.10. Other Information");
    o.text(&c.other);
    o.sub("2.11. Points of Customer Contact");
    let mut poc = Vec::new();
    if !c.business_hours.is_empty() {
        let zone = c.time_zone.as_ref().map_or("local time", |z| z.as_str());
        let hours: Vec<String> = c
            .business_hours
            .iter()
            .map(|h| format!("{} {}-{}", h.day.name(), h.from, h.to))
            .collect();
        poc.push(format!("Business hours ({zone}): {}.", hours.join(", ")));
    }
    if let Some(e) = &c.emergency_phone {
        poc.push(format!("24/7 emergency telephone: {e}."));
    }
    if !c.languages.is_empty() {
        poc.push(format!("Languages: {}.", c.languages.join(", ")));
    }
    o.list(&poc);
}

fn charter(o: &mut Out, p: &TeamProfile) {
    let ch = &p.charter;
    let k = &ch.constituency;
    o.heading("3. Charter");
    o.sub("3.1. Mission Statement");
    o.text(&ch.mission);
    o.sub("3.2. Constituency");
    let mut items = Vec::new();
    if !k.description.is_empty() {
        items.push(k.description.clone());
    }
    let join = |v: &[String]| v.join(", ");
    for (what, v) in [
        (
            "Countries",
            k.countries.iter().map(|c| c.as_str().to_owned()).collect(),
        ),
        ("Sectors", k.sectors.clone()),
        ("Networks", k.networks.clone()),
        (
            "Autonomous systems",
            k.asns.iter().map(|a| format!("AS{a}")).collect(),
        ),
        ("Domains", k.domains.clone()),
    ] {
        let v: Vec<String> = v;
        if !v.is_empty() {
            items.push(format!("{what}: {}.", join(&v)));
        }
    }
    o.list(&items);
    o.sub("3.3. Sponsorship and/or Affiliation");
    o.text(&ch.sponsorship);
    o.sub("3.4. Authority");
    o.text(&ch.authority);
}

fn policies(o: &mut Out, p: &TeamProfile) {
    let pol = &p.policies;
    o.heading("4. Policies");
    o.sub("4.1. Types of Incidents and Level of Support");
    o.text(&pol.incidents);
    o.sub("4.2. Co-operation, Interaction and Disclosure of Information");
    let parts: Vec<String> = [
        ("", &pol.cooperation),
        ("Disclosure: ", &pol.disclosure),
        ("Traffic Light Protocol: ", &pol.tlp),
    ]
    .into_iter()
    .filter(|(_, t)| !t.is_empty())
    .map(|(label, t)| format!("{label}{t}"))
    .collect();
    o.text(&parts.join("\n\n"));
    o.sub("4.3. Communication and Authentication");
    o.text(&pol.communication);
}

fn services(o: &mut Out, p: &TeamProfile) {
    o.heading("5. Services");
    o.text("Services of the FIRST CSIRT Services Framework 2.1 that the team offers.");
    let offered = &p.services.offered;
    let mut n = 0;
    for area in csirt_services::AREAS {
        let names: Vec<String> = area
            .services
            .iter()
            .filter(|s| offered.iter().any(|o| o == s.id))
            .map(|s| s.name.to_owned())
            .collect();
        if names.is_empty() {
            continue;
        }
        n += 1;
        o.sub(&format!("5.{n}. {}", area.name));
        o.list(&names);
    }
    if !p.services.notes.is_empty() {
        n += 1;
        o.sub(&format!("5.{n}. Other Notes"));
        o.text(&p.services.notes);
    }
    if n == 0 {
        o.blank();
        o.para(INDENT, "No services listed.");
    }
}

/// A fingerprint in groups of four.
fn spaced(f: &str) -> String {
    let chars: Vec<char> = f.chars().collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

mod out {
    use super::{INDENT, NONE, WIDTH};

    /// The text being written.
    #[derive(Default)]
    pub(super) struct Out(String);

    impl Out {
        pub(super) fn blank(&mut self) {
            self.0.push('\n');
        }

        pub(super) fn heading(&mut self, h: &str) {
            self.blank();
            self.para("", h);
        }

        pub(super) fn sub(&mut self, h: &str) {
            self.blank();
            self.para("", h);
        }

        /// Free text under a heading: its paragraphs and lines kept, each wrapped.
        pub(super) fn text(&mut self, t: &str) {
            self.blank();
            if t.trim().is_empty() {
                self.para(INDENT, NONE);
                return;
            }
            for line in t.lines() {
                if line.trim().is_empty() {
                    self.blank();
                } else {
                    self.para(INDENT, line.trim_end());
                }
            }
        }

        /// A list, one `-` item each.
        pub(super) fn list(&mut self, items: &[String]) {
            self.blank();
            if items.is_empty() {
                self.para(INDENT, NONE);
            }
            for item in items {
                let first = format!("{INDENT}- ");
                let rest = format!("{INDENT}  ");
                self.wrap(&first, &rest, &item.replace('\n', " "));
            }
        }

        /// One paragraph, every line indented by `indent`.
        pub(super) fn para(&mut self, indent: &str, t: &str) {
            self.wrap(indent, indent, t);
        }

        /// Greedy word wrap at [`WIDTH`]; a word longer than a line (a URL) is cut.
        fn wrap(&mut self, first: &str, rest: &str, t: &str) {
            let mut line = first.to_owned();
            let mut len = first.chars().count();
            let mut has_word = false;
            let room = WIDTH.saturating_sub(rest.chars().count()).max(1);
            for word in t.split_whitespace() {
                let chars: Vec<char> = word.chars().collect();
                for piece in chars.chunks(room) {
                    if has_word && len + 1 + piece.len() > WIDTH {
                        self.0.push_str(&line);
                        self.0.push('\n');
                        line = rest.to_owned();
                        len = rest.chars().count();
                        has_word = false;
                    }
                    if has_word {
                        line.push(' ');
                        len += 1;
                    }
                    line.extend(piece);
                    len += piece.len();
                    has_word = true;
                }
            }
            if has_word {
                self.0.push_str(&line);
                self.0.push('\n');
            }
        }

        pub(super) fn finish(self) -> String {
            self.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::{OrgId, OrgKind, OrgStatus, ShortName};

    fn org() -> Organisation {
        Organisation {
            id: OrgId::new_random(),
            name: "Singapore Computer Emergency Response Team".into(),
            short_name: ShortName::parse("SingCERT").unwrap(),
            kind: OrgKind::NationalCert,
            country: None,
            status: OrgStatus::Active,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn every_line_fits_and_sections_are_numbered() {
        let mut p = TeamProfile::skeleton("SingCERT", None);
        p.charter.mission = "word ".repeat(100);
        p.document.locations = vec![format!("https://example.org/{}", "x".repeat(120))];
        p.services.offered = vec!["incident-management/incident-coordination".into()];
        let text = render(&org(), &p);
        for line in text.lines() {
            assert!(line.chars().count() <= WIDTH, "{line:?}");
        }
        for h in [
            "1. Document Information",
            "2. Contact Information",
            "3. Charter",
            "4. Policies",
            "5. Services",
            "6. Incident Reporting Forms",
            "7. Disclaimers",
            "5.1. Information Security Incident Management",
        ] {
            assert!(text.lines().any(|l| l == h), "{h} missing:\n{text}");
        }
        // The long URL is kept whole across its lines.
        let joined: String = text.lines().map(str::trim).collect();
        assert!(joined.contains(&"x".repeat(120)));
        assert_eq!(render(&org(), &p), text, "stable");
    }
}
