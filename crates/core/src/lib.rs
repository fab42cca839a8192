//! simpul's domain core.
pub mod clock;
pub use clock::{Clock, SystemClock};
