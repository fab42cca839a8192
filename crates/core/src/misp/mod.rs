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
//!
//! Everything but [`import`] is pure (no store, no clock, no files): it could move into a
//! `simpul-misp` crate unchanged. The mapping is documented in `MAPPING.md` next to this file.

pub mod distribution;
pub mod import;
pub mod model;
pub mod objects;
pub mod read;
pub mod sco;
pub mod time;
pub mod to_stix;
pub mod types;

#[cfg(test)]
mod tests;
