//! One module per command; each returns the exit status it ends with.

use miette::Result;

use crate::cli::{Cli, Command};
use crate::exit::ExitStatus;

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> Result<ExitStatus> {
    match cli.command {
        other => Err(miette::miette!("`{other:?}` is not built yet")),
    }
}
