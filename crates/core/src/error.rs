//! Errors of the service layer. Edges map each variant to a stable code and status.

use crate::store::StoreError;

/// A rejected input: which field (a JSON pointer, a flag, a config key) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct Invalid {
    /// Where the problem is: a JSON pointer such as `/short_name`, or a field name.
    pub path: String,
    pub message: String,
}

impl Invalid {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// What a service call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// No or bad credentials; the string says which.
    #[error("{0}")]
    Unauthenticated(String),
    /// Authenticated, but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// Too many failed attempts; try again after this many seconds.
    #[error("too many failed attempts; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<crate::access::Denied> for CoreError {
    fn from(d: crate::access::Denied) -> Self {
        match d {
            crate::access::Denied::Hidden => CoreError::NotFound("resource".into()),
            other => CoreError::Forbidden(other.to_string()),
        }
    }
}
