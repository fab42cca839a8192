//! `object_refs`: the STIX ids an object version refers to, written with it in one statement.

use simpul_core::intel::store::NewObject;
use simpul_core::store::StoreError;
use time::OffsetDateTime;

use crate::tx::execute;

/// Writes the refs of the new versions `new` (numbered `seqs`), each once per version. A ref
/// PostgreSQL cannot hold (text never contains NUL) cannot be looked up either: it is left out.
pub(super) async fn insert(
    tx: &deadpool_postgres::Transaction<'_>,
    seqs: &[i64],
    new: &[(&NewObject, OffsetDateTime)],
) -> Result<(), StoreError> {
    let (mut r_seq, mut r_id) = (Vec::new(), Vec::new());
    for (&seq, (o, _)) in seqs.iter().zip(new) {
        let mut seen = std::collections::HashSet::new();
        for r in o.refs.iter().filter(|r| !r.contains('\0')) {
            if seen.insert(r.as_str()) {
                r_seq.push(seq);
                r_id.push(r.as_str());
            }
        }
    }
    if r_seq.is_empty() {
        return Ok(());
    }
    execute(
        tx,
        "INSERT INTO object_refs (object_seq, ref_id)
         SELECT * FROM unnest($1::bigint[], $2::text[])",
        &[&r_seq, &r_id],
    )
    .await
    .map(drop)
}
