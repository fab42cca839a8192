//! The communication checks' pages: the list with the share acknowledged and the chart of median
//! response times per organisation, a check's page with its per-target rows and summary, what an
//! organisation may not see of another's targets, the refresh while pending, and the NAV entry.

use simpul_core::comm_checks::{Channel, CheckId, NewCheck, TargetContact, TargetSpec};
use simpul_core::contacts::ContactId;

use crate::web_pages::{get, redact, session_of};
use crate::world::{World, operator, world};

/// A check of one SingCERT and one MyCERT contact, 90 s deadline; its tokens in that order.
async fn started(w: &World, title: &str) -> (CheckId, Vec<String>) {
    let new = NewCheck {
        title: title.into(),
        message: "Please confirm this address reaches your team.".into(),
        channels: vec![Channel::Email],
        kinds: vec![],
        targets: TargetSpec::AllMembers,
        deadline: "90s".parse().unwrap(),
    };
    let contact = |org, name: &str, email: &str| TargetContact {
        contact_id: ContactId::new_random(),
        org_id: org,
        name: name.into(),
        email: email.into(),
    };
    let s = w
        .service
        .start_check(
            &operator(),
            new,
            vec![
                contact(w.own.id, "Siti Rahman", "duty@own.example"),
                contact(w.other.id, "Arif Hakim", "duty@other.example"),
            ],
        )
        .await
        .unwrap();
    (s.check.id, s.tokens.into_iter().map(|t| t.token).collect())
}

fn redact_id(html: &str, id: CheckId) -> String {
    redact(html).replace(&id.to_string(), "[check-id]")
}

#[tokio::test]
async fn the_list_the_chart_and_the_check_page_show_what_the_reader_may_read() {
    let w = world().await;
    let (first, tokens) = started(&w, "Quarterly POC check").await;
    w.clock.advance(time::Duration::seconds(42));
    w.service
        .acknowledge_by_link(&tokens[0], None)
        .await
        .unwrap();
    w.clock.advance(time::Duration::seconds(60));
    // The first check is over (MyCERT did not answer); the second is running.
    let (second, tokens2) = started(&w, "Monthly duty check").await;
    w.clock.advance(time::Duration::seconds(7));
    w.service
        .acknowledge_by_link(&tokens2[1], None)
        .await
        .unwrap();

    // The coordinator (the regional CERT's user) sees both, newest first, and every target.
    let sa = session_of(&w, "sa@regional.example").await;
    let (status, html) = get(&w, "/checks", &sa).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("<a href=\"/checks\" aria-current=\"page\">Checks</a>"));
    let newer = html.find("Monthly duty check").unwrap();
    let older = html.find("Quarterly POC check").unwrap();
    assert!(newer < older);
    assert!(html.contains("<td class=\"num\">50 %</td>"), "{html}");
    assert!(
        html.contains("aria-label=\"SingCERT: median response time in 1 of the 2 newest checks\""),
        "{html}"
    );
    assert!(
        html.contains("<title>Quarterly POC check: median 42 s</title>"),
        "{html}"
    );
    insta::assert_snapshot!(
        "web_checks_list",
        redact_id(&redact_id(&html, first), second)
    );

    let (status, html) = get(&w, &format!("/checks/{first}"), &sa).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Arif Hakim") && html.contains("Siti Rahman"));
    assert!(html.contains("<span class=\"status state-no-answer\">no-answer</span>"));
    assert!(html.contains("<span class=\"status state-acknowledged\">acknowledged</span>"));
    assert!(!html.contains("data-refresh") && !html.contains("http-equiv"));
    insta::assert_snapshot!("web_check_done", redact_id(&html, first));

    // While a target is pending the progress region refreshes (script, or meta without it).
    let (_, html) = get(&w, &format!("/checks/{second}"), &sa).await;
    assert!(
        html.contains("<div id=\"progress\" data-refresh=\"5\""),
        "{html}"
    );
    assert!(html.contains("<noscript><meta http-equiv=\"refresh\" content=\"5\"></noscript>"));
    assert!(html.contains("<span class=\"status state-pending\">pending</span>"));

    // An organisation sees its own targets only: SingCERT never sees MyCERT's contact.
    let an = session_of(&w, "an@own.example").await;
    let (status, html) = get(&w, &format!("/checks/{first}"), &an).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Siti Rahman"));
    assert!(
        !html.contains("Arif Hakim") && !html.contains("MyCERT"),
        "{html}"
    );
    assert!(html.contains("<strong>100 %</strong>"), "{html}");
    let (_, html) = get(&w, "/checks", &an).await;
    assert!(
        html.contains("Quarterly POC check") && !html.contains("MyCERT"),
        "{html}"
    );

    // Not a check, not an id: the HTML not-found page.
    let (status, html) = get(&w, &format!("/checks/{}", uuid::Uuid::new_v4()), &an).await;
    assert_eq!(status, 404, "{html}");
    let (status, _) = get(&w, "/checks/not-an-id", &an).await;
    assert_eq!(status, 404);
    // Signed out: to the sign-in page, like every page.
    let (status, _) = get(&w, "/checks", "").await;
    assert_eq!(status, 303);
}
