//! `ecrplan validate`: read and check a configuration directory without any AWS access.

use std::fmt;

use ecrplan_hcl::{Diagnostic, Summary, load_dir};
use miette::{GraphicalReportHandler, MietteHandlerOpts, ReportHandler, Result};
use serde_json::{Value, json};

use crate::cli::{DiagnosticFormat, ValidateArgs};
use crate::exit::ExitStatus;
use crate::views::sarif;

/// Runs `ecrplan validate`.
pub async fn run(args: ValidateArgs) -> Result<ExitStatus> {
    let json = args.format == DiagnosticFormat::Json;
    let sarif = args.format == DiagnosticFormat::Sarif;
    let dir = crate::context::config_dir(&args.config.dir);
    let options = match crate::context::load_options(&args.config) {
        Ok(options) => options,
        Err(report) if sarif => {
            print!("{}", sarif::failure(&report));
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
    let (valid, diagnostics, loaded) = match load_dir(&dir, &options) {
        Ok(loaded) => (true, loaded.warnings.clone(), Some(loaded)),
        Err(diagnostics) => (false, diagnostics.0, None),
    };
    let status = if valid {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    };
    if sarif {
        print!("{}", sarif::diagnostics(&diagnostics));
        return Ok(status);
    }
    // One list, `diagnostics`, whether valid or not: a bot reads the same field either way.
    let all: Vec<Value> = diagnostics.iter().map(Diagnostic::to_json).collect();
    match (&loaded, json) {
        (Some(loaded), true) => print_json(&json!({
            "valid": true,
            "estate": loaded.estate.name,
            "summary": summary_json(&loaded.summary),
            "config_hash": loaded.config_hash,
            "diagnostics": all,
        })),
        (None, true) => print_json(&json!({ "valid": false, "diagnostics": all })),
        (Some(loaded), false) => {
            eprint!("{}", render(&diagnostics));
            println!("Valid: {}.", summary_line(&loaded.summary));
        }
        (None, false) => {
            eprint!("{}", render(&diagnostics));
            let errors = diagnostics.iter().filter(|d| d.is_error()).count();
            eprintln!("{} found; nothing was sent to AWS.", count(errors, "error"));
        }
    }
    Ok(status)
}

/// The summary as JSON; `registry_sections` only when there is a `registry` block.
fn summary_json(summary: &Summary) -> serde_json::Value {
    let mut out = json!({
        "modules": summary.modules,
        "repositories": summary.repositories,
        "roles": summary.roles,
        "ci_users": summary.ci_users,
    });
    if let Some(sections) = summary.registry_sections {
        out["registry_sections"] = json!(sections);
    }
    out
}

/// "1 module, 2 repositories, 0 roles", the CI users when there are any, and the registry
/// blocks' sections when there are any.
fn summary_line(summary: &Summary) -> String {
    let mut line = format!(
        "{}, {}, {}",
        count(summary.modules, "module"),
        count(summary.repositories, "repository"),
        count(summary.roles, "role")
    );
    if summary.ci_users > 0 {
        line.push_str(&format!(", {}", count(summary.ci_users, "CI user")));
    }
    if let Some(sections) = summary.registry_sections {
        let blocks = match summary.registry_blocks {
            0 | 1 => "a registry block".to_owned(),
            n => format!("{n} registry blocks"),
        };
        line.push_str(&format!(", {blocks} of {}", count(sections, "section")));
    }
    line
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
    use super::*;

    #[test]
    fn counts_read_as_english() {
        let s = |modules, repositories, roles| {
            summary_line(&Summary {
                modules,
                repositories,
                roles,
                ci_users: 0,
                ..Summary::default()
            })
        };
        assert_eq!(s(1, 1, 1), "1 module, 1 repository, 1 role");
        assert_eq!(s(2, 0, 3), "2 modules, 0 repositories, 3 roles");
        let users = |ci_users| {
            summary_line(&Summary {
                modules: 1,
                repositories: 1,
                roles: 0,
                ci_users,
                ..Summary::default()
            })
        };
        assert_eq!(users(1), "1 module, 1 repository, 0 roles, 1 CI user");
        assert_eq!(users(2), "1 module, 1 repository, 0 roles, 2 CI users");
        let registry = summary_line(&Summary {
            registry_sections: Some(7),
            registry_blocks: 1,
            ..Summary::default()
        });
        assert_eq!(
            registry,
            "0 modules, 0 repositories, 0 roles, a registry block of 7 sections"
        );
        let two = summary_line(&Summary {
            registry_sections: Some(3),
            registry_blocks: 2,
            ..Summary::default()
        });
        assert_eq!(
            two,
            "0 modules, 0 repositories, 0 roles, 2 registry blocks of 3 sections"
        );
    }
}
