//! What the human views share: the words for each action, the summary counts, and the body
//! lines of one change (`+ name = "x"`, policy documents as a unified diff).

use ecrplan_diff::{
    AttributeChange, Drift, Origin, UndeclaredObject, attribute_changes, is_document_attribute,
    unified_diff,
};
use std::collections::BTreeMap;

use ecrplan_model::{Action, Address, Change, Kind, Locator, ObjectId, Plan, Resource, tags};
use serde_json::Value;

/// The counts of Terraform's summary line, where a replace is one add and one destroy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Creates and replaces.
    pub add: usize,
    /// In-place updates.
    pub change: usize,
    /// Deletes and replaces.
    pub destroy: usize,
    /// Adoptions.
    pub adopt: usize,
}

impl Summary {
    /// Counts a plan's changes.
    pub fn of(plan: &Plan) -> Self {
        let mut s = Summary::default();
        for c in &plan.changes {
            match c.action {
                Action::Create => s.add += 1,
                Action::Update => s.change += 1,
                Action::Replace => {
                    s.add += 1;
                    s.destroy += 1;
                }
                Action::Delete => s.destroy += 1,
                Action::Adopt => s.adopt += 1,
                Action::NoOp => {}
            }
        }
        s
    }

    /// `Plan: N to add, N to change, N to destroy, N to adopt.`
    pub fn line(&self) -> String {
        format!(
            "Plan: {} to add, {} to change, {} to destroy, {} to adopt.",
            self.add, self.change, self.destroy, self.adopt
        )
    }
}

/// The plan's adoptions by the identity of the object adopted, looked up once per rendering:
/// every policy's heading asks whether its parent is adopted, and a search of the plan per
/// change made rendering an apply of 10,000 repositories quadratic.
pub struct Adoptions<'a>(BTreeMap<&'a ObjectId, &'a Address>);

impl<'a> Adoptions<'a> {
    /// The adoptions of `plan`.
    pub fn of(plan: &'a Plan) -> Self {
        Adoptions(
            plan.changes
                .iter()
                .filter(|c| c.action == Action::Adopt)
                .map(|c| (&c.id, &c.address))
                .collect(),
        )
    }
}

/// The sentence after `# ADDRESS`.
pub fn will(action: Action) -> &'static str {
    match action {
        Action::NoOp => "is unchanged",
        Action::Create => "will be created",
        Action::Update => "will be updated in place",
        Action::Replace => "must be replaced",
        Action::Delete => "will be destroyed",
        Action::Adopt => "will be adopted (ownership tags added)",
    }
}

/// The sentence after `# ADDRESS`, saying everything the change does: an adoption that also
/// changes attributes says so, and a policy written because its parent is adopted says that it
/// comes with the adoption, so nobody approves a policy replacement thinking only tags change.
pub fn heading(change: &Change, adoptions: &Adoptions<'_>) -> String {
    if change.action == Action::Adopt {
        let changed: Vec<String> = match (&change.before, &change.after) {
            (Some(before), Some(after)) => attribute_changes(before, after)
                .into_iter()
                .filter(|c| c.attribute != "tags" || user_tags_differ(before, after))
                .map(|c| c.attribute)
                .collect(),
            _ => Vec::new(),
        };
        // The registry's settings take no tags: the owner record makes them the estate's.
        let how = if change.id.kind.spec().located_by == Locator::Registry {
            "taken into this estate's registry settings"
        } else {
            "ownership tags added"
        };
        return if changed.is_empty() {
            format!("will be adopted ({how}, nothing else changes)")
        } else {
            format!(
                "will be adopted ({how}) and updated in place: {} will change",
                changed.join(", ")
            )
        };
    }
    if change.action == Action::Delete && change.id.kind == Kind::ScanningConfiguration {
        // There is no delete: clearing scanning puts AWS's default back.
        return "will be reset to BASIC scanning with no rules".to_owned();
    }
    let parent = change
        .after
        .as_ref()
        .or(change.before.as_ref())
        .and_then(|r| r.parent_in(&change.id.scope));
    match parent.and_then(|p| adoptions.0.get(&p)) {
        Some(address) if change.action != Action::NoOp => {
            format!("{}, with the adoption of {address}", will(change.action))
        }
        _ => will(change.action).to_owned(),
    }
}

/// Whether tags other than ecrplan's own (and AWS's) differ: an adoption that also rewrites a
/// user's tags must say so.
fn user_tags_differ(before: &Resource, after: &Resource) -> bool {
    let user = |r: &Resource| -> Vec<(String, String)> {
        r.tags()
            .into_iter()
            .flatten()
            .filter(|(k, _)| !tags::is_reserved(k) && !tags::is_system(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    user(before) != user(after)
}

/// The label in a resource block header: the index for indexed objects, else the name.
pub fn label(change: &Change) -> String {
    change
        .address
        .index
        .clone()
        .unwrap_or_else(|| change.address.name.clone())
}

/// One line of a change's body; `sign` is `+`, `-`, `~` or a space.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The sign the line starts with.
    pub sign: char,
    /// The rest of the line.
    pub text: String,
}

fn line(sign: char, text: impl Into<String>) -> Line {
    Line {
        sign,
        text: text.into(),
    }
}

/// The attributes of a resource in the order its JSON form has them, without the kind.
fn attributes(resource: &Resource) -> Vec<(String, Value)> {
    match serde_json::to_value(resource) {
        Ok(Value::Object(map)) => map.into_iter().filter(|(k, _)| k != "kind").collect(),
        _ => Vec::new(),
    }
}

/// A value on one line: strings quoted, lists and maps as compact JSON.
pub fn inline(v: &Value) -> String {
    match v {
        Value::Null => "(none)".into(),
        other => other.to_string(),
    }
}

/// All attributes of one side, each line signed with `sign`; documents as pretty JSON.
fn whole(sign: char, resource: &Resource) -> Vec<Line> {
    let attrs = attributes(resource);
    let width = attrs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = Vec::new();
    for (k, v) in attrs {
        if is_document_attribute(&k) {
            let pretty = ecrplan_model::JsonDocument::new(v).to_pretty();
            let mut lines = pretty.lines();
            out.push(line(
                sign,
                format!("{k:width$} = {}", lines.next().unwrap_or_default()),
            ));
            out.extend(lines.map(|l| line(sign, format!("{:width$}   {l}", ""))));
        } else {
            out.push(line(sign, format!("{k:width$} = {}", inline(&v))));
        }
    }
    out
}

/// The changed attributes of an update, replace or adopt; `forcing` names the attributes that
/// force replacement.
fn changed(changes: &[AttributeChange], forcing: &[String]) -> Vec<Line> {
    let width = changes.iter().map(|c| c.attribute.len()).max().unwrap_or(0);
    let mut out = Vec::new();
    for c in changes {
        let forces = if forcing.contains(&c.attribute) {
            " (forces replacement)"
        } else {
            ""
        };
        if c.is_document() {
            out.push(line(
                '~',
                format!("{:width$} = (policy document){forces}", c.attribute),
            ));
            for l in unified_diff(&c.before, &c.after).lines() {
                let (sign, rest) = l.split_at(1);
                out.push(line(
                    sign.chars().next().unwrap_or(' '),
                    format!("{:width$}   {}", "", rest.strip_prefix(' ').unwrap_or(rest)),
                ));
            }
        } else {
            out.push(line(
                '~',
                format!(
                    "{:width$} = {} -> {}{forces}",
                    c.attribute,
                    inline(&c.before),
                    inline(&c.after)
                ),
            ));
        }
    }
    out
}

/// The body of a change: what a reviewer needs to see to approve it.
pub fn body(change: &Change) -> Vec<Line> {
    match (change.action, &change.before, &change.after) {
        (Action::Create, _, Some(after)) => whole('+', after),
        (Action::Delete, Some(before), _) => {
            let mut out = whole('-', before);
            if change.force {
                out.push(line(
                    '-',
                    "# images are deleted with it (ecrplan:force-delete)",
                ));
            }
            out
        }
        (_, Some(before), Some(after)) => {
            let mut out = changed(&attribute_changes(before, after), &change.replace_because);
            if change.action == Action::Replace && change.force {
                out.push(line(
                    '-',
                    "# images are deleted with it (ecrplan:force-delete)",
                ));
            }
            out
        }
        _ => Vec::new(),
    }
}

/// Drift attributes as lines: declared and live values side by side, documents as a diff from
/// the live document (`-`) to the declared one (`+`).
pub fn drift_lines(changes: &[AttributeChange]) -> Vec<Line> {
    let mut out = Vec::new();
    for c in changes {
        if c.is_document() {
            out.push(line('~', format!("{}: (- live, + declared)", c.attribute)));
            for l in unified_diff(&c.before, &c.after).lines() {
                let (sign, rest) = l.split_at(1);
                out.push(line(
                    sign.chars().next().unwrap_or(' '),
                    format!("  {}", rest.strip_prefix(' ').unwrap_or(rest)),
                ));
            }
        } else {
            out.push(line(
                '~',
                format!(
                    "{}: declared {}, live {}",
                    c.attribute,
                    inline(&c.after),
                    inline(&c.before)
                ),
            ));
        }
    }
    out
}

/// What the human views call an undeclared object, from its origin: an attachment or policy
/// ecrplan never writes was attached or added by hand and never declared, which is not the same
/// news as an object the estate made and stopped declaring.
pub fn undeclared_words(u: &UndeclaredObject) -> &'static str {
    match u.origin {
        Origin::NoLongerDeclared => "no longer declared",
        Origin::ByHand if u.id.kind.spec().attachment => "attached by hand",
        Origin::ByHand => "added by hand",
        Origin::Undetermined => "not declared (an earlier configuration or a person made it)",
    }
}

/// The drift summary line's counts, the same in every human view.
pub fn drift_counts(drift: &Drift) -> String {
    let by_hand = drift
        .undeclared
        .iter()
        .filter(|u| u.origin == Origin::ByHand)
        .count();
    let by_hand = if by_hand == 0 {
        String::new()
    } else {
        format!(" ({by_hand} made by hand)")
    };
    format!(
        "{} changed, {} missing, {} undeclared{by_hand}, {} unmanaged",
        drift.changed.len(),
        drift.missing.len(),
        drift.undeclared.len(),
        drift.unmanaged.len()
    )
}
