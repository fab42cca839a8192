//! Matrix rows of the outgoing-mail record: site-admins and the regional CERT's coordinators only
//! (an unknown status is refused before that; the site-admin of this world is the regional CERT's; the others are a national CERT's).

use super::{Ids, Row, row};

pub fn rows(_ids: &Ids) -> Vec<Row> {
    vec![
        row!(
            "GET /mail",
            "/api/v1/mail".into(),
            None,
            [401, 401, 200, 403, 403, 403]
        ),
        row!(
            "GET /mail",
            "/api/v1/mail?status=sent&limit=5".into(),
            None,
            [401, 401, 200, 403, 403, 403]
        ),
        row!(
            "GET /mail",
            "/api/v1/mail?status=lost".into(),
            None,
            [401, 401, 400, 400, 400, 400]
        ),
    ]
}
