//! `ecrplan`: Terraform-style plan and apply for Amazon ECR estates.

mod cli;
mod commands;
mod context;
mod exit;
mod views;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;
use crate::exit::ExitStatus;

fn main() -> ExitCode {
    let cli = Cli::parse();
    install_report_handler();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitStatus::Failure.into();
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(status) => status.into(),
        Err(report) => {
            eprintln!("{report:?}");
            ExitStatus::Failure.into()
        }
    }
}

/// Diagnostics wrap to the terminal for people; in logs and bots' captures (stderr is not a
/// terminal) a message stays on one line so it can be grepped.
fn install_report_handler() {
    let wrap = std::io::stderr().is_terminal();
    // Setting the hook fails only when one is set already, and then that one stays.
    let _ = miette::set_hook(Box::new(move |_| {
        Box::new(miette::MietteHandlerOpts::new().wrap_lines(wrap).build())
    }));
}
