//! Variable files, read as Terraform reads them: `terraform.tfvars`, `terraform.tfvars.json`,
//! then every `*.auto.tfvars` and `*.auto.tfvars.json` of the configuration directory in name
//! order, then each `--var-file` in the order given (a later file wins). A file whose name ends
//! in `.json` is a JSON object of variable names to values; any other is a file of
//! `NAME = value` lines whose values are HCL expressions. Either way a bad value is reported at
//! its line and column.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use hcl_edit::structure::{Attribute, Body, Structure};

use crate::diag::{Class, Diagnostic, Sink, SourceFile};
use crate::eval::span_of;
use crate::json;
use crate::read;
use crate::value::{FileId, Key, Value, ValueType};

/// The directory's own variable files, in the order they are read before the `*.auto.` ones.
const FIXED: [&str; 2] = ["terraform.tfvars", "terraform.tfvars.json"];

/// The variable files to read: the directory's own, then the ones given.
pub(crate) fn read(dir: &Path, given: &[PathBuf], sink: &mut Sink) -> Vec<Arc<SourceFile>> {
    let mut auto: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str().map(str::to_owned))
        .filter(|name| {
            !name.starts_with('.')
                && (FIXED.contains(&name.as_str())
                    || name.ends_with(".auto.tfvars")
                    || name.ends_with(".auto.tfvars.json"))
        })
        .collect();
    // The fixed names first, then the `*.auto.` files in lexical order whatever their syntax.
    auto.sort_by_key(|name| {
        let fixed = FIXED.iter().position(|f| f == name);
        (fixed.unwrap_or(FIXED.len()), name.clone())
    });
    let places = auto
        .into_iter()
        .map(|name| (dir.to_path_buf(), name))
        .chain(
            given
                .iter()
                .map(|path| (PathBuf::new(), path.to_string_lossy().into_owned())),
        );
    let mut files = Vec::new();
    for (base, name) in places {
        match read::read_text(&base.join(&name), read::CONFIG_FILE_LIMIT) {
            Ok(text) => files.push(Arc::new(SourceFile::in_dir(&base, name, text))),
            Err(e) => sink.push(read::unreadable_file(
                &base,
                name,
                &e,
                read::CONFIG_FILE_LIMIT,
            )),
        }
    }
    files
}

/// The `NAME = value` lines of a variable file; anything else is reported where it is.
pub(crate) fn assignments<'b>(
    file: &Arc<SourceFile>,
    body: &'b Body,
    sink: &mut Sink,
) -> Vec<&'b Attribute> {
    let mut out = Vec::new();
    for structure in body.iter() {
        match structure {
            Structure::Attribute(attr) => out.push(attr),
            Structure::Block(block) => {
                let span = span_of(&block.ident);
                sink.push(
                    Diagnostic::error(format!(
                        "a variable file holds `NAME = value` lines, not a `{}` block",
                        block.ident.value()
                    ))
                    .in_file(file)
                    .label(span, "a block")
                    .help("write each variable as `name = \"value\"` (lists and objects as HCL: `repos = [\"a\", \"b\"]`)")
                    .class(Class::Syntax),
                );
            }
        }
    }
    out
}

/// True for a variable file written in JSON: its name ends in `.json`, as Terraform decides.
pub(crate) fn is_json(file: &SourceFile) -> bool {
    file.name.ends_with(".json")
}

/// The members of a JSON variable file, each variable's name with its value; a file that is not
/// a JSON object is reported where it goes wrong.
pub(crate) fn json_assignments(
    id: FileId,
    file: &Arc<SourceFile>,
    sink: &mut Sink,
) -> Vec<(Key, Value)> {
    let value = match json::parse(id, &file.text) {
        Ok(value) => value,
        Err(e) => {
            let (message, help) = if e.class == Class::Syntax {
                (
                    format!("JSON syntax error: {}", e.message),
                    "a JSON variable file is one object: {\"name\": \"value\", \"repos\": [\"a\", \"b\"]}",
                )
            } else {
                (
                    e.message,
                    "give each key once: which of the two was meant cannot be told",
                )
            };
            let mut d = Diagnostic::error(message)
                .in_file(file)
                .label(e.range, e.label)
                .class(e.class);
            if let Some((range, label)) = e.also {
                d = d.label(range, label);
            }
            sink.push(d.help(help));
            return Vec::new();
        }
    };
    match value.kind {
        ValueType::Object(members) => members,
        _ => {
            sink.push(
                Diagnostic::error(format!(
                    "a JSON variable file holds one object of variable names to values, not {}",
                    value.type_name()
                ))
                .in_file(file)
                .label(value.at.range, "not an object")
                .help("write {\"name\": \"value\", \"repos\": [\"a\", \"b\"]}")
                .class(Class::WrongType),
            );
            Vec::new()
        }
    }
}
