//! `ecrplan fmt`: rewrite the configuration files in canonical layout, like `terraform fmt`.

use std::fs;
use std::io::Write;
use std::path::Path;

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
            write_atomically(path, &formatted)
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

/// Writes beside the file and renames over it, so a crash never leaves half a file.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map_or_else(|| "config".into(), |n| n.to_string_lossy().into_owned());
    let tmp = path.with_file_name(format!(".{name}.ecrplan-fmt.tmp"));
    let permissions = fs::metadata(path)?.permissions();
    let result = (|| {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        fs::set_permissions(&tmp, permissions)?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
