//! The demo's intelligence: collections for the `asean-cert` community, two bilateral ones and a
//! user-list one for TLP:RED, and a few thousand indicators of phishing and online scams shared by
//! the regional CERT and the national CERTs, with sightings from other countries and values that
//! several countries report (so correlation has something to show).
//!
//! Everything is generated from a fixed seed: the same ids, values and times on every machine. The
//! values are made up — domains under `.example`, addresses from the documentation ranges, phone
//! numbers and accounts drawn at random in the national formats — and belong to no real person.
//! Seeding is idempotent: collections are created once by their fixed ids, and objects already
//! stored are skipped by the store.

use serde_json::json;
use uuid::Uuid;

use crate::Service;
use crate::access::Principal;
use crate::error::{CoreError, Invalid};
use crate::intel::service::{AudienceNames, NewCollection};
use crate::intel::{CollectionId, Tlp};

use super::plan::Plan;
use super::{COMMUNITY, email_domain};

/// One demo collection: its fixed id, alias, title, description, audience and default TLP.
struct DemoCollection {
    id: u128,
    alias: &'static str,
    title: &'static str,
    description: &'static str,
    audience: fn() -> AudienceNames,
    default_tlp: Tlp,
}

/// The fixed ids of the demo collections.
pub const INTEL: u128 = 0x5e1e_c7ed_de30_4000_8000_0000_0000_0001;
pub const SCAMS: u128 = 0x5e1e_c7ed_de30_4000_8000_0000_0000_0002;
pub const PUBLIC: u128 = 0x5e1e_c7ed_de30_4000_8000_0000_0000_0003;
pub const MY_SG: u128 = 0x5e1e_c7ed_de30_4000_8000_0000_0000_0004;
pub const MEKONG: u128 = 0x5e1e_c7ed_de30_4000_8000_0000_0000_0005;
pub const DUTY: u128 = 0x5e1e_c7ed_de30_4000_8000_0000_0000_0006;

fn community() -> AudienceNames {
    AudienceNames::Community(COMMUNITY.to_owned())
}

fn orgs(shorts: &[&str]) -> AudienceNames {
    AudienceNames::Orgs(shorts.iter().map(|s| (*s).to_owned()).collect())
}

/// The organisations of the bilateral and Mekong collections, and the duty officers of the
/// user-list one.
pub(super) const MY_SG_ORGS: &[&str] = &["MyCERT", "SingCERT"];
pub(super) const MEKONG_ORGS: &[&str] = &["ThaiCERT", "CamCERT", "LaoCERT", "VNCERT/CC"];
pub(super) const DUTY_ORGS: &[&str] = &["ASEAN-CERT", "MyCERT", "SingCERT", "ThaiCERT"];

fn duty_officers() -> AudienceNames {
    AudienceNames::Users(
        DUTY_ORGS
            .iter()
            .map(|o| format!("analyst@{}", email_domain(o)))
            .collect(),
    )
}

const COLLECTIONS: &[DemoCollection] = &[
    DemoCollection {
        id: INTEL,
        alias: "asean-intel",
        title: "ASEAN CERT threat intelligence",
        description: "Indicators of phishing and intrusion campaigns shared between the regional CERT and the national CERTs.",
        audience: community,
        default_tlp: Tlp::Amber,
    },
    DemoCollection {
        id: SCAMS,
        alias: "asean-scams",
        title: "Online scams in the region",
        description: "Scam phone numbers, mule accounts, wallets and fake apps reported by the national CERTs.",
        audience: community,
        default_tlp: Tlp::Green,
    },
    DemoCollection {
        id: PUBLIC,
        alias: "asean-public",
        title: "Public advisories",
        description: "Indicators cleared for publication.",
        audience: community,
        default_tlp: Tlp::Clear,
    },
    DemoCollection {
        id: MY_SG,
        alias: "my-sg-bilateral",
        title: "MyCERT and SingCERT bilateral",
        description: "Cross-causeway scam and fraud exchange.",
        audience: || orgs(MY_SG_ORGS),
        default_tlp: Tlp::Amber,
    },
    DemoCollection {
        id: MEKONG,
        alias: "mekong",
        title: "Mekong exchange",
        description: "ThaiCERT, CamCERT, LaoCERT and VNCERT/CC on scam compounds along the Mekong.",
        audience: || orgs(MEKONG_ORGS),
        default_tlp: Tlp::Amber,
    },
    DemoCollection {
        id: DUTY,
        alias: "duty-officers-red",
        title: "Regional duty officers (TLP:RED)",
        description: "Named duty officers only: live investigations.",
        audience: duty_officers,
        default_tlp: Tlp::Red,
    },
];

/// What seeding the intelligence did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct IntelReport {
    pub collections_created: usize,
    pub objects_stored: usize,
    pub objects_skipped: usize,
}

/// Creates the demo collections and shares the demo objects (skipping what is stored).
pub async fn seed(service: &Service, operator: &Principal) -> Result<IntelReport, CoreError> {
    let mut report = IntelReport::default();
    for c in COLLECTIONS {
        let id = CollectionId(Uuid::from_u128(c.id));
        if service.get_collection(operator, id).await.is_ok() {
            continue;
        }
        let audience = service.resolve_audience(operator, &(c.audience)()).await?;
        service
            .create_collection(
                operator,
                NewCollection {
                    id: Some(id),
                    title: c.title.to_owned(),
                    alias: Some(c.alias.to_owned()),
                    description: c.description.to_owned(),
                    audience,
                    default_tlp: Some(c.default_tlp),
                },
            )
            .await?;
        report.collections_created += 1;
    }
    let plan = Plan::generate();
    for batch in &plan.batches {
        let analyst = service
            .act_as(
                operator,
                &format!("analyst@{}", email_domain(batch.producer)),
            )
            .await?;
        let body = json!({
            "type": "bundle",
            "id": format!("bundle--{}", Uuid::new_v4()),
            "objects": batch.objects,
        });
        let r = service
            .share(
                &analyst,
                CollectionId(Uuid::from_u128(batch.collection)),
                body.to_string().as_bytes(),
                &[],
            )
            .await?;
        if let Some(f) = r.failed.first() {
            // A bug in the generator: say which object.
            return Err(Invalid::new(
                format!("demo/{}{}", batch.producer, f.path),
                f.message.clone(),
            )
            .into());
        }
        report.objects_stored += r.stored.len();
        report.objects_skipped += r.skipped.len();
    }
    Ok(report)
}
