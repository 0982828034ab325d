//! The exit statuses scripts and bots rely on (Terraform's `-detailed-exitcode`).

use std::process::ExitCode;

/// How a command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// Success, or no changes.
    Success,
    /// An error: bad input, a failed call, a refused apply.
    Failure,
    /// Changes present (`plan --detailed-exitcode`) or drift found.
    Changes,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(match status {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Changes => 2,
        })
    }
}
