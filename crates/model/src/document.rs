use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::ops::Deref;
use std::sync::{Arc, LazyLock, Mutex, PoisonError, Weak};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::Registry;

/// A JSON policy document as AWS holds it. AWS hands policies back exactly as they were sent,
/// so equality is decided on the canonical forms ([`JsonDocument::canonical_policy`],
/// [`JsonDocument::canonical_lifecycle`]), never on the text.
///
/// Documents are shared, not copied: an estate of thousands of repositories repeats a handful
/// of policies, and a plan holds each object's document two or three times over (declared,
/// live, in the change). Identical documents — same keys in the same order — are one
/// allocation ([`JsonDocument::new`]), so clones cost a pointer and equal documents compare
/// by address first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonDocument(Arc<Value>);

/// The documents alive in this process by their [`exact_hash`]: weak, so a document is freed
/// when the last object holding it goes.
static DOCUMENTS: LazyLock<Mutex<HashMap<u64, Vec<Weak<Value>>>>> = LazyLock::new(Default::default);

impl JsonDocument {
    /// The document holding `value`, shared with every live document identical to it.
    pub fn new(value: Value) -> Self {
        let mut hasher = DefaultHasher::new();
        exact_hash(&value, &mut hasher);
        let mut table = DOCUMENTS.lock().unwrap_or_else(PoisonError::into_inner);
        let bucket = table.entry(hasher.finish()).or_default();
        bucket.retain(|doc| doc.strong_count() > 0);
        if let Some(found) = bucket
            .iter()
            .filter_map(Weak::upgrade)
            .find(|doc| identical(doc, &value))
        {
            return JsonDocument(found);
        }
        let doc = Arc::new(value);
        bucket.push(Arc::downgrade(&doc));
        JsonDocument(doc)
    }

    /// Parses a document from its JSON text.
    pub fn parse(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text).map(JsonDocument::new)
    }

    /// The document to edit in place; it stops being shared with its equals.
    pub fn make_mut(&mut self) -> &mut Value {
        Arc::make_mut(&mut self.0)
    }

    /// Compact JSON, the form sent to AWS.
    pub fn to_compact(&self) -> String {
        self.0.to_string()
    }

    /// Indented JSON with sorted keys, the form diffs are shown in.
    pub fn to_pretty(&self) -> String {
        serde_json::to_string_pretty(&sort_keys(&self.0)).unwrap_or_default()
    }

    /// The IAM policy in a form where semantically equal policies are equal: statements and
    /// actions sorted, single strings as one-item lists, account ids as root ARNs.
    pub fn canonical_policy(&self) -> JsonDocument {
        let mut doc = Value::clone(&self.0);
        if let Some(statements) = doc.as_object_mut().and_then(|obj| obj.get_mut("Statement")) {
            let mut list: Vec<Value> = match statements.take() {
                Value::Array(items) => items,
                single => vec![single],
            };
            for statement in &mut list {
                canonical_statement(statement);
                // Statements are ordered by their text below, so their keys must be in one
                // order first: serde_json keeps insertion order here.
                *statement = sort_keys(statement);
            }
            let mut keyed: Vec<(String, Value)> =
                list.into_iter().map(|s| (s.to_string(), s)).collect();
            keyed.sort_by(|a, b| a.0.cmp(&b.0));
            keyed.dedup_by(|a, b| a.0 == b.0);
            *statements = Value::Array(keyed.into_iter().map(|(_, s)| s).collect());
        }
        JsonDocument(Arc::new(sort_keys(&doc)))
    }

    /// The OIDC provider URLs (without scheme) the statements federate to, sorted: the
    /// providers a role with this trust depends on.
    pub fn federated_providers(&self) -> Vec<String> {
        let statements: Vec<&Value> = match self.0.get("Statement") {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(single) => vec![single],
            None => Vec::new(),
        };
        let mut out: Vec<String> = statements
            .into_iter()
            .filter_map(|s| s.get("Principal")?.get("Federated"))
            .flat_map(|f| match f {
                Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
                other => other.as_str().into_iter().collect::<Vec<_>>(),
            })
            .filter_map(|arn| {
                arn.split_once(":oidc-provider/")
                    .map(|(_, url)| url.to_owned())
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The lifecycle policy in a form where equal policies are equal: rules sorted by
    /// `rulePriority`, tag lists sorted.
    pub fn canonical_lifecycle(&self) -> JsonDocument {
        let mut doc = Value::clone(&self.0);
        if let Some(Value::Array(rules)) = doc.get_mut("rules") {
            for rule in rules.iter_mut() {
                if let Some(selection) = rule.get_mut("selection").and_then(Value::as_object_mut) {
                    for key in ["tagPrefixList", "tagPatternList"] {
                        if let Some(list) = selection.get_mut(key) {
                            sort_string_list(list);
                        }
                    }
                }
            }
            rules.sort_by_key(|r| r.get("rulePriority").and_then(Value::as_i64).unwrap_or(0));
        }
        JsonDocument(Arc::new(sort_keys(&doc)))
    }
}

impl Deref for JsonDocument {
    type Target = Value;

    fn deref(&self) -> &Value {
        &self.0
    }
}

impl Serialize for JsonDocument {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for JsonDocument {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(JsonDocument::new)
    }
}

/// A hash that tells apart what [`identical`] tells apart: key order included, so a shared
/// document is sent to AWS exactly as each declaration wrote it.
fn exact_hash(v: &Value, h: &mut impl Hasher) {
    std::mem::discriminant(v).hash(h);
    match v {
        Value::Null => {}
        Value::Bool(b) => b.hash(h),
        Value::Number(n) => n.hash(h),
        Value::String(s) => s.hash(h),
        Value::Array(items) => {
            items.len().hash(h);
            for item in items {
                exact_hash(item, h);
            }
        }
        Value::Object(map) => {
            map.len().hash(h);
            for (k, item) in map {
                k.hash(h);
                exact_hash(item, h);
            }
        }
    }
}

/// Equal with keys in the same order (serde_json's own equality ignores the order).
fn identical(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| identical(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kp, p), (kq, q))| kp == kq && identical(p, q))
        }
        _ => a == b,
    }
}

fn canonical_statement(statement: &mut Value) {
    let Some(obj) = statement.as_object_mut() else {
        return;
    };
    for key in ["Action", "NotAction", "Resource", "NotResource"] {
        if let Some(v) = obj.get_mut(key) {
            sort_string_list(v);
        }
    }
    for key in ["Principal", "NotPrincipal"] {
        if let Some(Value::Object(principals)) = obj.get_mut(key) {
            for (kind, v) in principals.iter_mut() {
                sort_string_list(v);
                if kind == "AWS"
                    && let Value::Array(items) = v
                {
                    for item in items.iter_mut() {
                        if let Some(id) = item.as_str().filter(|s| is_account_id(s)) {
                            *item = Value::String(format!("arn:aws:iam::{id}:root"));
                        }
                    }
                    sort_string_list(v);
                }
            }
        }
    }
    if let Some(Value::Object(conditions)) = obj.get_mut("Condition") {
        for (_, keys) in conditions.iter_mut() {
            if let Value::Object(keys) = keys {
                for (_, v) in keys.iter_mut() {
                    sort_string_list(v);
                }
            }
        }
    }
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Turns a string into a one-item list and sorts and dedups a list of strings.
fn sort_string_list(v: &mut Value) {
    if let Value::String(s) = v {
        *v = Value::Array(vec![Value::String(std::mem::take(s))]);
    }
    if let Value::Array(items) = v {
        items.sort_by_key(|x| x.to_string());
        items.dedup();
    }
}

fn sort_keys(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                out.insert(k.clone(), sort_keys(&map[k]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(sort_keys).collect()),
        other => other.clone(),
    }
}

/// The statements of a policy document, whether `Statement` is a list or a single object.
pub fn statements(doc: &Value) -> Vec<&Value> {
    match doc.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(single @ Value::Object(_)) => vec![single],
        _ => Vec::new(),
    }
}

/// The strings of a value that may be one string or a list of strings.
pub fn strings(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The repositories a policy's `Resource` ARNs point at, with their registries
/// (`arn:PARTITION:ecr:REGION:ACCOUNT:repository/NAME`; wildcards name no repository).
pub(crate) fn named_repositories(doc: &Value) -> Vec<(Registry, String)> {
    let mut out: Vec<(Registry, String)> = statements(doc)
        .into_iter()
        .flat_map(|s| strings(s.get("Resource")))
        .filter_map(|arn| {
            let mut parts = arn.splitn(6, ':');
            let (Some("arn"), Some(_), Some("ecr"), Some(region), Some(account), Some(rest)) = (
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
            ) else {
                return None;
            };
            let name = rest.strip_prefix("repository/")?;
            (!name.is_empty() && !name.contains(['*', '?']) && !region.contains(['*', '?']))
                .then(|| (Registry::new(account, region), name.to_owned()))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn policies_equal_regardless_of_order_and_forms() {
        let a = JsonDocument::new(json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "ecr:BatchGetImage"},
                {"Effect": "Allow", "Principal": "*", "Action": ["b", "a"]}
            ]
        }));
        let b = JsonDocument::new(json!({
            "Statement": [
                {"Action": ["a", "b"], "Principal": "*", "Effect": "Allow"},
                {"Action": ["ecr:BatchGetImage"], "Effect": "Allow",
                 "Principal": {"AWS": ["arn:aws:iam::123456789012:root"]}}
            ],
            "Version": "2012-10-17"
        }));
        assert_eq!(a.canonical_policy(), b.canonical_policy());
        let c = JsonDocument::new(json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Principal": "*", "Action": ["a", "b"]}]}));
        assert_ne!(a.canonical_policy(), c.canonical_policy());
    }

    #[test]
    fn key_order_inside_statements_does_not_matter() {
        let a = JsonDocument::new(json!({"Statement": [
            {"Sid": "B", "Action": ["x"]}, {"Action": ["y"], "Sid": "A"}]}));
        let b = JsonDocument::new(json!({"Statement": [
            {"Action": ["x"], "Sid": "B"}, {"Sid": "A", "Action": ["y"]}]}));
        assert_eq!(a.canonical_policy(), b.canonical_policy());
    }

    #[test]
    fn federated_providers_in_any_form() {
        let github = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
        let trust = |federated: Value| {
            JsonDocument::new(json!({"Statement": {"Effect": "Allow",
                "Principal": {"Federated": federated}, "Action": "sts:AssumeRoleWithWebIdentity"}}))
        };
        let want = vec!["token.actions.githubusercontent.com".to_owned()];
        assert_eq!(trust(json!(github)).federated_providers(), want);
        assert_eq!(
            trust(json!(["cognito-identity.amazonaws.com", github])).federated_providers(),
            want
        );
        assert!(
            trust(json!("cognito-identity.amazonaws.com"))
                .federated_providers()
                .is_empty()
        );
    }

    #[test]
    fn lifecycle_rules_compare_by_priority() {
        let a = JsonDocument::new(json!({"rules": [
            {"rulePriority": 2, "selection": {"tagStatus": "any"}},
            {"rulePriority": 1, "selection": {"tagStatus": "tagged", "tagPrefixList": ["v", "a"]}}]}));
        let b = JsonDocument::new(json!({"rules": [
            {"selection": {"tagPrefixList": ["a", "v"], "tagStatus": "tagged"}, "rulePriority": 1},
            {"rulePriority": 2, "selection": {"tagStatus": "any"}}]}));
        assert_eq!(a.canonical_lifecycle(), b.canonical_lifecycle());
    }

    #[test]
    fn identical_documents_share_one_allocation_and_keep_their_key_order() {
        let a = JsonDocument::new(
            json!({"rules": [{"rulePriority": 1, "action": {"type": "expire"}}]}),
        );
        let b = JsonDocument::parse(r#"{"rules":[{"rulePriority":1,"action":{"type":"expire"}}]}"#)
            .expect("valid JSON");
        assert!(Arc::ptr_eq(&a.0, &b.0), "an identical document is shared");
        let reordered = JsonDocument::new(
            json!({"rules": [{"action": {"type": "expire"}, "rulePriority": 1}]}),
        );
        assert!(!Arc::ptr_eq(&a.0, &reordered.0));
        assert_eq!(
            reordered.to_compact(),
            r#"{"rules":[{"action":{"type":"expire"},"rulePriority":1}]}"#,
            "a document is sent as its declaration wrote it"
        );
        let mut edited = b.clone();
        edited.make_mut()["rules"][0]["rulePriority"] = json!(2);
        assert_eq!(
            a["rules"][0]["rulePriority"], 1,
            "editing a copy leaves the shared one"
        );
    }

    #[test]
    fn a_shared_document_is_freed_with_its_last_holder() {
        let value = json!({"Sid": "only-in-this-test", "n": 42});
        let doc = JsonDocument::new(value.clone());
        let weak = Arc::downgrade(&doc.0);
        drop(doc);
        assert!(weak.upgrade().is_none());
        let again = JsonDocument::new(value);
        assert_eq!(again["n"], 42);
    }

    #[test]
    fn documents_read_back_from_json_are_shared() {
        let text =
            r#"[{"Version":"2012-10-17","Statement":[]},{"Version":"2012-10-17","Statement":[]}]"#;
        let docs: Vec<JsonDocument> = serde_json::from_str(text).expect("valid JSON");
        assert!(Arc::ptr_eq(&docs[0].0, &docs[1].0));
        assert_eq!(serde_json::to_string(&docs).expect("serialises"), text);
    }
}
