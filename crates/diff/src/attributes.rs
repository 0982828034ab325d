//! Attribute-level comparison of two versions of one object, shared by the plan views and the
//! drift report so both name the same attributes.

use ecrplan_model::{JsonDocument, Resource};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use similar::{ChangeTag, TextDiff};

/// One attribute that differs between the live and the desired object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeChange {
    /// The attribute, as it is spelled in the plan JSON (`encryption`, `document`, `tags`…).
    pub attribute: String,
    /// The live value, canonicalised; `null` when absent.
    pub before: Value,
    /// The desired value, canonicalised; `null` when absent.
    pub after: Value,
}

impl AttributeChange {
    /// True for policy documents, which views show as a diff rather than as values.
    pub fn is_document(&self) -> bool {
        is_document_attribute(&self.attribute)
    }
}

/// True for the attributes that hold policy documents (`document`, `trust`), which views show
/// as pretty JSON or a diff rather than as one value.
pub fn is_document_attribute(name: &str) -> bool {
    matches!(name, "document" | "trust")
}

/// The attributes whose canonical values differ, in attribute-name order. Comparing canonical
/// forms is what keeps reordered statements or a string-versus-list from showing up as a change.
pub fn attribute_changes(before: &Resource, after: &Resource) -> Vec<AttributeChange> {
    let to_map = |r: &Resource| match serde_json::to_value(r.canonical()) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    let (b, a) = (to_map(before), to_map(after));
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).filter(|k| *k != "kind").collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let (bv, av) = (
                b.get(k).cloned().unwrap_or(Value::Null),
                a.get(k).cloned().unwrap_or(Value::Null),
            );
            (bv != av).then(|| AttributeChange {
                attribute: k.clone(),
                before: bv,
                after: av,
            })
        })
        .collect()
}

/// A unified diff of two documents as pretty JSON with sorted keys: three lines of context, a
/// `...` line between distant hunks, each line prefixed with `-`, `+` or a space.
pub fn unified_diff(before: &Value, after: &Value) -> String {
    let (b, a) = (
        JsonDocument::new(before.clone()).to_pretty(),
        JsonDocument::new(after.clone()).to_pretty(),
    );
    let b = if before.is_null() { String::new() } else { b };
    let a = if after.is_null() { String::new() } else { a };
    let diff = TextDiff::from_lines(&b, &a);
    let mut out = String::new();
    for (i, group) in diff.grouped_ops(3).iter().enumerate() {
        if i > 0 {
            out.push_str("  ...\n");
        }
        for op in group {
            for change in diff.iter_changes(op) {
                let sign = match change.tag() {
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
                    ChangeTag::Equal => ' ',
                };
                out.push(sign);
                out.push(' ');
                out.push_str(change.value().trim_end_matches('\n'));
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use ecrplan_model::{Encryption, Repository, TagMutability, Tags};
    use serde_json::json;

    use super::*;

    fn repo(encryption: Encryption, scan: bool) -> Resource {
        Resource::Repository(Repository {
            name: "r".into(),
            image_tag_mutability: TagMutability::Mutable,
            image_tag_mutability_exclusion_filters: Vec::new(),
            scan_on_push: scan,
            encryption,
            tags: Tags::new(),
        })
    }

    #[test]
    fn names_only_changed_attributes() {
        let changes = attribute_changes(
            &repo(Encryption::Aes256, false),
            &repo(Encryption::Aes256, true),
        );
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].attribute, "scan_on_push");
        assert_eq!(changes[0].before, json!(false));
        assert_eq!(changes[0].after, json!(true));
    }

    #[test]
    fn diff_marks_changed_lines_only() {
        let d = unified_diff(&json!({"a": 1, "b": 2}), &json!({"a": 1, "b": 3}));
        assert!(d.contains("-   \"b\": 2"), "{d}");
        assert!(d.contains("+   \"b\": 3"), "{d}");
        assert!(d.contains("    \"a\": 1,"), "{d}");
    }
}
