//! The demo's team profiles: an RFC 2350 profile for the regional CERT and every national CERT,
//! with its time zone, languages, business hours, FIRST services and constituency; about half of
//! them published (readable without signing in). Organisations that have a profile keep it.

use crate::access::Principal;
use crate::access::directory::Reader;
use crate::directory::profile::{BusinessHours, TeamMember, TeamProfile, Weekday};
use crate::error::CoreError;
use crate::service::Service;
use crate::tz::TimeZoneName;

use super::{ORGANISATIONS, email_domain};

/// Per country: IANA time zone, local languages (BCP 47), government domain, a phone number.
pub(super) type Place = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
    Option<&'static str>,
);
pub(super) const PLACES: &[Place] = &[
    ("BN", "Asia/Brunei", &["ms-BN"], "gov.bn", None),
    ("KH", "Asia/Phnom_Penh", &["km"], "gov.kh", None),
    (
        "ID",
        "Asia/Jakarta",
        &["id"],
        "go.id",
        Some("+62 21 7800 0000"),
    ),
    ("LA", "Asia/Vientiane", &["lo"], "gov.la", None),
    (
        "MY",
        "Asia/Kuala_Lumpur",
        &["ms"],
        "gov.my",
        Some("+60 3 8800 7999"),
    ),
    ("MM", "Asia/Yangon", &["my"], "gov.mm", None),
    (
        "PH",
        "Asia/Manila",
        &["fil"],
        "gov.ph",
        Some("+63 2 8920 0101"),
    ),
    (
        "SG",
        "Asia/Singapore",
        &["ms", "zh-Hans", "ta"],
        "gov.sg",
        Some("+65 6323 5052"),
    ),
    (
        "TH",
        "Asia/Bangkok",
        &["th"],
        "go.th",
        Some("+66 2 123 1212"),
    ),
    ("VN", "Asia/Ho_Chi_Minh", &["vi"], "gov.vn", None),
    ("TL", "Asia/Dili", &["tet", "pt"], "gov.tl", None),
];

/// Teams whose profile is published.
const PUBLISHED: &[&str] = &[
    "ASEAN-CERT",
    "SingCERT",
    "MyCERT",
    "ThaiCERT",
    "CERT-PH",
    "Id-SIRTII/CC",
];

const NATIONAL_SERVICES: &[&str] = &[
    "event-management/monitoring-and-detection",
    "incident-management/incident-report-acceptance",
    "incident-management/incident-analysis",
    "incident-management/mitigation-and-recovery",
    "incident-management/incident-coordination",
    "vulnerability-management/vulnerability-report-intake",
    "vulnerability-management/vulnerability-coordination",
    "situational-awareness/communication",
    "knowledge-transfer/awareness-building",
];

const REGIONAL_SERVICES: &[&str] = &[
    "incident-management/incident-coordination",
    "incident-management/crisis-management-support",
    "vulnerability-management/vulnerability-coordination",
    "situational-awareness/data-acquisition",
    "situational-awareness/analysis-and-synthesis",
    "situational-awareness/communication",
    "knowledge-transfer/training-and-education",
    "knowledge-transfer/exercises",
    "knowledge-transfer/technical-and-policy-advisory",
];

/// The demo profile of one demo organisation.
pub fn demo_profile(short: &str, name: &str, country: &str) -> Result<TeamProfile, CoreError> {
    let regional = short == "ASEAN-CERT";
    let place = PLACES.iter().find(|p| p.0 == country);
    let (zone, local, gov, phone) = place
        .map_or(("Asia/Singapore", &[][..], "gov.sg", None), |p| {
            (p.1, p.2, p.3, p.4)
        });
    let domain = email_domain(short);
    let mut p = TeamProfile::skeleton(name, None);
    p.document.distribution = format!(
        "Changes are announced to the ASEAN CERT community in simpul and by e-mail to the \
         {short} mailing list."
    );
    p.document.locations = vec![format!("https://www.{domain}/rfc2350.txt")];
    p.document.publish = PUBLISHED.contains(&short);
    let c = &mut p.contact;
    c.postal_address = format!(
        "{name}\n{short} operations centre\n{}",
        country_name(country)
    );
    c.time_zone = Some(TimeZoneName::parse(zone)?);
    c.business_hours = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ]
    .into_iter()
    .map(|day| BusinessHours {
        day,
        from: "08:30".into(),
        to: "17:30".into(),
    })
    .collect();
    c.languages = std::iter::once("en")
        .chain(local.iter().copied())
        .map(String::from)
        .collect();
    c.email = Some(format!("cert@{domain}"));
    c.phone = phone.map(String::from);
    c.emergency_phone = phone.map(String::from);
    c.other_channels = vec!["simpul in-app messages (ASEAN CERT community)".into()];
    c.members = vec![
        TeamMember {
            name: format!("Head of {short}"),
            role: "Head of team".into(),
        },
        TeamMember {
            name: format!("{short} duty officer"),
            role: "24/7 duty".into(),
        },
    ];
    let ch = &mut p.charter;
    if regional {
        ch.mission = "To coordinate incident response among the ASEAN Member States' national \
                      CERTs, to develop and maintain the ASEAN Point of Contact network, and to \
                      build regional cybersecurity capacity."
            .into();
        ch.constituency.description =
            "The national CERTs of the ASEAN Member States and their constituencies.".into();
        ch.constituency.countries = [
            "BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN", "TL",
        ]
        .into_iter()
        .map(crate::country::Country::parse)
        .collect::<Result<_, _>>()?;
        ch.sponsorship = "The ASEAN Member States.".into();
        ch.authority = "Established under the ASEAN Cybersecurity Cooperation Strategy.".into();
        p.services.offered = REGIONAL_SERVICES.iter().map(|s| (*s).to_owned()).collect();
    } else {
        ch.mission = format!(
            "To be the national point of contact for cybersecurity incidents in {}, to help \
             its constituents prevent, detect and recover from them, and to cooperate with the \
             ASEAN Regional CERT and peer teams.",
            country_name(country)
        );
        ch.constituency.description = format!(
            "Government agencies, critical information infrastructure owners and the public of {}.",
            country_name(country)
        );
        ch.constituency.countries = vec![crate::country::Country::parse(country)?];
        ch.constituency.sectors = vec![
            "Government".into(),
            "Critical information infrastructure".into(),
        ];
        ch.constituency.domains = vec![gov.into()];
        ch.sponsorship = format!(
            "The national cybersecurity agency of {}.",
            country_name(country)
        );
        ch.authority = "Mandated by national cybersecurity legislation.".into();
        p.services.offered = NATIONAL_SERVICES.iter().map(|s| (*s).to_owned()).collect();
    }
    let pol = &mut p.policies;
    pol.incidents = "All types of computer security incidents affecting the constituency; \
                     priority by impact on critical information infrastructure."
        .into();
    pol.tlp =
        "Information is shared under TLP 2.0; TLP:RED and TLP:AMBER+STRICT are honoured.".into();
    pol.disclosure = "Information about incidents is disclosed only with the reporter's consent, \
                      or as the law requires."
        .into();
    pol.cooperation = "The team cooperates with the ASEAN CERT community, FIRST and APCERT \
                       members, and law enforcement where appropriate."
        .into();
    pol.communication = "Sensitive information is sent encrypted with the team's OpenPGP key; \
                         telephone for urgent matters."
        .into();
    p.reporting_forms = vec![format!("https://www.{domain}/report")];
    p.disclaimers = "While every precaution is taken in the preparation of information, \
                     notifications and alerts, the team assumes no responsibility for errors or \
                     omissions, or for damages resulting from the use of the information."
        .into();
    Ok(p)
}

fn country_name(code: &str) -> &'static str {
    match code {
        "BN" => "Brunei Darussalam",
        "KH" => "Cambodia",
        "ID" => "Indonesia",
        "LA" => "the Lao PDR",
        "MY" => "Malaysia",
        "MM" => "Myanmar",
        "PH" => "the Philippines",
        "SG" => "Singapore",
        "TH" => "Thailand",
        "VN" => "Viet Nam",
        "TL" => "Timor-Leste",
        _ => "the region",
    }
}

/// Saves the demo profile of every demo CERT that has none yet; how many were saved.
pub async fn seed(service: &Service, operator: &Principal) -> Result<usize, CoreError> {
    let mut n = 0;
    for demo in ORGANISATIONS {
        let org = service.org_by_short_name(operator, demo.short_name).await?;
        if service
            .profile(Reader::Signed(operator), org.id)
            .await?
            .saved
        {
            continue;
        }
        let doc = demo_profile(demo.short_name, demo.name, demo.country.unwrap_or("SG"))?;
        service.put_profile(operator, org.id, doc).await?;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every demo profile validates (phones are real E.164 numbers, zones known).
    #[test]
    fn demo_profiles_validate() {
        for demo in ORGANISATIONS {
            let p = demo_profile(demo.short_name, demo.name, demo.country.unwrap_or("SG")).unwrap();
            let v = p
                .validate()
                .unwrap_or_else(|e| panic!("{}: {e}", demo.short_name));
            assert!(v.contact.time_zone.is_some());
        }
    }
}
