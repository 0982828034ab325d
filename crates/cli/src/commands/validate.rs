//! `ecrplan validate`: read and check a configuration directory without any AWS access.

use std::fmt;

use ecrplan_hcl::{Diagnostic, LoadOptions, Summary, load_dir};
use miette::{GraphicalReportHandler, MietteHandlerOpts, ReportHandler, Result};
use serde_json::{Value, json};

use crate::cli::{DiagnosticFormat, ValidateArgs};
use crate::exit::ExitStatus;
use crate::views::sarif;

/// The prefix of environment variables that set configuration variables.
const ENV_PREFIX: &str = "ECRPLAN_VAR_";

/// Runs `ecrplan validate`.
pub async fn run(args: ValidateArgs) -> Result<ExitStatus> {
    let json = args.format == DiagnosticFormat::Json;
    let options = match load_options(&args.config.vars, std::env::vars_os()) {
        Ok(options) => LoadOptions {
            estate: args.config.estate.clone(),
            ..options
        },
        Err(report) if args.format == DiagnosticFormat::Sarif => {
            print!("{}", sarif::failure(&report.to_string()));
            return Ok(ExitStatus::Failure);
        }
        Err(report) if json => {
            let help = report.help().map(|h| h.to_string());
            print_json(&json!({
                "valid": false,
                "diagnostics": [{"severity": "error", "message": report.to_string(), "help": help}],
            }));
            return Ok(ExitStatus::Failure);
        }
        Err(report) => return Err(report),
    };
    if args.format == DiagnosticFormat::Sarif {
        return Ok(match load_dir(&args.config.dir, &options) {
            Ok(loaded) => {
                print!("{}", sarif::diagnostics(&loaded.warnings, &args.config.dir));
                ExitStatus::Success
            }
            Err(diagnostics) => {
                print!("{}", sarif::diagnostics(&diagnostics.0, &args.config.dir));
                ExitStatus::Failure
            }
        });
    }
    match load_dir(&args.config.dir, &options) {
        Ok(loaded) => {
            if json {
                let warnings: Vec<Value> =
                    loaded.warnings.iter().map(Diagnostic::to_json).collect();
                print_json(&json!({
                    "valid": true,
                    "estate": loaded.estate.name,
                    "summary": {
                        "modules": loaded.summary.modules,
                        "repositories": loaded.summary.repositories,
                        "roles": loaded.summary.roles,
                    },
                    "config_hash": loaded.config_hash,
                    "warnings": warnings,
                }));
            } else {
                eprint!("{}", render(&loaded.warnings));
                println!("Valid: {}.", summary_line(&loaded.summary));
            }
            Ok(ExitStatus::Success)
        }
        Err(diagnostics) => {
            if json {
                let all: Vec<Value> = diagnostics.0.iter().map(Diagnostic::to_json).collect();
                print_json(&json!({ "valid": false, "diagnostics": all }));
            } else {
                eprint!("{}", render(&diagnostics.0));
                let errors = diagnostics.errors().count();
                eprintln!("{} found; nothing was sent to AWS.", count(errors, "error"));
            }
            Ok(ExitStatus::Failure)
        }
    }
}

/// The `LoadOptions` of a command line: `--var NAME=VALUE` flags and `ECRPLAN_VAR_NAME`
/// environment variables (the library never reads the environment itself).
pub fn load_options(
    vars: &[String],
    environment: impl IntoIterator<Item = (std::ffi::OsString, std::ffi::OsString)>,
) -> Result<LoadOptions> {
    let mut options = LoadOptions::default();
    for var in vars {
        match var.split_once('=') {
            Some((name, value)) if is_variable_name(name) => {
                options.vars.push((name.to_owned(), value.to_owned()));
            }
            _ => {
                return Err(miette::miette!(
                    help = "write it as --var NAME=VALUE, e.g. --var team=koa",
                    "invalid --var `{var}`: expected NAME=VALUE"
                ));
            }
        }
    }
    for (key, value) in environment {
        let Some(name) = key.to_str().and_then(|k| k.strip_prefix(ENV_PREFIX)) else {
            continue;
        };
        let Some(value) = value.to_str() else {
            return Err(miette::miette!(
                "the environment variable {ENV_PREFIX}{name} is not valid UTF-8"
            ));
        };
        if is_variable_name(name) {
            options.env.push((name.to_owned(), value.to_owned()));
        }
    }
    options.env.sort();
    Ok(options)
}

/// HCL identifiers: what `var.NAME` can refer to.
fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// "1 module, 2 repositories, 0 roles".
fn summary_line(summary: &Summary) -> String {
    format!(
        "{}, {}, {}",
        count(summary.modules, "module"),
        count(summary.repositories, "repository"),
        count(summary.roles, "role")
    )
}

fn count(n: usize, noun: &str) -> String {
    match (n, noun.strip_suffix('y')) {
        (1, _) => format!("1 {noun}"),
        (_, Some(stem)) => format!("{n} {stem}ies"),
        _ => format!("{n} {noun}s"),
    }
}

fn print_json(value: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
    );
}

/// Diagnostics as miette's default handler draws them: colour only when stderr is a terminal
/// and `NO_COLOR` is unset, and the same 100-column unicode layout as
/// [`ecrplan_hcl::render_text`] otherwise (at most [`ecrplan_hcl::RENDER_LIMIT`] of them, then a
/// line counting the rest).
fn render(diagnostics: &[Diagnostic]) -> String {
    let handler = MietteHandlerOpts::new()
        .width(100)
        .unicode(true)
        .terminal_links(false)
        .build();
    let (diagnostics, more) = ecrplan_hcl::shown(diagnostics);
    let mut out = String::new();
    for diagnostic in diagnostics {
        out.push_str(&Rendered(&handler, diagnostic).to_string());
    }
    if let Some(more) = more {
        out.push_str(&more);
        out.push('\n');
    }
    out
}

struct Rendered<'a, H>(&'a H, &'a Diagnostic);

impl<H: ReportHandler> fmt::Display for Rendered<'_, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.debug(self.1, f).is_err() {
            let plain = GraphicalReportHandler::new();
            return plain.render_report(f, self.1);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
        pairs
            .iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v)))
            .collect()
    }

    #[test]
    fn vars_and_environment_become_load_options() {
        let options = load_options(
            &["team=koa".to_owned(), "policy=a=b".to_owned()],
            env(&[
                ("ECRPLAN_VAR_region", "eu-west-1"),
                ("HOME", "/root"),
                ("ECRPLAN_VAR_", "nameless"),
            ]),
        )
        .map_err(|e| e.to_string());
        let options = options.as_ref().map(|o| (&o.vars, &o.env));
        assert_eq!(
            options,
            Ok((
                &vec![
                    ("team".to_owned(), "koa".to_owned()),
                    ("policy".to_owned(), "a=b".to_owned())
                ],
                &vec![("region".to_owned(), "eu-west-1".to_owned())]
            ))
        );
    }

    #[test]
    fn malformed_var_is_an_error() {
        for bad in ["team", "=koa", "9lives=x", ""] {
            let err = load_options(&[bad.to_owned()], Vec::new());
            assert!(err.is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn counts_read_as_english() {
        let s = |modules, repositories, roles| {
            summary_line(&Summary {
                modules,
                repositories,
                roles,
            })
        };
        assert_eq!(s(1, 1, 1), "1 module, 1 repository, 1 role");
        assert_eq!(s(2, 0, 3), "2 modules, 0 repositories, 3 roles");
    }
}
