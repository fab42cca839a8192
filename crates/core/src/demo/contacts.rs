//! The demo's contacts (P2.1): for the regional CERT and every national CERT a 24x7-duty functional
//! mailbox, a technical POC and a head of team; for every partner a technical POC and an
//! escalation contact. Visibilities are mixed (`members`, `partners`, `public`), so every view of
//! the directory shows something different. No OpenPGP keys (none generated at start). An
//! organisation that has contacts keeps them.

use crate::access::Principal;
use crate::access::directory::Reader;
use crate::contacts::store::ContactQuery;
use crate::contacts::{ContactKind as K, DirectoryVisibility as V, NewContact};
use crate::error::CoreError;
use crate::service::Service;

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

/// Adds the demo contacts of every demo organisation that has none; returns how many were added.
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
}
