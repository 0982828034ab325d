//! Variable files, read as Terraform reads them: `terraform.tfvars`, then every
//! `*.auto.tfvars` of the configuration directory in name order, then each `--var-file` in the
//! order given (a later file wins). Each is a file of `NAME = value` lines whose values are HCL
//! expressions, so a bad one is reported at its line and column.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use hcl_edit::structure::{Attribute, Body, Structure};

use crate::diag::{Class, Diagnostic, Sink, SourceFile};
use crate::eval::span_of;
use crate::read;

/// The variable files to read: the directory's own, then the ones given.
pub(crate) fn read(dir: &Path, given: &[PathBuf], sink: &mut Sink) -> Vec<Arc<SourceFile>> {
    let mut auto: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str().map(str::to_owned))
        .filter(|name| {
            !name.starts_with('.') && (name == "terraform.tfvars" || name.ends_with(".auto.tfvars"))
        })
        .collect();
    // `terraform.tfvars` first, then the `*.auto.tfvars` in lexical order.
    auto.sort_by_key(|name| (name != "terraform.tfvars", name.clone()));
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
