//! The demo's contacts (P2.1): for the regional CERT and every national CERT a 24x7-duty functional
//! mailbox, a technical POC and a head of team; for every partner a technical POC and an
//! escalation contact. Visibilities are mixed (`members`, `partners`, `public`), so every view of
//! the directory shows something different. No OpenPGP keys (none generated at start). An
//! organisation that has contacts keeps them.
//!
//! Some demo users are contacts too ([`USER_CONTACTS`]: SingCERT's analyst is also its team's
//! technical POC), so signing in as them shows the checks that ask them in the app; each is added
//! once, when no contact has that user's e-mail yet.

use crate::access::directory::Reader;
use crate::access::{Action, Principal, authorize};
use crate::contacts::store::ContactQuery;
use crate::contacts::{ContactKind as K, DirectoryVisibility as V, NewContact};
use crate::error::CoreError;
use crate::service::Service;
use crate::user::Email;

use super::{ORGANISATIONS, PARTNERS, email_domain, profiles::PLACES};

/// Fictional people, one per contact position.
const PEOPLE: &[&str] = &[
    "Ahmad Rahman",
    "Siti Nurhaliza Yusof",
    "Nguyen Thi Lan",
    "Somchai Wongsakul",
    "Maria Santos",
    "Tan Wei Ling",
    "Sokha Chan",
    "Aung Min Thu",
    "Dewi Lestari",
    "Khamla Phommachanh",
    "Joao Soares",
    "Ravi Kumar",
    "Lim Hui Min",
    "Pham Quoc Bao",
];

fn person(i: usize) -> &'static str {
    PEOPLE
        .get(i % PEOPLE.len())
        .copied()
        .unwrap_or("Demo Contact")
}

/// The contacts of one demo organisation (`i`: its position, to vary names and visibilities).
pub fn demo_contacts(
    short: &str,
    country: Option<&str>,
    partner: bool,
    i: usize,
) -> Vec<NewContact> {
    let domain = email_domain(short);
    let place = country.and_then(|c| PLACES.iter().find(|p| p.0 == c));
    let mut languages = vec!["en".to_owned()];
    languages.extend(
        place
            .map_or(&[][..], |p| p.2)
            .iter()
            .map(|l| (*l).to_owned()),
    );
    let phones: Vec<String> = place
        .and_then(|p| p.4)
        .map(str::to_owned)
        .into_iter()
        .collect();
    let contact = |name: String, local: &str, kinds: Vec<K>, visibility: V| NewContact {
        name,
        kinds,
        emails: vec![format!("{local}@{domain}")],
        languages: languages.clone(),
        visibility: Some(visibility),
        ..Default::default()
    };
    if partner {
        let mut poc = contact(
            person(2 * i + 1).into(),
            "security",
            vec![K::TechnicalPoc],
            V::Partners,
        );
        poc.availability = Some("Mon-Fri, office hours".into());
        let esc = contact(
            person(2 * i + 4).into(),
            "ciso",
            vec![K::Escalation],
            V::Members,
        );
        return vec![poc, esc];
    }
    let mut duty = contact(
        format!("{short} duty desk"),
        "duty",
        vec![K::Duty24x7],
        if i.is_multiple_of(2) {
            V::Public
        } else {
            V::Partners
        },
    );
    duty.mailbox = true;
    duty.phones = phones;
    duty.availability = Some("24x7, every day of the year".into());
    let poc = contact(
        person(i).into(),
        "soc",
        vec![K::TechnicalPoc, K::Escalation],
        V::Members,
    );
    let head = contact(
        person(i + 7).into(),
        "head",
        vec![K::HeadOfTeam, K::DiplomaticPoc],
        if i.is_multiple_of(3) {
            V::Partners
        } else {
            V::Members
        },
    );
    vec![duty, poc, head]
}

/// The demo users who are contacts of their own organisation: (organisation, the user's local
/// part, the contact's name).
pub const USER_CONTACTS: &[(&str, &str, &str)] = &[("SingCERT", "analyst", "SingCERT Analyst")];

/// The contact of a demo user (see [`USER_CONTACTS`]): a technical POC with the user's e-mail.
pub fn user_contact(short: &str, local: &str, name: &str) -> NewContact {
    NewContact {
        name: name.to_owned(),
        kinds: vec![K::TechnicalPoc],
        emails: vec![format!("{local}@{}", email_domain(short))],
        languages: vec!["en".to_owned()],
        availability: Some("Mon-Fri, office hours".into()),
        visibility: Some(V::Members),
        ..Default::default()
    }
}

/// Adds the demo contacts of every demo organisation that has none, and the demo users' own
/// contacts ([`USER_CONTACTS`]) that no contact has the e-mail of; returns how many were added.
pub async fn seed(service: &Service, operator: &Principal) -> Result<usize, CoreError> {
    let mut added = 0;
    let all = ORGANISATIONS
        .iter()
        .map(|o| (o, false))
        .chain(PARTNERS.iter().map(|o| (o, true)));
    for (i, (demo, partner)) in all.enumerate() {
        let org = service.org_by_short_name(operator, demo.short_name).await?;
        let query = ContactQuery {
            orgs: Some(vec![org.id]),
            limit: 1,
            ..Default::default()
        };
        if !service
            .list_contacts(Reader::Signed(operator), query)
            .await?
            .is_empty()
        {
            continue;
        }
        for c in demo_contacts(demo.short_name, demo.country, partner, i) {
            service.add_contact(operator, org.id, c).await?;
            added += 1;
        }
    }
    let grant = authorize(operator, Action::ReadDirectory)?;
    for (short, local, name) in USER_CONTACTS {
        let c = user_contact(short, local, name);
        let Some(email) = c.emails.first() else {
            continue;
        };
        let email = Email::parse(email)?;
        if !service
            .contact_ids_for_email(&grant, &email)
            .await?
            .is_empty()
        {
            continue;
        }
        let org = service.org_by_short_name(operator, short).await?;
        service.add_contact(operator, org.id, c).await?;
        added += 1;
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_national_cert_has_a_duty_mailbox_and_visibilities_are_mixed() {
        let mut seen = std::collections::HashSet::new();
        for (i, o) in ORGANISATIONS.iter().enumerate() {
            let cs = demo_contacts(o.short_name, o.country, false, i);
            assert!((2..=3).contains(&cs.len()));
            assert!(cs.iter().any(|c| c.mailbox && c.kinds == [K::Duty24x7]));
            seen.extend(cs.iter().filter_map(|c| c.visibility));
        }
        for (i, o) in PARTNERS.iter().enumerate() {
            let cs = demo_contacts(o.short_name, o.country, true, i);
            assert_eq!(cs.len(), 2);
            seen.extend(cs.iter().filter_map(|c| c.visibility));
        }
        assert_eq!(seen.len(), 3, "{seen:?}");
    }

    #[test]
    fn the_user_contacts_are_of_demo_users_of_their_own_organisation() {
        for (short, local, name) in USER_CONTACTS {
            assert!(ORGANISATIONS.iter().any(|o| o.short_name == *short));
            assert!(["admin", "analyst"].contains(local));
            let c = user_contact(short, local, name);
            assert_eq!(c.emails, [format!("{local}@{}", email_domain(short))]);
            assert_eq!(c.kinds, [K::TechnicalPoc]);
        }
    }
}
