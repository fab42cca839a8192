//! Starting a communication check on the web: the "Start a check" form of `/checks`, shown to
//! those who may run checks (the regional CERT's coordinators, [`Action::RunCommChecks`]), and
//! `POST /checks`, which calls the same
//! [`Service::start_comm_check`](simpul_core::Service::start_comm_check) as the REST route.
//!
//! The form asks for a title, the targets (every member organisation, or the organisations
//! ticked), the contact kinds (none ticked: every kind), the channels, the deadline as a duration
//! (`90s`, `4h`, `2d`) and a message. Every field is read before anything is started, so a
//! refused form comes back with all its reasons at once, each beside its field, with what was
//! typed; what core refuses later (no contact matches) comes back the same way. A started check
//! redirects to its page (post/redirect/get). Anyone else gets the 403 page, whatever they sent.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use simpul_core::access::{Action, authorize};
use simpul_core::comm_checks::Channel;
use simpul_core::comm_checks::{
    CheckDuration, MAX_MESSAGE_CHARS, NewCheck, TargetSpec, check_title,
};
use simpul_core::contacts::ContactKind;
use simpul_core::{CoreError, Invalid};

use super::admin::Form;
use super::view::{Field, Prefs};
use super::{CsrfForm, WebUser, error_page, see_other};
use crate::AppState;
use crate::error::ApiError;

/// The deadline the blank form proposes.
const DEFAULT_DEADLINE: &str = "4h";

/// A checkbox: value, label, ticked.
pub(super) type Tick = (String, String, bool);

/// The form as the page draws it: blank, or as posted with the reasons it was refused.
#[derive(Debug)]
pub(super) struct StartForm {
    pub title: Field,
    pub deadline: Field,
    pub message: String,
    pub message_error: Option<String>,
    /// Every member organisation (else the organisations ticked).
    pub all_members: bool,
    pub orgs: Vec<Tick>,
    pub targets_error: Option<String>,
    pub kinds: Vec<Tick>,
    pub kinds_error: Option<String>,
    pub channels: Vec<Tick>,
    pub channels_error: Option<String>,
    /// A reason that names no field.
    pub notice: Option<String>,
}

/// A contact kind as the form names it.
fn kind_label(k: ContactKind) -> &'static str {
    match k {
        ContactKind::TechnicalPoc => "Technical POC",
        ContactKind::DiplomaticPoc => "Diplomatic POC",
        ContactKind::Duty24x7 => "24/7 duty",
        ContactKind::HeadOfTeam => "Head of team",
        ContactKind::Escalation => "Escalation",
    }
}

fn channel_label(c: Channel) -> &'static str {
    match c {
        Channel::Email => "E-mail (a link to confirm)",
        Channel::InApp => "In the app (for contacts who sign in)",
    }
}

impl StartForm {
    /// The blank form over the organisations `orgs` (short names, in order).
    pub(super) fn blank(orgs: &[String]) -> Self {
        Self::filled(orgs, &Form::default(), true)
    }

    /// The form with what `posted` holds (`fresh`: nothing was posted, the defaults apply).
    fn filled(orgs: &[String], posted: &Form, fresh: bool) -> Self {
        let ticked = posted.all("org");
        let kinds = posted.all("kind");
        let channels = posted.all("channel");
        Self {
            title: Field::new("check-title", "title", "Title")
                .required()
                .help("Named in the mail's subject and on the check's page.")
                .value(posted.get("title")),
            deadline: Field::new("check-deadline", "deadline", "Deadline")
                .required()
                .help("How long contacts have to answer: a whole number and s, m, h or d, e.g. 90s, 30m, 4h, 2d (10 seconds to 30 days).")
                .value(if fresh { DEFAULT_DEADLINE } else { posted.get("deadline") }),
            message: posted.get("message").to_owned(),
            message_error: None,
            all_members: fresh || posted.get("targets") != "orgs",
            orgs: orgs
                .iter()
                .map(|o| (o.clone(), o.clone(), ticked.contains(o)))
                .collect(),
            targets_error: None,
            kinds: ContactKind::ALL
                .iter()
                .map(|k| {
                    let v = k.as_str().to_owned();
                    let on = kinds.contains(&v);
                    (v, kind_label(*k).to_owned(), on)
                })
                .collect(),
            kinds_error: None,
            channels: Channel::ALL
                .iter()
                .map(|c| {
                    let v = c.as_str().to_owned();
                    let on = fresh || channels.contains(&v);
                    (v, channel_label(*c).to_owned(), on)
                })
                .collect(),
            channels_error: None,
            notice: None,
        }
    }

    /// Puts each reason beside its field: the first segment of its path names the field.
    fn refuse(&mut self, errors: &[Invalid]) {
        for e in errors {
            let field = e
                .path
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or("");
            let slot = match field {
                "title" => &mut self.title.error,
                "deadline" => &mut self.deadline.error,
                "message" => &mut self.message_error,
                "targets" => &mut self.targets_error,
                "kinds" => &mut self.kinds_error,
                "channels" => &mut self.channels_error,
                _ => &mut self.notice,
            };
            slot.get_or_insert_with(|| e.message.clone());
        }
    }

    /// Whether any reason is shown.
    pub(super) fn refused(&self) -> bool {
        self.title.error.is_some()
            || self.deadline.error.is_some()
            || self.message_error.is_some()
            || self.targets_error.is_some()
            || self.kinds_error.is_some()
            || self.channels_error.is_some()
            || self.notice.is_some()
    }
}

/// Reads the posted form into a check to start, or every reason it cannot be one.
fn read(form: &Form) -> Result<NewCheck, Vec<Invalid>> {
    let title = check_title("/title", form.get("title"));
    let deadline = CheckDuration::parse_at("/deadline", form.get("deadline"));
    let message = form.get("message").trim().to_owned();
    let orgs = form.all("org");
    let targets = match form.get("targets") {
        "all" if orgs.is_empty() => Ok(TargetSpec::AllMembers),
        "all" => Err(Invalid::new(
            "/targets",
            "every member organisation is chosen: untick the organisations, or choose \
             “The organisations ticked”",
        )),
        "orgs" if orgs.is_empty() => {
            Err(Invalid::new("/targets", "tick at least one organisation"))
        }
        "orgs" => TargetSpec::from_json("/targets", &serde_json::json!({ "orgs": orgs })),
        _ => Err(Invalid::new(
            "/targets",
            "choose every member organisation or the organisations ticked",
        )),
    };
    let kinds: Result<Vec<ContactKind>, Invalid> = form
        .all("kind")
        .iter()
        .map(|k| {
            k.parse()
                .map_err(|e: Invalid| Invalid::new("/kinds", e.message))
        })
        .collect();
    let channels: Result<Vec<Channel>, Invalid> = form
        .all("channel")
        .iter()
        .map(|c| {
            c.parse()
                .map_err(|e: Invalid| Invalid::new("/channels", e.message))
        })
        .collect();
    let channels = channels.and_then(|c| {
        if c.is_empty() {
            Err(Invalid::new(
                "/channels",
                "tick at least one channel: e-mail, in the app, or both",
            ))
        } else {
            Ok(c)
        }
    });
    let mut errors: Vec<Invalid> = [
        title.as_ref().err(),
        targets.as_ref().err(),
        kinds.as_ref().err(),
        channels.as_ref().err(),
        deadline.as_ref().err(),
    ]
    .into_iter()
    .flatten()
    .cloned()
    .collect();
    if message.chars().count() > MAX_MESSAGE_CHARS {
        errors.push(Invalid::new(
            "/message",
            format!("the message is longer than {MAX_MESSAGE_CHARS} characters"),
        ));
    }
    match (title, deadline, targets, kinds, channels) {
        (Ok(title), Ok(deadline), Ok(targets), Ok(kinds), Ok(channels)) if errors.is_empty() => {
            Ok(NewCheck {
                title,
                message,
                channels,
                kinds,
                targets,
                deadline,
            })
        }
        _ => Err(errors),
    }
}

/// Whether `w` may start checks (and so sees the form).
pub(super) fn may_start(w: &WebUser) -> bool {
    authorize(&w.principal, Action::RunCommChecks).is_ok()
}

/// `POST /checks`: starts a check and shows it; a refused form is the list page again with the
/// reasons in the form.
pub(super) async fn start(
    State(state): State<AppState>,
    prefs: Prefs,
    CsrfForm { user: w, form }: CsrfForm<Form>,
) -> Response {
    if let Err(denied) = authorize(&w.principal, Action::RunCommChecks) {
        return error_page(&ApiError::from(CoreError::from(denied)), None);
    }
    let errors = match read(&form) {
        Ok(new) => match state.service.start_comm_check(&w.principal, new).await {
            Ok((check, _tokens)) => return see_other(&format!("/checks/{}", check.id)),
            Err(CoreError::Invalid(i)) => vec![i],
            Err(e) => return error_page(&ApiError::from(e), None),
        },
        Err(errors) => errors,
    };
    let orgs = match super::checks::org_choices(&state, &w).await {
        Ok(o) => o,
        Err(e) => return error_page(&ApiError::from(e), None),
    };
    let mut again = StartForm::filled(&orgs, &form, false);
    again.refuse(&errors);
    super::checks::list_page(&state, &w, prefs, Some(again), StatusCode::BAD_REQUEST).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Form {
        serde_urlencoded::from_str(&serde_urlencoded::to_string(pairs).unwrap()).unwrap()
    }

    #[test]
    fn a_full_form_reads_as_a_check() {
        let f = form(&[
            ("title", " Duty check "),
            ("targets", "orgs"),
            ("org", "SingCERT"),
            ("org", "MyCERT"),
            ("kind", "24x7-duty"),
            ("channel", "in-app"),
            ("deadline", "90s"),
            ("message", "Please answer."),
        ]);
        let c = read(&f).unwrap();
        assert_eq!(c.title, "Duty check");
        assert_eq!(
            serde_json::to_value(&c.targets).unwrap(),
            serde_json::json!({"orgs": ["SingCERT", "MyCERT"]})
        );
        assert_eq!(c.kinds, vec![ContactKind::Duty24x7]);
        assert_eq!(c.channels, vec![Channel::InApp]);
        assert_eq!(c.deadline.secs(), 90);
        let all = read(&form(&[
            ("title", "t"),
            ("targets", "all"),
            ("channel", "email"),
            ("deadline", "2d"),
        ]))
        .unwrap();
        assert_eq!(all.targets, TargetSpec::AllMembers);
        assert!(all.kinds.is_empty());
    }

    #[test]
    fn every_reason_lands_beside_its_field() {
        let f = form(&[
            ("title", "  "),
            ("targets", "orgs"),
            ("deadline", "soon"),
            ("kind", "pager"),
        ]);
        let errors = read(&f).unwrap_err();
        let mut paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        paths.sort_unstable();
        assert_eq!(
            paths,
            ["/channels", "/deadline", "/kinds", "/targets", "/title"]
        );
        let mut page = StartForm::filled(&["SingCERT".into()], &f, false);
        page.refuse(&errors);
        assert!(page.refused() && page.notice.is_none());
        assert!(page.deadline.error.as_deref().unwrap().contains("`soon`"));
        assert_eq!(page.deadline.value, "soon", "what was typed stays");
        assert!(!page.all_members);
        assert!(
            page.channels.iter().all(|c| !c.2),
            "nothing ticked stays unticked"
        );
        // Organisations ticked with "every member organisation" chosen: refused, not ignored.
        let f = form(&[
            ("title", "t"),
            ("targets", "all"),
            ("org", "SingCERT"),
            ("channel", "email"),
            ("deadline", "1h"),
        ]);
        assert_eq!(read(&f).unwrap_err()[0].path, "/targets");
    }
}
