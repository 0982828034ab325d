//! SARIF 2.1.0 (`--format sarif` on `validate`, `plan`, `show` and `drift`): configuration
//! diagnostics, checker notes and drift findings as code-scanning results, each at the
//! declaration it is about, so GitHub shows "this trust lets any organisation push" on the
//! pull request's own lines and "changed outside ecrplan" on the repository's name.
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
//! `toolExecutionNotifications` for a failure), which SARIF has for exactly that. A drift
//! finding is a result even when nothing declares its object (drift is what an audit flags):
//! it is located at the estate's name, else at the configuration directory as a whole — an
//! artifact without a region, never a line. Columns are Unicode code points (`columnKind`), as
//! the diagnostics count them.

use std::collections::HashMap;

use ecrplan_diff::{AttributeChange, Drift, Origin};
use ecrplan_hcl::{Class, Diagnostic, Diagnostics, Location, Locations};
use ecrplan_model::{Address, Kind, Locator, Note, Plan, Rule, Section, Severity};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::json::terraform_address;
use super::render::{inline, undeclared_words};

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

/// What a drift audit finds, one rule each (the lists of `drift --format json`), so code
/// scanning filters a policy attached by hand apart from a setting changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DriftRule {
    Changed,
    Missing,
    NoLongerDeclared,
    ByHand,
    Undetermined,
    Unmanaged,
    OldAccessKey,
}

impl DriftRule {
    const ALL: [DriftRule; 7] = [
        DriftRule::Changed,
        DriftRule::Missing,
        DriftRule::NoLongerDeclared,
        DriftRule::ByHand,
        DriftRule::Undetermined,
        DriftRule::Unmanaged,
        DriftRule::OldAccessKey,
    ];

    /// The rule's name, its summary and its help.
    const fn spec(self) -> (&'static str, &'static str, &'static str) {
        match self {
            DriftRule::Changed => (
                "drift-changed",
                "A declared object differs in the account from its declaration",
                "Changed outside ecrplan (or present without ecrplan's ownership tags): `ecrplan plan` shows the change that puts the declaration back; declare the live value if it is the one wanted.",
            ),
            DriftRule::Missing => (
                "drift-missing",
                "A declared object is missing from the account",
                "Deleted outside ecrplan, or never applied: `ecrplan apply` creates it again.",
            ),
            DriftRule::NoLongerDeclared => (
                "drift-no-longer-declared",
                "The estate owns an object its configuration no longer declares",
                "It carries the estate's ownership tags (or belongs to an object that does) but nothing declares it: `ecrplan apply` deletes it, or declare it again.",
            ),
            DriftRule::ByHand => (
                "drift-by-hand",
                "A policy or attachment was made by hand on the estate's objects",
                "Of a form ecrplan never writes (or on an object ecrplan never wrote to), so a person made it: check who and why; `ecrplan apply` removes it.",
            ),
            DriftRule::Undetermined => (
                "drift-undeclared",
                "A policy or setting of a declared object is not declared",
                "Of a form ecrplan writes: an earlier configuration or a person made it, and with no state file the account does not say which; `ecrplan apply` removes it.",
            ),
            DriftRule::Unmanaged => (
                "drift-unmanaged",
                "An object in the account that no estate manages",
                "Found by the account-wide audit (`drift --account-wide`): nothing in the account marks it as an estate's. Declare it in an estate, or delete it.",
            ),
            DriftRule::OldAccessKey => (
                "drift-old-access-key",
                "A CI user's access key is older than 90 days",
                "Static keys are rotated within 90 days: create a new key, hand it to the CI system, then delete the old one.",
            ),
        }
    }

    fn id(self) -> String {
        format!("ecrplan/{}", self.spec().0)
    }

    fn of(origin: Origin) -> DriftRule {
        match origin {
            Origin::NoLongerDeclared => DriftRule::NoLongerDeclared,
            Origin::ByHand => DriftRule::ByHand,
            Origin::Undetermined => DriftRule::Undetermined,
        }
    }
}

/// Every rule as `tool.driver.rules` lists it (results refer to them by index): the checker's
/// rules, then the classes of configuration diagnostics, then the drift rules.
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
    let drift = DriftRule::ALL.iter().map(|&d| {
        let (_, summary, help) = d.spec();
        descriptor(&d.id(), summary, help, Some("warning"))
    });
    checker.chain(classes).chain(drift).collect()
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
        .or_else(|| {
            DriftRule::ALL
                .iter()
                .position(|d| d.spec().0 == name)
                .map(|i| Rule::ALL.len() + Class::ALL.len() + i)
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

/// Where a result points: a range of a file, or a whole file or directory (no region), for a
/// finding about it that has no line.
#[derive(Clone, Copy)]
enum Place<'a> {
    Range(&'a Location),
    Whole(&'a str),
}

impl Place<'_> {
    fn physical(self) -> Value {
        match self {
            Place::Range(at) => json!({
                "physicalLocation": {
                    "artifactLocation": {"uri": at.path, "uriBaseId": "%SRCROOT%"},
                    "region": {
                        "startLine": at.line,
                        "startColumn": at.column,
                        "endLine": at.end_line,
                        "endColumn": at.end_column,
                    },
                }
            }),
            Place::Whole(uri) => json!({
                "physicalLocation": {
                    "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                }
            }),
        }
    }

    /// What the fingerprint of a result here is made of besides its rule: the file and the
    /// text pointed at, not the line, which moves when lines are added above it.
    fn key(self) -> String {
        match self {
            Place::Range(at) => format!("{}\0{}", at.path, at.text),
            Place::Whole(uri) => uri.to_owned(),
        }
    }
}

/// The configuration directory as a SARIF artifact: relative to the working directory as the
/// files' paths are, with the trailing `/` that makes a URI reference a directory.
pub fn directory_uri(shown: &str) -> String {
    if shown.ends_with('/') {
        shown.to_owned()
    } else {
        format!("{shown}/")
    }
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
    /// A result at `at`, fingerprinted by its rule and [`Place::key`], and by `about` (the
    /// object a finding is about) when several findings of one rule share a place.
    fn result(
        &mut self,
        rule: &str,
        level: &str,
        message: String,
        at: Place<'_>,
        about: Option<&str>,
    ) -> &mut Value {
        let mut key = format!("{rule}\0{}", at.key());
        if let Some(about) = about {
            key = format!("{key}\0{about}");
        }
        let n = self.seen.entry(key.clone()).or_default();
        *n += 1;
        let digest = Sha256::digest(key.as_bytes());
        let hash: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        self.results.push(json!({
            "ruleId": rule,
            "ruleIndex": rule_index(rule),
            "level": level,
            "message": {"text": message},
            "locations": [at.physical()],
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
                self.result(&rule, level, message, Place::Range(&site.location), None);
            }
        } else if let Some(at) = d.location() {
            self.result(&rule, level, text, Place::Range(&at), None);
        } else if let Some(path) = d.path() {
            // A file that could not be read has no text to point into: the whole file.
            self.result(&rule, level, text, Place::Whole(path), None);
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
    declared_at(locations, address.kind, address.module.as_deref(), key)
        .or_else(|| address.module.as_deref().and_then(|m| locations.module(m)))
        .or_else(first_module)
}

/// Where an object of `kind` keyed `key` is itself declared, by its kind's locator: the
/// repository name for repository objects, the role name for roles and their policies, the
/// `replication` block, the registry's; `None` for kinds a module declares as a whole.
fn declared_at<'a>(
    locations: &'a Locations,
    kind: Kind,
    module: Option<&str>,
    key: Option<&str>,
) -> Option<&'a Location> {
    match kind.spec().located_by {
        Locator::Repository => locations.repository(module?, key?),
        Locator::Role => key.and_then(|key| locations.role(key.split(':').next().unwrap_or(key))),
        Locator::Replication => locations.replication(),
        Locator::Module => None,
        Locator::Registry => registry_location(locations, kind, key),
    }
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

/// Names the object a result is about (its Terraform address), as a logical location.
fn about(result: &mut Value, address: &str) {
    result["locations"][0]["logicalLocations"] = json!([{
        "fullyQualifiedName": address,
        "kind": "resource",
    }]);
}

/// The checker notes of a plan, located in the configuration they came from, and the
/// configuration's warnings (skipped blocks, …) with them.
pub fn plan(plan: &Plan, locations: &Locations, warnings: &[Diagnostic]) -> String {
    let mut findings = Findings::default();
    notes(&mut findings, plan, |note| {
        declaration(plan, note, locations).map(Place::Range)
    });
    for warning in warnings {
        findings.diagnostic(warning);
    }
    findings.document()
}

/// The checker notes of a saved plan whose configuration directory cannot be read: each at
/// the directory (`dir`, as [`directory_uri`] gives it), the one place known to hold the
/// declaration.
pub fn plan_at_directory(plan: &Plan, dir: &str) -> String {
    let mut findings = Findings::default();
    notes(&mut findings, plan, |_| Some(Place::Whole(dir)));
    findings.document()
}

/// Each note as a result at the place `place` gives it, else as an execution notification.
fn notes<'a>(
    findings: &mut Findings,
    plan: &'a Plan,
    place: impl Fn(&'a Note) -> Option<Place<'a>>,
) {
    for note in &plan.notes {
        let rule = checker_id(note.rule);
        let address = note.address.as_ref().map(terraform_address);
        match place(note) {
            Some(at) => {
                // Two notes of one rule at one declaration (a module's label) are told apart
                // by the object they are about.
                let result = findings.result(
                    &rule,
                    level(note.severity),
                    note.message.clone(),
                    at,
                    Some(address.as_deref().unwrap_or_default()),
                );
                if let Some(address) = &address {
                    about(result, address);
                }
            }
            None => findings.execution.push(Findings::notification(
                &rule,
                level(note.severity),
                match &address {
                    Some(a) => format!("{a}: {}", note.message),
                    None => note.message.clone(),
                },
            )),
        }
    }
}

/// A drift report's findings, each a warning under its drift rule: declared objects (changed,
/// missing, old access keys) at their declarations; objects nothing declares at their parent's
/// declaration when a repository, role or registry block declares it, else — with what no
/// estate manages — at the estate's name, else at the configuration directory `dir` (as
/// [`directory_uri`] gives it).
pub fn drift(drift: &Drift, locations: &Locations, dir: &str) -> String {
    let mut findings = Findings::default();
    let unplaced = locations.estate().map_or(Place::Whole(dir), Place::Range);
    let declared = |address: &Address, key: &str| {
        declared_at(
            locations,
            address.kind,
            address.module.as_deref(),
            Some(key),
        )
        .or_else(|| address.module.as_deref().and_then(|m| locations.module(m)))
        .map_or(unplaced, Place::Range)
    };
    let mut add =
        |rule: DriftRule, message: String, at: Place<'_>, address: Option<&Address>, what: &str| {
            let result = findings.result(&rule.id(), "warning", message, at, Some(what));
            if let Some(address) = address {
                about(result, &terraform_address(address));
            }
        };
    for c in &drift.changed {
        let address = terraform_address(&c.address);
        let mut message = format!(
            "{address} changed outside ecrplan (a plan would {})",
            c.action
        );
        if !c.attributes.is_empty() {
            let changes: Vec<String> = c.attributes.iter().map(attribute_words).collect();
            message.push_str(&format!(": {}", changes.join("; ")));
        }
        let at = declared(&c.address, &c.id.key);
        add(DriftRule::Changed, message, at, Some(&c.address), &address);
    }
    for m in &drift.missing {
        let address = terraform_address(&m.address);
        let message = format!(
            "{address} is declared but missing from the account ({})",
            m.id
        );
        let at = declared(&m.address, &m.id.key);
        add(DriftRule::Missing, message, at, Some(&m.address), &address);
    }
    for u in &drift.undeclared {
        let address = terraform_address(&u.address);
        let message = format!("{address} ({}): {}", u.id, undeclared_words(u));
        // The object has no declaration; a policy or attachment's parent may.
        let module = u.address.module.as_deref();
        let at = declared_at(locations, u.id.kind, module, Some(&u.id.key))
            .or_else(|| {
                let parent = u.id.kind.spec().parent?;
                declared_at(locations, parent, module, Some(&u.id.key))
            })
            .map_or(unplaced, Place::Range);
        add(
            DriftRule::of(u.origin),
            message,
            at,
            Some(&u.address),
            &address,
        );
    }
    for u in &drift.unmanaged {
        let message = format!("{}: {}", u.id, u.reason);
        add(
            DriftRule::Unmanaged,
            message,
            unplaced,
            None,
            &u.id.to_string(),
        );
    }
    for k in &drift.old_access_keys {
        let message = format!(
            "user {} holds {} access key {}, {} days old: rotate it",
            k.user,
            k.status.to_lowercase(),
            k.key,
            k.age_days
        );
        let at = declared(&k.address, &k.user);
        let what = format!("{}\0{}", k.user, k.key);
        add(
            DriftRule::OldAccessKey,
            message,
            at,
            Some(&k.address),
            &what,
        );
    }
    findings.document()
}

/// One changed attribute in words: values side by side, documents by name only (a diff does
/// not fit a one-line message; `ecrplan drift` shows it).
fn attribute_words(c: &AttributeChange) -> String {
    if c.is_document() {
        format!(
            "{}: the live document differs from the declared one",
            c.attribute
        )
    } else {
        format!(
            "{}: declared {}, live {}",
            c.attribute,
            inline(&c.after),
            inline(&c.before)
        )
    }
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
        assert_eq!(
            ids.len(),
            Rule::ALL.len() + Class::ALL.len() + DriftRule::ALL.len()
        );
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
