//! SARIF 2.1.0 (`--format sarif` on `validate` and `plan`): checker notes and configuration
//! diagnostics as code-scanning results, each at the declaration that causes it, so GitHub shows
//! "this trust lets any organisation push" on the pull request's own lines.
//!
//! The SARIF schema: <https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html>;
//! what GitHub reads of it: <https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning>.

use std::path::{Component, Path, PathBuf};

use ecrplan_hcl::{Diagnostic, Location, Locations};
use ecrplan_model::{Kind, Locator, Note, Plan, Rule, Section, Severity};
use serde_json::{Value, json};

use super::json::terraform_address;

/// The two rules of configuration diagnostics; the checker's rules follow [`Rule::ALL`].
const CONFIGURATION_ERROR: (&str, &str) = (
    "ecrplan/configuration-error",
    "The configuration is invalid; nothing is sent to AWS",
);
const CONFIGURATION_WARNING: (&str, &str) = (
    "ecrplan/configuration-warning",
    "The configuration is valid but worth a look",
);

/// Every rule as (id, summary), in the order `tool.driver.rules` lists them (results refer to
/// them by index): the checker's rules, then the configuration's.
fn rules() -> Vec<(String, &'static str)> {
    Rule::ALL
        .iter()
        .map(|r| (format!("ecrplan/{}", r.name()), r.summary()))
        .chain(
            [CONFIGURATION_ERROR, CONFIGURATION_WARNING]
                .into_iter()
                .map(|(id, summary)| (id.to_owned(), summary)),
        )
        .collect()
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
    let repository = || {
        let (module, key) = address.module.as_deref().zip(key)?;
        locations.repository(module, key)
    };
    let role = |key: &str| locations.role(key.split(':').next().unwrap_or(key));
    let specific = match address.kind.spec().located_by {
        Locator::Repository => repository(),
        Locator::Role => key.and_then(role),
        Locator::Replication => locations.replication(),
        Locator::Module => None,
        Locator::Registry => registry_location(locations, address.kind, key),
    };
    specific
        .or_else(|| address.module.as_deref().and_then(|m| locations.module(m)))
        .or_else(first_module)
}

/// Where a registry setting is written: a cache rule's or template's own block, else its
/// section, else the `registry` block (an object the record names but the configuration no
/// longer declares has only the block, if that).
fn registry_location<'a>(
    locations: &'a Locations,
    kind: Kind,
    key: Option<&str>,
) -> Option<&'a Location> {
    let own = key.and_then(|prefix| {
        if kind == Kind::PullThroughCacheRule {
            locations.pull_through_cache_rule(prefix)
        } else if kind == Kind::CreationTemplate {
            locations.creation_template(prefix)
        } else {
            None
        }
    });
    own.or_else(|| Section::of(kind).and_then(|s| locations.registry_section(s)))
        .or_else(|| locations.registry())
}

/// A rule's position in [`rules`], without building the list: the checker's rules by their
/// names, then the configuration's two.
fn rule_index(id: &str) -> usize {
    let checker = Rule::ALL
        .iter()
        .position(|r| id.strip_prefix("ecrplan/") == Some(r.name()));
    checker.unwrap_or_else(|| Rule::ALL.len() + usize::from(id == CONFIGURATION_WARNING.0))
}

fn document(results: Vec<Value>) -> String {
    let rules: Vec<Value> = rules()
        .into_iter()
        .map(|(id, summary)| {
            json!({
                "name": id.trim_start_matches("ecrplan/"),
                "id": id,
                "shortDescription": {"text": summary},
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
            let rule = format!("ecrplan/{}", note.rule.name());
            let mut result = json!({
                "ruleIndex": rule_index(&rule),
                "ruleId": rule,
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
                CONFIGURATION_ERROR.0
            } else {
                CONFIGURATION_WARNING.0
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
        "ruleId": CONFIGURATION_ERROR.0,
        "ruleIndex": rule_index(CONFIGURATION_ERROR.0),
        "level": "error",
        "message": {"text": message},
    })])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_index_points_at_its_rule() {
        for (i, (id, _)) in rules().iter().enumerate() {
            assert_eq!(rule_index(id), i, "{id}");
        }
    }
}
