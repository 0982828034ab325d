//! Typed reads of evaluated values and of block bodies, each reporting a precise diagnostic
//! (wrong type, unknown attribute with "did you mean", missing attribute) when it fails.

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Body, Structure};

use crate::diag::Class;
use crate::eval::{Evaluator, span_of};
use crate::value::{At, FileId, Value, ValueType};

/// The closest known name to a misspelt one, when one is close enough to suggest.
pub(crate) fn suggest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    let normalise = |s: &str| s.to_ascii_lowercase().replace('-', "_");
    let wanted = normalise(name);
    known
        .iter()
        .map(|k| (strsim::jaro_winkler(&wanted, &normalise(k)), *k))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

/// One attribute of a block body, not yet evaluated.
pub(crate) struct RawAttr<'b> {
    pub(crate) name: String,
    pub(crate) key_at: At,
    pub(crate) expr: &'b Expression,
}

/// The attributes and blocks of a body, checked against the names a block may hold.
pub(crate) struct BodyFields<'b> {
    pub(crate) file: FileId,
    pub(crate) attrs: Vec<RawAttr<'b>>,
    pub(crate) blocks: Vec<&'b hcl_edit::structure::Block>,
}

impl<'b> BodyFields<'b> {
    pub(crate) fn get(&self, name: &str) -> Option<&RawAttr<'b>> {
        self.attrs.iter().find(|a| a.name == name)
    }
}

/// A block's place for messages: e.g. "module `ecr-koa`".
pub(crate) type Context<'s> = &'s str;

impl Evaluator<'_> {
    /// Splits a body into attributes and blocks, reporting attributes set twice, unknown
    /// attributes (with a suggestion) and blocks other than `allowed_blocks`.
    pub(crate) fn body_fields<'b>(
        &mut self,
        file: FileId,
        body: &'b Body,
        known: &[&str],
        allowed_blocks: &[&str],
        context: Context<'_>,
    ) -> BodyFields<'b> {
        let mut fields = BodyFields {
            file,
            attrs: Vec::new(),
            blocks: Vec::new(),
        };
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attr) => {
                    let name = attr.key.value().to_string();
                    let key_at = At::new(file, span_of(&attr.key));
                    if let Some(first) = fields.attrs.iter().find(|a| a.name == name) {
                        let d = self
                            .diag(
                                &key_at,
                                format!("`{name}` is set twice in {context}"),
                                "set again here",
                            )
                            .label(first.key_at.range.clone(), "first set here")
                            .class(Class::Duplicate);
                        self.sink.push(d);
                        continue;
                    }
                    if !known.contains(&name.as_str()) {
                        let mut d = self.diag(
                            &key_at,
                            format!("unknown attribute `{name}` in {context}"),
                            "unknown attribute",
                        );
                        if name == "count" || name == "for_each" {
                            d = d.help(format!(
                                "ecrplan does not expand `{name}`: write one block per instance"
                            ));
                        } else if let Some(b) =
                            allowed_blocks.iter().find(|b| b.starts_with(name.as_str()))
                        {
                            // `encryption = {…}` where Terraform's block is
                            // `encryption_configuration {…}`.
                            d = d.help(format!("did you mean the block `{b} {{ … }}`?"));
                        } else if let Some(s) = suggest(&name, known) {
                            d = d.help(format!("did you mean `{s}`?"));
                        }
                        self.sink.push(d);
                        continue;
                    }
                    fields.attrs.push(RawAttr {
                        name,
                        key_at,
                        expr: &attr.value,
                    });
                }
                Structure::Block(block) => {
                    let ident = block.ident.value().as_str();
                    if allowed_blocks.contains(&ident) {
                        fields.blocks.push(block);
                        continue;
                    }
                    let at = At::new(file, span_of(&block.ident));
                    let mut d = self.diag(
                        &at,
                        format!("unexpected block `{ident}` in {context}"),
                        "not expected here",
                    );
                    if known.contains(&ident) {
                        d = d.help(format!("write it as an attribute: `{ident} = …`"));
                    } else if let Some(s) = suggest(ident, allowed_blocks) {
                        d = d.help(format!("did you mean `{s}`?"));
                    } else if let Some(s) = suggest(ident, known) {
                        d = d.help(format!("did you mean the attribute `{s}`?"));
                    }
                    self.sink.push(d.class(Class::UnknownName));
                }
            }
        }
        fields
    }

    /// Evaluates an attribute; a `null` value counts as not set.
    pub(crate) fn attr_value(&mut self, fields: &BodyFields<'_>, name: &str) -> Option<Value> {
        let attr = fields.get(name)?;
        let value = self.eval(fields.file, attr.expr)?;
        (!matches!(value.kind, ValueType::Null)).then_some(value)
    }

    /// Evaluates a required attribute of the block labelled at `block_at`: missing or `null` is
    /// an error (a module left without its repositories or roles would delete them).
    pub(crate) fn required_attr_value(
        &mut self,
        fields: &BodyFields<'_>,
        name: &str,
        block_at: &At,
        context: Context<'_>,
    ) -> Option<Value> {
        let Some(attr) = fields.get(name) else {
            self.missing(block_at, name, context);
            return None;
        };
        let value = self.eval(fields.file, attr.expr)?;
        if matches!(value.kind, ValueType::Null) {
            let mut d = self
                .diag(
                    &value.at,
                    format!("the required attribute `{name}` of {context} is null"),
                    "null",
                )
                .help(format!(
                    "give `{name}` a value: null counts as not set, and ecrplan would delete what it used to declare"
                ))
                .class(Class::MissingAttribute);
            if value.at.file != attr.key_at.file {
                d = d.related(self.note(&attr.key_at, format!("`{name}` is set here"), "set here"));
            }
            self.sink.push(d);
            return None;
        }
        Some(value)
    }

    /// Reports a missing attribute, labelled at `at` (the block or object that lacks it).
    pub(crate) fn missing(&mut self, at: &At, name: &str, context: Context<'_>) {
        let d = self
            .diag(
                at,
                format!("{context} is missing the required attribute `{name}`"),
                "declared here",
            )
            .help(format!("add `{name} = …`"))
            .class(Class::MissingAttribute);
        self.sink.push(d);
    }

    /// A value of the wrong type, with a help showing the right one written out.
    fn wrong_type(&mut self, v: &Value, what: &str, expected: &str) {
        self.wrong_type_like(v, what, expected, example(expected));
    }

    /// [`Self::wrong_type`] with the example given.
    fn wrong_type_like(&mut self, v: &Value, what: &str, expected: &str, example: &str) {
        let found = describe(v);
        let d = self
            .diag(
                &v.at,
                format!("`{what}`: expected {expected}, found {found}"),
                &format!("expected {expected}"),
            )
            .help(format!("`{what}` takes {expected}: `{example}`"))
            .class(Class::WrongType);
        self.sink.push(d);
    }

    /// A string; numbers and bools convert, as in Terraform.
    pub(crate) fn string(&mut self, v: &Value, what: &str) -> Option<String> {
        let s = v.as_text();
        if s.is_none() {
            self.wrong_type(v, what, "a string");
        }
        s
    }

    /// A bool; the strings `"true"` and `"false"` convert, as in Terraform.
    pub(crate) fn bool(&mut self, v: &Value, what: &str) -> Option<bool> {
        match &v.kind {
            ValueType::Bool(b) => Some(*b),
            ValueType::String(s) if s == "true" => Some(true),
            ValueType::String(s) if s == "false" => Some(false),
            _ => {
                self.wrong_type(v, what, "a bool");
                None
            }
        }
    }

    /// A whole number from 0 to `u32::MAX`; numeric strings convert.
    pub(crate) fn u32(&mut self, v: &Value, what: &str) -> Option<u32> {
        let n = match &v.kind {
            ValueType::Number(n) => n.as_u64(),
            ValueType::String(s) => s.trim().parse::<u64>().ok(),
            _ => None,
        };
        match n.and_then(|n| u32::try_from(n).ok()) {
            Some(n) => Some(n),
            None => {
                self.wrong_type(v, what, "a whole number");
                None
            }
        }
    }

    /// A list.
    pub(crate) fn list<'v>(&mut self, v: &'v Value, what: &str, of: &str) -> Option<&'v [Value]> {
        match &v.kind {
            ValueType::List(items) => Some(items),
            _ => {
                self.wrong_type(v, what, &format!("a list of {of}"));
                None
            }
        }
    }

    /// A list of strings, each with where it was written.
    pub(crate) fn strings(&mut self, v: &Value, what: &str) -> Option<Vec<(String, At)>> {
        let items = self.list(v, what, "strings")?;
        let mut out = Vec::new();
        let mut ok = true;
        for item in items {
            match item.as_text() {
                Some(s) => out.push((s, item.at.clone())),
                None => {
                    let found = describe(item);
                    let d = self
                        .diag(
                            &item.at,
                            format!("`{what}`: expected a list of strings, found {found} in it"),
                            "expected a string",
                        )
                        .help(format!(
                            "`{what}` takes a list of strings: `{}`",
                            example("a list of strings")
                        ))
                        .class(Class::WrongType);
                    self.sink.push(d);
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    /// An object whose keys must be among `known`; unknown keys are reported with a
    /// suggestion.
    pub(crate) fn object<'v>(
        &mut self,
        v: &'v Value,
        what: &str,
        known: &[&str],
    ) -> Option<&'v Value> {
        let ValueType::Object(entries) = &v.kind else {
            let keys: Vec<String> = known.iter().take(2).map(|k| format!("{k} = …")).collect();
            self.wrong_type_like(v, what, "an object", &format!("{{ {} }}", keys.join(", ")));
            return None;
        };
        for (key, _) in entries {
            if !known.contains(&key.name.as_str()) {
                let mut d = self.diag(
                    &key.at,
                    format!("unknown attribute `{}` in `{what}`", key.name),
                    "unknown attribute",
                );
                if let Some(s) = suggest(&key.name, known) {
                    d = d.help(format!("did you mean `{s}`?"));
                } else {
                    d = d.help(format!("`{what}` takes {}", quote_list(known)));
                }
                self.sink.push(d.class(Class::UnknownName));
            }
        }
        // The known keys are read on, so their values are checked in this run too, not only
        // once the unknown key is fixed.
        Some(v)
    }

    /// A map of strings (tags).
    pub(crate) fn string_map(
        &mut self,
        v: &Value,
        what: &str,
    ) -> Option<Vec<(String, At, String, At)>> {
        let ValueType::Object(entries) = &v.kind else {
            self.wrong_type(v, what, "a map of strings");
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for (key, value) in entries {
            match value.as_text() {
                Some(s) => out.push((key.name.clone(), key.at.clone(), s, value.at.clone())),
                None => {
                    let found = describe(value);
                    let d = self
                        .diag(
                            &value.at,
                            format!("`{what}.{}`: expected a string, found {found}", key.name),
                            "expected a string",
                        )
                        .help(format!(
                            "`{what}` takes a map of strings: `{}`",
                            example("a map of strings")
                        ))
                        .class(Class::WrongType);
                    self.sink.push(d);
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    /// An object field that must be present.
    pub(crate) fn required<'v>(
        &mut self,
        object: &'v Value,
        name: &str,
        context: Context<'_>,
    ) -> Option<&'v Value> {
        match object.get(name) {
            Some(v) if !matches!(v.kind, ValueType::Null) => Some(v),
            _ => {
                let at = object.at.clone();
                self.missing(&at, name, context);
                None
            }
        }
    }
}

/// An optional object field (`null` counts as absent).
pub(crate) fn optional<'v>(object: &'v Value, name: &str) -> Option<&'v Value> {
    object
        .get(name)
        .filter(|v| !matches!(v.kind, ValueType::Null))
}

/// "a number", "a list", with the value for short primitives.
pub(crate) fn describe(v: &Value) -> String {
    match &v.kind {
        ValueType::Number(n) => format!("a number ({n})"),
        ValueType::Bool(b) => format!("a bool ({b})"),
        ValueType::String(s) if s.len() <= 40 => format!("a string (\"{s}\")"),
        _ => v.type_name().to_owned(),
    }
}

/// A value of the type `expected` names (as [`Evaluator::list`] and the other typed reads word
/// it), written out for a `help:` line.
fn example(expected: &str) -> &'static str {
    match expected {
        "a string" => "\"text\"",
        "a bool" => "true",
        "a whole number" => "30",
        "a list of strings" => "[\"a\", \"b\"]",
        "a map of strings" => "{ team = \"koa\" }",
        _ => "[{ key = \"value\" }]",
    }
}

/// "`a`, `b` and `c`".
pub(crate) fn quote_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}
