//! SARIF 2.1.0 (`--format sarif` on `validate` and `plan`): configuration diagnostics and
//! checker notes as code-scanning results, each at the declaration that causes it, so GitHub
//! shows "this trust lets any organisation push" on the pull request's own lines.
//!
//! The SARIF schema: <https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html>. What
//! GitHub's upload accepts ("SARIF support for code scanning",
//! <https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning>):
//! - every rule in `tool.driver.rules` has `id`, `shortDescription.text`,
//!   `fullDescription.text` and `help.text` ("required"); its `name` is shown to filter by
//!   (and, by SARIF §3.49.7, differs from the `id`);
//! - every result has `message.text` and at least one location ("At least one location is
//!   required for code scanning to display a result"), whose `physicalLocation` has
//!   `artifactLocation.uri` — best "a relative path from the root of the GitHub repository",
//!   i.e. the working directory of a CI job — and `region` with `startLine`, `startColumn`,
//!   `endLine` and `endColumn`;
//! - `partialFingerprints`, of which "code scanning only uses the `primaryLocationLineHash`", so
//!   an alert is the same alert after lines move above it; the `ruleId` "has to be the same
//!   across analysis";
//! - "The empty string is not supported for required properties."
//!
//! So a finding with no place in a file (a bad `--var`, a directory without configuration, a
//! network failure) is never a result at a made-up line: it is a notification of the run's
//! invocation (`toolConfigurationNotifications` for the command line and directory,
//! `toolExecutionNotifications` for a failure), which SARIF has for exactly that. Columns are
//! Unicode code points (`columnKind`), as the diagnostics count them.

use std::collections::HashMap;

use ecrplan_hcl::{Class, Diagnostic, Diagnostics, Location, Locations};
use ecrplan_model::{Kind, Locator, Note, Plan, Rule, Section, Severity};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::json::terraform_address;

/// The project's home as Cargo.toml's `repository` gives it, for `tool.driver.informationUri`;
/// left out while that is a placeholder (a `.invalid` host), which would send people nowhere.
fn information_uri() -> Option<&'static str> {
    let uri = env!("CARGO_PKG_REPOSITORY");
    let host = uri
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default();
    (uri.starts_with("https://") && !host.is_empty() && !host.ends_with(".invalid")).then_some(uri)
}

/// The id of a checker rule or a class of configuration diagnostics.
fn checker_id(rule: Rule) -> String {
    format!("ecrplan/{}", rule.name())
}

fn class_id(class: Class) -> String {
    format!("ecrplan/{}", class.name())
}

/// Every rule as `tool.driver.rules` lists it (results refer to them by index): the checker's
/// rules, then the classes of configuration diagnostics.
fn rules() -> Vec<Value> {
    let checker = Rule::ALL.iter().map(|&r| {
        descriptor(
            &checker_id(r),
            r.summary(),
            "A checker note of the plan: docs/plan-json.md lists the rules and when each fires.",
            None,
        )
    });
    let classes = Class::ALL.iter().map(|&c| {
        descriptor(
            &class_id(c),
            c.summary(),
            c.help(),
            Some(if matches!(c, Class::SkippedBlock | Class::Advisory) {
                "warning"
            } else {
                "error"
            }),
        )
    });
    checker.chain(classes).collect()
}

/// A rule as GitHub asks for it. The checker's rules have no default level (some are errors
/// or warnings by case; each result says which), the configuration's classes do.
fn descriptor(id: &str, summary: &str, help: &str, level: Option<&str>) -> Value {
    let mut rule = json!({
        "id": id,
        "name": pascal_case(id.trim_start_matches("ecrplan/")),
        "shortDescription": {"text": summary},
        "fullDescription": {"text": summary},
        "help": {"text": help},
    });
    if let Some(level) = level {
        rule["defaultConfiguration"] = json!({"level": level});
    }
    rule
}

/// `wide-oidc-trust` → `WideOidcTrust`: SARIF's `name` is for people and must not equal the id.
fn pascal_case(kebab: &str) -> String {
    kebab
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

/// A rule's position in [`rules`].
fn rule_index(id: &str) -> usize {
    let name = id.strip_prefix("ecrplan/").unwrap_or(id);
    Rule::ALL
        .iter()
        .position(|r| r.name() == name)
        .or_else(|| {
            Class::ALL
                .iter()
                .position(|c| c.name() == name)
                .map(|i| Rule::ALL.len() + i)
        })
        .unwrap_or(0)
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Warning => "warning",
        Severity::Error => "error",
    }
}

fn diagnostic_level(d: &Diagnostic) -> &'static str {
    if d.is_error() { "error" } else { "warning" }
}

fn physical(at: &Location) -> Value {
    json!({
        "physicalLocation": {
            "artifactLocation": {"uri": at.path, "uriBaseId": "%SRCROOT%"},
            "region": {
                "startLine": at.line,
                "startColumn": at.column,
                "endLine": at.end_line,
                "endColumn": at.end_column,
            },
        }
    })
}

/// What a run found: results at places, and what has no place.
#[derive(Default)]
struct Findings {
    results: Vec<Value>,
    /// About the command line and the directory (`toolConfigurationNotifications`).
    configuration: Vec<Value>,
    /// Failures that stopped the run (`toolExecutionNotifications`).
    execution: Vec<Value>,
    /// How often each (rule, file, text) was seen, so identical findings stay apart.
    seen: HashMap<String, usize>,
}

impl Findings {
    /// A result at `at`, fingerprinted by its rule, its file and the text it points at — not
    /// the line, which moves when lines are added above it.
    fn result(&mut self, rule: &str, level: &str, message: String, at: &Location) -> &mut Value {
        let key = format!("{rule}\0{}\0{}", at.path, at.text);
        let n = self.seen.entry(key.clone()).or_default();
        *n += 1;
        let digest = Sha256::digest(key.as_bytes());
        let hash: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        self.results.push(json!({
            "ruleId": rule,
            "ruleIndex": rule_index(rule),
            "level": level,
            "message": {"text": message},
            "locations": [physical(at)],
            "partialFingerprints": {"primaryLocationLineHash": format!("{hash}:{n}")},
        }));
        let last = self.results.len() - 1;
        &mut self.results[last]
    }

    fn notification(rule: &str, level: &str, message: String) -> Value {
        json!({
            "descriptor": {"id": rule, "index": rule_index(rule)},
            "level": level,
            "message": {"text": message},
        })
    }

    /// A configuration diagnostic: one result per site it names, else one at its label; a
    /// whole-file finding at its file; else a configuration notification.
    fn diagnostic(&mut self, d: &Diagnostic) {
        let rule = class_id(d.kind());
        let level = diagnostic_level(d);
        let text = match d.help_text() {
            Some(help) => format!("{} (help: {help})", d.message()),
            None => d.message().to_owned(),
        };
        if !d.sites().is_empty() {
            for site in d.sites() {
                let message = match d.help_text() {
                    Some(help) => format!("{} (help: {help})", site.message),
                    None => site.message.clone(),
                };
                self.result(&rule, level, message, &site.location);
            }
        } else if let Some(at) = d.location() {
            self.result(&rule, level, text, &at);
        } else if let Some(path) = d.path() {
            // A file that could not be read has no text to point into: the whole file.
            let key = format!("{rule}\0{path}");
            let digest = Sha256::digest(key.as_bytes());
            let hash: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
            self.results.push(json!({
                "ruleId": rule,
                "ruleIndex": rule_index(&rule),
                "level": level,
                "message": {"text": text},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%"}}}],
                "partialFingerprints": {"primaryLocationLineHash": format!("{hash}:1")},
            }));
        } else {
            self.configuration
                .push(Findings::notification(&rule, level, text));
        }
    }

    fn document(self) -> String {
        let mut driver = json!({
            "name": "ecrplan",
            "version": env!("CARGO_PKG_VERSION"),
            "semanticVersion": env!("CARGO_PKG_VERSION"),
            "rules": rules(),
        });
        if let Some(uri) = information_uri() {
            driver["informationUri"] = json!(uri);
        }
        let doc = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": driver},
                "invocations": [{
                    "executionSuccessful": self.execution.is_empty(),
                    "toolExecutionNotifications": self.execution,
                    "toolConfigurationNotifications": self.configuration,
                }],
                "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the working directory ecrplan ran in"}}},
                "columnKind": "unicodeCodePoints",
                "results": self.results,
            }],
        });
        let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
        s.push('\n');
        s
    }
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

/// The checker notes of a plan, located in the configuration they came from, and the
/// configuration's warnings (skipped blocks, …) with them.
pub fn plan(plan: &Plan, locations: &Locations, warnings: &[Diagnostic]) -> String {
    let mut findings = Findings::default();
    for note in &plan.notes {
        let rule = checker_id(note.rule);
        match declaration(plan, note, locations) {
            Some(at) => {
                // Two notes of one rule at one declaration (a module's label) are told apart
                // by the object they are about.
                let address = note.address.as_ref().map(terraform_address);
                let at = Location {
                    text: format!("{}\0{}", at.text, address.clone().unwrap_or_default()),
                    ..at.clone()
                };
                let result =
                    findings.result(&rule, level(note.severity), note.message.clone(), &at);
                if let Some(address) = address {
                    result["locations"][0]["logicalLocations"] = json!([{
                        "fullyQualifiedName": address,
                        "kind": "resource",
                    }]);
                }
            }
            None => findings.execution.push(Findings::notification(
                &rule,
                level(note.severity),
                match &note.address {
                    Some(a) => format!("{}: {}", terraform_address(a), note.message),
                    None => note.message.clone(),
                },
            )),
        }
    }
    for warning in warnings {
        findings.diagnostic(warning);
    }
    findings.document()
}

/// Configuration diagnostics (`validate`'s errors and warnings), at the places they point to.
pub fn diagnostics(diagnostics: &[Diagnostic]) -> String {
    let mut findings = Findings::default();
    for d in diagnostics {
        findings.diagnostic(d);
    }
    findings.document()
}

/// A run that failed before it had a plan: the configuration's diagnostics when that is what
/// failed, else the failure as an execution notification (a bad flag, an unreachable
/// endpoint), so stdout is a SARIF document either way.
pub fn failure(report: &miette::Report) -> String {
    if let Some(found) = report.downcast_ref::<Diagnostics>() {
        return diagnostics(&found.0);
    }
    let mut findings = Findings::default();
    let mut message = report.to_string();
    if let Some(help) = report.help() {
        message.push_str(&format!(" (help: {help})"));
    }
    findings.execution.push(json!({
        "level": "error",
        "message": {"text": message},
    }));
    findings.document()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_index_points_at_its_rule() {
        for (i, rule) in rules().iter().enumerate() {
            let id = rule["id"].as_str().unwrap_or_default();
            assert_eq!(rule_index(id), i, "{id}");
            assert_ne!(rule["name"].as_str(), Some(id));
        }
    }

    #[test]
    fn rule_ids_are_unique() {
        let ids: std::collections::BTreeSet<String> = rules()
            .iter()
            .map(|r| r["id"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(ids.len(), Rule::ALL.len() + Class::ALL.len());
    }

    #[test]
    fn names_read_as_words() {
        assert_eq!(pascal_case("wide-oidc-trust"), "WideOidcTrust");
    }

    #[test]
    fn a_placeholder_repository_is_no_information_uri() {
        if let Some(uri) = information_uri() {
            assert!(
                uri.starts_with("https://") && !uri.contains(".invalid"),
                "{uri}"
            );
        }
    }
}
