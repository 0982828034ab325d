//! `ecrplan completions SHELL` and `ecrplan man`: what a Terraform user expects of an installed
//! command, generated from the same clap definitions the binary parses with, so they never
//! fall behind the flags.

use std::io::Write;

use clap::CommandFactory;
use miette::{IntoDiagnostic, Result, WrapErr};

use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::exit::ExitStatus;

/// Prints the completion script for a shell.
pub fn completions(args: &CompletionsArgs) -> ExitStatus {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "ecrplan", &mut std::io::stdout());
    ExitStatus::Success
}

/// Prints the top manual page, or writes every page into `--dir`.
pub fn man(args: &ManArgs) -> Result<ExitStatus> {
    let command = Cli::command();
    match &args.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .into_diagnostic()
                .wrap_err_with(|| format!("cannot create {}", dir.display()))?;
            clap_mangen::generate_to(command, dir)
                .into_diagnostic()
                .wrap_err_with(|| format!("cannot write the manual pages to {}", dir.display()))?;
        }
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut page)
                .into_diagnostic()?;
            std::io::stdout().write_all(&page).into_diagnostic()?;
        }
    }
    Ok(ExitStatus::Success)
}
