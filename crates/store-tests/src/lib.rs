//! The store conformance stories: what the rest of simpul relies on a store for, told once and run by
//! every backend's own tests, so the backends cannot drift apart.
//!
//! One story per domain, each over `&dyn Store` and exercising every method of that domain's trait
//! with real values: [`directory`], [`identity`], [`auth`], [`audit`], [`meta`], [`intel`], [`references`]; [`all`]
//! tells them in turn on one store, with one world of [`sharing_matches_policy`], the property test
//! with real values: [`directory`], [`identity`], [`auth`], [`audit`], [`meta`], [`intel`] with
//! [`object_versions`]; [`all`] tells them in turn on one store, with one world of [`sharing_matches_policy`], the property test
//! holding the backend's SQL sharing filter to the in-memory policy (each backend's binary also runs
//! it for many seeds, each on a fresh store). A domain story leaves its data behind and does not mind what it finds (it
//! makes its own uniquely named organisations, users and keys), so the stories can share a store; a
//! backend's test gives each a fresh one anyway. Two stories need more than a `&dyn Store`:
//! [`service`] drives the service layer over a shared store (it wants an empty one: it runs the demo
//! seed), and [`concurrent_appends`] several stores over one database. Two checks need the backend's
//! help: [`login_failures_saturate`] starts from a counter the backend stored by hand, and
//! [`failed_cursor_reset_rolls_back_the_update`] from a push cursor whose removal the backend makes fail.
//!
//! [`comm_checks`] drives communication checks through the service, and [`schedule_claim_race`]
//! races several services over one database for one due schedule. [`requests`] and
//! [`request_steps`] drive action requests through the service (routing, every reader, the state
//! machine, overdue, the compare-and-set on the state); each wants a fresh store (routing counts
//! a country's national CERTs).
//!
//! Adding a domain: one module here with its story, a `pub use` and a line in [`all`]; each backend's
//! test binary adds one `#[tokio::test]` calling it.
//!
//! Must never: depend on a backend (backends depend on this crate, as dev-dependency).

// Stories are tests: a failed expectation panics with what differed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use simpul_core::Store;

mod audit;
mod auth;
mod cases;
mod cases_manage;
mod comm_check_start;
mod comm_checks;
mod contacts;
mod cursor_reset;
mod directory;
mod federation;
mod identity;
mod imports;
mod intel;
mod lineage;
mod mail;
mod matching;
mod meta;
mod profiles;
mod references;
mod request_notices;
mod request_pages;
mod request_stats;
mod request_steps;
mod requests;
mod rng;
mod service;
mod sharing;
mod support;
mod taxii;
mod versions;
mod webhooks;

pub use audit::{audit, concurrent_appends};
pub use auth::{auth, login_failures_saturate};
pub use cases::cases;
pub use cases_manage::case_management;
pub use comm_check_start::comm_check_start;
pub use comm_checks::{comm_checks, schedule_claim_race};
pub use contacts::contacts;
pub use cursor_reset::failed_cursor_reset_rolls_back_the_update;
pub use directory::directory;
pub use federation::federation;
pub use identity::identity;
pub use imports::imports;
pub use intel::intel;
pub use lineage::lineages;
pub use mail::mail;
pub use matching::{match_index, match_index_matches_policy};
pub use meta::meta;
pub use profiles::profiles;
pub use references::references;
pub use request_notices::request_notices;
pub use request_pages::request_pages;
pub use request_stats::request_stats;
pub use request_steps::request_steps;
pub use requests::requests;
pub use service::service;
pub use sharing::sharing_matches_policy;
pub use taxii::taxii;
pub use versions::object_versions;
pub use webhooks::webhooks;

/// Every domain story in turn on `store`; the audit chain verifies after all of them.
pub async fn all(store: &dyn Store) {
    meta(store).await;
    directory(store).await;
    contacts(store).await;
    profiles(store).await;
    identity(store).await;
    auth(store).await;
    audit(store).await;
    intel(store).await;
    references(store).await;
    imports(store).await;
    object_versions(store).await;
    sharing_matches_policy(store, 1).await;
    support::assert_chain_verifies(store).await;
}
