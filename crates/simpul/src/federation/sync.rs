//! One sync round of a peer: pull each mapped remote collection page by page from its cursor,
//! then push each mapped local collection batch by batch from its cursor, and record the round in
//! the peer's status.
//!
//! Durability: a pull page is stored (and its provenance recorded) before the cursor moves past
//! it, and a push batch is answered by the peer before the push cursor moves past it. A round cut
//! at any point (a crash, `kill -9`) is resumed by the next from the last saved cursors: what was
//! stored is not stored again (the share pipeline answers "already stored"), and nothing after the
//! cursor was skipped.
//!
//! Versions the peer still fails after the round's own re-posts go to the peer's push retry queue
//! (written before the push cursor moves past them); each later round first pushes the due
//! entries again, as they are now: the newest version the peer's account may see and the
//! forwarding rules let leave (none: the entry is dropped, counted withheld). An entry the peer
//! accepts is removed; one that fails [`PUSH_RETRY_ATTEMPTS`] rounds is given up, counted refused
//! and kept as the peer's last error.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use anyhow::Context;
use serde_json::value::RawValue;
use simpul_core::federation::service::PeerSession;
use simpul_core::federation::store::{PushRetry, RoundRecord};
use simpul_core::federation::{CollectionMap, CursorKind, PUSH_RETRY_ATTEMPTS};
use simpul_core::{Principal, Service};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::client::{Client, Limits, Status};

/// Objects asked for per pulled page.
pub const PULL_PAGE: u32 = 1000;
/// Objects per pushed batch.
pub const PUSH_BATCH: u32 = 500;
/// How often a push re-posts the objects a peer failed.
const PUSH_RETRIES: u32 = 2;
/// At most this many queued retries are pushed per round.
pub const RETRIES_PER_ROUND: u32 = 500;
/// How many times a pending status is read again.
const STATUS_POLLS: u32 = 30;

/// What a round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoundReport {
    /// Versions stored from the peer.
    pub pulled: u64,
    /// Versions the peer accepted.
    pub pushed: u64,
    /// Versions refused: by this node's pipeline when pulled, by the peer when pushed.
    pub refused: u64,
    /// Versions pulled that this node held already.
    pub held: u64,
    /// Versions the forwarding rules kept here.
    pub withheld: u64,
    /// Versions the peer failed that wait in the push retry queue for a later round.
    pub queued: u64,
    /// Why the push of a version was given up this round (the last one).
    pub gave_up: Option<String>,
}

/// How long a peer's lease lasts unless its round renews it, by default (`[federation]
/// lease_secs`): a round cut by a crash leaves its peer to others after at most this long.
pub const LEASE_SECS: u32 = 60;

/// One round of peer `name` under the peer's lease in the store, so that no other app node (nor a
/// `simpul peer sync` run at the same time) syncs it meanwhile: `None` when another holds the
/// lease (nothing was done). The lease lasts `lease_secs`; the round renews it every third of
/// that and stops if it has lost it (it was paused past the lease and another took over: stopping
/// is safe, as a crash is); it gives the lease back when it ends, failed or not.
pub async fn leased_round(
    svc: &Service,
    op: &Principal,
    name: &str,
    limits: Limits,
    lease_secs: u32,
) -> anyhow::Result<Option<RoundReport>> {
    let session = svc.peer_session(op, name).await?;
    let holder = uuid::Uuid::new_v4();
    if !svc
        .claim_peer(&session, holder, lease_secs)
        .await
        .context("cannot take the peer's lease")?
    {
        return Ok(None);
    }
    let lease = Duration::from_secs(u64::from(lease_secs));
    let every = Duration::from_secs(u64::from(lease_secs / 3).max(1));
    let renew = async {
        // Until when the lease surely runs, by this process's own monotonic clock (taken before
        // each claim, so it errs early).
        let mut held_until = tokio::time::Instant::now() + lease;
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            tick.tick().await;
            let asked = tokio::time::Instant::now();
            match svc.claim_peer(&session, holder, lease_secs).await {
                Ok(true) => held_until = asked + lease,
                Ok(false) => return anyhow::anyhow!("lost the peer's lease to another round"),
                // A store hiccup: the lease still runs, and the next renewal tries again — unless
                // it may run out before then, when another round could start beside this one.
                Err(e) if tokio::time::Instant::now() + every < held_until => {
                    tracing::warn!(peer = name, error = %e, "cannot renew the lease");
                }
                Err(e) => {
                    return anyhow::anyhow!("cannot renew the peer's lease ({e}); stopped");
                }
            }
        }
    };
    let result = tokio::select! {
        r = round(svc, op, name, limits) => r,
        lost = renew => Err(lost),
    };
    if let Err(e) = svc.release_peer(&session, holder).await {
        tracing::warn!(peer = name, error = %e, "federation: cannot release the lease");
    }
    result.map(Some)
}

/// One round of peer `name` as `op` (the operator, or a site-admin), recorded in its status.
pub async fn round(
    svc: &Service,
    op: &Principal,
    name: &str,
    limits: Limits,
) -> anyhow::Result<RoundReport> {
    let s = svc.peer_session(op, name).await?;
    let mut report = RoundReport::default();
    let result = run(svc, &s, limits, &mut report).await;
    let record = RoundRecord {
        at: None,
        objects_in: report.pulled,
        objects_out: report.pushed,
        refused: report.refused,
        error: result.as_ref().err().map(crate::federation::one_line),
        gave_up: report.gave_up.clone(),
    };
    if let Err(e) = svc.record_peer_round(&s, record).await {
        tracing::warn!(peer = name, error = %e, "cannot record the round");
    }
    result.map(|()| report)
}

async fn run(
    svc: &Service,
    s: &PeerSession,
    limits: Limits,
    report: &mut RoundReport,
) -> anyhow::Result<()> {
    let client = Client::new(&s.peer.url, s.auth.clone(), limits)?;
    let root = client.api_root().await?;
    if s.peer.direction.pulls() {
        for map in &s.peer.maps {
            pull(svc, s, &client, &root, map, report).await?;
        }
    }
    if s.peer.direction.pushes() {
        retry_due(svc, s, &client, &root, report).await?;
        for map in &s.peer.maps {
            push(svc, s, &client, &root, map, report).await?;
        }
    }
    Ok(())
}

async fn pull(
    svc: &Service,
    s: &PeerSession,
    client: &Client,
    root: &reqwest::Url,
    map: &CollectionMap,
    report: &mut RoundReport,
) -> anyhow::Result<()> {
    let added_after = svc.peer_cursor(s, CursorKind::Pull, &map.remote).await?;
    let mut next: Option<String> = None;
    loop {
        let page = client
            .objects(
                root,
                &map.remote,
                added_after.as_deref(),
                next.as_deref(),
                PULL_PAGE,
            )
            .await?;
        if page.count > 0 {
            let r = svc
                .share_pulled_page(s, map.local, &page.body)
                .await
                .with_context(|| format!("storing what collection {} sent", map.remote))?;
            report.pulled += r.stored;
            report.held += r.held;
            report.refused += r.refused;
            // Only now, with the page stored: the cursor moves past it.
            if let Some(last) = &page.date_added_last {
                svc.save_peer_cursor(s, CursorKind::Pull, &map.remote, last)
                    .await?;
            }
        }
        match (page.more, page.next) {
            (true, Some(n)) if page.count > 0 => next = Some(n),
            _ => return Ok(()),
        }
    }
}

async fn push(
    svc: &Service,
    s: &PeerSession,
    client: &Client,
    root: &reqwest::Url,
    map: &CollectionMap,
    report: &mut RoundReport,
) -> anyhow::Result<()> {
    let key = map.local.to_string();
    let mut cursor = match svc.peer_cursor(s, CursorKind::Push, &key).await? {
        Some(c) => {
            Some(OffsetDateTime::parse(&c, &Rfc3339).with_context(|| format!("push cursor {c}"))?)
        }
        None => None,
    };
    loop {
        let page = svc.push_page(s, map.local, cursor, PUSH_BATCH).await?;
        report.withheld += page.withheld;
        let mut batch: Vec<String> = page.objects.into_iter().map(|o| o.json).collect();
        let mut attempt = 0;
        while !batch.is_empty() {
            let status = post_and_wait(client, root, &map.remote, &batch).await?;
            report.pushed += status.success_count;
            let failed: HashSet<(String, Option<String>)> = status
                .failures
                .iter()
                .map(|f| (f.id.clone(), f.version.clone()))
                .collect();
            if failed.is_empty() || attempt >= PUSH_RETRIES {
                // Still failed: queued for later rounds before the cursor moves past them.
                let mut queued = HashSet::new();
                for f in &status.failures {
                    tracing::warn!(peer = %s.peer.name, id = %f.id, reason = ?f.message, "pushed object failed; queued for a later round");
                    let Some(version) = batch
                        .iter()
                        .map(|json| head(json))
                        .find(|h| h.id == f.id)
                        .and_then(|h| h.version)
                    else {
                        continue;
                    };
                    if !queued.insert(f.id.clone()) {
                        continue;
                    }
                    let entry = PushRetry {
                        peer: s.peer.id,
                        local: map.local,
                        remote: map.remote.clone(),
                        stix_id: f.id.clone(),
                        version,
                        attempts: 1,
                        next_at: OffsetDateTime::UNIX_EPOCH,
                        last_error: Some(reason(f)),
                    };
                    svc.queue_push_retry(s, &entry).await?;
                }
                report.queued += queued.len() as u64;
                report.refused += status.failure_count.saturating_sub(queued.len() as u64);
                break;
            }
            attempt += 1;
            batch.retain(|json| {
                let id = head(json).id;
                failed.iter().any(|(fid, _)| *fid == id)
            });
            tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
        }
        if let Some(last) = page.last {
            svc.save_peer_cursor(
                s,
                CursorKind::Push,
                &key,
                &simpul_core::clock::rfc3339_micros(last),
            )
            .await?;
            cursor = Some(last);
        }
        if !page.more {
            return Ok(());
        }
    }
}

/// Pushes the peer's due queued retries again (at most [`RETRIES_PER_ROUND`]), each as it is
/// now: the newest version the peer may have.
async fn retry_due(
    svc: &Service,
    s: &PeerSession,
    client: &Client,
    root: &reqwest::Url,
    report: &mut RoundReport,
) -> anyhow::Result<()> {
    let due = svc.due_push_retries(s, RETRIES_PER_ROUND).await?;
    // By remote collection: (entry, the JSON pushed now).
    let mut groups: BTreeMap<String, Vec<(PushRetry, String)>> = BTreeMap::new();
    for e in due {
        let mapped = s
            .peer
            .maps
            .iter()
            .any(|m| m.local == e.local && m.remote == e.remote);
        let now = if mapped {
            svc.push_retry_object(s, e.local, &e.stix_id).await?
        } else {
            None
        };
        match now {
            Some(o) => {
                let mut e = e;
                e.version = o.version;
                groups
                    .entry(e.remote.clone())
                    .or_default()
                    .push((e, o.json));
            }
            None => {
                report.withheld += 1;
                svc.drop_push_retry(s, e.local, &e.stix_id).await?;
            }
        }
    }
    for (remote, entries) in groups {
        for chunk in entries.chunks(PUSH_BATCH as usize) {
            let batch: Vec<String> = chunk.iter().map(|(_, json)| json.clone()).collect();
            let status = post_and_wait(client, root, &remote, &batch).await?;
            report.pushed += status.success_count;
            for (e, _) in chunk {
                let Some(f) = status.failures.iter().find(|f| f.id == e.stix_id) else {
                    svc.drop_push_retry(s, e.local, &e.stix_id).await?;
                    continue;
                };
                let mut e = e.clone();
                e.attempts += 1;
                e.last_error = Some(reason(f));
                if e.attempts >= PUSH_RETRY_ATTEMPTS {
                    tracing::warn!(peer = %s.peer.name, id = %e.stix_id, reason = ?f.message, "pushed object refused; given up");
                    report.refused += 1;
                    report.gave_up = Some(format!(
                        "gave up pushing {} to collection {} after {} attempts: {}",
                        e.stix_id,
                        remote,
                        e.attempts,
                        e.last_error.as_deref().unwrap_or("")
                    ));
                    svc.drop_push_retry(s, e.local, &e.stix_id).await?;
                } else {
                    svc.queue_push_retry(s, &e).await?;
                }
            }
        }
    }
    Ok(())
}

/// The peer's reason for a failure, one line, at most 200 characters.
fn reason(f: &super::client::StatusDetail) -> String {
    let m = f.message.as_deref().unwrap_or("no reason given");
    let line: String = m.split_whitespace().collect::<Vec<_>>().join(" ");
    line.chars().take(200).collect()
}

/// The id and version (`modified`, else `created`) of a stored object's JSON.
struct Head {
    id: String,
    version: Option<OffsetDateTime>,
}

fn head(json: &str) -> Head {
    #[derive(serde::Deserialize)]
    struct H {
        #[serde(default)]
        id: String,
        #[serde(default)]
        modified: Option<String>,
        #[serde(default)]
        created: Option<String>,
    }
    let h = serde_json::from_str::<H>(json).unwrap_or(H {
        id: String::new(),
        modified: None,
        created: None,
    });
    let version = h
        .modified
        .or(h.created)
        .and_then(|v| OffsetDateTime::parse(&v, &Rfc3339).ok())
        .map(simpul_core::clock::to_micros);
    Head { id: h.id, version }
}

/// Posts `objects` as one envelope and reads its status until it is complete.
async fn post_and_wait(
    client: &Client,
    root: &reqwest::Url,
    collection: &str,
    objects: &[String],
) -> anyhow::Result<Status> {
    let mut envelope = br#"{"objects":["#.to_vec();
    for (i, o) in objects.iter().enumerate() {
        if i > 0 {
            envelope.push(b',');
        }
        let raw: &RawValue = serde_json::from_str(o).context("a stored object is no JSON")?;
        envelope.extend_from_slice(raw.get().as_bytes());
    }
    envelope.extend_from_slice(b"]}");
    let mut status = client.post(root, collection, envelope).await?;
    let mut polls = 0;
    while status.status != "complete" && status.pending_count > 0 {
        polls += 1;
        if polls > STATUS_POLLS {
            anyhow::bail!(
                "status {} still pending after {STATUS_POLLS} reads",
                status.id
            );
        }
        tokio::time::sleep(Duration::from_millis(250 * u64::from(polls.min(8)))).await;
        status = client.status(root, &status.id).await?;
    }
    Ok(status)
}
