//! vCard 4.0 (RFC 6350) for contacts: one `BEGIN:VCARD … END:VCARD` per contact.
//!
//! Text values are escaped (RFC 6350 §3.4: `\\`, `\,`, `\;`, `\n`), and content lines are folded
//! at 75 octets (§3.2) with CRLF and a space, never inside a UTF-8 character.

use base64::Engine;

use super::Contact;

/// Escapes a text value (§3.4); `;` is escaped too since N and ORG use it as a separator.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds one content line at 75 octets, ending with CRLF.
pub fn fold(line: &str, out: &mut String) {
    let mut width = 0usize;
    for c in line.chars() {
        let n = c.len_utf8();
        // Continuation lines start with a space, which counts towards their 75 octets.
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

/// The vCard of one contact; `org_name` is the organisation's name.
pub fn write(c: &Contact, org_name: &str, out: &mut String) {
    let mut line = |s: String| fold(&s, out);
    line("BEGIN:VCARD".into());
    line("VERSION:4.0".into());
    line(format!("UID:urn:uuid:{}", c.id));
    line(format!("FN:{}", escape(&c.name)));
    if c.mailbox {
        line("KIND:org".into());
        line("N:;;;;".into());
    } else {
        line("KIND:individual".into());
        // simpul keeps one name; it is the family-name component, so readers show it whole.
        line(format!("N:{};;;;", escape(&c.name)));
    }
    line(format!("ORG:{}", escape(org_name)));
    for (i, e) in c.emails.iter().enumerate() {
        let pref = if i == 0 { ";PREF=1" } else { "" };
        line(format!("EMAIL;TYPE=work{pref}:{}", escape(e.as_str())));
    }
    for p in &c.phones {
        line(format!("TEL;VALUE=uri;TYPE=work:tel:{p}"));
    }
    for h in &c.handles {
        line(format!("IMPP:{}:{}", escape(&h.network), escape(&h.handle)));
    }
    for l in &c.languages {
        line(format!("LANG:{l}"));
    }
    if let Some(k) = &c.pgp_key {
        let b64 = base64::engine::general_purpose::STANDARD.encode(k.as_bytes());
        line(format!("KEY:data:application/pgp-keys;base64,{b64}"));
    }
    let kinds: Vec<&str> = c.kinds.iter().map(|k| k.as_str()).collect();
    let mut note = format!("kinds: {}", kinds.join(", "));
    if let Some(a) = &c.availability {
        note.push_str("\navailability: ");
        note.push_str(a);
    }
    line(format!("NOTE:{}", escape(&note)));
    let rev = c
        .updated_at
        .to_offset(time::UtcOffset::UTC)
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap_or_default();
    line(format!("REV:{rev}"));
    line("END:VCARD".into());
}

/// The vCards of several contacts of one organisation, one after another.
pub fn write_all<'a>(contacts: impl IntoIterator<Item = &'a Contact>, org_name: &str) -> String {
    let mut out = String::new();
    for c in contacts {
        write(c, org_name, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contacts::{ContactId, ContactKind, DirectoryVisibility, Handle};
    use crate::org::OrgId;
    use crate::user::Email;
    use time::macros::datetime;

    fn contact() -> Contact {
        Contact {
            id: ContactId(uuid::Uuid::nil()),
            org_id: OrgId::new_random(),
            name: "Siti, Nur; \\ Head".into(),
            mailbox: false,
            kinds: vec![ContactKind::HeadOfTeam, ContactKind::Escalation],
            emails: vec![Email::parse("siti@cert.example").unwrap()],
            phones: vec!["+6562110000".into()],
            handles: vec![Handle {
                network: "signal".into(),
                handle: "+6591234567".into(),
            }],
            pgp_key: None,
            languages: vec!["ms".into(), "en".into()],
            availability: Some("office hours\nSGT".into()),
            last_verified: None,
            visibility: DirectoryVisibility::Public,
            created_at: datetime!(2026-01-02 03:04:05 UTC),
            updated_at: datetime!(2026-01-02 03:04:05 UTC),
        }
    }

    #[test]
    fn escapes_text_values() {
        assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }

    #[test]
    fn writes_the_fields() {
        let mut out = String::new();
        write(&contact(), "SingCERT", &mut out);
        let lines: Vec<&str> = out.split("\r\n").collect();
        assert_eq!(lines[0], "BEGIN:VCARD");
        assert_eq!(lines[1], "VERSION:4.0");
        for want in [
            "UID:urn:uuid:00000000-0000-0000-0000-000000000000",
            "FN:Siti\\, Nur\\; \\\\ Head",
            "KIND:individual",
            "ORG:SingCERT",
            "EMAIL;TYPE=work;PREF=1:siti@cert.example",
            "TEL;VALUE=uri;TYPE=work:tel:+6562110000",
            "IMPP:signal:+6591234567",
            "LANG:ms",
            "NOTE:kinds: head-of-team\\, escalation\\navailability: office hours\\nSGT",
            "REV:20260102T030405Z",
        ] {
            assert!(lines.contains(&want), "{want} in {out}");
        }
        assert!(out.ends_with("END:VCARD\r\n"));
    }

    #[test]
    fn folds_at_75_octets_without_splitting_characters() {
        let mut c = contact();
        c.name = "ร".repeat(60); // 3 octets each
        let mut out = String::new();
        write(&c, "ThaiCERT", &mut out);
        for l in out.split("\r\n") {
            assert!(l.len() <= 75, "{} octets: {l}", l.len());
        }
        // Unfolding gives the line back.
        let unfolded = out.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("FN:{}\r\n", "ร".repeat(60))));
    }

    #[test]
    fn a_key_is_a_data_uri_and_a_mailbox_is_an_org() {
        let mut c = contact();
        c.mailbox = true;
        c.pgp_key = Some(include_str!("testdata/no-expiry.asc").into());
        let out = write_all([&c, &c], "X");
        assert_eq!(out.matches("BEGIN:VCARD").count(), 2);
        let unfolded = out.replace("\r\n ", "");
        assert!(unfolded.contains("KIND:org"));
        assert!(unfolded.contains("KEY:data:application/pgp-keys;base64,LS0tLS1CRUdJTi"));
    }
}
