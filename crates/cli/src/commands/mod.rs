//! One module per command; each returns the exit status it ends with.

mod apply;
mod completions;
mod drift;
mod fmt;
mod graph;
mod output;
mod plan;
mod show;
mod snapshot;
mod validate;

use miette::Result;

use crate::cli::{Cli, Command};
use crate::exit::ExitStatus;

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> Result<ExitStatus> {
    match cli.command {
        Command::Validate(args) => validate::run(args).await,
        Command::Fmt(args) => fmt::run(args).await,
        Command::Plan(args) => plan::run(args).await,
        Command::Apply(args) => apply::run(args).await,
        Command::Drift(args) => drift::run(args).await,
        Command::Show(args) => show::run(args).await,
        Command::Graph(args) => graph::run(args).await,
        Command::Output(args) => output::run(args).await,
        Command::Snapshot(args) => snapshot::run(args).await,
        Command::Completions(args) => Ok(completions::completions(&args)),
        Command::Man(args) => completions::man(&args),
    }
}
