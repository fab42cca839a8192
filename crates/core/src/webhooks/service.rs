//! The webhooks' service functions: an organisation's webhooks (its org-admins and site-admins,
//! [`Action::ManageWebhooks`]), queuing an event, and the sender's claim and record
//! ([`Action::DeliverWebhooks`]: the operator — the server's sender — and site-admins).

use serde_json::json;
use uuid::Uuid;

use crate::Service;
use crate::access::{Action, Grant, Principal, authorize};
use crate::audit::AuditAction;
use crate::error::CoreError;
use crate::org::OrgId;
use crate::webhooks::{
    Attempt, ClaimedDelivery, CreatedWebhook, Delivery, DeliveryId, EventId, EventType, MAX_LIST,
    MAX_WEBHOOKS_PER_ORG, NewWebhook, QueuedEvent, StoredWebhook, Webhook, WebhookId,
    WebhookSecret, envelope, next_state, secret_aad,
};

/// Whether a grant's action may emit webhook events: the changes of action requests (P2.2), and
/// the sender's own grant. A domain that emits events (cases) adds the action its change is
/// granted under here.
fn emits_events(action: Action) -> bool {
    matches!(
        action,
        Action::DeliverWebhooks
            | Action::CreateRequest
            | Action::ActOnRequests
            | Action::NotifyRequests
    )
}

impl Service {
    fn webhook_key(&self) -> Result<&crate::federation::FederationKey, CoreError> {
        self.federation_key.as_deref().ok_or_else(|| {
            CoreError::Forbidden(
                "no federation key is configured ([federation] key or key_file): webhook \
                 secrets are sealed under it"
                    .into(),
            )
        })
    }

    async fn org_exists(&self, grant: &Grant<'_>, org: OrgId) -> Result<(), CoreError> {
        match self.store(grant).get_org(org).await? {
            Some(_) => Ok(()),
            None => Err(CoreError::NotFound(format!("organisation {org}"))),
        }
    }

    /// Registers a webhook for `org`, with a new secret that is answered this once (audited as
    /// `webhook.create`, without the secret). Its URL must be a public target unless the service
    /// allows private ones ([`Service::with_webhook_private_targets`], [`crate::webhooks::target`]).
    pub async fn create_webhook(
        &self,
        p: &Principal,
        org: OrgId,
        new: NewWebhook,
    ) -> Result<CreatedWebhook, CoreError> {
        let grant = authorize(p, Action::ManageWebhooks(org))?;
        self.org_exists(&grant, org).await?;
        let valid = new.validate()?;
        // Stored rows are read back with `WebhookUrl::parse` alone: the guard is for new ones.
        crate::webhooks::check_target(&valid.url, self.webhook_private_targets)
            .map_err(|reason| crate::error::Invalid::new("/url", reason))?;
        if self.store(&grant).list_webhooks(org).await?.len() >= MAX_WEBHOOKS_PER_ORG {
            return Err(CoreError::Conflict(format!(
                "an organisation has at most {MAX_WEBHOOKS_PER_ORG} webhooks; delete one first"
            )));
        }
        let webhook = Webhook {
            id: WebhookId::new_random(),
            org,
            url: valid.url,
            events: valid.events,
            description: valid.description,
            active: valid.active,
            created_at: self.now(),
        };
        let secret = WebhookSecret::generate();
        let sealed_secret = self
            .webhook_key()?
            .seal(secret.expose().as_bytes(), &secret_aad(webhook.id))
            .map_err(|e| CoreError::Store(crate::store::StoreError::Backend(e)))?;
        let audit = self.event(
            p,
            AuditAction::WebhookCreate,
            Some(format!("webhook:{}", webhook.id)),
            Some(org),
            json!({
                "id": webhook.id,
                "url": webhook.url.as_str(),
                "events": webhook.events,
                "active": webhook.active,
            }),
        );
        let stored = StoredWebhook {
            webhook,
            sealed_secret,
        };
        self.store(&grant).insert_webhook(&stored, &audit).await?;
        Ok(CreatedWebhook {
            webhook: stored.webhook,
            secret,
        })
    }

    /// `org`'s webhooks (never their secrets).
    pub async fn list_webhooks(
        &self,
        p: &Principal,
        org: OrgId,
    ) -> Result<Vec<Webhook>, CoreError> {
        let grant = authorize(p, Action::ManageWebhooks(org))?;
        self.org_exists(&grant, org).await?;
        Ok(self.store(&grant).list_webhooks(org).await?)
    }

    /// Deletes `org`'s webhook `id` with its delivery log (audited as `webhook.delete`).
    pub async fn delete_webhook(
        &self,
        p: &Principal,
        org: OrgId,
        id: WebhookId,
    ) -> Result<(), CoreError> {
        let grant = authorize(p, Action::ManageWebhooks(org))?;
        let audit = self.event(
            p,
            AuditAction::WebhookDelete,
            Some(format!("webhook:{id}")),
            Some(org),
            json!({ "id": id }),
        );
        if self.store(&grant).delete_webhook(org, id, &audit).await? {
            Ok(())
        } else {
            Err(CoreError::NotFound(format!("webhook {id}")))
        }
    }

    /// `org`'s delivery log, newest first (never a body).
    pub async fn list_deliveries(
        &self,
        p: &Principal,
        org: OrgId,
        limit: u32,
    ) -> Result<Vec<Delivery>, CoreError> {
        let grant = authorize(p, Action::ManageWebhooks(org))?;
        self.org_exists(&grant, org).await?;
        Ok(self
            .store(&grant)
            .list_webhook_deliveries(org, limit.clamp(1, MAX_LIST))
            .await?)
    }

    /// The event `payload` of `event_type` for `org`, ready to queue (its body built once).
    pub fn webhook_event(
        &self,
        org: OrgId,
        event_type: EventType,
        payload: &serde_json::Value,
    ) -> Result<QueuedEvent, CoreError> {
        let id = EventId::new_random();
        let created_at = self.now();
        let body = envelope(id, org, &event_type, created_at, payload)?;
        Ok(QueuedEvent {
            id,
            org,
            event_type,
            created_at,
            body,
        })
    }

    /// Queues an event of `org` for each of its active webhooks that wants `event_type`, for a
    /// grant whose action emits events; the deliveries' ids (none when no webhook wants it).
    /// Not audited itself: the change that emits it is.
    pub async fn queue_event(
        &self,
        grant: &Grant<'_>,
        org: OrgId,
        event_type: EventType,
        payload: &serde_json::Value,
    ) -> Result<Vec<DeliveryId>, CoreError> {
        if !emits_events(grant.action()) {
            return Err(CoreError::Forbidden(
                "this action emits no webhook events".into(),
            ));
        }
        let event = self.webhook_event(org, event_type, payload)?;
        Ok(self
            .store(grant)
            .queue_webhook_event(&event)
            .await?
            .into_iter()
            .map(|(d, _)| d)
            .collect())
    }

    /// Claims at most `n` due deliveries for `holder` for `lease`, with their webhooks' secrets
    /// opened. A delivery whose secret does not open (the federation key changed) is given up at
    /// once, with that reason in the log.
    pub async fn claim_due_deliveries(
        &self,
        p: &Principal,
        holder: Uuid,
        lease: std::time::Duration,
        n: u32,
    ) -> Result<Vec<ClaimedDelivery>, CoreError> {
        let grant = authorize(p, Action::DeliverWebhooks)?;
        // Without the key nothing could be signed: claim nothing rather than hold claims.
        let key = self.webhook_key()?;
        let now = self.now();
        let lease = time::Duration::try_from(lease.max(std::time::Duration::from_secs(1)))
            .unwrap_or(time::Duration::HOUR);
        let rows = self
            .store(&grant)
            .claim_webhook_deliveries(now, holder, now + lease, n)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            match key.open(&r.sealed_secret, &secret_aad(r.webhook)) {
                Ok(bytes) => out.push(ClaimedDelivery {
                    id: r.id,
                    webhook: r.webhook,
                    url: r.url,
                    event_id: r.event_id,
                    event_type: r.event_type,
                    body: r.body,
                    secret: WebhookSecret::from_opened(
                        String::from_utf8_lossy(&bytes).into_owned(),
                    ),
                    attempts: r.attempts,
                }),
                Err(_) => {
                    let update = next_state(
                        r.attempts,
                        Attempt::Failed {
                            status: None,
                            error: "the webhook's secret does not open with this federation key \
                                    (was the key changed?)"
                                .into(),
                        },
                        now,
                        0.0,
                    );
                    self.store(&grant)
                        .record_webhook_attempt(r.id, holder, &update)
                        .await?;
                }
            }
        }
        Ok(out)
    }

    /// Records what delivering a claimed delivery came to; `jitter` in `[0, 1)` stretches the
    /// backoff. `false`: `holder`'s claim had expired and another took it.
    pub async fn record_delivery_attempt(
        &self,
        p: &Principal,
        d: &ClaimedDelivery,
        holder: Uuid,
        outcome: Attempt,
        jitter: f64,
    ) -> Result<bool, CoreError> {
        let grant = authorize(p, Action::DeliverWebhooks)?;
        let update = next_state(d.attempts, outcome, self.now(), jitter);
        Ok(self
            .store(&grant)
            .record_webhook_attempt(d.id, holder, &update)
            .await?)
    }
}
