//! MISP input in the import pipeline: the events of a document, a list or a feed directory,
//! converted to STIX ([`super::to_stix`]) and handed to the same per-object pipeline as STIX
//! input (validation, TLP, sharing rules, observables), with MISP's refusals as failures and its
//! remarks as warnings.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use serde::de::IgnoredAny;

use super::distribution::{OrgName, Target};
use super::read::{self, Form};
use super::to_stix::{Emit, convert};
use crate::Service;
use crate::access::{Action, authorize};
use crate::error::{CoreError, Invalid};
use crate::intel::Audience;
use crate::intel::ingest::Sharer;
use crate::intel::source::{At, Found};
use crate::org::OrgId;
use crate::service::signed_in;

/// The largest `manifest.json` of a feed directory read.
pub const MAX_MANIFEST_BYTES: u64 = 64 << 20;

/// Converts the events of `r` (of form `form`), calling `on` for every STIX object, refusal
/// and warning; `index` counts what was handed over (it goes on across the files of a feed).
/// `Err` when the input cannot be read on.
pub(crate) fn read_misp(
    target: &Target,
    r: impl Read,
    form: Form,
    at: &str,
    index: &mut usize,
    on: &mut dyn FnMut(At, Found<'_>),
) -> Result<(), Invalid> {
    let mut event = |res: Result<(String, super::model::Event), Invalid>| match res {
        Err(e) => {
            on(
                At {
                    index: *index,
                    path: e.path,
                },
                Found::Bad(e.message),
            );
            *index += 1;
        }
        Ok((base, ev)) => {
            convert(&ev, &base, target, &mut |path: &str, emit: Emit| {
                let at = At {
                    index: *index,
                    path: path.to_owned(),
                };
                match emit {
                    Emit::Object(v) => {
                        let text = v.to_string();
                        match simpul_stix::parse_object(text.as_bytes()) {
                            Ok(o) => on(at, Found::Object(o)),
                            Err(e) => on(at, Found::Bad(e.to_string())),
                        }
                        *index += 1;
                    }
                    Emit::Refused(why) => {
                        on(at, Found::Bad(why));
                        *index += 1;
                    }
                    Emit::Warning(m) => on(at, Found::Warning(m)),
                }
            });
        }
    };
    match form {
        Form::Stix => Err(Invalid::new(at, "not MISP JSON")),
        Form::Event => {
            let res = read::read_event(r, at)?;
            event(Ok(res));
            Ok(())
        }
        Form::List => read::read_list(r, &mut event),
    }
}

/// Reads a MISP feed directory: `manifest.json` names the events, each in `<uuid>.json`, read
/// one at a time in the manifest's (sorted) order.
pub(crate) fn read_feed(
    target: &Target,
    dir: &Path,
    on: &mut dyn FnMut(At, Found<'_>),
) -> Result<(), Invalid> {
    let manifest = dir.join("manifest.json");
    let f = std::fs::File::open(&manifest)
        .map_err(|e| Invalid::new("manifest.json", format!("cannot read: {e}")))?;
    let mut text = Vec::new();
    f.take(MAX_MANIFEST_BYTES + 1)
        .read_to_end(&mut text)
        .map_err(|e| Invalid::new("manifest.json", format!("cannot read: {e}")))?;
    if text.len() as u64 > MAX_MANIFEST_BYTES {
        return Err(Invalid::new(
            "manifest.json",
            format!("larger than {MAX_MANIFEST_BYTES} bytes"),
        ));
    }
    let events: BTreeMap<String, IgnoredAny> = serde_json::from_slice(&text).map_err(|e| {
        Invalid::new(
            "manifest.json",
            format!(
                "line {} column {}: expected an object of event uuids ({e})",
                e.line(),
                e.column()
            ),
        )
    })?;
    let mut index = 0usize;
    for uuid in events.keys() {
        let name = format!("{uuid}.json");
        if uuid::Uuid::parse_str(uuid).is_err() {
            on(
                At {
                    index,
                    path: format!("manifest.json /{}", crate::error::excerpt(uuid)),
                },
                Found::Bad("a feed's manifest names events by uuid".into()),
            );
            index += 1;
            continue;
        }
        let opened = std::fs::File::open(dir.join(&name));
        let result = opened
            .map_err(|e| Invalid::new(&name, format!("listed in manifest.json, cannot read: {e}")))
            .and_then(|f| read_misp(target, f, Form::Event, &name, &mut index, on));
        if let Err(e) = result {
            on(
                At {
                    index,
                    path: e.path,
                },
                Found::Bad(e.message),
            );
            index += 1;
        }
    }
    Ok(())
}

impl Service {
    /// Who would see what `sharer` imports: the importing organisation and each organisation of
    /// the collection's audience (of the named recipients, when any) — what MISP distribution
    /// levels are checked against.
    pub(crate) async fn misp_target(&self, sharer: &Sharer) -> Result<Target, CoreError> {
        let p = &sharer.principal;
        let grant = authorize(p, Action::ShareIntel)?;
        let me = signed_in(p, "organisation to import as")?;
        let store = self.store(&grant);
        let mut ids: Vec<OrgId> = Vec::new();
        let users = if sharer.named.is_empty() {
            match &sharer.collection.audience {
                Audience::Orgs { orgs } => {
                    ids.extend(orgs.iter().copied());
                    Vec::new()
                }
                Audience::Community { community } => {
                    let c = store.list_communities().await?;
                    if let Some(c) = c.into_iter().find(|c| c.id == *community) {
                        ids.extend(c.members);
                    }
                    Vec::new()
                }
                Audience::Users { users } => users.clone(),
            }
        } else {
            sharer.named.clone()
        };
        for u in users {
            if let Some(u) = store.get_user(u).await? {
                ids.push(u.org_id);
            }
        }
        ids.sort();
        ids.dedup();
        let orgs = store.list_orgs().await?;
        let audience = ids
            .into_iter()
            .map(|id| OrgName {
                id: id.0,
                name: orgs
                    .iter()
                    .find(|o| o.id == id)
                    .map(|o| o.name.clone())
                    .unwrap_or_default(),
            })
            .collect();
        Ok(Target {
            importer: OrgName {
                id: me.org.id.0,
                name: me.org.name.clone(),
            },
            audience,
        })
    }
}
