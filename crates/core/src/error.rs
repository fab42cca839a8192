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

/// The most characters of an input an error message quotes (see [`excerpt`]).
pub const EXCERPT_CHARS: usize = 64;

/// What an error message may quote of an input: at most [`EXCERPT_CHARS`] characters, control
/// characters escaped, and `…` when cut. Error bodies never echo a huge or unprintable input.
pub fn excerpt(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == EXCERPT_CHARS {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
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
    /// A step of an action request's state machine that the party may not take from the
    /// request's state: the edges answer 409 with [`Refused::allowed`](crate::requests::state::Refused).
    #[error(transparent)]
    Refused(#[from] crate::requests::state::Refused),
    /// A step of a case party's status or of a task that may not be taken from where it stands:
    /// the edges answer 409 with the allowed next states.
    /// A body larger than a configured maximum (an attachment): the edges answer 413 with the
    /// pointer of the field.
    #[error("{path} is larger than the {max} bytes allowed")]
    TooLarge { path: String, max: u64 },
    #[error("{message}")]
    StepRefused {
        message: String,
        allowed: Vec<&'static str>,
    },
}

impl From<crate::cases::party::Refused> for CoreError {
    fn from(r: crate::cases::party::Refused) -> Self {
        CoreError::StepRefused {
            message: r.to_string(),
            allowed: r.allowed.iter().map(|s| s.as_str()).collect(),
        }
    }
}

impl From<crate::cases::tasks::Refused> for CoreError {
    fn from(r: crate::cases::tasks::Refused) -> Self {
        CoreError::StepRefused {
            message: r.to_string(),
            allowed: r.allowed.iter().map(|s| s.as_str()).collect(),
        }
    }
}

impl From<crate::access::Denied> for CoreError {
    fn from(d: crate::access::Denied) -> Self {
        match d {
            crate::access::Denied::Hidden => CoreError::NotFound("resource".into()),
            other => CoreError::Forbidden(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_short_and_printable() {
        assert_eq!(excerpt("SingCERT"), "SingCERT");
        assert_eq!(excerpt("a\nb\u{1}"), "a\\nb\\u{1}");
        let long = "x".repeat(1 << 20);
        let e = excerpt(&long);
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
        assert!(e.ends_with('…'));
    }
}
