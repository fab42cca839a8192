//! The `contacts` table. The reader's [`DirectoryFilter`] becomes `(visibility IN (…) OR org_id = $n)`.

use async_trait::async_trait;
use simpul_core::access::directory::DirectoryFilter;
use simpul_core::audit::AuditEvent;
use simpul_core::contacts::rows::{
    CONTACT_COLUMNS, ContactRow, SqlDialect, contact_where, email_needle,
};
use simpul_core::contacts::store::{ContactQuery, ContactStore, LIST_MAX};
use simpul_core::contacts::{Contact, ContactId};
use simpul_core::store::StoreError;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use crate::PostgresStore;
use crate::rows::Columns;
use crate::tx::{execute, query};

const POSTGRES: SqlDialect = SqlDialect {
    param: |n, col| {
        if col == "id" || col == "org_id" {
            format!("${n}::text::uuid")
        } else {
            format!("${n}")
        }
    },
    contains: |n, col| format!("strpos({col}, ${n}) > 0"),
};

fn contact(row: &Row) -> Result<Contact, StoreError> {
    let c = Columns::of(row, "contacts");
    ContactRow {
        id: c.get("id")?,
        org_id: c.get("org_id")?,
        visibility: c.get("visibility")?,
        name_lc: c.get("name_lc")?,
        emails_lc: c.get("emails_lc")?,
        kinds: c.get("kinds")?,
        doc: c.get("doc")?,
        updated_at: c.get("updated_at")?,
    }
    .decode()
}

const INSERT: &str =
    "INSERT INTO contacts (id, org_id, visibility, name_lc, emails_lc, kinds, doc, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
const UPDATE: &str =
    "UPDATE contacts SET visibility = $3, name_lc = $4, emails_lc = $5, kinds = $6,
     doc = $7, updated_at = $8 WHERE id = $1 AND org_id = $2";

#[async_trait]
impl ContactStore for PostgresStore {
    async fn insert_contact(&self, c: &Contact, audit: &AuditEvent) -> Result<(), StoreError> {
        let r = ContactRow::from(c);
        self.audited(audit, move |tx| {
            Box::pin(async move {
                execute(
                    tx,
                    INSERT,
                    &[
                        &r.id,
                        &r.org_id,
                        &r.visibility,
                        &r.name_lc,
                        &r.emails_lc,
                        &r.kinds,
                        &r.doc,
                        &r.updated_at,
                    ],
                )
                .await
                .map(drop)
            })
        })
        .await
    }

    async fn update_contact(&self, c: &Contact, audit: &AuditEvent) -> Result<bool, StoreError> {
        let r = ContactRow::from(c);
        self.audited(audit, move |tx| {
            Box::pin(async move {
                execute(
                    tx,
                    UPDATE,
                    &[
                        &r.id,
                        &r.org_id,
                        &r.visibility,
                        &r.name_lc,
                        &r.emails_lc,
                        &r.kinds,
                        &r.doc,
                        &r.updated_at,
                    ],
                )
                .await
                .map(|n| n == 1)
            })
        })
        .await
    }

    async fn delete_contact(&self, id: ContactId, audit: &AuditEvent) -> Result<bool, StoreError> {
        self.audited(audit, move |tx| {
            Box::pin(async move {
                execute(tx, "DELETE FROM contacts WHERE id = $1", &[&id.0])
                    .await
                    .map(|n| n == 1)
            })
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
        q: &ContactQuery,
    ) -> Result<Vec<Contact>, StoreError> {
        let (w, args) = contact_where(POSTGRES, filter, q);
        let limit = q.limit.clamp(1, LIST_MAX);
        let offset = q.offset;
        let params: Vec<&(dyn ToSql + Sync)> =
            args.iter().map(|a| a as &(dyn ToSql + Sync)).collect();
        let client = self.client().await?;
        let rows = query(
            &client,
            &format!(
                "SELECT {CONTACT_COLUMNS} FROM contacts {w}
                 ORDER BY org_id::text, name_lc, id::text LIMIT {limit} OFFSET {offset}"
            ),
            &params,
        )
        .await?;
        rows.iter().map(contact).collect()
    }

    async fn contact_ids_for_email(&self, email: &str) -> Result<Vec<ContactId>, StoreError> {
        let client = self.client().await?;
        let rows = query(
            &client,
            "SELECT id FROM contacts WHERE strpos(emails_lc, $1) > 0 ORDER BY id::text",
            &[&email_needle(email)],
        )
        .await?;
        rows.iter()
            .map(|r| Ok(ContactId(Columns::of(r, "contacts").get("id")?)))
            .collect()
    }
}
