//! Evaluated values, each remembering where it was written.

use std::ops::Range;

use serde_json::Value as Json;

/// Index of a file in the load's file table.
pub(crate) type FileId = usize;

/// Where a value was written: a file and a byte range in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct At {
    pub(crate) file: FileId,
    pub(crate) range: Range<usize>,
}

impl At {
    pub(crate) fn new(file: FileId, range: Range<usize>) -> Self {
        At { file, range }
    }
}

/// An object key and where it was written.
#[derive(Clone, Debug)]
pub(crate) struct Key {
    pub(crate) name: String,
    pub(crate) at: At,
}

/// A value and where it came from.
#[derive(Clone, Debug)]
pub(crate) struct Value {
    pub(crate) kind: ValueType,
    pub(crate) at: At,
}

/// The type of a value, with its content.
#[derive(Clone, Debug)]
pub(crate) enum ValueType {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    List(Vec<Value>),
    Object(Vec<(Key, Value)>),
}

impl Value {
    pub(crate) fn new(kind: ValueType, at: At) -> Self {
        Value { kind, at }
    }

    /// "a string", "a number"…: how the value's type reads in a message.
    pub(crate) fn type_name(&self) -> &'static str {
        match &self.kind {
            ValueType::Null => "null",
            ValueType::Bool(_) => "a bool",
            ValueType::Number(_) => "a number",
            ValueType::String(_) => "a string",
            ValueType::List(_) => "a list",
            ValueType::Object(_) => "an object",
        }
    }

    /// The value as JSON (for `jsonencode` and the configuration hash).
    pub(crate) fn to_json(&self) -> Json {
        match &self.kind {
            ValueType::Null => Json::Null,
            ValueType::Bool(b) => Json::Bool(*b),
            ValueType::Number(n) => Json::Number(n.clone()),
            ValueType::String(s) => Json::String(s.clone()),
            ValueType::List(items) => Json::Array(items.iter().map(Value::to_json).collect()),
            ValueType::Object(entries) => Json::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.name.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// The string a primitive converts to, as Terraform converts primitives to strings.
    pub(crate) fn as_text(&self) -> Option<String> {
        match &self.kind {
            ValueType::String(s) => Some(s.clone()),
            ValueType::Number(n) => Some(n.to_string()),
            ValueType::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// Looks up an object attribute.
    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        match &self.kind {
            ValueType::Object(entries) => {
                entries.iter().find(|(k, _)| k.name == name).map(|(_, v)| v)
            }
            _ => None,
        }
    }
}
