//! What every page shares: the layout's data ([`Chrome`]), the reader's preferences ([`Prefs`]:
//! theme and time zone, from cookies), times in human form ([`When`]), TLP badges, form fields
//! with their help and inline error ([`Field`]), and sortable, paged tables ([`Table`]).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use simpul_core::Principal;
use time::{OffsetDateTime, UtcOffset};

use super::WebUser;
use crate::error::ApiError;

/// The signed-in person as the header shows them.
#[derive(Debug)]
pub struct Who {
    pub name: String,
    pub email: String,
    pub org: String,
    pub role: String,
    pub csrf: String,
}

/// One entry of the main navigation.
#[derive(Debug)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// The sections of the main navigation, in order (a domain adds its page here).
const NAV: [(&str, &str); 8] = [
    ("/", "Dashboard"),
    ("/objects", "Browse"),
    ("/submit", "Submit"),
    ("/match", "Match"),
    ("/directory", "Directory"),
    ("/requests", "Requests"),
    ("/checks", "Checks"),
    ("/account", "Account"),
];

/// The layout's data: the page title, who is signed in (if anyone), the navigation, the theme and
/// the time zone the page is shown in, and the path to come back to after a preference change.
#[derive(Debug)]
pub struct Chrome {
    pub title: String,
    pub user: Option<Who>,
    pub nav: Vec<NavItem>,
    pub prefs: Prefs,
    pub path: String,
    pub version: &'static str,
}

impl Chrome {
    /// A page of a signed-in person, `current` naming its navigation entry.
    pub fn signed_in(title: &str, w: &WebUser, prefs: Prefs, current: &str) -> Self {
        let user = who(&w.principal, &w.csrf);
        let mut nav: Vec<NavItem> = NAV
            .iter()
            .map(|&(href, label)| NavItem {
                href,
                label,
                current: href == current,
            })
            .collect();
        // Administration: only for those who administer (site-admins and org-admins).
        if administers(&w.principal) {
            nav.push(NavItem {
                href: "/admin",
                label: "Administration",
                current: current == "/admin" || current.starts_with("/admin/"),
            });
        }
        Self {
            title: title.to_owned(),
            nav,
            user,
            prefs,
            path: current.to_owned(),
            version: env!("CARGO_PKG_VERSION"),
        }
    }

    /// A page for someone not signed in (sign-in, errors).
    pub fn anonymous(title: &str, prefs: Prefs) -> Self {
        Self {
            title: title.to_owned(),
            user: None,
            nav: Vec::new(),
            prefs,
            path: "/".to_owned(),
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// Whether `p` sees the Administration section: a site-admin or an org-admin.
fn administers(p: &Principal) -> bool {
    use simpul_core::Role;
    p.as_user()
        .is_some_and(|u| matches!(u.user.role, Role::SiteAdmin | Role::OrgAdmin))
}

fn who(p: &Principal, csrf: &str) -> Option<Who> {
    let u = p.as_user()?;
    Some(Who {
        name: u.user.display_name.clone(),
        email: u.user.email.as_str().to_owned(),
        org: u.org.short_name.as_str().to_owned(),
        role: u.user.role.to_string(),
        csrf: csrf.to_owned(),
    })
}

/// The theme cookie (`light`, `dark`; absent: the system's choice).
pub const THEME_COOKIE: &str = "simpul_theme";
/// The time-zone cookie (a name of [`ZONES`]; absent: UTC).
pub const TZ_COOKIE: &str = "simpul_tz";

/// The time zones a page can be shown in: UTC and those of the ASEAN member states, none of which
/// keeps daylight-saving time, so each is one fixed offset (hours, minutes).
pub const ZONES: [(&str, i8, i8); 14] = [
    ("UTC", 0, 0),
    ("Asia/Bangkok", 7, 0),
    ("Asia/Brunei", 8, 0),
    ("Asia/Dili", 9, 0),
    ("Asia/Ho_Chi_Minh", 7, 0),
    ("Asia/Jakarta", 7, 0),
    ("Asia/Jayapura", 9, 0),
    ("Asia/Kuala_Lumpur", 8, 0),
    ("Asia/Makassar", 8, 0),
    ("Asia/Manila", 8, 0),
    ("Asia/Phnom_Penh", 7, 0),
    ("Asia/Singapore", 8, 0),
    ("Asia/Vientiane", 7, 0),
    ("Asia/Yangon", 6, 30),
];

/// The reader's display preferences.
#[derive(Debug, Clone)]
pub struct Prefs {
    /// `Some("light")`/`Some("dark")`, or `None` for the system's choice.
    pub theme: Option<&'static str>,
    /// An entry of [`ZONES`].
    pub zone: &'static str,
    offset: UtcOffset,
    /// Now, from the service's clock.
    pub now: OffsetDateTime,
}

impl Prefs {
    pub fn new(theme: Option<&str>, zone: Option<&str>, now: OffsetDateTime) -> Self {
        let theme = match theme {
            Some("light") => Some("light"),
            Some("dark") => Some("dark"),
            _ => None,
        };
        let (zone, h, m) = zone
            .and_then(|z| ZONES.iter().find(|(name, ..)| *name == z))
            .copied()
            .unwrap_or(ZONES[0]);
        let offset = UtcOffset::from_hms(h, m, 0).unwrap_or(UtcOffset::UTC);
        Self {
            theme,
            zone,
            offset,
            now,
        }
    }

    /// The reader's zone's offset from UTC.
    pub fn offset(&self) -> UtcOffset {
        self.offset
    }

    /// The zone with its offset, as the footer names it: `Asia/Jakarta (UTC+07:00)`.
    pub fn zone_label(&self) -> String {
        zone_label(self.zone, self.offset)
    }

    /// `t` for a `<time>` element.
    pub fn when(&self, t: OffsetDateTime) -> When {
        let utc = simpul_core::clock::to_utc(t);
        let local = simpul_core::clock::at_offset(t, self.offset);
        let secs = (self.now - t).whole_seconds();
        let human = match secs {
            0..=59 => "just now".to_owned(),
            60..=3599 => format!("{} min ago", secs / 60),
            3600..=86_399 => format!("{} h ago", secs / 3600),
            -3599..=-1 => format!("in {} min", (59 - secs) / 60),
            -86_399..=-3600 => format!("in {} h", -secs / 3600),
            _ => absolute(local),
        };
        When {
            iso: simpul_core::clock::rfc3339_micros(utc),
            exact: format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
                utc.year(),
                u8::from(utc.month()),
                utc.day(),
                utc.hour(),
                utc.minute(),
                utc.second()
            ),
            human,
        }
    }
}

fn zone_label(zone: &str, o: UtcOffset) -> String {
    let (h, m, _) = o.as_hms();
    let sign = if h < 0 || m < 0 { '-' } else { '+' };
    format!("{zone} (UTC{sign}{:02}:{:02})", h.abs(), m.abs())
}

/// The zones for a `<select>`: name, label, whether it is the reader's.
pub fn zone_options(prefs: &Prefs) -> Vec<(&'static str, String, bool)> {
    ZONES
        .iter()
        .map(|&(name, h, m)| {
            let o = UtcOffset::from_hms(h, m, 0).unwrap_or(UtcOffset::UTC);
            (name, zone_label(name, o), name == prefs.zone)
        })
        .collect()
}

/// `1 Dec 2026 14:05`.
fn absolute(t: OffsetDateTime) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{} {} {} {:02}:{:02}",
        t.day(),
        MONTHS[usize::from(u8::from(t.month()) - 1)],
        t.year(),
        t.hour(),
        t.minute()
    )
}

/// A time as the page shows it: `<time datetime="{iso}" title="{exact}">{human}</time>`.
#[derive(Debug)]
pub struct When {
    pub iso: String,
    pub exact: String,
    pub human: String,
}

impl FromRequestParts<crate::AppState> for Prefs {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &crate::AppState,
    ) -> Result<Self, Self::Rejection> {
        let theme = crate::auth::cookie_value(&parts.headers, THEME_COOKIE);
        let zone = crate::auth::cookie_value(&parts.headers, TZ_COOKIE);
        Ok(Prefs::new(
            theme.as_deref(),
            zone.as_deref(),
            state.service.now(),
        ))
    }
}

/// A TLP 2.0 badge: its CSS class and its label (`TLP:AMBER+STRICT`).
#[derive(Debug)]
pub struct Badge {
    pub class: &'static str,
    pub label: String,
}

pub fn tlp_badge(tlp: simpul_core::intel::Tlp) -> Badge {
    use simpul_core::intel::Tlp;
    let class = match tlp {
        Tlp::Clear => "tlp tlp-clear",
        Tlp::Green => "tlp tlp-green",
        Tlp::Amber => "tlp tlp-amber",
        Tlp::AmberStrict => "tlp tlp-amber-strict",
        Tlp::Red => "tlp tlp-red",
    };
    Badge {
        class,
        label: tlp.to_string(),
    }
}

/// One form field: its label above, its help and its error (if any) below, tied to the input by
/// `aria-describedby`.
#[derive(Debug)]
pub struct Field {
    pub id: &'static str,
    pub name: &'static str,
    pub label: &'static str,
    pub kind: &'static str,
    pub help: &'static str,
    pub value: String,
    pub autocomplete: &'static str,
    pub required: bool,
    pub error: Option<String>,
}

impl Field {
    pub fn new(id: &'static str, name: &'static str, label: &'static str) -> Self {
        Self {
            id,
            name,
            label,
            kind: "text",
            help: "",
            value: String::new(),
            autocomplete: "off",
            required: false,
            error: None,
        }
    }
    pub fn kind(mut self, kind: &'static str) -> Self {
        self.kind = kind;
        self
    }
    pub fn help(mut self, help: &'static str) -> Self {
        self.help = help;
        self
    }
    pub fn autocomplete(mut self, a: &'static str) -> Self {
        self.autocomplete = a;
        self
    }
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub fn value(mut self, v: impl Into<String>) -> Self {
        self.value = v.into();
        self
    }
    /// The `aria-describedby` ids.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if !self.help.is_empty() {
            ids.push(format!("{}-help", self.id));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.id));
        }
        ids.join(" ")
    }
}

/// Field errors of a refused form, by field name (`/name` → `name`); what names no field of the
/// form is the page's notice.
pub fn field_errors(err: &ApiError, fields: &mut [&mut Field]) -> Option<String> {
    let mut rest = Vec::new();
    for fe in &err.errors {
        let name = fe.pointer.trim_start_matches('/');
        match fields.iter_mut().find(|f| f.name == name) {
            Some(f) => f.error = Some(fe.detail.clone()),
            None => rest.push(format!("{name}: {}", fe.detail)),
        }
    }
    if err.errors.is_empty() {
        return Some(crate::error::bound_message(&err.detail));
    }
    (!rest.is_empty()).then(|| rest.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn times_read_as_people_say_them() {
        let now = datetime!(2026-12-01 14:05:30 UTC);
        let p = Prefs::new(None, None, now);
        let h = |t| p.when(t).human;
        assert_eq!(h(datetime!(2026-12-01 14:05:00 UTC)), "just now");
        assert_eq!(h(datetime!(2026-12-01 13:50:00 UTC)), "15 min ago");
        assert_eq!(h(datetime!(2026-12-01 11:05:00 UTC)), "3 h ago");
        assert_eq!(h(datetime!(2026-12-01 14:20:30 UTC)), "in 15 min");
        assert_eq!(h(datetime!(2026-12-01 20:05:30 UTC)), "in 6 h");
        assert_eq!(h(datetime!(2026-11-29 09:07:00 UTC)), "29 Nov 2026 09:07");
        let w = p.when(datetime!(2026-12-01 14:05:03.007045 UTC));
        assert_eq!(w.iso, "2026-12-01T14:05:03.007045Z");
        assert_eq!(w.exact, "2026-12-01 14:05:03 UTC");
    }

    #[test]
    fn a_zone_shifts_the_date_and_time_but_never_the_exact_utc() {
        let now = datetime!(2026-12-10 00:00 UTC);
        let yangon = Prefs::new(None, Some("Asia/Yangon"), now);
        let w = yangon.when(datetime!(2026-12-01 20:00 UTC));
        assert_eq!(w.human, "2 Dec 2026 02:30");
        assert_eq!(w.exact, "2026-12-01 20:00:00 UTC");
        assert_eq!(yangon.zone_label(), "Asia/Yangon (UTC+06:30)");
        // An unknown zone or theme in a cookie falls back to the default.
        let p = Prefs::new(Some("pink"), Some("Mars/Olympus"), now);
        assert_eq!((p.theme, p.zone), (None, "UTC"));
    }
}
