//! HCL configuration → desired estate.
//!
//! [`load_dir`] reads every `*.hcl` and `*.tf` file of a directory in name order, parses it
//! with hcl-edit (which keeps byte ranges), evaluates expressions with a small evaluator of
//! its own so every value remembers where it was written, and turns `module` blocks into
//! [`ecrplan_model::Module`]s. Every problem in every file is reported at once, as
//! [`Diagnostic`]s that point at the line and column.
//!
//! [`format()`] lays a file out as `terraform fmt` does, for `ecrplan fmt`.
//!
//! The library never reads the process environment: `ECRPLAN_VAR_*` values are passed in by
//! the caller through [`LoadOptions::env`], each with the name it was set under.

mod access;
mod blocks;
mod checks;
mod decode;
mod diag;
mod eval;
mod fmt;
mod json;
mod lifecycle;
mod limits;
mod locations;
mod modules;
mod policy_grammar;
mod provider;
mod read;
mod registry;
mod registry_block;
mod strings;
mod structure;
mod tfvars;
mod value;
mod vartype;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use ecrplan_model::{ANONYMOUS_ESTATE, DesiredEstate, OnRegistry, ProviderSettings, Replication};
use hcl_edit::structure::{Attribute, Block, Structure};
use sha2::{Digest, Sha256};

pub use blocks::is_estate_name;
pub use diag::{
    Class, Diagnostic, Diagnostics, Location, RENDER_LIMIT, Severity, Site, SourceFile,
    render_text, shown, shown_path,
};
pub use fmt::{FormatError, LexError, format};
pub use locations::{Locations, RegistryLocations};
pub use modules::cloud_platform_role_name;
pub use structure::{StructureError, same_structure};

use decode::suggest;
use diag::Sink;
use eval::{Evaluator, VarSource, Vars, span_of};
use modules::{CIRCLECI_ORG_PLACEHOLDER, CIRCLECI_ORG_VARIABLE, Declared, IamNames};
use provider::{Chosen, registry_of};
use registry::Registry;
use registry_block::RegistryDeclared;
use value::{At, FileId, Key, Value};
use vartype::VarType;

/// What the caller passes in besides the directory.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// `--var NAME=VALUE` pairs, in command-line order (a later one wins); they beat every
    /// variable file.
    pub vars: Vec<(String, String)>,
    /// `--var-file` paths, in command-line order (a later one wins): read after the
    /// directory's `terraform.tfvars`, `terraform.tfvars.json`, `*.auto.tfvars` and
    /// `*.auto.tfvars.json`, which they beat, and part of the configuration hash, so a saved
    /// plan is stale when one changes. A path ending in `.json` is a JSON variable file.
    pub var_files: Vec<std::path::PathBuf>,
    /// Values from `ECRPLAN_VAR_NAME` (and `TF_VAR_NAME`) environment variables, a later one
    /// winning: below every variable file, as Terraform ranks its environment variables.
    pub env: Vec<EnvVar>,
    /// The estate named from outside the files (`--estate`, `ECRPLAN_ESTATE`), so CI can make
    /// each of many directories an estate without editing them.
    pub estate: Option<String>,
}

/// A variable's value from the environment.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct EnvVar {
    /// The environment variable it was read from, prefix included (`TF_VAR_repos`): what a
    /// diagnostic about the value names, so it names what the user set.
    pub from: String,
    /// The variable it sets (`repos`).
    pub name: String,
    /// The value as set.
    pub value: String,
}

/// A configuration directory, read and checked.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// What the directory declares.
    pub estate: DesiredEstate,
    /// Warnings (skipped blocks, inputs accepted but not managed…).
    pub warnings: Vec<Diagnostic>,
    /// SHA-256 (hex) of the file names and contents, the files read with `file()` and the
    /// variable values used: a saved plan records it and is stale when it changes.
    pub config_hash: String,
    /// Counts, for one-line reports.
    pub summary: Summary,
    /// The values of the variables the configuration used, by name; variables declared
    /// `sensitive` are left out, so no report prints them.
    pub variables: BTreeMap<String, serde_json::Value>,
    /// Where modules, repositories, roles, replication and the registry's settings are declared.
    pub locations: Locations,
}

/// How much a directory declares.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// ECR-estate module blocks.
    pub modules: usize,
    /// Repositories.
    pub repositories: usize,
    /// CI roles (GitHub, CircleCI, GitLab and assumed roles).
    pub roles: usize,
    /// Static-key CI users (`ci_user`), the one identity that is not a role.
    pub ci_users: usize,
    /// The sections of the `registry` blocks, summed over providers (`None` without a block).
    pub registry_sections: Option<usize>,
    /// The `registry` blocks: one per provider's registry, so one summary can say how many.
    pub registry_blocks: usize,
}

/// Terraform block types that are skipped (with one warning naming each) rather than refused.
const TERRAFORM_BLOCKS: &[&str] = &[
    "terraform",
    "resource",
    "data",
    "output",
    "locals",
    "moved",
    "import",
    "check",
    "removed",
    "ephemeral",
];

/// The top-level blocks ecrplan reads itself; with [`TERRAFORM_BLOCKS`], every block type it
/// knows, for "did you mean".
const ECRPLAN_BLOCKS: &[&str] = &[
    "module",
    "variable",
    "provider",
    "ecrplan",
    "replication",
    "registry",
];

/// Reads a configuration directory into the desired estate, or returns every error found (with
/// the warnings after them).
pub fn load_dir(dir: &Path, options: &LoadOptions) -> Result<Loaded, Diagnostics> {
    let mut files = read_files(dir)?;
    let mut sink = Sink::default();
    let mut bodies = Vec::new();
    for (id, file) in files.iter().enumerate() {
        if let Some(quote) = strings::unterminated_string(&file.text) {
            sink.push(unterminated_string(file, quote));
            continue;
        }
        match hcl_edit::parser::parse_body(&file.text) {
            Ok(body) => bodies.push((id, body)),
            Err(e) => sink.push(parse_error(file, &e)),
        }
    }
    // Variable files are part of the configuration: hashed with it, their values located.
    let errors_before = sink.error_count();
    let first_var_file = files.len();
    files.extend(tfvars::read(dir, &options.var_files, &mut sink));
    let mut var_bodies = Vec::new();
    for (id, file) in files.iter().enumerate().skip(first_var_file) {
        if tfvars::is_json(file) {
            let members = tfvars::json_assignments(id, file, &mut sink);
            var_bodies.push((id, VarFile::Json(members)));
            continue;
        }
        match hcl_edit::parser::parse_body(&file.text) {
            Ok(body) => var_bodies.push((id, VarFile::Hcl(body))),
            Err(e) => sink.push(parse_error(file, &e)),
        }
    }
    // A variable file that cannot be read may be what gives a variable its value: a variable
    // without one is then not reported too.
    let var_file_failed = sink.error_count() > errors_before;
    let hasher_files = files.clone();

    let empty = Vars::default();
    let mut top = TopLevel::default();
    {
        let mut ev = Evaluator::new(&files, dir, &empty, &mut sink);
        for (file, body) in &bodies {
            top.collect(&mut ev, *file, body);
        }
    }

    let mut warnings_from_files = Vec::new();
    let mut vars = Vars::default();
    for (name, decl) in &top.variables {
        let source = match decl.default {
            Some(expr) => VarSource::Default(decl.file, expr),
            None if var_file_failed => VarSource::Unparsable,
            None => VarSource::Missing,
        };
        vars.values.insert(name.clone(), source);
    }
    vars.locals = top.locals.clone();
    vars.types = top
        .variables
        .iter()
        .map(|(name, decl)| (name.clone(), decl.ty.clone()))
        .collect();
    // As in Terraform, a given value of a variable with a collection `type` is an HCL
    // expression; other given values are strings. Each parsed value is a source file of its own,
    // named by the environment variable it came from (`None`: `--var`), so that its diagnostics
    // point into it and name what the user set.
    let given: Vec<(&String, &String, Option<&String>)> = options
        .env
        .iter()
        .map(|env| (&env.name, &env.value, Some(&env.from)))
        .chain(options.vars.iter().map(|(name, value)| (name, value, None)))
        .collect();
    let mut parsed = Vec::new();
    for &(name, value, from) in &given {
        if !top.variables.get(name).is_some_and(|decl| decl.collection) {
            continue;
        }
        let shown = from.map_or_else(|| format!("--var {name}"), Clone::clone);
        let file = Arc::new(SourceFile::new(shown, value.as_str()));
        let expr = match hcl_edit::parser::parse_expr(value) {
            Ok(expr) => Some(expr),
            Err(e) => {
                sink.push(parse_error(&file, &e).help(format!(
                    "`{name}` has a collection type: its value is an HCL expression, such as [\"a\", \"b\"] or {{ key = \"value\" }}"
                )));
                None
            }
        };
        parsed.push((files.len(), expr));
        files.push(file);
    }
    let mut parsed_values = parsed.iter();
    // The environment, then the variable files, then `--var`: a later source wins.
    let (from_env, from_cli): (Vec<_>, Vec<_>) =
        given.iter().partition(|(_, _, from)| from.is_some());
    let mut file_values = Vec::new();
    for (file, body) in &var_bodies {
        let assignments: Vec<(String, std::ops::Range<usize>, VarSource<'_>)> = match body {
            VarFile::Hcl(body) => tfvars::assignments(&files[*file], body, &mut sink)
                .into_iter()
                .map(|attr| {
                    let name = attr.key.value().to_string();
                    (
                        name,
                        span_of(&attr.key),
                        VarSource::Given(*file, &attr.value),
                    )
                })
                .collect(),
            VarFile::Json(members) => members
                .iter()
                .map(|(key, value)| {
                    let source = VarSource::Value(value.clone());
                    (key.name.clone(), key.at.range.clone(), source)
                })
                .collect(),
        };
        for (name, span, source) in assignments {
            if !top.variables.contains_key(&name) {
                let d = Diagnostic::warning(format!(
                    "a value for the undeclared variable \"{name}\""
                ))
                .in_file(&files[*file])
                .label(span, "no `variable` block declares it")
                .help(format!(
                    "declare it with `variable \"{name}\" {{}}`, or remove the line (Terraform ignores it too)"
                ));
                warnings_from_files.push(d);
            }
            file_values.push((name, source));
        }
    }
    for &(name, value, from) in from_env.into_iter().chain(from_cli) {
        let cli = from.is_none();
        if cli {
            for (name, source) in file_values.drain(..) {
                vars.values.insert(name, source);
            }
        }
        let source = if top.variables.get(name).is_some_and(|decl| decl.collection) {
            match parsed_values.next() {
                Some((file, Some(expr))) => VarSource::Given(*file, expr),
                _ => VarSource::Unparsable,
            }
        } else if cli {
            VarSource::Cli(value.clone())
        } else {
            VarSource::Env(value.clone())
        };
        vars.values.insert(name.clone(), source);
    }
    for (name, source) in file_values {
        vars.values.insert(name, source);
    }

    let mut warnings = warnings_from_files;
    let mut ev = Evaluator::new(&files, dir, &vars, &mut sink);

    let mut estate = DesiredEstate {
        name: ANONYMOUS_ESTATE.to_owned(),
        anonymous: top.ecrplan.is_empty() && options.estate.is_none(),
        ..DesiredEstate::default()
    };
    let mut estate_at = None;
    if let Some((file, block)) = top.ecrplan.first() {
        if let Some((name, at)) = ev.ecrplan_block(*file, block, options.estate.as_deref()) {
            estate.name = name;
            estate_at = Some(at);
        }
    } else if let Some(outside) = &options.estate {
        estate.name.clone_from(outside);
    }
    if let Some(outside) = options.estate.as_deref().filter(|e| !is_estate_name(e)) {
        ev.sink.push(
            Diagnostic::error(format!(
                "`{outside}` (--estate or ECRPLAN_ESTATE) cannot be an estate name"
            ))
            .help("the estate name becomes a tag value: 1 to 128 letters, digits and `_.:/=+@-`"),
        );
    }
    for (file, block) in top.ecrplan.iter().skip(1) {
        let d = ev
            .diag(
                &At::new(*file, span_of(&block.ident)),
                "the `ecrplan` block is declared twice",
                "second `ecrplan` block",
            )
            .class(Class::Duplicate);
        ev.sink.push(d);
    }
    estate.provider = read_provider(&mut ev, &top.providers);
    estate.providers = read_aliases(&mut ev, &top.aliased);
    let replications = read_replications(&mut ev, &top.replication);
    let registries = read_registries(&mut ev, &top.registry);

    let needs_circleci_org = top.modules.iter().any(|m| m.cloud_platform);
    let circleci_org = if needs_circleci_org {
        circleci_organisation(&mut ev)
    } else {
        CircleciOrg::NotGiven
    };
    // An invalid id is an error already: the placeholder warning would contradict it.
    let circleci_org_given = !matches!(circleci_org, CircleciOrg::NotGiven);
    let circleci_org = match circleci_org {
        CircleciOrg::Given(id) => id,
        CircleciOrg::NotGiven | CircleciOrg::Invalid => CIRCLECI_ORG_PLACEHOLDER.to_owned(),
    };

    // Each module with the registry of the provider it chose.
    let mut declared: Vec<(Declared, Registry)> = Vec::new();
    for m in &top.modules {
        let known = if m.cloud_platform {
            modules::CLOUD_PLATFORM_ATTRS
        } else {
            modules::ECR_REPOS_ATTRS
        };
        let ctx = format!("module `{}`", m.name);
        let fields = ev.body_fields(m.file, &m.block.body, known, &[], &ctx);
        let label_at = m.label_at.clone();
        let chosen = ev.module_provider(&fields);
        ev.choose(&chosen);
        let read = if m.cloud_platform {
            ev.cloud_platform_module(&m.name, m.source.clone(), label_at, &fields, &circleci_org)
        } else {
            ev.ecr_repos_module(&m.name, m.source.clone(), label_at, &fields)
        };
        if let (Some(mut d), Ok(alias)) = (read, chosen) {
            d.module.provider = alias;
            declared.push((d, ev.registry.clone()));
        }
    }
    check_duplicates(&mut ev, &declared);
    let declared: Vec<Declared> = declared.into_iter().map(|(d, _)| d).collect();

    // Warnings, one line each per directory.
    if !top.skipped.is_empty() {
        warnings.push(skipped_warning(&files, &top.skipped));
    }
    let mut unmanaged: BTreeMap<&str, usize> = BTreeMap::new();
    for d in &declared {
        for (input, _) in &d.unmanaged {
            *unmanaged.entry(input).or_default() += 1;
        }
    }
    if !unmanaged.is_empty() {
        let parts: Vec<String> = unmanaged
            .iter()
            .map(|(input, n)| format!("`{input}` ({n} module{})", plural(*n)))
            .collect();
        let mut d = Diagnostic::warning(format!(
            "accepted but not managed by ecrplan: {}",
            parts.join(", ")
        ))
        .help("ecrplan manages repositories, their policies and the CI roles; these inputs configure other things");
        for m in &declared {
            for (input, at) in &m.unmanaged {
                d = d.site(
                    &files[at.file],
                    at.range.clone(),
                    format!(
                        "`{input}` of module `{}` is accepted but not managed by ecrplan",
                        m.module.name
                    ),
                );
            }
        }
        warnings.push(d);
    }
    let placeholder_circleci: Vec<&Declared> = declared
        .iter()
        .filter(|d| d.cloud_platform && d.module.circleci.is_some() && !circleci_org_given)
        .collect();
    if !placeholder_circleci.is_empty() {
        let n = placeholder_circleci.len();
        let mut d = Diagnostic::warning(format!(
            "{n} Cloud Platform module{} ask{} for a CircleCI role, but no CircleCI organisation id is given: the roles trust organisation {CIRCLECI_ORG_PLACEHOLDER}",
            plural(n),
            if n == 1 { "s" } else { "" },
        ))
        .help(format!(
            "pass --var {CIRCLECI_ORG_VARIABLE}=… or set ECRPLAN_VAR_{CIRCLECI_ORG_VARIABLE} (or declare variable \"{CIRCLECI_ORG_VARIABLE}\" with a default)"
        ));
        for m in placeholder_circleci {
            d = d.site(
                &files[m.label_at.file],
                m.label_at.range.clone(),
                format!(
                    "module `{}` asks for a CircleCI role, but no CircleCI organisation id is given",
                    m.module.name
                ),
            );
        }
        warnings.push(d);
    }
    for (name, _) in &options.vars {
        if !top.variables.contains_key(name) && !ev.used_vars.contains_key(name) {
            warnings.push(
                Diagnostic::warning(format!(
                    "--var {name} is given, but no variable \"{name}\" is declared or used"
                ))
                .help(format!(
                    "declare it with `variable \"{name}\" {{}}`, or check the spelling"
                )),
            );
        }
    }

    let used_vars = std::mem::take(&mut ev.used_vars);
    let read_files_map = std::mem::take(&mut ev.read_files);
    drop(ev);

    if sink.has_errors() {
        let mut errors: Vec<Diagnostic> = sink.items;
        errors.sort_by_key(|d| {
            (
                d.file().map(|f| files.iter().position(|x| x.name == f)),
                d.span().map(|s| s.start),
            )
        });
        errors.extend(warnings);
        return Err(Diagnostics(errors));
    }
    warnings.splice(0..0, sink.items);

    let mut summary = Summary {
        modules: declared.len(),
        repositories: declared.iter().map(|d| d.module.repositories.len()).sum(),
        roles: declared
            .iter()
            .map(|d| {
                let ids = &d.module.identities;
                usize::from(d.module.github.is_some())
                    + usize::from(d.module.circleci.is_some())
                    + usize::from(ids.assume_role.is_some())
                    + usize::from(ids.gitlab.is_some())
            })
            .sum(),
        ci_users: declared
            .iter()
            .filter(|d| d.module.identities.ci_user.is_some())
            .count(),
        registry_sections: None,
        registry_blocks: 0,
    };
    let mut locations = Locations::default();
    if let Some(at) = &estate_at {
        locations.add_estate(&files, at);
    }
    for d in &declared {
        locations.add_module(&files, &d.module.name, &d.label_at);
        for (name, at) in d.module.repositories.iter().zip(&d.repositories) {
            locations.add_repository(&files, &d.module.name, name, at);
        }
        for (name, at) in &d.iam.roles {
            locations.add_role(&files, name, at);
        }
    }
    for (replication, at) in replications {
        locations.add_replication(&files, replication.provider.as_deref(), &at);
        estate.replications.push(replication);
    }
    for (provider, registry) in registries {
        locations.add_registry(&files, provider.as_deref(), &registry);
        *summary.registry_sections.get_or_insert(0) += registry.settings.sections().len();
        summary.registry_blocks += 1;
        estate.registries.push(OnRegistry {
            provider,
            value: registry.settings,
        });
    }
    let variables = used_vars
        .iter()
        .filter(|(name, _)| !top.variables.get(*name).is_some_and(|d| d.sensitive))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    estate.modules = declared.into_iter().map(|d| d.module).collect();
    estate.skipped_modules = top.skipped_modules;
    Ok(Loaded {
        estate,
        warnings,
        config_hash: config_hash(
            &hasher_files,
            &used_vars,
            &read_files_map,
            options.estate.as_deref(),
        ),
        summary,
        variables,
        locations,
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The configuration files of `dir`: every `*.tf` and `*.hcl` entry, in name order, each read
/// or reported. An entry that cannot be read (a dangling symbolic link, a loop, a directory, a
/// FIFO, a device, a file that is not UTF-8) is an error naming it, never skipped: a directory
/// that silently lost a file would plan to destroy what that file declared. Editor files are
/// ignored as Terraform ignores them (`is_ignored`). `fmt` rewrites exactly this set.
pub fn read_files(dir: &Path) -> Result<Vec<Arc<SourceFile>>, Diagnostics> {
    let fail = |message: String, help: &str| {
        Diagnostics(vec![
            Diagnostic::error(message)
                .help(help)
                .class(Class::UnreadableFile),
        ])
    };
    let entries = std::fs::read_dir(dir).map_err(|e| {
        fail(
            format!(
                "cannot read the configuration directory {}: {e}",
                dir.display()
            ),
            "give the directory that holds the *.tf or *.hcl files",
        )
    })?;
    let mut names = Vec::new();
    let mut errors = Vec::new();
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                errors.push(
                    Diagnostic::error(format!(
                        "cannot list the configuration directory {}: {e}",
                        dir.display()
                    ))
                    .help("check the directory's permissions")
                    .class(Class::UnreadableFile),
                );
                continue;
            }
        };
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_config = name.ends_with(".tf") || name.ends_with(".hcl");
        if is_config && !is_ignored(&name) {
            names.push(name);
        }
    }
    names.sort();
    if names.is_empty() && errors.is_empty() {
        return Err(fail(
            format!("no *.tf or *.hcl files in {}", dir.display()),
            "point ecrplan at a directory with a module block, e.g. examples/quickstart",
        ));
    }
    let mut files = Vec::new();
    for name in names {
        match read::read_text(&dir.join(&name), read::CONFIG_FILE_LIMIT) {
            Ok(text) => files.push(Arc::new(SourceFile::in_dir(dir, name, text))),
            Err(e) => errors.push(read::unreadable_file(
                dir,
                name,
                &e,
                read::CONFIG_FILE_LIMIT,
            )),
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(Diagnostics(errors))
    }
}

/// Terraform's rule for files it does not read: names starting with `.` (editor lock files such
/// as Emacs's `.#main.tf`, which is a dangling symbolic link), ending with `~`, or starting and
/// ending with `#` (`configs/parser_config_dir.go`, `IsIgnoredFile`).
fn is_ignored(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || (name.len() > 1 && name.starts_with('#') && name.ends_with('#'))
}

fn parse_error(file: &Arc<SourceFile>, e: &hcl_edit::parser::Error) -> Diagnostic {
    let offset = e.location().offset().min(file.text.len());
    let end = file.text[offset..].chars().next().map_or(offset, |c| {
        if c == '\n' {
            offset
        } else {
            offset + c.len_utf8()
        }
    });
    let message = e.message().trim();
    // `rule { a = 1, b = 2 }` reads like an object, but a block's attributes are separated by
    // newlines: a one-line block holds one attribute.
    let help = if message.contains("block body") && file.text[offset..].starts_with(',') {
        "a block's attributes go on lines of their own, without commas (a one-line block holds one attribute)"
    } else {
        "check for a missing `}`, `]`, `\"` or `=` just before this point"
    };
    Diagnostic::error(format!("HCL syntax error: {message}"))
        .in_file(file)
        .label(offset..end, "here")
        .help(help)
        .class(Class::Syntax)
}

/// A quoted string that reaches the end of its line: hcl-edit would read on to the next `"`
/// and report a confusing error there, so it is reported at the opening quote instead.
fn unterminated_string(file: &Arc<SourceFile>, quote: usize) -> Diagnostic {
    Diagnostic::error("HCL syntax error: a string is not terminated")
        .in_file(file)
        .label(quote..quote + 1, "this string has no closing `\"` on its line")
        .help("close the string with `\"`; a quoted string cannot span lines (use a heredoc, `<<EOF`, for text over several lines)")
        .class(Class::Syntax)
}

/// The assignments of a variable file, by its syntax.
enum VarFile {
    /// `NAME = value` lines.
    Hcl(hcl_edit::structure::Body),
    /// The members of a JSON object, each value located in the file.
    Json(Vec<(Key, Value)>),
}

/// A `variable` block.
struct VarDecl<'b> {
    file: FileId,
    /// Where the name was written, to point at the first of two declarations.
    label_at: At,
    default: Option<&'b hcl_edit::expr::Expression>,
    /// A list, map, set, object or tuple `type`: given values are parsed as expressions.
    collection: bool,
    /// The `type`: what a variable file's value is converted to.
    ty: VarType,
    /// `sensitive` is set (to anything but a literal `false`): reports leave the value out.
    sensitive: bool,
}

/// True for a `type` of a list, map, set, object or tuple (`list(string)`, bare `map`, …).
fn is_collection_type(expr: &hcl_edit::expr::Expression) -> bool {
    const COLLECTIONS: &[&str] = &["list", "map", "set", "object", "tuple"];
    match expr {
        hcl_edit::expr::Expression::FuncCall(call) => {
            !call.name.is_namespaced() && COLLECTIONS.contains(&call.name.name.value().as_str())
        }
        hcl_edit::expr::Expression::Variable(name) => COLLECTIONS.contains(&name.value().as_str()),
        _ => false,
    }
}

/// A module block worth reading.
struct ModuleDecl<'b> {
    file: FileId,
    name: String,
    label_at: At,
    source: String,
    cloud_platform: bool,
    block: &'b Block,
}

#[derive(Default)]
struct TopLevel<'b> {
    variables: BTreeMap<String, VarDecl<'b>>,
    modules: Vec<ModuleDecl<'b>>,
    providers: Vec<(FileId, &'b Block, &'static str)>,
    ecrplan: Vec<(FileId, &'b Block)>,
    replication: Vec<(FileId, &'b Block)>,
    registry: Vec<(FileId, &'b Block)>,
    locals: HashMap<String, (FileId, &'b hcl_edit::expr::Expression)>,
    /// Aliased `provider "aws"` blocks, each with its `alias`.
    aliased: Vec<(FileId, &'b Block, &'b Attribute)>,
    /// Where each local value was defined, to report a second definition.
    local_names: HashMap<String, At>,
    /// Blocks not part of an ECR estate, each with where it starts, for the skip warning.
    skipped: Vec<(At, String)>,
    /// The names of the `module` blocks among them, which no plan may delete objects of.
    skipped_modules: BTreeSet<String>,
}

impl<'b> TopLevel<'b> {
    fn skip(&mut self, file: FileId, block: &Block) {
        let mut what = block.ident.value().to_string();
        for label in &block.labels {
            what.push_str(&format!(" \"{}\"", label.as_str()));
        }
        // The block's header, `resource "aws_s3_bucket" "logs"`: where code scanning shows it.
        let start = span_of(&block.ident).start;
        let end = block
            .labels
            .last()
            .map_or(span_of(&block.ident).end, |l| span_of(l).end);
        self.skipped.push((At::new(file, start..end), what));
    }

    fn collect(
        &mut self,
        ev: &mut Evaluator<'_>,
        file: FileId,
        body: &'b hcl_edit::structure::Body,
    ) {
        for structure in body.iter() {
            let block = match structure {
                Structure::Block(block) => block,
                Structure::Attribute(attr) => {
                    let at = At::new(file, span_of(&attr.key));
                    let d = ev
                        .diag(
                            &at,
                            format!(
                                "unexpected attribute `{}` at the top level",
                                attr.key.value()
                            ),
                            "not inside a block",
                        )
                        .help("attributes belong inside a `module`, `provider` or `variable` block")
                        .class(Class::UnknownName);
                    ev.sink.push(d);
                    continue;
                }
            };
            let ident = block.ident.value().as_str();
            let ident_at = At::new(file, span_of(&block.ident));
            let label = block.labels.first();
            let label_at = label.map_or(ident_at.clone(), |l| At::new(file, span_of(l)));
            let want_label = |ev: &mut Evaluator<'_>, n: usize, kind: &str| -> bool {
                if block.labels.len() == n {
                    return true;
                }
                let d = ev
                    .diag(
                        &ident_at,
                        format!(
                            "a `{kind}` block takes {n} label{}, not {}",
                            plural(n),
                            block.labels.len()
                        ),
                        "this block",
                    )
                    .help(match kind {
                        "module" => "write `module \"NAME\" { … }`",
                        "variable" => "write `variable \"NAME\" { … }`",
                        "provider" => {
                            "write `provider \"aws\" { … }` or `provider \"sandbox\" { … }`"
                        }
                        _ => "write it without labels",
                    });
                ev.sink.push(d);
                false
            };
            match ident {
                "variable" => {
                    if !want_label(ev, 1, "variable") {
                        continue;
                    }
                    let name = block.labels[0].as_str().to_owned();
                    let fields = ev.body_fields(
                        file,
                        &block.body,
                        &[
                            "default",
                            "type",
                            "description",
                            "sensitive",
                            "nullable",
                            "ephemeral",
                        ],
                        &["validation"],
                        &format!("variable \"{name}\""),
                    );
                    let default = fields.get("default").map(|a| a.expr);
                    let collection = fields
                        .get("type")
                        .is_some_and(|a| is_collection_type(a.expr));
                    let ty = fields
                        .get("type")
                        .map_or(VarType::Any, |a| VarType::of(a.expr));
                    let sensitive = fields.get("sensitive").is_some_and(
                        |a| !matches!(a.expr, hcl_edit::expr::Expression::Bool(b) if !*b.value()),
                    );
                    if let Some(first) = self.variables.get(&name) {
                        duplicate(ev, "variable", &name, &first.label_at, &label_at);
                        continue;
                    }
                    self.variables.insert(
                        name,
                        VarDecl {
                            file,
                            label_at,
                            default,
                            collection,
                            ty,
                            sensitive,
                        },
                    );
                }
                "module" => {
                    if !want_label(ev, 1, "module") {
                        continue;
                    }
                    let name = block.labels[0].as_str().to_owned();
                    let source_attr = block
                        .body
                        .iter()
                        .filter_map(Structure::as_attribute)
                        .find(|a| a.key.value().as_str() == "source");
                    let attrs: Vec<&str> = block
                        .body
                        .iter()
                        .filter_map(Structure::as_attribute)
                        .map(|a| a.key.value().as_str())
                        .collect();
                    let seed_kind = attrs.contains(&"ecr-repositories");
                    let literal = source_attr.and_then(|a| a.value.as_str());
                    let meant = modules::meant_cloud_platform(literal.unwrap_or_default(), &attrs);
                    // Terraform wants `source` as a literal string; only a module ecrplan
                    // reads has it evaluated (a skipped module is never evaluated).
                    if let Some(expr) = source_attr.map(|a| &a.value)
                        && literal.is_none()
                        && (seed_kind || meant.is_some())
                    {
                        let at = At::new(file, span_of(expr));
                        let d = ev
                            .diag(
                                &at,
                                "a module `source` must be a literal string",
                                "not a literal string",
                            )
                            .help("Terraform reads `source` before any variable or function: write it as a quoted string without `${…}`");
                        ev.sink.push(d);
                        continue;
                    }
                    let source = literal.unwrap_or_default().to_owned();
                    let cloud_platform = modules::is_cloud_platform(&source);
                    if !cloud_platform && !seed_kind {
                        if let Some(meant) = meant {
                            let at =
                                source_attr.map_or(label_at, |a| At::new(file, span_of(&a.value)));
                            let d = ev
                                .diag(
                                    &at,
                                    format!("module `{name}` looks like the Cloud Platform ECR module, but its source is not that module: skipped, its repository and CI roles would be planned for deletion"),
                                    "unknown module source",
                                )
                                .help(format!("did you mean \"{meant}\"?"));
                            ev.sink.push(d);
                        } else {
                            self.skipped_modules.insert(name);
                            self.skip(file, block);
                        }
                        continue;
                    }
                    self.modules.push(ModuleDecl {
                        file,
                        name,
                        label_at,
                        source,
                        cloud_platform,
                        block,
                    });
                }
                "provider" => {
                    if !want_label(ev, 1, "provider") {
                        continue;
                    }
                    let kind = match block.labels[0].as_str() {
                        "aws" => "aws",
                        "sandbox" => "sandbox",
                        _ => {
                            self.skip(file, block);
                            continue;
                        }
                    };
                    let alias = block
                        .body
                        .iter()
                        .filter_map(Structure::as_attribute)
                        .find(|a| a.key.value().as_str() == "alias");
                    match (alias, kind) {
                        (Some(alias), "aws") => self.aliased.push((file, block, alias)),
                        (Some(alias), _) => {
                            let d = ev
                                .diag(
                                    &At::new(file, span_of(&alias.key)),
                                    "a `provider \"sandbox\"` block cannot have an alias",
                                    "alias of the sandbox",
                                )
                                .help("the sandbox file holds every account and region the configuration reaches: remove `alias`, keep one `provider \"sandbox\"`, and reach other places with aliased `provider \"aws\"` blocks");
                            ev.sink.push(d);
                        }
                        (None, _) => self.providers.push((file, block, kind)),
                    }
                }
                "ecrplan" => {
                    if want_label(ev, 0, "ecrplan") {
                        self.ecrplan.push((file, block));
                    }
                }
                "replication" => {
                    if want_label(ev, 0, "replication") {
                        self.replication.push((file, block));
                    }
                }
                "registry" => {
                    if want_label(ev, 0, "registry") {
                        self.registry.push((file, block));
                    }
                }
                "locals" => {
                    // Skipped as a block; an entry is evaluated only when a module reads it.
                    self.skip(file, block);
                    for attr in block.body.iter().filter_map(Structure::as_attribute) {
                        let name = attr.key.value().to_string();
                        let at = At::new(file, span_of(&attr.key));
                        match self.local_names.get(&name) {
                            // Terraform refuses a directory that defines a local value twice.
                            Some(first) => duplicate(ev, "local value", &name, first, &at),
                            None => {
                                self.locals.insert(name.clone(), (file, &attr.value));
                                self.local_names.insert(name, at);
                            }
                        }
                    }
                }
                kind if TERRAFORM_BLOCKS.contains(&kind) => self.skip(file, block),
                other => {
                    let mut d = ev.diag(
                        &ident_at,
                        format!("unknown block type `{other}`"),
                        "unknown block",
                    );
                    let known: Vec<&str> = ECRPLAN_BLOCKS
                        .iter()
                        .chain(TERRAFORM_BLOCKS)
                        .copied()
                        .collect();
                    if let Some(s) = suggest(other, &known) {
                        d = d.help(format!("did you mean `{s}`?"));
                    } else {
                        d = d.help("ecrplan reads module, variable, provider, ecrplan, replication and registry blocks");
                    }
                    ev.sink.push(d.class(Class::UnknownName));
                }
            }
        }
    }
}

/// The default provider: the one `provider "aws"` or `provider "sandbox"` block without an
/// alias. Its registry is what blocks on the default provider are checked against
/// (`Evaluator::choose`).
fn read_provider(
    ev: &mut Evaluator<'_>,
    providers: &[(FileId, &Block, &'static str)],
) -> ProviderSettings {
    let Some((file, block, kind)) = providers.first() else {
        return ProviderSettings::Unspecified;
    };
    for (other_file, other, _) in &providers[1..] {
        let at = At::new(*other_file, span_of(&other.ident));
        let first_at = At::new(*file, span_of(&block.ident));
        let mut d = ev
            .diag(
                &at,
                "a second default provider is declared",
                "second provider",
            )
            .help("keep one `provider \"aws\"` or `provider \"sandbox\"` block without an alias; give another region or account `alias = \"NAME\"` and choose it with `aws.NAME`");
        if *other_file == *file {
            d = d.label(first_at.range.clone(), "first provider");
        } else {
            d = d.related(ev.note(
                &first_at,
                "the first provider is declared here",
                "first provider",
            ));
        }
        ev.sink.push(d);
    }
    let settings = match *kind {
        "aws" => ev.aws_provider(*file, block),
        _ => ev.sandbox_provider(*file, block),
    };
    ev.providers.default = registry_of(&settings);
    settings
}

/// The aliased `provider "aws"` blocks, by alias, each alias declared once. Every alias is
/// known before any block refers to one.
fn read_aliases(
    ev: &mut Evaluator<'_>,
    blocks: &[(FileId, &Block, &Attribute)],
) -> BTreeMap<String, ProviderSettings> {
    let mut out = BTreeMap::new();
    let mut first: HashMap<String, At> = HashMap::new();
    for (file, block, alias) in blocks {
        let settings = ev.aws_provider(*file, block);
        let Some(name) = ev.provider_alias(*file, alias) else {
            continue;
        };
        let at = At::new(*file, span_of(&alias.value));
        if let Some(first) = first.get(&name) {
            let d = duplicate_diag(
                ev,
                "provider",
                &format!("aws.{name}"),
                &format!("two `provider \"aws\"` blocks have the alias `{name}`"),
                first,
                &at,
            )
            .help("an alias names one provider: rename one of them, or remove it");
            ev.sink.push(d);
            continue;
        }
        let registry = registry_of(&settings);
        ev.providers.aliases.insert(name.clone(), registry);
        first.insert(name.clone(), at);
        out.insert(name, settings);
    }
    out
}

/// The `replication` blocks, at most one per provider, each with where its keyword is.
fn read_replications(
    ev: &mut Evaluator<'_>,
    blocks: &[(FileId, &Block)],
) -> Vec<(OnRegistry<Replication>, At)> {
    let mut out: Vec<(OnRegistry<Replication>, At)> = Vec::new();
    for (file, block) in blocks {
        let at = At::new(*file, span_of(&block.ident));
        let chosen = ev.block_provider(*file, &block.body);
        let seen = out.iter().map(|(r, at)| (r.provider.as_deref(), at));
        if let Some(first) = first_for(&chosen, seen) {
            let d = twice(ev, "replication", &chosen, &first, &at)
                .help("a registry's replication is declared in one `replication` block per provider: merge the two");
            ev.sink.push(d);
            continue;
        }
        ev.choose(&chosen);
        let value = ev.replication_block(*file, block);
        if let Ok(provider) = chosen {
            out.push((OnRegistry { provider, value }, at));
        }
    }
    out
}

/// The `registry` blocks, at most one per provider: a registry's settings belong to one
/// estate, declared in one block.
fn read_registries(
    ev: &mut Evaluator<'_>,
    blocks: &[(FileId, &Block)],
) -> Vec<(Option<String>, RegistryDeclared)> {
    let mut out: Vec<(Option<String>, RegistryDeclared)> = Vec::new();
    for (file, block) in blocks {
        let at = At::new(*file, span_of(&block.ident));
        let chosen = ev.block_provider(*file, &block.body);
        let seen = out.iter().map(|(p, r)| (p.as_deref(), &r.block_at));
        if let Some(first) = first_for(&chosen, seen) {
            let d = twice(ev, "registry", &chosen, &first, &at)
                .help("a registry's settings are declared in one `registry` block per provider: merge the two");
            ev.sink.push(d);
            continue;
        }
        ev.choose(&chosen);
        let declared = ev.registry_block(*file, block);
        if let Ok(provider) = chosen {
            out.push((provider, declared));
        }
    }
    out
}

/// Where a block of one type was first declared for the provider `chosen` names, if it was.
fn first_for<'s>(
    chosen: &Chosen,
    mut seen: impl Iterator<Item = (Option<&'s str>, &'s At)>,
) -> Option<At> {
    let Ok(provider) = chosen else {
        return None;
    };
    seen.find(|(p, _)| *p == provider.as_deref())
        .map(|(_, at)| at.clone())
}

/// A `kind` block declared a second time for one provider.
fn twice(ev: &Evaluator<'_>, kind: &str, chosen: &Chosen, first: &At, again: &At) -> Diagnostic {
    let message = match chosen {
        Ok(Some(alias)) => {
            format!("the `{kind}` block of provider `aws.{alias}` is declared twice")
        }
        Ok(None) | Err(_) => format!("the `{kind}` block is declared twice"),
    };
    duplicate_diag(ev, "block", kind, &message, first, again)
}

/// What the variable `circleci_organisation_id` gave.
enum CircleciOrg {
    Given(String),
    NotGiven,
    /// A value that is not a UUID (or no string), already reported.
    Invalid,
}

/// The CircleCI organisation id for Cloud Platform modules, from the variable
/// `circleci_organisation_id` (`--var`, `ECRPLAN_VAR_…` or a `variable` default).
fn circleci_organisation(ev: &mut Evaluator<'_>) -> CircleciOrg {
    let (value, at) = match ev.vars.values.get(CIRCLECI_ORG_VARIABLE) {
        Some(VarSource::Cli(s) | VarSource::Env(s)) => (s.clone(), None),
        Some(VarSource::Default(file, expr) | VarSource::Given(file, expr)) => {
            match ev.eval(*file, expr).and_then(|v| located_text(ev, v)) {
                Some(text) => text,
                None => return CircleciOrg::Invalid,
            }
        }
        Some(VarSource::Value(v)) => match located_text(ev, v.clone()) {
            Some(text) => text,
            None => return CircleciOrg::Invalid,
        },
        Some(VarSource::Unparsable) => return CircleciOrg::Invalid,
        Some(VarSource::Missing) | None => return CircleciOrg::NotGiven,
    };
    ev.used_vars.insert(
        CIRCLECI_ORG_VARIABLE.to_owned(),
        serde_json::Value::String(value.clone()),
    );
    if !limits::is_uuid(&value) {
        let message =
            format!("`{CIRCLECI_ORG_VARIABLE}` is `{value}`, not a CircleCI organisation id");
        let d = match &at {
            Some(at) => ev.diag(at, message, "expected a UUID"),
            None => Diagnostic::error(message),
        };
        ev.sink.push(d.help(
            "the organisation id is the UUID under Organization Settings → Overview in CircleCI",
        ));
        return CircleciOrg::Invalid;
    }
    CircleciOrg::Given(value)
}

/// The text of the organisation id's value and where it was written; a value that is not a
/// string is reported.
fn located_text(ev: &mut Evaluator<'_>, v: Value) -> Option<(String, Option<At>)> {
    match v.as_text() {
        Some(s) => Some((s, Some(v.at))),
        None => {
            ev.error(
                &v.at,
                "`circleci_organisation_id` must be a string",
                "expected a string",
            );
            None
        }
    }
}

/// Module names must each be declared once in the directory (they are addresses), a repository
/// once per registry, and IAM role, user and group names once per account — compared without
/// case, since "Names are not distinguished by case. For example, you cannot create resources
/// named both "MyResource" and "myresource"" (IAM API reference, CreateRole, CreateUser and
/// CreateGroup; IAM User Guide, "IAM identifiers",
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html>). Each module
/// comes with the registry of its provider; two providers are one registry or account here
/// when their blocks say so ([`Registry::same_registry`]), and providers that meet only once
/// connected are the connecting side's to see.
fn check_duplicates(ev: &mut Evaluator<'_>, declared: &[(Declared, Registry)]) {
    let mut modules: HashMap<&str, &At> = HashMap::new();
    let mut repos: HashMap<&str, Vec<(&Registry, &At)>> = HashMap::new();
    for (d, registry) in declared {
        if let Some(first) = modules.insert(&d.module.name, &d.label_at) {
            duplicate(ev, "module", &d.module.name, first, &d.label_at);
        }
        for (name, at) in d.module.repositories.iter().zip(&d.repositories) {
            let seen = repos.entry(name).or_default();
            match seen.iter().find(|(r, _)| r.same_registry(registry)) {
                Some((_, first)) => duplicate(ev, "repository", name, first, at),
                None => seen.push((registry, at)),
            }
        }
    }
    let names = |pick: fn(&IamNames) -> &[(String, At)]| {
        declared
            .iter()
            .flat_map(move |(d, registry)| pick(&d.iam).iter().map(move |n| (n, registry)))
    };
    iam_duplicates(ev, "IAM role", names(|iam| &iam.roles));
    iam_duplicates(ev, "IAM user", names(|iam| &iam.users));
    iam_duplicates(ev, "IAM group", names(|iam| &iam.groups));
}

/// Reports each IAM name declared again in one account, in any letter case.
fn iam_duplicates<'d>(
    ev: &mut Evaluator<'_>,
    what: &str,
    names: impl Iterator<Item = (&'d (String, At), &'d Registry)>,
) {
    let mut seen: HashMap<String, Vec<(&str, &At, &Registry)>> = HashMap::new();
    for ((name, at), registry) in names {
        let same_name = seen.entry(name.to_lowercase()).or_default();
        match same_name.iter().find(|(_, _, r)| r.same_account(registry)) {
            Some((first_name, first, _)) if *first_name == name.as_str() => {
                duplicate(ev, what, name, first, at);
            }
            Some((first_name, first, _)) => {
                let d = duplicate_diag(
                    ev,
                    what,
                    first_name,
                    &format!("the {what} `{name}` is declared twice, first as `{first_name}`"),
                    first,
                    at,
                )
                .help(format!(
                    "IAM names are per account and not distinguished by case: `{first_name}` and `{name}` are one {what}; remove one, or rename it"
                ));
                ev.sink.push(d);
            }
            None => same_name.push((name, at, registry)),
        }
    }
}

fn duplicate(ev: &mut Evaluator<'_>, what: &str, name: &str, first: &At, again: &At) {
    let d = duplicate_diag(
        ev,
        what,
        name,
        &format!("the {what} `{name}` is declared twice"),
        first,
        again,
    )
    .help(format!(
        "each {what} may be declared once per directory: remove one, or rename it"
    ));
    ev.sink.push(d);
}

/// `message` labelled at the second declaration, with the first one labelled beside it (or as a
/// related note when it is in another file).
fn duplicate_diag(
    ev: &Evaluator<'_>,
    what: &str,
    first_name: &str,
    message: &str,
    first: &At,
    again: &At,
) -> Diagnostic {
    let d = ev
        .diag(again, message, "declared again here")
        .class(Class::Duplicate);
    if first.file == again.file {
        d.label(first.range.clone(), "first declared here")
    } else {
        d.related(ev.note(
            first,
            format!("the {what} `{first_name}` is first declared here"),
            "first declared here",
        ))
    }
}

/// One warning naming every skipped block where it starts (`file:line:col`), so a block that
/// was meant to be read is found at once; each block is also a site of its own, so code
/// scanning shows the finding on the block's header.
fn skipped_warning(files: &[Arc<SourceFile>], skipped: &[(At, String)]) -> Diagnostic {
    let lines: Vec<String> = skipped
        .iter()
        .map(|(at, what)| {
            let file = &files[at.file];
            let (line, column) = file.line_column(at.range.start);
            format!("\n  {}:{line}:{column} {what}", file.shown())
        })
        .collect();
    let mut d = Diagnostic::warning(format!(
        "skipped {} block{}, not part of an ECR estate:{}",
        skipped.len(),
        plural(skipped.len()),
        lines.concat()
    ))
    .help("ecrplan reads ECR-estate modules, variables, the account provider and the ecrplan, replication and registry blocks")
    .class(Class::SkippedBlock);
    for (at, what) in skipped {
        d = d.site(
            &files[at.file],
            at.range.clone(),
            format!("skipped `{what}`: not part of an ECR estate"),
        );
    }
    d
}

fn config_hash(
    files: &[Arc<SourceFile>],
    vars: &BTreeMap<String, serde_json::Value>,
    read: &BTreeMap<String, String>,
    outside_estate: Option<&str>,
) -> String {
    let mut h = Sha256::new();
    if let Some(estate) = outside_estate {
        h.update(b"estate\0");
        h.update(estate.as_bytes());
        h.update(b"\0");
    }
    for file in files {
        h.update(b"file\0");
        h.update(file.name.as_bytes());
        h.update(b"\0");
        h.update((file.text.len() as u64).to_le_bytes());
        h.update(file.text.as_bytes());
    }
    for (name, value) in vars {
        h.update(b"var\0");
        h.update(name.as_bytes());
        h.update(b"\0");
        h.update(value.to_string().as_bytes());
        h.update(b"\0");
    }
    for (path, text) in read {
        h.update(b"read\0");
        h.update(path.as_bytes());
        h.update(b"\0");
        h.update((text.len() as u64).to_le_bytes());
        h.update(text.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
