-- An object's versions are a lineage per producing organisation: a version is keyed by
-- (collection, id, producer organisation, version), so another organisation posting the same id and
-- version stores its own version instead of being told "already stored" about a row it may not see,
-- and "the newest version" is decided within one producer's lineage (a newer version by another
-- organisation never hides or replaces the producer's). The new unique index also serves the
-- "newest (oldest) version of this lineage" subqueries (`latest_only`, `match[version]`, changes
-- and the deletion feed).

ALTER TABLE objects DROP CONSTRAINT objects_version;
ALTER TABLE objects ADD CONSTRAINT objects_version
    UNIQUE (collection_id, stix_id, producer_org, version);

-- The producing organisation of each deleted version, so that the match index drops the version
-- of that lineage only. Unknown (NULL) for deletions recorded before this migration: those
-- versions were already gone from `objects`, so nothing an index loads from `objects` was deleted by them.
ALTER TABLE object_deletions ADD COLUMN producer_org UUID REFERENCES organisations (id);
