//! The service layer: every edge (REST, TAXII, web, CLI) calls these functions and nothing below them.
//!
//! [`Service`] is a thin front over shared context (the store and the clock). Each domain adds its
//! functions in its own `impl Service` block in its own module — `directory/service.rs`,
//! `identity/service.rs`, `auth/service.rs`, `audit/service.rs` — so the front never grows into one
//! file. Each function takes the acting [`Principal`], asks [`authorize`](crate::access::authorize)
//! for a [`Grant`], and only with that grant in hand can it reach the store ([`Service::store`]
//! takes a [`Proof`]); security-relevant changes carry their audit entry into the store, which writes
//! both in one transaction.
//!
//! The edges get no store at all: only the narrow [`Probe`] for `/readyz` and `/metrics`.

use std::sync::Arc;

use time::OffsetDateTime;

use crate::access::{Grant, Principal, UserPrincipal};
use crate::audit::{AuditAction, AuditEvent};
use crate::auth::Authenticating;
use crate::clock::SharedClock;
use crate::error::CoreError;
use crate::org::OrgId;
use crate::store::{Probe, Store, StoreError};

pub use crate::auth::service::{
    FAILURE_MEMORY, FREE_FAILURES_PER_ACCOUNT, FREE_FAILURES_PER_ADDRESS, LoggedIn,
    MAX_LOGIN_DELAY, NewToken, login_delay,
};
pub use crate::directory::service::OrgUpdate;
pub use crate::identity::service::{NewUser, UserUpdate};

/// Where links point until configured (`simpul serve` sets it from `public_url` or the listen
/// address).
pub const DEFAULT_PUBLIC_URL: &str = "http://localhost:8080";

/// The application: a store and a clock. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Service {
    store: Arc<dyn Store>,
    clock: SharedClock,
    /// How long an import job's heartbeat may be silent ([`crate::intel::imports`]).
    import_lease: std::time::Duration,
    /// The match index (`intel/matching.rs`), shared by the service's clones.
    pub(crate) matching: Arc<crate::intel::matching::MatchIndex>,
    /// The MISP warninglists loaded (`warninglist/`); none unless configured.
    pub(crate) warninglists: Arc<crate::warninglist::Warninglists>,
    /// The decay model's parameters (`decay/`); the defaults unless configured.
    pub(crate) decay: Arc<crate::decay::DecayModel>,
    /// The key that seals federation peers' credentials (`federation/secrets.rs`); none unless
    /// configured.
    pub(crate) federation_key: Option<Arc<crate::federation::FederationKey>>,
    /// Where communication checks' links point (`comm_checks/start.rs`), without a trailing `/`.
    pub(crate) public_url: Arc<str>,
    /// Days after which a contact counts as not verified (`directory/freshness.rs`).
    pub(crate) verify_after_days: u32,
    /// The default deadline of an action request per urgency (`requests/sla.rs`).
    pub(crate) request_sla: Arc<crate::requests::Sla>,
    /// The largest attachment a case's timeline takes, in bytes (`cases/service_timeline.rs`).
    pub(crate) case_attachment_max: u64,
    /// Whether webhooks may point at private and loopback addresses (`webhooks/target.rs`).
    pub(crate) webhook_private_targets: bool,
}

/// Proof that a store access was decided: a [`Grant`] from `authorize`, or [`Authenticating`],
/// which only the authentication module can make (it reads credentials before anyone is known).
/// Sealed: nothing else can be a proof.
pub trait Proof: sealed::Sealed {}

impl Proof for Grant<'_> {}
impl Proof for Authenticating {}
impl Proof for crate::access::directory::PublicRead {}
impl Proof for crate::comm_checks::ack::LinkHolder {}

mod sealed {
    pub trait Sealed {}
    impl Sealed for crate::access::Grant<'_> {}
    impl Sealed for crate::auth::Authenticating {}
    impl Sealed for crate::access::directory::PublicRead {}
    impl Sealed for crate::comm_checks::ack::LinkHolder {}
}

impl Service {
    pub fn new(store: Arc<dyn Store>, clock: SharedClock) -> Self {
        Self {
            store,
            clock,
            import_lease: crate::intel::imports::DEFAULT_LEASE,
            matching: Arc::default(),
            warninglists: Arc::default(),
            decay: Arc::default(),
            federation_key: None,
            public_url: Arc::from(DEFAULT_PUBLIC_URL),
            verify_after_days: crate::directory::freshness::DEFAULT_VERIFY_AFTER_DAYS,
            request_sla: Arc::default(),
            case_attachment_max: crate::cases::DEFAULT_ATTACHMENT_MAX,
            webhook_private_targets: false,
        }
    }

    /// The same service with another largest case attachment (in bytes, at most
    /// [`crate::cases::timeline::MAX_ATTACHMENT_BYTES`]).
    pub fn with_case_attachment_max(mut self, bytes: u64) -> Self {
        self.case_attachment_max = bytes.clamp(1, crate::cases::timeline::MAX_ATTACHMENT_BYTES);
        self
    }

    /// The largest case attachment, in bytes.
    pub fn case_attachment_max(&self) -> u64 {
        self.case_attachment_max
    }

    /// The same service allowing (or not, the default) webhooks to private, link-local and
    /// loopback addresses and `http://` to loopback (`[webhooks] allow_private_targets`).
    pub fn with_webhook_private_targets(mut self, allow: bool) -> Self {
        self.webhook_private_targets = allow;
        self
    }

    /// Whether webhooks may point at private addresses.
    pub fn webhook_private_targets(&self) -> bool {
        self.webhook_private_targets
    }

    /// The same service with another default deadline per urgency for action requests.
    pub fn with_request_sla(mut self, sla: crate::requests::Sla) -> Self {
        self.request_sla = Arc::new(sla);
        self
    }

    /// The default deadline per urgency of action requests.
    pub fn request_sla(&self) -> &crate::requests::Sla {
        &self.request_sla
    }

    /// The same service with another import-job lease (at least a second).
    pub fn with_import_lease(mut self, lease: std::time::Duration) -> Self {
        self.import_lease = lease.max(std::time::Duration::from_secs(1));
        self
    }

    /// How long an import job's heartbeat may be silent before the job counts as interrupted.
    pub fn import_lease(&self) -> std::time::Duration {
        self.import_lease
    }

    /// Liveness, schema and pool status, for operations (`/readyz`, `/metrics`): the only part of
    /// the store an edge can reach.
    pub fn probe(&self) -> &dyn Probe {
        self.store.as_probe()
    }

    /// The store, for a caller holding a [`Proof`] that the access was decided.
    pub(crate) fn store(&self, _proof: &impl Proof) -> &dyn Store {
        &*self.store
    }

    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// The current time, to the microsecond (what the stores keep).
    pub fn now(&self) -> OffsetDateTime {
        crate::clock::to_micros(self.clock.now())
    }

    /// An audit event by `p`, now.
    pub(crate) fn event(
        &self,
        p: &Principal,
        action: AuditAction,
        target: Option<String>,
        target_org: Option<OrgId>,
        details: serde_json::Value,
    ) -> AuditEvent {
        AuditEvent {
            at: self.now(),
            actor: p.actor(),
            actor_org: p.org_id(),
            source: p.source(),
            action,
            target,
            target_org,
            details,
        }
    }
}

/// A duplicate refused by the store becomes a conflict saying what exists already.
pub(crate) fn or_conflict<T>(
    r: Result<T, StoreError>,
    what: impl FnOnce() -> String,
) -> Result<T, CoreError> {
    match r {
        Err(StoreError::Duplicate(_)) => {
            Err(CoreError::Conflict(format!("{} already exists", what())))
        }
        other => Ok(other?),
    }
}

/// The signed-in user behind `p`, for actions only a user (not the operator) has: their own tokens,
/// their own password.
pub(crate) fn signed_in<'p>(p: &'p Principal, what: &str) -> Result<&'p UserPrincipal, CoreError> {
    p.as_user()
        .ok_or_else(|| CoreError::Forbidden(format!("the operator has no {what}")))
}

/// Argon2id is deliberately slow: run it off the async threads.
pub(crate) async fn hash_password(password: String) -> Result<String, CoreError> {
    tokio::task::spawn_blocking(move || crate::secret::hash_password(&password))
        .await
        .map_err(|e| StoreError::Backend(format!("hashing task failed: {e}")))?
        .map_err(|e| CoreError::Store(StoreError::Backend(format!("hashing failed: {e}"))))
}

pub(crate) async fn verify_password(password: String, hash: String) -> Result<bool, CoreError> {
    tokio::task::spawn_blocking(move || crate::secret::verify_password(&password, &hash))
        .await
        .map_err(|e| CoreError::Store(StoreError::Backend(format!("hashing task failed: {e}"))))
}
