//! `ecrplan`: Terraform-style plan and apply for Amazon ECR estates.

mod cli;
mod commands;
mod context;
mod exit;
mod fmt;
mod views;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;
use crate::exit::ExitStatus;

fn main() -> ExitCode {
    let cli = Cli::parse();
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
