//! `ecrplan fmt`: rewrite the configuration files in canonical layout, like `terraform fmt`.

use miette::{IntoDiagnostic, Result, WrapErr};

use crate::cli::FmtArgs;
use crate::exit::ExitStatus;
use ecrplan_hcl::format;

/// Runs `ecrplan fmt`: prints the files it changed (or, with `--check`, would change). It reads
/// the directory as `validate` does, so an entry it cannot read is an error, never skipped.
pub async fn run(args: FmtArgs) -> Result<ExitStatus> {
    let files = ecrplan_hcl::read_files(&args.dir)?;
    let mut changed = 0usize;
    let mut failed = false;
    for file in &files {
        let path = args.dir.join(&file.name);
        let text = &*file.text;
        let formatted = match format(text) {
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
            ecrplan_model::write_atomically(&path, formatted.as_bytes())
                .into_diagnostic()
                .wrap_err_with(|| format!("cannot write {}", path.display()))?;
        }
        println!("{}", path.strip_prefix(".").unwrap_or(&path).display());
    }
    if failed || (args.check && changed > 0) {
        Ok(ExitStatus::Failure)
    } else {
        Ok(ExitStatus::Success)
    }
}
