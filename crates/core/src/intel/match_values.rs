//! Matching many values at once (REST `POST /match`): reading and typing the values, then the
//! chunked run of [`MatchValues`] over the principal's view of the match index (`matching.rs`).

use simpul_matcher::Finds;
use simpul_matcher::input::{Raw, canonicalise};
use simpul_observable::{Canonical, Context, ObservableType, Region};

use crate::Service;
use crate::access::Principal;
use crate::error::{CoreError, Invalid};
use crate::intel::matching::{MAX_VALUES, MatchValues};
use crate::store::StoreError;

impl Service {
    /// Prepares matching `values` for `p` (REST `POST /match`): each value trimmed, of type `ty`
    /// or, when `None`, of the type it names as `type|value`, or detected (blank values and
    /// undetected ones are skipped); hits name the value as sent. National forms are read
    /// in `region` or else `p`'s organisation's country. A value that is not valid for the type
    /// named is an error with its position as path (`/3`); nothing is matched then.
    pub async fn match_values(
        &self,
        p: &Principal,
        values: Vec<String>,
        ty: Option<ObservableType>,
        region: Option<Region>,
    ) -> Result<MatchValues, CoreError> {
        if values.len() > MAX_VALUES {
            return Err(
                Invalid::new("", format!("at most {MAX_VALUES} values in one request")).into(),
            );
        }
        let view = self.match_view(p).await?;
        let ctx = region.map_or_else(|| *view.context(), Context::with_region);
        let keys = tokio::task::spawn_blocking(move || keys_of(values, ty, &ctx))
            .await
            .map_err(|e| StoreError::Backend(format!("match task failed: {e}")))??;
        Ok(MatchValues {
            view,
            keys,
            next: 0,
            finds: Finds::default(),
            service: self.clone(),
            principal: p.clone(),
        })
    }
}

fn keys_of(
    values: Vec<String>,
    ty: Option<ObservableType>,
    ctx: &Context,
) -> Result<Vec<(String, Canonical)>, Invalid> {
    let mut out = Vec::with_capacity(values.len());
    for (i, v) in values.into_iter().enumerate() {
        let value = v.trim();
        if value.is_empty() {
            continue;
        }
        match read_value(value, ty, ctx) {
            Ok(Some(c)) => out.push((value.to_owned(), c)),
            Ok(None) => {}
            Err(why) => return Err(Invalid::new(format!("/{i}"), why)),
        }
    }
    Ok(out)
}

/// One value (trimmed, not blank) as [`Service::match_values`] reads it: of type `ty` or, when
/// `None`, of the type it names as `type|value`, or detected. `Ok(None)`: no type detected (the
/// value is skipped); `Err`: not valid for the type named, with the reason. The web match page
/// reads each line with it first, to show every line's outcome.
pub fn read_value(
    value: &str,
    ty: Option<ObservableType>,
    ctx: &Context,
) -> Result<Option<Canonical>, String> {
    // Without a type for all, a value may name its own as `type|value` (the form of
    // `Canonical`'s text and of `GET /objects?observable=`).
    let typed = ty
        .is_none()
        .then(|| value.split_once('|'))
        .flatten()
        .and_then(|(t, v)| t.parse::<ObservableType>().ok().map(|t| (t, v)));
    let raw = match typed {
        Some((t, v)) => Raw {
            value: v.to_owned(),
            ty: Some(t),
            strict: true,
        },
        None => Raw {
            value: value.to_owned(),
            ty,
            strict: ty.is_some(),
        },
    };
    canonicalise(&raw, ctx)
}
