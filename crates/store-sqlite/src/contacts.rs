//! The `contacts` table. The reader's [`DirectoryFilter`] becomes `(visibility IN (…) OR org_id = ?)`.

use async_trait::async_trait;
use rusqlite::{Connection, params, params_from_iter};
use simpul_core::access::directory::DirectoryFilter;
use simpul_core::audit::AuditEvent;
use simpul_core::contacts::rows::{
    CONTACT_COLUMNS, ContactRow, SqlDialect, contact_where, email_needle,
};
use simpul_core::contacts::store::{ContactQuery, ContactStore, LIST_MAX};
use simpul_core::contacts::{Contact, ContactId};
use simpul_core::store::StoreError;

use crate::SqliteStore;
use crate::error::Error;
use crate::rows::{Cols, ts};
use crate::tx::query_all;

fn contact(row: &rusqlite::Row<'_>) -> Result<Contact, Error> {
    let c = Cols::new(row, "contacts");
    Ok(ContactRow {
        id: c.uuid(0)?,
        org_id: c.uuid(1)?,
        visibility: c.get(2)?,
        name_lc: c.get(3)?,
        emails_lc: c.get(4)?,
        kinds: c.get(5)?,
        doc: c.get(6)?,
        updated_at: c.ts(7)?,
    }
    .decode()?)
}

const SQLITE: SqlDialect = SqlDialect {
    param: |n, _| format!("?{n}"),
    contains: |n, col| format!("instr({col}, ?{n}) > 0"),
};

fn write_row(tx: &Connection, r: &ContactRow, insert: bool) -> Result<usize, rusqlite::Error> {
    let sql = if insert {
        format!("INSERT INTO contacts ({CONTACT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
    } else {
        "UPDATE contacts SET visibility = ?3, name_lc = ?4, emails_lc = ?5, kinds = ?6, doc = ?7,
         updated_at = ?8 WHERE id = ?1 AND org_id = ?2"
            .into()
    };
    tx.execute(
        &sql,
        params![
            r.id.to_string(),
            r.org_id.to_string(),
            r.visibility,
            r.name_lc,
            r.emails_lc,
            r.kinds,
            r.doc,
            ts(r.updated_at)
        ],
    )
}

#[async_trait]
impl ContactStore for SqliteStore {
    async fn insert_contact(&self, c: &Contact, audit: &AuditEvent) -> Result<(), StoreError> {
        let r = ContactRow::from(c);
        self.audited(audit, move |tx| {
            write_row(tx, &r, true)?;
            Ok(())
        })
        .await
    }

    async fn update_contact(&self, c: &Contact, audit: &AuditEvent) -> Result<bool, StoreError> {
        let r = ContactRow::from(c);
        self.audited(audit, move |tx| Ok(write_row(tx, &r, false)? == 1))
            .await
    }

    async fn delete_contact(&self, id: ContactId, audit: &AuditEvent) -> Result<bool, StoreError> {
        self.audited(audit, move |tx| {
            Ok(tx.execute("DELETE FROM contacts WHERE id = ?1", [id.0.to_string()])? == 1)
        })
        .await
    }

    async fn get_contact(
        &self,
        id: ContactId,
        filter: Option<&DirectoryFilter>,
    ) -> Result<Option<Contact>, StoreError> {
        let query = ContactQuery {
            ids: Some(vec![id]),
            limit: 1,
            ..Default::default()
        };
        Ok(self.list_contacts(filter, &query).await?.pop())
    }

    async fn list_contacts(
        &self,
        filter: Option<&DirectoryFilter>,
        query: &ContactQuery,
    ) -> Result<Vec<Contact>, StoreError> {
        let (w, args) = contact_where(SQLITE, filter, query);
        let limit = query.limit.clamp(1, LIST_MAX);
        let offset = query.offset;
        self.read(move |c| {
            query_all(
                c,
                &format!(
                    "SELECT {CONTACT_COLUMNS} FROM contacts {w}
                     ORDER BY org_id, name_lc, id LIMIT {limit} OFFSET {offset}"
                ),
                params_from_iter(args.iter()),
                contact,
            )
        })
        .await
    }

    async fn contact_ids_for_email(&self, email: &str) -> Result<Vec<ContactId>, StoreError> {
        let needle = email_needle(email);
        self.read(move |c| {
            query_all(
                c,
                "SELECT id FROM contacts WHERE instr(emails_lc, ?1) > 0 ORDER BY id",
                [needle],
                |r| Ok(ContactId(Cols::new(r, "contacts").uuid(0)?)),
            )
        })
        .await
    }
}
