//! A variable's `type`, and the conversion Terraform applies to a value a variable file gives
//! it: primitives convert into one another where the text allows (`"12"` for a `number`, `12`
//! for a `string`), collections convert element by element, and a value that does not fit is
//! an error at the value — in a JSON file as in an HCL one.

use std::fmt;

use hcl_edit::expr::{Expression, ObjectKey};

use crate::value::{At, Value, ValueType};

/// A type constraint, as Terraform writes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum VarType {
    /// `any`, no `type`, or a constraint ecrplan does not read: the value as given.
    Any,
    String,
    Number,
    Bool,
    List(Box<VarType>),
    Set(Box<VarType>),
    Map(Box<VarType>),
    /// The attributes, each with its type and whether it is `optional(…)`.
    Object(Vec<(String, VarType, bool)>),
    Tuple(Vec<VarType>),
}

impl VarType {
    /// The type a `type` expression writes.
    pub(crate) fn of(expr: &Expression) -> VarType {
        let of_any = |kind: fn(Box<VarType>) -> VarType| kind(Box::new(VarType::Any));
        match expr {
            Expression::Variable(name) => match name.value().as_str() {
                "string" => VarType::String,
                "number" => VarType::Number,
                "bool" => VarType::Bool,
                "list" => of_any(VarType::List),
                "set" => of_any(VarType::Set),
                "map" => of_any(VarType::Map),
                _ => VarType::Any,
            },
            Expression::Parenthesis(p) => VarType::of(p.inner()),
            Expression::FuncCall(call) if !call.name.is_namespaced() => {
                let args: Vec<&Expression> = call.args.iter().collect();
                let element = || Box::new(args.first().map_or(VarType::Any, |t| VarType::of(t)));
                match (call.name.name.value().as_str(), args.as_slice()) {
                    ("list", [_]) => VarType::List(element()),
                    ("set", [_]) => VarType::Set(element()),
                    ("map", [_]) => VarType::Map(element()),
                    ("tuple", [Expression::Array(items)]) => {
                        VarType::Tuple(items.iter().map(VarType::of).collect())
                    }
                    ("object", [Expression::Object(attributes)]) => VarType::Object(
                        attributes
                            .iter()
                            .filter_map(|(key, value)| {
                                let name = match key {
                                    ObjectKey::Ident(ident) => ident.value().to_string(),
                                    ObjectKey::Expression(Expression::String(s)) => {
                                        s.value().to_string()
                                    }
                                    ObjectKey::Expression(_) => return None,
                                };
                                let (ty, optional) = attribute_type(value.expr());
                                Some((name, ty, optional))
                            })
                            .collect(),
                    ),
                    _ => VarType::Any,
                }
            }
            _ => VarType::Any,
        }
    }

    /// The value converted to this type, or where and why it does not fit.
    pub(crate) fn convert(&self, value: &Value) -> Result<Value, Mismatch> {
        let at = value.at.clone();
        let kind = match (self, &value.kind) {
            (VarType::Any, _) | (_, ValueType::Null) => return Ok(value.clone()),
            (VarType::String, ValueType::String(_)) => return Ok(value.clone()),
            (VarType::String, ValueType::Number(_) | ValueType::Bool(_)) => {
                ValueType::String(value.as_text().unwrap_or_default())
            }
            (VarType::Number, ValueType::Number(_)) => return Ok(value.clone()),
            (VarType::Number, ValueType::String(s)) => match s.parse::<serde_json::Number>() {
                Ok(n) => ValueType::Number(n),
                Err(_) => return Err(Mismatch::new(self, value)),
            },
            (VarType::Bool, ValueType::Bool(_)) => return Ok(value.clone()),
            (VarType::Bool, ValueType::String(s)) => match s.as_str() {
                "true" | "1" => ValueType::Bool(true),
                "false" | "0" => ValueType::Bool(false),
                _ => return Err(Mismatch::new(self, value)),
            },
            (VarType::List(element) | VarType::Set(element), ValueType::List(items)) => {
                ValueType::List(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, item)| {
                            element
                                .convert(item)
                                .map_err(|m| m.within(format!("element {i}")))
                        })
                        .collect::<Result<_, _>>()?,
                )
            }
            (VarType::Tuple(elements), ValueType::List(items)) if elements.len() == items.len() => {
                ValueType::List(
                    elements
                        .iter()
                        .zip(items)
                        .enumerate()
                        .map(|(i, (ty, item))| {
                            ty.convert(item)
                                .map_err(|m| m.within(format!("element {i}")))
                        })
                        .collect::<Result<_, _>>()?,
                )
            }
            (VarType::Map(element), ValueType::Object(members)) => ValueType::Object(
                members
                    .iter()
                    .map(|(key, item)| {
                        let item = element
                            .convert(item)
                            .map_err(|m| m.within(format!("key \"{}\"", key.name)))?;
                        Ok((key.clone(), item))
                    })
                    .collect::<Result<_, _>>()?,
            ),
            (VarType::Object(attributes), ValueType::Object(members)) => {
                let mut converted = Vec::new();
                for (name, ty, optional) in attributes {
                    match members.iter().find(|(key, _)| key.name == *name) {
                        Some((key, item)) => {
                            let item = ty
                                .convert(item)
                                .map_err(|m| m.within(format!("attribute \"{name}\"")))?;
                            converted.push((key.clone(), item));
                        }
                        None if *optional => {}
                        None => {
                            return Err(Mismatch {
                                at,
                                path: Vec::new(),
                                problem: format!("attribute \"{name}\" is required"),
                            });
                        }
                    }
                }
                // Terraform drops the attributes the type does not name.
                ValueType::Object(converted)
            }
            _ => return Err(Mismatch::new(self, value)),
        };
        Ok(Value::new(kind, at))
    }
}

/// The type of an object type's attribute, and whether it is `optional(TYPE[, DEFAULT])`.
fn attribute_type(expr: &Expression) -> (VarType, bool) {
    match expr {
        Expression::FuncCall(call)
            if !call.name.is_namespaced() && call.name.name.value().as_str() == "optional" =>
        {
            let ty = call.args.iter().next().map_or(VarType::Any, VarType::of);
            (ty, true)
        }
        other => (VarType::of(other), false),
    }
}

/// As Terraform writes the type: `list(string)`, `object({name = string})`.
impl fmt::Display for VarType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VarType::Any => f.write_str("any"),
            VarType::String => f.write_str("string"),
            VarType::Number => f.write_str("number"),
            VarType::Bool => f.write_str("bool"),
            VarType::List(t) => write!(f, "list({t})"),
            VarType::Set(t) => write!(f, "set({t})"),
            VarType::Map(t) => write!(f, "map({t})"),
            VarType::Tuple(items) => {
                let items: Vec<String> = items.iter().map(ToString::to_string).collect();
                write!(f, "tuple([{}])", items.join(", "))
            }
            VarType::Object(attributes) => {
                let attributes: Vec<String> = attributes
                    .iter()
                    .map(|(name, ty, optional)| {
                        if *optional {
                            format!("{name} = optional({ty})")
                        } else {
                            format!("{name} = {ty}")
                        }
                    })
                    .collect();
                write!(f, "object({{{}}})", attributes.join(", "))
            }
        }
    }
}

/// A value that does not fit its variable's type.
#[derive(Debug)]
pub(crate) struct Mismatch {
    /// The part of the value that does not fit.
    pub(crate) at: At,
    /// Where that part is inside the value, outermost first: `element 0`, `attribute "name"`.
    pub(crate) path: Vec<String>,
    /// What is wrong with it.
    pub(crate) problem: String,
}

impl Mismatch {
    fn new(wanted: &VarType, found: &Value) -> Mismatch {
        let found_text = match &found.kind {
            ValueType::String(s) => format!("{} ({s:?})", found.type_name()),
            _ => found.type_name().to_owned(),
        };
        Mismatch {
            at: found.at.clone(),
            path: Vec::new(),
            problem: format!("{} is required, found {found_text}", wanted.article()),
        }
    }

    fn within(mut self, step: String) -> Mismatch {
        self.path.insert(0, step);
        self
    }
}

impl VarType {
    /// "a string", "a list of string": the type as a message names what it wants.
    fn article(&self) -> String {
        match self {
            VarType::Any => "a value".to_owned(),
            VarType::String => "a string".to_owned(),
            VarType::Number => "a number".to_owned(),
            VarType::Bool => "a bool".to_owned(),
            VarType::List(t) => format!("a list of {t}"),
            VarType::Set(t) => format!("a set of {t}"),
            VarType::Map(t) => format!("a map of {t}"),
            VarType::Object(_) => "an object".to_owned(),
            VarType::Tuple(items) => format!("a tuple of {} elements", items.len()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(text: &str) -> VarType {
        VarType::of(&hcl_edit::parser::parse_expr(text).unwrap())
    }

    fn value(json: &str) -> Value {
        crate::json::parse(0, json).unwrap()
    }

    fn convert(ty_text: &str, json: &str) -> Result<serde_json::Value, (String, String)> {
        ty(ty_text)
            .convert(&value(json))
            .map(|v| v.to_json())
            .map_err(|m| (m.path.join(", "), m.problem))
    }

    #[test]
    fn types_read_as_terraform_writes_them() {
        for text in [
            "string",
            "list(string)",
            "map(number)",
            "set(bool)",
            "tuple([string, number])",
            "object({name = string, tags = optional(map(string))})",
            "list(object({a = list(any)}))",
        ] {
            assert_eq!(ty(text).to_string(), text);
        }
        assert_eq!(ty("list"), VarType::List(Box::new(VarType::Any)));
        assert_eq!(ty("aws.thing"), VarType::Any);
    }

    #[test]
    fn primitives_convert_where_the_text_allows() {
        assert_eq!(convert("string", "12"), Ok(serde_json::json!("12")));
        assert_eq!(convert("string", "true"), Ok(serde_json::json!("true")));
        assert_eq!(convert("number", "\"12\""), Ok(serde_json::json!(12)));
        assert_eq!(convert("bool", "\"false\""), Ok(serde_json::json!(false)));
        assert_eq!(convert("string", "null"), Ok(serde_json::Value::Null));
        assert_eq!(
            convert("number", "\"twelve\""),
            Err((
                String::new(),
                "a number is required, found a string (\"twelve\")".into()
            ))
        );
        assert_eq!(
            convert("string", "[\"a\"]"),
            Err((String::new(), "a string is required, found a list".into()))
        );
    }

    #[test]
    fn collections_convert_element_by_element() {
        assert_eq!(
            convert("list(string)", "[1, \"a\"]"),
            Ok(serde_json::json!(["1", "a"]))
        );
        assert_eq!(
            convert("map(list(number))", r#"{"a": ["1"]}"#),
            Ok(serde_json::json!({"a": [1]}))
        );
        assert_eq!(
            convert(
                "object({a = string, b = optional(number)})",
                r#"{"a": 1, "c": 2}"#
            ),
            Ok(serde_json::json!({"a": "1"}))
        );
        assert_eq!(
            convert("list(string)", r#"["a", {"b": 1}]"#),
            Err((
                "element 1".into(),
                "a string is required, found an object".into()
            ))
        );
        assert_eq!(
            convert("object({a = string})", r#"{"b": 1}"#),
            Err((String::new(), "attribute \"a\" is required".into()))
        );
        assert_eq!(
            convert("list(string)", "\"a\""),
            Err((
                String::new(),
                "a list of string is required, found a string (\"a\")".into()
            ))
        );
        let mismatch = ty("map(string)")
            .convert(&value(r#"{"k": [true]}"#))
            .unwrap_err();
        assert_eq!(mismatch.at.range, 6..12);
        assert_eq!(mismatch.path, ["key \"k\""]);
    }
}
