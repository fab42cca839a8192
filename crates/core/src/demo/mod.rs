//! The demo data set that `simpul serve --demo` seeds on first start.

use crate::access::{Action, Principal, authorize};
use crate::country::Country;
use crate::error::CoreError;
use crate::org::{NewOrganisation, OrgKind, ShortName};
use crate::service::{NewUser, Service};
use crate::user::{CommunityName, Email, Role};

pub mod contacts;
pub mod intel;
pub mod plan;
pub mod profiles;

/// The meta key recording that the demo seed ran, and which version of it.
pub const SEEDED_KEY: &str = "demo_seed_version";
/// Version 2 added the intelligence ([`intel`]), version 3 the team profiles ([`profiles`]), the
/// contacts ([`contacts`]) and the demo users who are contacts (SingCERT's analyst); a store seeded
/// at an earlier version gets what is new on the next start, the rest being kept as it is.
const SEED_VERSION: &str = "3";

/// One demo organisation: short name, full name, kind, country.
#[derive(Debug)]
pub struct DemoOrg {
    pub short_name: &'static str,
    pub name: &'static str,
    pub kind: OrgKind,
    pub country: Option<&'static str>,
}

/// The ASEAN Regional CERT and the national CERTs of the 11 Member States.
pub const ORGANISATIONS: &[DemoOrg] = &[
    DemoOrg {
        short_name: "ASEAN-CERT",
        name: "ASEAN Regional CERT",
        kind: OrgKind::RegionalCert,
        country: Some("SG"),
    },
    DemoOrg {
        short_name: "BruCERT",
        name: "Brunei Computer Emergency Response Team",
        kind: OrgKind::NationalCert,
        country: Some("BN"),
    },
    DemoOrg {
        short_name: "CamCERT",
        name: "Cambodia Computer Emergency Response Team",
        kind: OrgKind::NationalCert,
        country: Some("KH"),
    },
    DemoOrg {
        short_name: "Id-SIRTII/CC",
        name: "Indonesia Security Incident Response Team on Internet Infrastructure / Coordination Center (BSSN)",
        kind: OrgKind::NationalCert,
        country: Some("ID"),
    },
    DemoOrg {
        short_name: "LaoCERT",
        name: "Lao Computer Emergency Response Team",
        kind: OrgKind::NationalCert,
        country: Some("LA"),
    },
    DemoOrg {
        short_name: "MyCERT",
        name: "Malaysia Computer Emergency Response Team",
        kind: OrgKind::NationalCert,
        country: Some("MY"),
    },
    DemoOrg {
        short_name: "mmCERT",
        name: "Myanmar Computer Emergency Response Team",
        kind: OrgKind::NationalCert,
        country: Some("MM"),
    },
    DemoOrg {
        short_name: "CERT-PH",
        name: "Philippine National Computer Emergency Response Team",
        kind: OrgKind::NationalCert,
        country: Some("PH"),
    },
    DemoOrg {
        short_name: "SingCERT",
        name: "Singapore Computer Emergency Response Team",
        kind: OrgKind::NationalCert,
        country: Some("SG"),
    },
    DemoOrg {
        short_name: "ThaiCERT",
        name: "Thailand Computer Emergency Response Team",
        kind: OrgKind::NationalCert,
        country: Some("TH"),
    },
    DemoOrg {
        short_name: "VNCERT/CC",
        name: "Viet Nam Computer Emergency Response Team / Coordination Center",
        kind: OrgKind::NationalCert,
        country: Some("VN"),
    },
    DemoOrg {
        short_name: "TLCERT",
        name: "Timor-Leste national CERT",
        kind: OrgKind::NationalCert,
        country: Some("TL"),
    },
];

/// The partner organisations of the demo (fictional).
pub const PARTNERS: &[DemoOrg] = &[
    DemoOrg {
        short_name: "PCA",
        name: "Pacific Cyber Alliance (demo international partner)",
        kind: OrgKind::InternationalOrg,
        country: None,
    },
    DemoOrg {
        short_name: "ExampleTel",
        name: "Example Telecom Berhad (demo industry partner)",
        kind: OrgKind::Industry,
        country: Some("MY"),
    },
    DemoOrg {
        short_name: "NIT-Lab",
        name: "Nusantara Institute of Technology (demo academic partner)",
        kind: OrgKind::Academia,
        country: Some("ID"),
    },
];

/// The community of the regional CERT and the national CERTs.
pub const COMMUNITY: &str = "asean-cert";

/// A demo login, printed once and written to the credentials file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLogin {
    pub org: String,
    pub email: String,
    pub role: Role,
    pub password: String,
}

/// What seeding did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedReport {
    /// False when the data directory had been seeded before and nothing was touched.
    pub seeded: bool,
    pub organisations_created: usize,
    /// The generated logins (empty when nothing was seeded).
    pub logins: Vec<DemoLogin>,
    /// The collections and objects shared.
    pub intel: intel::IntelReport,
    /// The team profiles saved ([`profiles`]).
    pub profiles: usize,
    /// The contacts added ([`contacts`]).
    pub contacts: usize,
}

/// The demo email domain of an organisation: `Id-SIRTII/CC` → `id-sirtii-cc.example`.
pub fn email_domain(short_name: &str) -> String {
    let d: String = short_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("{}.example", d.trim_matches('-'))
}

/// Seeds the demo data once: the organisations, the `asean-cert` community, a site-admin and an
/// analyst for the regional CERT, an org-admin and an analyst for every other organisation, and the
/// demo intelligence ([`intel`]). A second call on the same store changes nothing.
pub async fn seed(service: &Service) -> Result<SeedReport, CoreError> {
    let operator = Principal::operator("demo-seed");
    let grant = authorize(&operator, Action::ManageOrgs)?;
    let store = service.store(&grant);
    if store.get_meta(SEEDED_KEY).await?.as_deref() == Some(SEED_VERSION) {
        return Ok(SeedReport::default());
    }
    let mut report = SeedReport {
        seeded: true,
        ..SeedReport::default()
    };
    let mut national = Vec::new();
    for demo in ORGANISATIONS.iter().chain(PARTNERS) {
        let short_name = ShortName::parse(demo.short_name)?;
        let org = match store.get_org_by_short_name(&short_name).await? {
            Some(org) => org,
            None => {
                let country = demo.country.map(Country::parse).transpose()?;
                report.organisations_created += 1;
                service
                    .create_org(
                        &operator,
                        NewOrganisation {
                            name: demo.name.to_owned(),
                            short_name,
                            kind: demo.kind,
                            country,
                        },
                    )
                    .await?
            }
        };
        if matches!(demo.kind, OrgKind::RegionalCert | OrgKind::NationalCert) {
            national.push(org.id);
        }
        let admin_role = if demo.kind == OrgKind::RegionalCert {
            Role::SiteAdmin
        } else {
            Role::OrgAdmin
        };
        let domain = email_domain(demo.short_name);
        for (local, role, display) in [
            ("admin", admin_role, "Administrator"),
            ("analyst", Role::Analyst, "Analyst"),
        ] {
            let email = Email::parse(&format!("{local}@{domain}"))?;
            if store.get_user_by_email(&email).await?.is_some() {
                continue;
            }
            let (user, password) = service
                .create_user(
                    &operator,
                    NewUser {
                        email,
                        display_name: format!("{} {display}", demo.short_name),
                        org_id: Some(org.id),
                        role,
                        password: None,
                    },
                )
                .await?;
            if let Some(password) = password {
                report.logins.push(DemoLogin {
                    org: demo.short_name.to_owned(),
                    email: user.email.to_string(),
                    role,
                    password,
                });
            }
        }
    }
    let name = CommunityName::parse(COMMUNITY)?;
    if store.get_community_by_name(&name).await?.is_none() {
        service
            .create_community(
                &operator,
                name,
                "The ASEAN Regional CERT and the national CERTs of the Member States",
            )
            .await?;
    }
    service
        .add_community_members(&operator, COMMUNITY, &national)
        .await?;
    report.profiles = profiles::seed(service, &operator).await?;
    report.contacts = contacts::seed(service, &operator).await?;
    report.intel = intel::seed(service, &operator).await?;
    store.set_meta(SEEDED_KEY, SEED_VERSION).await?;
    Ok(report)
}
