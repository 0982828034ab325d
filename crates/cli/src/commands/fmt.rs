//! `ecrplan fmt`: rewrite the configuration files in canonical layout, like `terraform fmt`.

use std::fs;

use miette::{IntoDiagnostic, Result, WrapErr};

use crate::cli::FmtArgs;
use crate::exit::ExitStatus;
use crate::fmt::{config_files, format};

/// Runs `ecrplan fmt`: prints the files it changed (or, with `--check`, would change).
pub async fn run(args: FmtArgs) -> Result<ExitStatus> {
    let files = config_files(&args.dir)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot read the directory {}", args.dir.display()))?;
    let mut changed = 0usize;
    let mut failed = false;
    for path in &files {
        let text = fs::read_to_string(path)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot read {}", path.display()))?;
        let formatted = match format(&text) {
            Ok(formatted) => formatted,
            Err(err) => {
                eprintln!("error: {}: {err}", path.display());
                failed = true;
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        changed += 1;
        if !args.check {
            crate::files::write_atomically(path, formatted.as_bytes())
                .into_diagnostic()
                .wrap_err_with(|| format!("cannot write {}", path.display()))?;
        }
        println!("{}", path.strip_prefix(".").unwrap_or(path).display());
    }
    if failed || (args.check && changed > 0) {
        Ok(ExitStatus::Failure)
    } else {
        Ok(ExitStatus::Success)
    }
}
