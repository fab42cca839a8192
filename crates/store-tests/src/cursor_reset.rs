//! A collection's change and the reset of its push cursors are one write: when the reset fails, the
//! change and its audit entry are rolled back with it. The backend's test provides the failure (a
//! trigger refusing to delete push cursors) and a push cursor of the collection: this story cannot
//! reach SQL.

use std::future::Future;
use std::sync::Arc;

use simpul_core::access::Principal;
use simpul_core::audit::AuditAction;
use simpul_core::intel::collection_change::CollectionPatch;
use simpul_core::intel::{Audience, Collection, CollectionId, Tlp};
use simpul_core::org::OrgKind;
use simpul_core::{Clock, Service, Store};
use time::OffsetDateTime;

use crate::support::{at, entries_after, event, insert_org, org, tag};

#[derive(Debug)]
struct Fixed(OffsetDateTime);

impl Clock for Fixed {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}

/// Makes a collection, lets `sabotage` give it a push cursor whose removal fails, then changes its
/// read-only organisations: the change is refused and nothing of it is stored or audited.
pub async fn failed_cursor_reset_rolls_back_the_update<F, Fut>(store: Arc<dyn Store>, sabotage: F)
where
    F: FnOnce(CollectionId) -> Fut,
    Fut: Future<Output = ()>,
{
    let s = &*store;
    let t = tag();
    let owner = org(&format!("{t}-own"), OrgKind::NationalCert, Some("SG"));
    let reader = org(&format!("{t}-read"), OrgKind::NationalCert, Some("MY"));
    for o in [&owner, &reader] {
        insert_org(s, o).await;
    }
    let c = Collection {
        id: CollectionId(uuid::Uuid::new_v4()),
        title: format!("{t} pushed"),
        alias: None,
        description: String::new(),
        audience: Audience::Orgs {
            orgs: vec![owner.id],
        },
        default_tlp: Tlp::Amber,
        read_only_orgs: Vec::new(),
        created_at: at(20),
    };
    s.insert_collection(&c, &event(AuditAction::CollectionCreate, "c", None))
        .await
        .unwrap();
    sabotage(c.id).await;
    let svc = Service::new(Arc::clone(&store), Arc::new(Fixed(at(1000))));
    let op = Principal::operator("root");
    let before = entries_after(s, 0).await.last().map_or(0, |e| e.seq);
    let patch = CollectionPatch {
        read_only_orgs: Some(vec![reader.short_name.as_str().to_owned()]),
        ..CollectionPatch::default()
    };
    assert!(
        svc.update_collection(&op, c.id, patch).await.is_err(),
        "the reset failed, so the update fails"
    );
    assert_eq!(
        s.get_collection(c.id).await.unwrap().as_ref(),
        Some(&c),
        "the update is rolled back with its reset"
    );
    assert!(
        entries_after(s, before).await.is_empty(),
        "no audit entry for a change that did not happen"
    );
    // A change that resets nothing is not held back by the failing reset.
    let patch = CollectionPatch {
        title: Some(format!("{t} renamed")),
        ..CollectionPatch::default()
    };
    let renamed = svc.update_collection(&op, c.id, patch).await.unwrap();
    assert_eq!(renamed.title, format!("{t} renamed"));
}
