//! MISP interoperability: reading the MISP core format (events with their attributes, objects,
//! tags, galaxies, sightings and reports) and converting it to STIX 2.1 for the import pipeline.
//!
//! - [`model`]: the MISP format as read (lenient about MISP's string-typed numbers and flags).
//! - [`read`]: telling MISP from STIX, and reading one event, a list or a feed's events.
//! - [`types`], [`objects`], [`sco`]: attribute types and object templates → STIX comparisons,
//!   patterns and cyber-observables.
//! - [`distribution`]: MISP distribution and sharing groups against a collection's audience.
//! - [`to_stix`]: one event → STIX objects, refusals and warnings.
//! - [`import`]: the glue to [`crate::intel::imports`].
//! - [`from_stix`]: the reverse, stored STIX objects → MISP attributes, objects and reports;
//!   [`events`] reads the events a principal may see a page at a time, [`write`] writes them as
//!   event JSON, a feed manifest or `hashes.csv`, [`feed`] serves a collection as a MISP feed;
//!   [`annotate`] makes the sightings and galaxies [`events`] reads into MISP `Sighting`s and
//!   `Galaxy` entries.
//!
//! Everything but [`import`], [`events`] and [`feed`] is pure (no store, no clock, no files): it could move into a
//! `simpul-misp` crate unchanged. The mapping is documented in `MAPPING.md` next to this file.

pub mod annotate;
pub mod distribution;
pub mod events;
pub mod feed;
pub mod from_stix;
pub mod import;
pub mod model;
pub mod objects;
pub mod read;
pub mod sco;
pub mod time;
pub mod to_stix;
pub mod types;
pub mod write;

#[cfg(test)]
mod tests;
