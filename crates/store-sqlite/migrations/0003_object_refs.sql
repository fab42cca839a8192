-- The STIX ids each object version refers to (simpul_core::intel::refs: a sighting's
-- sighting_of_ref, where_sighted_refs and observed_data_refs, a relationship's source_ref and
-- target_ref, the object_refs of reports, groupings, notes, opinions and observed-data), read by
-- id: "the sightings of this indicator", "what refers to this object".
--
-- Objects stored before this migration have no rows here (P1.7 was unreleased when it was added).

CREATE TABLE object_refs (
    object  INTEGER NOT NULL REFERENCES objects (seq),
    ref_id  TEXT NOT NULL,
    PRIMARY KEY (object, ref_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX object_refs_ref ON object_refs (ref_id, object);
