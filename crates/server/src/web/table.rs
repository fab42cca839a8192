//! Tables that sort and page on the server: the query parameters `sort`, `order` (`asc`/`desc`)
//! and `page`, header links that flip the order, `aria-sort` on the sorted column, and a pager.
//! Bad parameters are refused with the reason (a 400 page), never ignored.

use serde::Deserialize;

use crate::error::{ApiError, ErrorCode};

/// The query of a sortable, paged table.
#[derive(Debug, Default, Deserialize)]
pub struct TableQuery {
    pub sort: Option<String>,
    pub order: Option<String>,
    pub page: Option<String>,
}

/// A column: its label, its sort key (`None`: not sortable), whether it holds numbers.
#[derive(Debug)]
pub struct Column {
    pub label: &'static str,
    pub key: Option<&'static str>,
    pub num: bool,
}

impl Column {
    pub const fn sorted(label: &'static str, key: &'static str) -> Self {
        Self {
            label,
            key: Some(key),
            num: false,
        }
    }
    pub const fn plain(label: &'static str) -> Self {
        Self {
            label,
            key: None,
            num: false,
        }
    }
}

/// A header cell as the template draws it.
#[derive(Debug)]
pub struct Header {
    pub label: &'static str,
    pub href: Option<String>,
    pub aria_sort: Option<&'static str>,
    pub num: bool,
}

/// The table's state: which column, which way, which page.
#[derive(Debug)]
pub struct Sorted {
    pub key: &'static str,
    pub desc: bool,
    pub page: usize,
    pub per_page: usize,
    /// The page's path (`/account`), for the links.
    base: &'static str,
}

impl Sorted {
    /// Reads `q` against `columns`; `default` is the column and order when `sort` is absent.
    pub fn read(
        q: &TableQuery,
        columns: &[Column],
        default: (&'static str, bool),
        per_page: usize,
        base: &'static str,
    ) -> Result<Self, ApiError> {
        let keys: Vec<&'static str> = columns.iter().filter_map(|c| c.key).collect();
        let key = match q.sort.as_deref() {
            None | Some("") => default.0,
            Some(s) => keys.iter().copied().find(|k| *k == s).ok_or_else(|| {
                bad(format!(
                    "sort: must be one of {} (got `{}`)",
                    keys.join(", "),
                    crate::error::bound_message(s)
                ))
            })?,
        };
        let desc = match q.order.as_deref() {
            None | Some("") => {
                if key == default.0 {
                    default.1
                } else {
                    false
                }
            }
            Some("asc") => false,
            Some("desc") => true,
            Some(o) => {
                return Err(bad(format!(
                    "order: must be asc or desc (got `{}`)",
                    crate::error::bound_message(o)
                )));
            }
        };
        let page = match q.page.as_deref() {
            None | Some("") => 1,
            Some(p) => p
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=100_000).contains(n))
                .ok_or_else(|| {
                    bad(format!(
                        "page: must be a whole number from 1 (got `{}`)",
                        crate::error::bound_message(p)
                    ))
                })?,
        };
        Ok(Self {
            key,
            desc,
            page,
            per_page,
            base,
        })
    }

    fn href(&self, key: &str, desc: bool, page: usize) -> String {
        let order = if desc { "desc" } else { "asc" };
        if page > 1 {
            format!("{}?sort={key}&order={order}&page={page}", self.base)
        } else {
            format!("{}?sort={key}&order={order}", self.base)
        }
    }

    /// The header cells: a sortable column links to itself sorted ascending, or flipped when it
    /// is the sorted one.
    pub fn headers(&self, columns: &[Column]) -> Vec<Header> {
        columns
            .iter()
            .map(|c| {
                let current = c.key == Some(self.key);
                Header {
                    label: c.label,
                    href: c.key.map(|k| self.href(k, current && !self.desc, 1)),
                    aria_sort: current.then_some(if self.desc {
                        "descending"
                    } else {
                        "ascending"
                    }),
                    num: c.num,
                }
            })
            .collect()
    }

    /// Sorts `rows` by `cmp` (ascending), flips it if descending, and keeps the page's rows.
    pub fn page_of<T>(
        &self,
        mut rows: Vec<T>,
        cmp: impl Fn(&str, &T, &T) -> std::cmp::Ordering,
    ) -> (Vec<T>, Pager) {
        rows.sort_by(|a, b| {
            let o = cmp(self.key, a, b);
            if self.desc { o.reverse() } else { o }
        });
        let total = rows.len();
        let from = (self.page - 1) * self.per_page;
        let kept: Vec<T> = rows.into_iter().skip(from).take(self.per_page).collect();
        let pager = Pager {
            from: if kept.is_empty() { 0 } else { from + 1 },
            to: if kept.is_empty() {
                0
            } else {
                from + kept.len()
            },
            total,
            prev: (self.page > 1).then(|| self.href(self.key, self.desc, self.page - 1)),
            next: (from + self.per_page < total)
                .then(|| self.href(self.key, self.desc, self.page + 1)),
        };
        (kept, pager)
    }
}

/// Where the page is in the table, and links to the neighbours.
#[derive(Debug)]
pub struct Pager {
    pub from: usize,
    pub to: usize,
    pub total: usize,
    pub prev: Option<String>,
    pub next: Option<String>,
}

fn bad(detail: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidInput, detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: [Column; 3] = [
        Column::sorted("Name", "name"),
        Column::plain("Scopes"),
        Column::sorted("Created", "created"),
    ];

    fn q(sort: &str, order: &str, page: &str) -> TableQuery {
        let s = |v: &str| (!v.is_empty()).then(|| v.to_owned());
        TableQuery {
            sort: s(sort),
            order: s(order),
            page: s(page),
        }
    }

    #[test]
    fn headers_link_to_the_flipped_order_and_say_which_is_sorted() {
        let t = Sorted::read(&q("", "", ""), &COLS, ("created", true), 2, "/t").unwrap();
        let h = t.headers(&COLS);
        assert_eq!(h[0].href.as_deref(), Some("/t?sort=name&order=asc"));
        assert_eq!(h[0].aria_sort, None);
        assert_eq!(h[1].href, None, "not sortable");
        assert_eq!(h[2].href.as_deref(), Some("/t?sort=created&order=asc"));
        assert_eq!(h[2].aria_sort, Some("descending"));
        let t = Sorted::read(&q("name", "", ""), &COLS, ("created", true), 2, "/t").unwrap();
        assert!(!t.desc, "another column starts ascending");
        assert_eq!(
            t.headers(&COLS)[0].href.as_deref(),
            Some("/t?sort=name&order=desc")
        );
    }

    #[test]
    fn pages_keep_the_order_and_link_their_neighbours() {
        let t = Sorted::read(&q("name", "desc", "2"), &COLS, ("created", true), 2, "/t").unwrap();
        let (rows, p) = t.page_of(vec![1, 5, 3, 4, 2], |_, a: &i32, b: &i32| a.cmp(b));
        assert_eq!(rows, [3, 2]);
        assert_eq!((p.from, p.to, p.total), (3, 4, 5));
        assert_eq!(p.prev.as_deref(), Some("/t?sort=name&order=desc"));
        assert_eq!(p.next.as_deref(), Some("/t?sort=name&order=desc&page=3"));
        let t = Sorted::read(&q("", "", "9"), &COLS, ("created", true), 2, "/t").unwrap();
        let (rows, p) = t.page_of(vec![1, 2], |_, a: &i32, b: &i32| a.cmp(b));
        assert!(rows.is_empty());
        assert_eq!((p.from, p.to, p.next), (0, 0, None));
    }

    #[test]
    fn bad_parameters_are_refused_with_the_reason() {
        for (query, reason) in [
            (
                q("scopes", "", ""),
                "sort: must be one of name, created (got `scopes`)",
            ),
            (
                q("", "sideways", ""),
                "order: must be asc or desc (got `sideways`)",
            ),
            (
                q("", "", "-1"),
                "page: must be a whole number from 1 (got `-1`)",
            ),
            (
                q("", "", "100001"),
                "page: must be a whole number from 1 (got `100001`)",
            ),
        ] {
            let e = Sorted::read(&query, &COLS, ("created", true), 2, "/t")
                .err()
                .unwrap();
            assert_eq!(e.detail, reason);
        }
    }
}
