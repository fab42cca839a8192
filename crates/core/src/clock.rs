//! Time is a parameter: logic asks a [`Clock`], never the wall clock.

use std::sync::Arc;
use time::OffsetDateTime;

/// A source of the current time. Production uses [`SystemClock`]; tests use a fixed clock.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> OffsetDateTime;
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one place the wall clock is read
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A shared clock handle.
pub type SharedClock = Arc<dyn Clock>;
