//! The URL parameters of TAXII listings (§3.4): `added_after`, `limit`, `next`, `match[id]`,
//! `match[type]`, `match[version]`, `match[spec_version]`. A filter's comma-separated values are
//! ORed, filters are ANDed (the store does both in SQL). `next` is the `date_added` of the last
//! version of the previous page, in microseconds since the epoch: the store's `date_added` is
//! strictly increasing and never reused, so paging by it is stable while others write. Each
//! parameter may be given once; an unknown `match[…]` field is refused, other unknown parameters
//! are ignored (§3.4.1 lets servers ignore parameters they do not support).

use simpul_core::intel::store::VersionMatch;
use simpul_core::intel::taxii::TaxiiQuery;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::ApiError;

/// Which parameters a listing takes (the object endpoints take no `match[id]`; versions none of
/// `match[type]`, `match[version]`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Takes {
    pub(crate) ids_and_types: bool,
    pub(crate) version: bool,
    pub(crate) paging: bool,
}

/// What the listing's `match[version]` is when not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DefaultVersion {
    Last,
    All,
}

/// The most values one filter takes.
const MAX_VALUES: usize = 1000;

/// Parses the raw query string of a listing into a [`TaxiiQuery`] for the core, with `limit`
/// capped at `max_page`.
pub(crate) fn parse(
    raw: Option<&str>,
    takes: Takes,
    default_version: DefaultVersion,
    max_page: u32,
) -> Result<TaxiiQuery, ApiError> {
    let max_page = max_page.clamp(1, simpul_core::intel::store::MAX_PAGE);
    let mut q = TaxiiQuery {
        limit: max_page,
        versions: (default_version == DefaultVersion::Last).then(last),
        ..TaxiiQuery::default()
    };
    let mut seen: Vec<String> = Vec::new();
    for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        let known = match k.as_ref() {
            "added_after" | "match[spec_version]" => true,
            "limit" | "next" => takes.paging,
            "match[id]" | "match[type]" => takes.ids_and_types,
            "match[version]" => takes.version,
            other if other.starts_with("match[") => {
                return Err(ApiError::invalid_parameter(
                    other,
                    "not a filter of this endpoint",
                ));
            }
            _ => false,
        };
        if !known {
            continue;
        }
        if seen.iter().any(|s| *s == k) {
            return Err(ApiError::invalid_parameter(
                &k,
                "give it once (values are comma-separated)",
            ));
        }
        seen.push(k.to_string());
        let values = || -> Result<Vec<String>, ApiError> {
            let vs: Vec<String> = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            if vs.is_empty() {
                return Err(ApiError::invalid_parameter(&k, "give at least one value"));
            }
            if vs.len() > MAX_VALUES {
                return Err(ApiError::invalid_parameter(
                    &k,
                    format!("at most {MAX_VALUES} values"),
                ));
            }
            Ok(vs)
        };
        match k.as_ref() {
            "added_after" => q.added_after = Some(timestamp(&k, &v)?),
            "limit" => {
                let n: u64 = v.parse().map_err(|_| {
                    ApiError::invalid_parameter("limit", "must be a positive integer")
                })?;
                if n == 0 {
                    return Err(ApiError::invalid_parameter(
                        "limit",
                        "must be a positive integer",
                    ));
                }
                q.limit = u32::try_from(n).unwrap_or(u32::MAX).min(max_page);
            }
            "next" => q.next = Some(next_token(&v)?),
            "match[id]" => q.ids = values()?,
            "match[type]" => q.types = values()?,
            "match[spec_version]" => q.spec_versions = values()?,
            "match[version]" => {
                let mut m = VersionMatch::default();
                let mut all = false;
                for value in values()? {
                    match value.as_str() {
                        "last" => m.last = true,
                        "first" => m.first = true,
                        "all" => all = true,
                        t => m.at.push(timestamp(&k, t)?),
                    }
                }
                q.versions = (!all).then_some(m);
            }
            _ => {}
        }
    }
    Ok(q)
}

fn last() -> VersionMatch {
    VersionMatch {
        last: true,
        ..VersionMatch::default()
    }
}

/// `match[version]` of a DELETE: every version unless given.
pub(crate) fn delete_versions(raw: Option<&str>) -> Result<Option<VersionMatch>, ApiError> {
    let takes = Takes {
        ids_and_types: false,
        version: true,
        paging: false,
    };
    Ok(parse(raw, takes, DefaultVersion::All, 1)?.versions)
}

/// An RFC 3339 timestamp (TAXII's `2016-11-02T12:34:34.123456Z`).
fn timestamp(name: &str, v: &str) -> Result<OffsetDateTime, ApiError> {
    OffsetDateTime::parse(v, &Rfc3339).map_err(|_| {
        ApiError::invalid_parameter(
            name,
            format!(
                "`{}` is not a timestamp (RFC 3339, e.g. 2026-01-01T00:00:00.000Z)",
                simpul_core::error::excerpt(v)
            ),
        )
    })
}

/// The `next` of a page: the `date_added` of its last version.
pub(crate) fn next_token_of(t: OffsetDateTime) -> String {
    (t.unix_timestamp_nanos() / 1000).to_string()
}

fn next_token(v: &str) -> Result<OffsetDateTime, ApiError> {
    let bad = || ApiError::invalid_parameter("next", "not a `next` this server gave");
    let micros: i128 = v.parse().map_err(|_| bad())?;
    simpul_core::clock::from_unix_micros(micros).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: Takes = Takes {
        ids_and_types: true,
        version: true,
        paging: true,
    };

    #[test]
    fn parses_filters() {
        let q = parse(
            Some("match%5Btype%5D=indicator,malware&match[version]=first,2026-01-01T00:00:00Z&limit=5000&next=1700000000000001&foo=1"),
            ALL,
            DefaultVersion::Last,
            1000,
        )
        .unwrap();
        assert_eq!(q.types, ["indicator", "malware"]);
        let m = q.versions.unwrap();
        assert!(m.first && !m.last && m.at.len() == 1);
        assert_eq!(q.limit, 1000);
        assert_eq!(next_token_of(q.next.unwrap()), "1700000000000001");
        let q = parse(Some("match[version]=all"), ALL, DefaultVersion::Last, 10).unwrap();
        assert_eq!(q.versions, None);
        let q = parse(None, ALL, DefaultVersion::Last, 10).unwrap();
        assert_eq!(q.versions, Some(last()));
        assert_eq!(q.limit, 10);
    }

    #[test]
    fn refuses_bad_values() {
        for bad in [
            "limit=0",
            "limit=-1",
            "limit=x",
            "next=abc",
            "next=99999999999999999999",
            // Before year 1 (PostgreSQL cannot compare it) and after 9999.
            "next=-300000000000000000",
            "next=253402300800000000",
            "added_after=yesterday",
            "match[version]=newest",
            "match[colour]=red",
            "match[id]=",
            "match[type]=a&match[type]=b",
        ] {
            assert!(
                parse(Some(bad), ALL, DefaultVersion::Last, 10).is_err(),
                "{bad}"
            );
        }
    }
}
