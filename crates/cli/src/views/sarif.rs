//! SARIF 2.1.0 (`--format sarif` on `validate` and `plan`): checker notes and configuration
//! diagnostics as code-scanning results, each at the declaration that causes it, so GitHub shows
//! "this trust lets any organisation push" on the pull request's own lines.
//!
//! The SARIF schema: <https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html>;
//! what GitHub reads of it: <https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning>.

use std::path::{Component, Path, PathBuf};

use ecrplan_hcl::{Diagnostic, Location, Locations};
use ecrplan_model::{Kind, Note, Plan, Severity};
use serde_json::{Value, json};

use super::json::terraform_address;

/// A kind of finding: a SARIF rule.
struct Rule {
    id: &'static str,
    summary: &'static str,
}

/// The rules, in the order `tool.driver.rules` lists them (results refer to them by index).
const RULES: &[Rule] = &[
    Rule {
        id: "ecrplan/repository-delete-holds-images",
        summary: "A repository that holds images would be deleted without force_delete",
    },
    Rule {
        id: "ecrplan/wide-oidc-trust",
        summary: "A CI role trusts tokens of more than one organisation",
    },
    Rule {
        id: "ecrplan/cross-account-push",
        summary: "A repository policy lets another account (or anyone) push",
    },
    Rule {
        id: "ecrplan/trusted-oidc-provider",
        summary: "An OIDC provider is deleted, or kept, while roles trust it",
    },
    Rule {
        id: "ecrplan/adopt-encryption",
        summary: "An adopted repository is encrypted otherwise than declared",
    },
    Rule {
        id: "ecrplan/default-estate-delete",
        summary: "A plan of the estate \"default\" deletes objects another directory may own",
    },
    Rule {
        id: "ecrplan/plan-note",
        summary: "Another finding of the plan checker",
    },
    Rule {
        id: "ecrplan/configuration-error",
        summary: "The configuration is invalid; nothing is sent to AWS",
    },
    Rule {
        id: "ecrplan/configuration-warning",
        summary: "The configuration is valid but worth a look",
    },
];

/// The rule of a checker note. Notes carry no code of their own, so this reads the sentence
/// the checker writes for each finding (crates/diff/src/check.rs and planner.rs); a note it
/// does not recognise is still reported, under `ecrplan/plan-note`.
fn note_rule(note: &Note) -> &'static str {
    let m = note.message.as_str();
    if m.contains("holds images") {
        "ecrplan/repository-delete-holds-images"
    } else if m.starts_with("role ") && m.contains(" trusts ") {
        "ecrplan/wide-oidc-trust"
    } else if m.contains("lets other accounts push") {
        "ecrplan/cross-account-push"
    } else if m.starts_with("OIDC provider ") {
        "ecrplan/trusted-oidc-provider"
    } else if m.contains("adopting keeps the live encryption") {
        "ecrplan/adopt-encryption"
    } else if m.contains("of the estate \"default\"") {
        "ecrplan/default-estate-delete"
    } else {
        "ecrplan/plan-note"
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Warning => "warning",
        Severity::Error => "error",
    }
}

/// A file of the configuration directory as a path relative to the working directory, which in
/// CI is the repository's root: what code scanning resolves `uri`s against.
fn uri(dir: &Path, file: &str) -> String {
    let path = dir.join(file);
    let relative = match std::env::current_dir() {
        Ok(cwd) if path.is_absolute() => path.strip_prefix(&cwd).map(Path::to_path_buf).ok(),
        _ => None,
    }
    .unwrap_or(path);
    let clean: PathBuf = relative
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    clean.to_string_lossy().replace('\\', "/")
}

fn physical(dir: &Path, at: &Location) -> Value {
    json!({
        "physicalLocation": {
            "artifactLocation": {"uri": uri(dir, &at.file), "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": at.line, "startColumn": at.column},
        }
    })
}

/// Where the declaration a note is about is written: the repository name for repository
/// objects, the role name for roles and their policies, the `replication` block, else the
/// module's label; a note about the plan as a whole points at the first module.
fn declaration<'a>(plan: &Plan, note: &Note, locations: &'a Locations) -> Option<&'a Location> {
    let first_module = || {
        plan.configuration
            .modules
            .iter()
            .find_map(|m| locations.module(&m.name))
    };
    let Some(address) = &note.address else {
        return first_module();
    };
    let key = plan
        .changes
        .iter()
        .find(|c| &c.address == address)
        .map(|c| c.id.key.as_str());
    let specific = match (address.kind, &address.module, key) {
        (
            Kind::Repository | Kind::RepositoryPolicy | Kind::LifecyclePolicy,
            Some(module),
            Some(key),
        ) => locations.repository(module, key),
        (Kind::Role, _, Some(key)) => locations.role(key),
        (Kind::RolePolicy, _, Some(key)) => locations.role(key.split(':').next().unwrap_or(key)),
        (Kind::Replication, _, _) => locations.replication(),
        _ => None,
    };
    specific
        .or_else(|| address.module.as_deref().and_then(|m| locations.module(m)))
        .or_else(first_module)
}

fn rule_index(id: &str) -> usize {
    RULES.iter().position(|r| r.id == id).unwrap_or(0)
}

fn document(results: Vec<Value>) -> String {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.id.trim_start_matches("ecrplan/"),
                "shortDescription": {"text": r.summary},
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "ecrplan",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": env!("CARGO_PKG_REPOSITORY"),
                "rules": rules,
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the working directory ecrplan ran in"}}},
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// The checker notes of a plan, located in the configuration read from `dir`.
pub fn plan(plan: &Plan, locations: &Locations, dir: &Path) -> String {
    let results = plan
        .notes
        .iter()
        .map(|note| {
            let rule = note_rule(note);
            let mut result = json!({
                "ruleId": rule,
                "ruleIndex": rule_index(rule),
                "level": level(note.severity),
                "message": {"text": note.message},
            });
            let mut location = declaration(plan, note, locations)
                .map(|at| physical(dir, at))
                .unwrap_or_else(|| json!({}));
            if let Some(address) = &note.address {
                location["logicalLocations"] = json!([{
                    "fullyQualifiedName": terraform_address(address),
                    "kind": "resource",
                }]);
            }
            if location.as_object().is_some_and(|o| !o.is_empty()) {
                result["locations"] = json!([location]);
            }
            result
        })
        .collect();
    document(results)
}

/// Configuration diagnostics (`validate`'s errors and warnings), at the line each points to.
pub fn diagnostics(diagnostics: &[Diagnostic], dir: &Path) -> String {
    let results = diagnostics
        .iter()
        .map(|d| {
            let rule = if d.is_error() {
                "ecrplan/configuration-error"
            } else {
                "ecrplan/configuration-warning"
            };
            let text = match d.help_text() {
                Some(help) => format!("{} (help: {help})", d.message()),
                None => d.message().to_owned(),
            };
            let mut result = json!({
                "ruleId": rule,
                "ruleIndex": rule_index(rule),
                "level": if d.is_error() { "error" } else { "warning" },
                "message": {"text": text},
            });
            // `--var` values are diagnosed as files of their own, which are not in the
            // directory; only real files get a physical location.
            if let (Some(file), Some((line, column))) = (d.file(), d.line_column())
                && dir.join(file).is_file()
            {
                let at = Location {
                    file: file.to_owned(),
                    line,
                    column,
                };
                result["locations"] = json!([physical(dir, &at)]);
            }
            result
        })
        .collect();
    document(results)
}

/// A failure before any file was read (a malformed `--var`), as one result without a location.
pub fn failure(message: &str) -> String {
    document(vec![json!({
        "ruleId": "ecrplan/configuration-error",
        "ruleIndex": rule_index("ecrplan/configuration-error"),
        "level": "error",
        "message": {"text": message},
    })])
}
