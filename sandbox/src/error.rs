//! [`SandboxError`]: why a sandbox could not start, load its state or accept a fault plan.

use std::fmt;

/// What went wrong, in words meant for the person running the tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SandboxErrorKind {
    /// The scenario (file or value) is invalid.
    Scenario,
    /// The state file cannot be read, parsed or written.
    State,
    /// The listening socket could not be opened.
    Bind,
    /// Key generation or loading failed.
    Keys,
    /// A fault plan is invalid.
    Faults,
    /// The server thread or runtime could not be started.
    Runtime,
    /// Certificate mode: the test authority or a certificate could not be created, or an app has none.
    Certificates,
    /// A [`crate::Config`] value is out of range (the message names the field).
    Config,
}

/// An error from starting or driving a [`crate::Sandbox`].
#[derive(Debug, Clone)]
pub struct SandboxError {
    kind: SandboxErrorKind,
    message: String,
}

impl SandboxError {
    pub(crate) fn new(kind: SandboxErrorKind, message: impl Into<String>) -> Self {
        SandboxError {
            kind,
            message: message.into(),
        }
    }

    pub(crate) fn scenario(message: impl Into<String>) -> Self {
        Self::new(SandboxErrorKind::Scenario, message)
    }

    pub(crate) fn state(message: impl Into<String>) -> Self {
        Self::new(SandboxErrorKind::State, message)
    }

    pub(crate) fn faults(message: impl Into<String>) -> Self {
        Self::new(SandboxErrorKind::Faults, message)
    }

    pub(crate) fn certificates(message: impl Into<String>) -> Self {
        Self::new(SandboxErrorKind::Certificates, message)
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> SandboxErrorKind {
        self.kind
    }

    /// The message alone.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for SandboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SandboxError {}
