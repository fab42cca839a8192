//! Warninglist lookups for users (REST, CLI): which lists a value they typed is on. The value is
//! read as an observable first — of the type named, or of the type it is detected as — with the
//! caller's organisation's country as the region of national forms, as every other lookup.

use std::sync::Arc;

use serde::Serialize;
use simpul_observable::{Canonical, Context, ObservableType};

use super::{ListInfo, Listed, Warninglists};
use crate::Service;
use crate::access::{Action, Principal, authorize};
use crate::error::{CoreError, Invalid};
use crate::intel::service::observable_context;

/// The answer to "is this value on a warninglist?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WarninglistCheck {
    /// The value as read: `type|key`.
    pub observable: String,
    /// The lists it is on (none: not listed).
    #[serde(rename = "warninglists")]
    pub lists: Vec<Listed>,
}

impl Service {
    /// The same service with `lists` as its warninglists.
    pub fn with_warninglists(mut self, lists: Arc<Warninglists>) -> Self {
        self.warninglists = lists;
        self
    }

    /// The warninglists loaded (shared by the service's clones).
    pub fn warninglists(&self) -> &Arc<Warninglists> {
        &self.warninglists
    }

    /// The lists loaded, for any signed-in user who may read intelligence.
    pub fn warninglist_lists(&self, p: &Principal) -> Result<Vec<ListInfo>, CoreError> {
        authorize(p, Action::ReadIntel)?;
        Ok(self.warninglists.lists().to_vec())
    }

    /// Which lists `value` (of type `ty`, or detected) is on, for a user who may read
    /// intelligence. A value that is no observable of the type is an error naming `field`.
    pub fn warninglist_check(
        &self,
        p: &Principal,
        value: &str,
        ty: Option<&str>,
    ) -> Result<WarninglistCheck, CoreError> {
        authorize(p, Action::ReadIntel)?;
        let ctx = p
            .as_user()
            .map_or_else(Context::new, |u| observable_context(&u.org));
        let c = read_value(value, ty, &ctx)?;
        Ok(check(&self.warninglists, &c))
    }
}

/// `value` as an observable: of the type named (`ty`), else detected.
pub fn read_value(value: &str, ty: Option<&str>, ctx: &Context) -> Result<Canonical, CoreError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(CoreError::Invalid(Invalid::new(
            "value",
            "a value is required",
        )));
    }
    match ty {
        Some(t) => {
            let ty: ObservableType = t.parse().map_err(|_| {
                CoreError::Invalid(Invalid::new(
                    "type",
                    format!("unknown observable type {t:?}"),
                ))
            })?;
            simpul_observable::normalise(ty, value, ctx)
                .map_err(|e| CoreError::Invalid(Invalid::new("value", e.to_string())))
        }
        None => simpul_observable::detect_canonical(value).ok_or_else(|| {
            CoreError::Invalid(Invalid::new(
                "value",
                "not recognised as an observable: name its type",
            ))
        }),
    }
}

/// The check of `c` against `lists`.
pub fn check(lists: &Warninglists, c: &Canonical) -> WarninglistCheck {
    WarninglistCheck {
        observable: c.to_string(),
        lists: lists.check(c),
    }
}
