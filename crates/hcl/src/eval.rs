//! A small evaluator over hcl-edit's expression tree. Every value keeps the byte range it was
//! written at, so that a wrong value deep inside an object is reported where it is.
//!
//! Supported: literals, lists, objects (identifier or quoted keys), string templates with
//! `${…}` interpolation, heredocs (`<<EOF`, and `<<-EOF` whose indentation hcl-edit strips the
//! way Terraform does), `var.NAME` (with attribute and index access on the result), unary
//! `-`/`!`, parentheses, and the functions `file`, `jsonencode`, `format` and `concat`.
//! Anything else is a diagnostic naming the unsupported expression.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, FuncCall, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Element, Template};

use crate::diag::{Class, Diagnostic, Sink, SourceFile};
use crate::read;
use crate::registry::{Providers, Registry};
use crate::value::{At, FileId, Key, Value, ValueType};
use crate::vartype::VarType;

/// Where a variable's value comes from, in precedence order.
#[derive(Clone, Debug)]
pub(crate) enum VarSource<'a> {
    /// `--var NAME=VALUE`.
    Cli(String),
    /// `ECRPLAN_VAR_NAME`.
    Env(String),
    /// The `default` of the `variable` block, evaluated on first use.
    Default(FileId, &'a Expression),
    /// A value of a variable file, or a `--var` or `ECRPLAN_VAR_…` value of a collection-typed
    /// variable parsed as an expression (its own source file): evaluated on first use and
    /// converted to the variable's type.
    Given(FileId, &'a Expression),
    /// A value of a JSON variable file, converted to the variable's type on first use.
    Value(Value),
    /// A given value of a collection-typed variable that did not parse, or no value while a
    /// variable file that may give one could not be read (either already reported).
    Unparsable,
    /// Declared without a default, and given no value.
    Missing,
}

/// The variables of a directory: where each one's value comes from.
#[derive(Default)]
pub(crate) struct Vars<'a> {
    pub(crate) values: HashMap<String, VarSource<'a>>,
    /// `locals` entries, evaluated only when a module reads them.
    pub(crate) locals: HashMap<String, (FileId, &'a Expression)>,
    /// The declared `type` of each variable.
    pub(crate) types: HashMap<String, VarType>,
}

/// Evaluates expressions of one directory.
pub(crate) struct Evaluator<'a> {
    pub(crate) files: &'a [Arc<SourceFile>],
    pub(crate) dir: &'a Path,
    pub(crate) vars: &'a Vars<'a>,
    pub(crate) sink: &'a mut Sink,
    /// Defaults and given values already evaluated (`None`: it failed, and was reported once).
    defaults: HashMap<String, Option<Value>>,
    /// Set while a default is evaluated: defaults cannot use variables.
    in_default: bool,
    /// Locals already evaluated (`None`: it failed, and was reported once).
    local_values: HashMap<String, Option<Value>>,
    /// Locals being evaluated, to report a cycle instead of looping.
    local_stack: Vec<String>,
    /// Variables read, with the value they resolved to (part of the configuration hash).
    pub(crate) used_vars: BTreeMap<String, serde_json::Value>,
    /// Files read through `file()`, with their contents (part of the configuration hash).
    pub(crate) read_files: BTreeMap<String, String>,
    /// The registry of every declared provider, once the provider blocks are read.
    pub(crate) providers: Providers,
    /// The registry of the provider the block being read chose: what its checks compare with.
    pub(crate) registry: Registry,
}

pub(crate) fn span_of(expr: &impl hcl_edit::Span) -> std::ops::Range<usize> {
    expr.span().unwrap_or(0..0)
}

impl<'a> Evaluator<'a> {
    pub(crate) fn new(
        files: &'a [Arc<SourceFile>],
        dir: &'a Path,
        vars: &'a Vars<'a>,
        sink: &'a mut Sink,
    ) -> Self {
        Evaluator {
            files,
            dir,
            vars,
            sink,
            defaults: HashMap::new(),
            in_default: false,
            local_values: HashMap::new(),
            local_stack: Vec::new(),
            used_vars: BTreeMap::new(),
            read_files: BTreeMap::new(),
            providers: Providers::default(),
            registry: Registry::default(),
        }
    }

    /// An error diagnostic labelled at `at`.
    pub(crate) fn diag(&self, at: &At, message: impl Into<String>, label: &str) -> Diagnostic {
        Diagnostic::error(message)
            .in_file(&self.files[at.file])
            .label(at.range.clone(), label)
    }

    /// A note labelled at `at`, to relate to another diagnostic.
    pub(crate) fn note(&self, at: &At, message: impl Into<String>, label: &str) -> Diagnostic {
        Diagnostic::note(message)
            .in_file(&self.files[at.file])
            .label(at.range.clone(), label)
    }

    /// Reports an error labelled at `at`.
    pub(crate) fn error(&mut self, at: &At, message: impl Into<String>, label: &str) {
        let d = self.diag(at, message, label);
        self.sink.push(d);
    }

    /// An error about an expression ecrplan cannot evaluate, labelled at `at`.
    fn expression_diag(&self, at: &At, message: impl Into<String>, label: &str) -> Diagnostic {
        self.diag(at, message, label).class(Class::Expression)
    }

    /// Reports an expression ecrplan cannot evaluate, labelled at `at`.
    fn expression_error(&mut self, at: &At, message: impl Into<String>, label: &str) {
        let d = self.expression_diag(at, message, label);
        self.sink.push(d);
    }

    /// Evaluates an expression; `None` when it failed (the failure is already reported).
    pub(crate) fn eval(&mut self, file: FileId, expr: &Expression) -> Option<Value> {
        let at = At::new(file, span_of(expr));
        let kind = match expr {
            Expression::Null(_) => ValueType::Null,
            Expression::Bool(b) => ValueType::Bool(*b.value()),
            Expression::Number(n) => ValueType::Number(to_json_number(n.value())?),
            Expression::String(s) => ValueType::String(s.value().clone()),
            Expression::Array(array) => {
                let mut items = Vec::new();
                let mut ok = true;
                for item in array.iter() {
                    match self.eval(file, item) {
                        Some(v) => items.push(v),
                        None => ok = false,
                    }
                }
                if !ok {
                    return None;
                }
                ValueType::List(items)
            }
            Expression::Object(object) => {
                let mut entries: Vec<(Key, Value)> = Vec::new();
                let mut ok = true;
                for (key, value) in object.iter() {
                    let key = match key {
                        ObjectKey::Ident(ident) => Some(Key {
                            name: ident.value().to_string(),
                            at: At::new(file, span_of(ident)),
                        }),
                        ObjectKey::Expression(expr) => {
                            self.eval(file, expr).and_then(|k| match k.as_text() {
                                Some(name) => Some(Key { name, at: k.at }),
                                None => {
                                    let found = k.type_name();
                                    self.expression_error(
                                        &k.at,
                                        format!("an object key must be a string, found {found}"),
                                        "this key",
                                    );
                                    None
                                }
                            })
                        }
                    };
                    let value = self.eval(file, value.expr());
                    match (key, value) {
                        (Some(key), Some(value)) => {
                            if let Some((first, _)) =
                                entries.iter().find(|(k, _)| k.name == key.name)
                            {
                                let d = self
                                    .diag(
                                        &key.at,
                                        format!("`{}` is set twice in this object", key.name),
                                        "set again here",
                                    )
                                    .label(first.at.range.clone(), "first set here")
                                    .class(Class::Duplicate);
                                self.sink.push(d);
                                ok = false;
                            } else {
                                entries.push((key, value));
                            }
                        }
                        _ => ok = false,
                    }
                }
                if !ok {
                    return None;
                }
                ValueType::Object(entries)
            }
            Expression::StringTemplate(template) => {
                ValueType::String(self.template(file, template, &at)?)
            }
            Expression::HeredocTemplate(heredoc) => {
                ValueType::String(self.template(file, &heredoc.template, &at)?)
            }
            Expression::Parenthesis(p) => return self.eval(file, p.inner()),
            Expression::Variable(name) => {
                let name = name.value().as_str();
                let help = if name == "var" {
                    "variables are read as `var.NAME`".to_owned()
                } else {
                    "ecrplan reads `var.NAME` and the functions file, jsonencode, format and concat"
                        .to_owned()
                };
                let d = self
                    .expression_diag(&at, format!("unknown name `{name}`"), "not known here")
                    .help(help);
                self.sink.push(d);
                return None;
            }
            Expression::Traversal(traversal) => return self.traversal(file, traversal, at),
            Expression::FuncCall(call) => return self.call(file, call, at),
            Expression::UnaryOp(op) => {
                let inner = self.eval(file, &op.expr)?;
                match (op.operator.value(), &inner.kind) {
                    (UnaryOperator::Neg, ValueType::Number(n)) => {
                        // `i64::MIN` has no i64 negation: it becomes a float, as Terraform's
                        // numbers are arbitrary-precision.
                        let negated = if let Some(i) = n.as_i64().and_then(i64::checked_neg) {
                            serde_json::Number::from(i)
                        } else {
                            serde_json::Number::from_f64(-n.as_f64().unwrap_or(0.0))?
                        };
                        ValueType::Number(negated)
                    }
                    (UnaryOperator::Not, ValueType::Bool(b)) => ValueType::Bool(!b),
                    (op, _) => {
                        let (sym, want) = match op {
                            UnaryOperator::Neg => ("-", "a number"),
                            UnaryOperator::Not => ("!", "a bool"),
                        };
                        let found = inner.type_name();
                        self.expression_error(
                            &at,
                            format!("`{sym}` needs {want}, found {found}"),
                            "this operation",
                        );
                        return None;
                    }
                }
            }
            Expression::Conditional(_) => return self.unsupported(&at, "a conditional (`? :`)"),
            Expression::BinaryOp(_) => return self.unsupported(&at, "an operator expression"),
            Expression::ForExpr(_) => return self.unsupported(&at, "a `for` expression"),
        };
        Some(Value::new(kind, at))
    }

    fn unsupported(&mut self, at: &At, what: &str) -> Option<Value> {
        let d = self
            .expression_diag(at, format!("ecrplan does not evaluate {what}"), "unsupported expression")
            .help(
                "write the value out, or use `var.NAME`, `file`, `jsonencode`, `format` or `concat`",
            );
        self.sink.push(d);
        None
    }

    fn template(&mut self, file: FileId, template: &Template, at: &At) -> Option<String> {
        let mut out = String::new();
        let mut ok = true;
        for element in template.iter() {
            match element {
                Element::Literal(text) => out.push_str(text.value()),
                Element::Interpolation(interp) => {
                    let Some(value) = self.eval(file, &interp.expr) else {
                        ok = false;
                        continue;
                    };
                    match value.as_text() {
                        Some(text) => out.push_str(&text),
                        None => {
                            let found = value.type_name();
                            self.expression_error(
                                &value.at,
                                format!("cannot interpolate {found} into a string"),
                                "not a string, number or bool",
                            );
                            ok = false;
                        }
                    }
                }
                Element::Directive(directive) => {
                    let d_at = At::new(file, span_of(&**directive));
                    let d_at = if d_at.range.is_empty() {
                        at.clone()
                    } else {
                        d_at
                    };
                    self.unsupported(&d_at, "template directives (`%{…}`)");
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    fn traversal(
        &mut self,
        file: FileId,
        traversal: &hcl_edit::expr::Traversal,
        at: At,
    ) -> Option<Value> {
        let root = match &traversal.expr {
            Expression::Variable(name) => name.value().as_str(),
            _ => {
                let mut value = self.eval(file, &traversal.expr)?;
                for op in &traversal.operators {
                    value = self.step(file, value, op.value(), &at)?;
                }
                return Some(value);
            }
        };
        let mut ops = traversal.operators.iter();
        if root == "local" {
            if let Some(first) = ops.next()
                && let TraversalOperator::GetAttr(name) = first.value()
            {
                let local_at = At::new(file, span_of(&traversal.expr).start..span_of(first).end);
                let mut value = self.local(name.value().as_str(), &local_at)?;
                for op in ops {
                    value = self.step(file, value, op.value(), &at)?;
                }
                return Some(value);
            }
            return self.unsupported(&at, "a bare `local`");
        }
        if root != "var" {
            let what = match root {
                "module" => "`module.…` (outputs of other modules)".to_owned(),
                "data" => "`data.…` (data sources)".to_owned(),
                other => format!("a reference to `{other}`"),
            };
            return self.unsupported(&at, &what);
        }
        let Some(first) = ops.next() else {
            return self.unsupported(&at, "a bare `var`");
        };
        let TraversalOperator::GetAttr(name) = first.value() else {
            return self.unsupported(&at, "an index into `var`");
        };
        let name = name.value().as_str();
        let var_at = At::new(
            file,
            traversal.expr.span().unwrap_or(0..0).start..span_of(first).end,
        );
        let var_at = if var_at.range.is_empty() {
            at.clone()
        } else {
            var_at
        };
        let mut value = self.var(name, &var_at)?;
        for op in ops {
            value = self.step(file, value, op.value(), &at)?;
        }
        Some(value)
    }

    fn local(&mut self, name: &str, at: &At) -> Option<Value> {
        if self.in_default {
            self.expression_error(at, "a variable's default cannot use locals", "used here");
            return None;
        }
        if let Some(cached) = self.local_values.get(name) {
            return cached.clone();
        }
        let Some(&(file, expr)) = self.vars.locals.get(name) else {
            let d = self
                .expression_diag(
                    at,
                    format!("local value `{name}` is not declared"),
                    "used here",
                )
                .help(format!("declare it in a `locals {{ {name} = … }}` block"));
            self.sink.push(d);
            return None;
        };
        if self.local_stack.iter().any(|n| n == name) {
            let chain = self.local_stack.join(" → ");
            self.expression_error(
                at,
                format!("local value `{name}` refers to itself ({chain} → {name})"),
                "cycle",
            );
            return None;
        }
        self.local_stack.push(name.to_owned());
        let value = self.eval(file, expr);
        self.local_stack.pop();
        self.local_values.insert(name.to_owned(), value.clone());
        value
    }

    fn var(&mut self, name: &str, at: &At) -> Option<Value> {
        if self.in_default {
            self.expression_error(
                at,
                "a variable's default cannot use other variables",
                "used here",
            );
            return None;
        }
        let value = match self.vars.values.get(name) {
            Some(VarSource::Cli(s) | VarSource::Env(s)) => {
                Value::new(ValueType::String(s.clone()), at.clone())
            }
            Some(VarSource::Default(file, expr)) => {
                self.var_once(name, |ev| ev.eval_alone(*file, expr))?
            }
            Some(VarSource::Given(file, expr)) => self.var_once(name, |ev| {
                let v = ev.eval_alone(*file, expr)?;
                ev.convert(name, &v)
            })?,
            Some(VarSource::Value(v)) => self.var_once(name, |ev| ev.convert(name, v))?,
            Some(VarSource::Unparsable) => return None,
            Some(VarSource::Missing) | None => {
                let declared = self.vars.values.contains_key(name);
                let message = if declared {
                    format!("variable `{name}` has no value")
                } else {
                    format!("variable `{name}` is not declared and has no value")
                };
                let d = self
                    .expression_diag(at, message, "used here")
                    .help(format!("pass --var {name}=… or set ECRPLAN_VAR_{name}"));
                self.sink.push(d);
                return None;
            }
        };
        self.used_vars.insert(name.to_owned(), value.to_json());
        Some(value)
    }

    /// A variable's value evaluated on its first use; later uses read that result.
    fn var_once(
        &mut self,
        name: &str,
        evaluate: impl FnOnce(&mut Self) -> Option<Value>,
    ) -> Option<Value> {
        if let Some(cached) = self.defaults.get(name) {
            return cached.clone();
        }
        let v = evaluate(self);
        self.defaults.insert(name.to_owned(), v.clone());
        v
    }

    /// Evaluates a default or a given value, which cannot use variables.
    fn eval_alone(&mut self, file: FileId, expr: &Expression) -> Option<Value> {
        self.in_default = true;
        let v = self.eval(file, expr);
        self.in_default = false;
        v
    }

    /// A given value converted to its variable's `type` as Terraform converts it; a value that
    /// does not fit is reported where it is.
    fn convert(&mut self, name: &str, value: &Value) -> Option<Value> {
        let ty = self.vars.types.get(name).unwrap_or(&VarType::Any);
        match ty.convert(value) {
            Ok(v) => Some(v),
            Err(mismatch) => {
                let within = if mismatch.path.is_empty() {
                    String::new()
                } else {
                    format!("{}: ", mismatch.path.join(", "))
                };
                let d = self
                    .diag(
                        &mismatch.at,
                        format!(
                            "the value of variable `{name}` does not fit its type {ty}: {within}{}",
                            mismatch.problem
                        ),
                        "this value",
                    )
                    .help(format!(
                        "variable \"{name}\" is declared `type = {ty}`: give it such a value"
                    ))
                    .class(Class::WrongType);
                self.sink.push(d);
                None
            }
        }
    }

    fn step(
        &mut self,
        file: FileId,
        value: Value,
        op: &TraversalOperator,
        at: &At,
    ) -> Option<Value> {
        let found = value.type_name();
        match op {
            TraversalOperator::GetAttr(name) => {
                let name = name.value().as_str();
                match &value.kind {
                    ValueType::Object(_) => match value.get(name) {
                        Some(v) => Some(v.clone()),
                        None => {
                            self.expression_error(
                                at,
                                format!("the object has no attribute `{name}`"),
                                "read here",
                            );
                            None
                        }
                    },
                    _ => {
                        self.expression_error(
                            at,
                            format!("cannot read `.{name}` of {found}"),
                            "read here",
                        );
                        None
                    }
                }
            }
            TraversalOperator::Index(index) => {
                let index = self.eval(file, index)?;
                self.index(value, &index, at)
            }
            TraversalOperator::LegacyIndex(i) => {
                let index = Value::new(ValueType::Number((*i.value()).into()), at.clone());
                self.index(value, &index, at)
            }
            TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                self.unsupported(at, "a splat (`[*]`)")
            }
        }
    }

    fn index(&mut self, value: Value, index: &Value, at: &At) -> Option<Value> {
        match (&value.kind, &index.kind) {
            (ValueType::List(items), ValueType::Number(n)) => {
                let item = n.as_u64().and_then(|i| items.get(usize::try_from(i).ok()?));
                if item.is_none() {
                    self.expression_error(
                        at,
                        format!("index {n} is out of range for a list of {}", items.len()),
                        "indexed here",
                    );
                }
                item.cloned()
            }
            (ValueType::Object(_), ValueType::String(key)) => {
                let found = value.get(key).cloned();
                if found.is_none() {
                    self.expression_error(
                        at,
                        format!("the object has no key `{key}`"),
                        "indexed here",
                    );
                }
                found
            }
            _ => {
                let (found, with) = (value.type_name(), index.type_name());
                self.expression_error(
                    at,
                    format!("cannot index {found} with {with}"),
                    "indexed here",
                );
                None
            }
        }
    }

    fn call(&mut self, file: FileId, call: &FuncCall, at: At) -> Option<Value> {
        let name = call.name.name.value().as_str();
        if call.name.is_namespaced() {
            return self.unsupported(&at, &format!("the provider function `{name}`"));
        }
        if call.args.expand_final() {
            return self.unsupported(&at, "argument expansion (`...`)");
        }
        let expected = match name {
            "file" | "jsonencode" => Some(1),
            "format" | "concat" => None,
            _ => {
                let d = self
                    .expression_diag(
                        &at,
                        format!("ecrplan does not evaluate the function `{name}`"),
                        "unsupported function",
                    )
                    .help("the functions ecrplan knows are file, jsonencode, format and concat");
                self.sink.push(d);
                return None;
            }
        };
        let mut args = Vec::new();
        let mut ok = true;
        for arg in call.args.iter() {
            match self.eval(file, arg) {
                Some(v) => args.push(v),
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        if let Some(n) = expected
            && args.len() != n
        {
            self.expression_error(
                &at,
                format!("`{name}` takes {n} argument, not {}", args.len()),
                "this call",
            );
            return None;
        }
        let kind = match name {
            "file" => {
                let path_value = &args[0];
                let Some(ValueType::String(path)) = Some(&path_value.kind) else {
                    let found = path_value.type_name();
                    self.expression_error(
                        &path_value.at,
                        format!("`file` needs a path string, found {found}"),
                        "expected a string",
                    );
                    return None;
                };
                let full = self.dir.join(path);
                match read::read_text(&full, read::FILE_FUNCTION_LIMIT) {
                    Ok(text) => {
                        self.warn_outside_directory(&full, &path_value.at);
                        self.read_files.insert(path.clone(), text.clone());
                        ValueType::String(text)
                    }
                    Err(e @ read::ReadError::Encoding { .. }) => {
                        let d = read::unreadable_file(
                            self.dir,
                            path.clone(),
                            &e,
                            read::FILE_FUNCTION_LIMIT,
                        )
                        .related(self.note(
                            &path_value.at,
                            "read here",
                            "this call",
                        ));
                        self.sink.push(d);
                        return None;
                    }
                    Err(e) => {
                        let help = match e {
                            read::ReadError::TooLarge(_) => format!(
                                "`file` reads at most {} bytes: no AWS document ecrplan sends is larger (an ECR lifecycle policy is at most 30,720 characters)",
                                read::FILE_FUNCTION_LIMIT
                            ),
                            read::ReadError::NotRegular(_) => "`file` reads regular files only: a FIFO or a device could block or never end".to_owned(),
                            _ => "paths in `file(…)` are relative to the configuration directory".to_owned(),
                        };
                        let d = self
                            .diag(
                                &path_value.at,
                                format!(
                                    "cannot read `{path}`: {}",
                                    e.describe(read::FILE_FUNCTION_LIMIT)
                                ),
                                "this file",
                            )
                            .help(help)
                            .class(Class::UnreadableFile);
                        self.sink.push(d);
                        return None;
                    }
                }
            }
            "jsonencode" => ValueType::String(args[0].to_json().to_string()),
            "concat" => {
                let mut items = Vec::new();
                for arg in args {
                    match arg.kind {
                        ValueType::List(list) => items.extend(list),
                        _ => {
                            let found = arg.type_name();
                            self.expression_error(
                                &arg.at,
                                format!("`concat` takes lists, found {found}"),
                                "not a list",
                            );
                            return None;
                        }
                    }
                }
                ValueType::List(items)
            }
            "format" => {
                let Some((spec, rest)) = args.split_first() else {
                    self.expression_error(&at, "`format` needs a format string", "this call");
                    return None;
                };
                let ValueType::String(spec_text) = &spec.kind else {
                    let found = spec.type_name();
                    self.expression_error(
                        &spec.at,
                        format!("`format` needs a format string first, found {found}"),
                        "expected a string",
                    );
                    return None;
                };
                match format(spec_text, rest) {
                    Ok(s) => ValueType::String(s),
                    Err(message) => {
                        self.expression_error(&at, message, "this call");
                        return None;
                    }
                }
            }
            _ => unreachable!("checked above"),
        };
        Some(Value::new(kind, at))
    }
}

impl Evaluator<'_> {
    /// Warns when `file(…)` read a file outside the configuration directory: the estate then
    /// depends on something a review of the directory does not show.
    fn warn_outside_directory(&mut self, full: &Path, at: &At) {
        let (Ok(dir), Ok(file)) = (self.dir.canonicalize(), full.canonicalize()) else {
            return;
        };
        if file.starts_with(&dir) {
            return;
        }
        let d = Diagnostic::warning(format!(
            "`file` reads `{}`, outside the configuration directory",
            file.display()
        ))
        .in_file(&self.files[at.file])
        .label(at.range.clone(), "this path")
        .help("keep the files a configuration reads inside its directory, so that reviewing the directory reviews them");
        self.sink.push(d);
    }
}

fn to_json_number(n: &hcl_edit::Number) -> Option<serde_json::Number> {
    let number = if let Some(u) = n.as_u64() {
        serde_json::Number::from(u)
    } else if let Some(i) = n.as_i64() {
        serde_json::Number::from(i)
    } else {
        serde_json::Number::from_f64(n.as_f64()?)?
    };
    Some(number)
}

/// The largest width or precision `format` accepts: larger ones would only allocate or panic.
const MAX_FORMAT_WIDTH: usize = 1024;

/// Terraform's `format` (Go's fmt rules): the verbs `%s`, `%d`, `%f`, `%t`, `%v`, `%q`, `%#v`
/// and `%%`, with the flags `-`, `+`, ` `, `0` and `#`, a width and a precision (at most
/// [`MAX_FORMAT_WIDTH`]).
pub(crate) fn format(spec: &str, args: &[Value]) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = spec.chars().peekable();
    let mut next = 0usize;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut flags = String::new();
        while let Some(&f) = chars.peek() {
            if "#-+ 0".contains(f) {
                flags.push(f);
                chars.next();
            } else {
                break;
            }
        }
        let width = format_number(&mut chars, "width")?.unwrap_or(0);
        let precision = if chars.peek() == Some(&'.') {
            chars.next();
            Some(format_number(&mut chars, "precision")?.unwrap_or(0))
        } else {
            None
        };
        let Some(verb) = chars.next() else {
            return Err("the format string ends in the middle of a `%` verb".into());
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(next) else {
            return Err(format!(
                "the format string wants more than the {} argument(s) given",
                args.len()
            ));
        };
        next += 1;
        // Numbers are a sign and digits: Go pads with zeros between the two.
        let (sign, text) = match verb {
            's' => {
                let text = arg
                    .as_text()
                    .ok_or_else(|| format!("`%s` cannot format {}", arg.type_name()))?;
                let text = match precision {
                    Some(p) => text.chars().take(p).collect(),
                    None => text,
                };
                ("", text)
            }
            'v' if flags.contains('#') => ("", arg.to_json().to_string()),
            'v' => match &arg.kind {
                ValueType::List(_) | ValueType::Object(_) | ValueType::Null => {
                    ("", arg.to_json().to_string())
                }
                _ => ("", arg.as_text().unwrap_or_default()),
            },
            'q' => (
                "",
                serde_json::Value::String(
                    arg.as_text()
                        .ok_or_else(|| format!("`%q` cannot format {}", arg.type_name()))?,
                )
                .to_string(),
            ),
            't' => match &arg.kind {
                ValueType::Bool(b) => ("", b.to_string()),
                ValueType::String(s) if s == "true" || s == "false" => ("", s.clone()),
                _ => return Err(format!("`%t` needs a bool, found {}", arg.type_name())),
            },
            'd' => {
                let n = number_of(arg).ok_or_else(|| {
                    format!("`%d` needs a whole number, found {}", arg.type_name())
                })?;
                if n.fract() != 0.0 {
                    return Err(format!("`%d` needs a whole number, found {n}"));
                }
                // The precision of `%d` is a minimum number of digits; `%.0d` of 0 is empty.
                let digits = match precision {
                    Some(0) if n == 0.0 => String::new(),
                    Some(p) => format!("{:0>p$.0}", n.abs()),
                    None => format!("{:.0}", n.abs()),
                };
                (number_sign(n, &flags), digits)
            }
            'f' => {
                let n = number_of(arg)
                    .ok_or_else(|| format!("`%f` needs a number, found {}", arg.type_name()))?;
                let digits = format!("{:.*}", precision.unwrap_or(6), n.abs());
                (number_sign(n, &flags), digits)
            }
            other => return Err(format!("`format` does not know the verb `%{other}`")),
        };
        let pad = width.saturating_sub(sign.chars().count() + text.chars().count());
        // Go ignores `0` for `%d` with a precision, and `-` beats `0`.
        let zero = flags.contains('0')
            && !flags.contains('-')
            && (verb == 'f' || (verb == 'd' && precision.is_none()));
        if flags.contains('-') {
            out.push_str(sign);
            out.push_str(&text);
            out.extend(std::iter::repeat_n(' ', pad));
        } else if zero {
            out.push_str(sign);
            out.extend(std::iter::repeat_n('0', pad));
            out.push_str(&text);
        } else {
            out.extend(std::iter::repeat_n(' ', pad));
            out.push_str(sign);
            out.push_str(&text);
        }
    }
    if next < args.len() {
        return Err(format!(
            "the format string uses {next} of the {} arguments given",
            args.len()
        ));
    }
    Ok(out)
}

/// Reads the digits of a width or precision; `None` when there are none.
fn format_number(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    what: &str,
) -> Result<Option<usize>, String> {
    let mut digits = String::new();
    while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
        digits.push(d);
        chars.next();
    }
    if digits.is_empty() {
        return Ok(None);
    }
    match digits.parse::<usize>() {
        Ok(n) if n <= MAX_FORMAT_WIDTH => Ok(Some(n)),
        _ => Err(format!(
            "the format {what} {digits} is larger than {MAX_FORMAT_WIDTH}"
        )),
    }
}

/// The sign Go prints before a number: `-`, or `+`/space when those flags ask for one.
fn number_sign(n: f64, flags: &str) -> &'static str {
    if n.is_sign_negative() && n != 0.0 {
        "-"
    } else if flags.contains('+') {
        "+"
    } else if flags.contains(' ') {
        " "
    } else {
        ""
    }
}

fn number_of(v: &Value) -> Option<f64> {
    match &v.kind {
        ValueType::Number(n) => n.as_f64(),
        ValueType::String(s) => s.parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Evaluates the attribute `x` of a one-file body, with the given variables.
    fn eval_x(src: &str, vars: &[(&str, &str)]) -> Result<serde_json::Value, Vec<String>> {
        let body = hcl_edit::parser::parse_body(src).expect("parses");
        let files = vec![Arc::new(SourceFile::new("t.tf", src))];
        let mut table = Vars::default();
        for (k, v) in vars {
            table
                .values
                .insert((*k).to_owned(), VarSource::Cli((*v).to_owned()));
        }
        let mut sink = Sink::default();
        let expr = &body.get_attribute("x").expect("an attribute x").value;
        let dir = std::env::temp_dir();
        let mut ev = Evaluator::new(&files, &dir, &table, &mut sink);
        let v = ev.eval(0, expr);
        drop(ev);
        match v {
            Some(v) if sink.items.is_empty() => Ok(v.to_json()),
            _ => Err(sink.items.iter().map(|d| d.message().to_owned()).collect()),
        }
    }

    #[test]
    fn literals_lists_objects() {
        let v = eval_x(
            "x = { a = 1, \"b-c\" = [true, null, -2.5], d = \"s\" }",
            &[],
        )
        .unwrap();
        assert_eq!(
            v,
            serde_json::json!({"a": 1, "b-c": [true, null, -2.5], "d": "s"})
        );
    }

    #[test]
    fn templates_interpolate_vars() {
        let v = eval_x("x = \"${var.ns}-ecr/${1}\"", &[("ns", "team")]).unwrap();
        assert_eq!(v, "team-ecr/1");
    }

    #[test]
    fn heredocs_end_with_a_newline_and_indented_ones_are_dedented() {
        let v = eval_x("x = <<EOF\n  {\"a\": 1}\nEOF\n", &[]).unwrap();
        assert_eq!(v, "  {\"a\": 1}\n");
        let v = eval_x("x = <<-EOF\n    first\n      second\n    EOF\n", &[]).unwrap();
        assert_eq!(v, "first\n  second\n");
    }

    #[test]
    fn functions() {
        assert_eq!(
            eval_x("x = jsonencode({ a = [1, \"b\"] })", &[]).unwrap(),
            "{\"a\":[1,\"b\"]}"
        );
        assert_eq!(
            eval_x("x = format(\"%s-%03d-%v\", \"a\", 7, true)", &[]).unwrap(),
            "a-007-true"
        );
        assert_eq!(
            eval_x("x = concat([1], [], [\"two\"])", &[]).unwrap(),
            serde_json::json!([1, "two"])
        );
    }

    #[test]
    fn unsupported_expressions_are_named() {
        let e = eval_x("x = a ? 1 : 2", &[]).unwrap_err();
        assert!(e[0].contains("conditional"), "{e:?}");
        let e = eval_x("x = upper(\"a\")", &[]).unwrap_err();
        assert!(e[0].contains("function `upper`"), "{e:?}");
        let e = eval_x("x = module.other.arn", &[]).unwrap_err();
        assert!(e[0].contains("module."), "{e:?}");
        let e = eval_x("x = [for s in [] : s]", &[]).unwrap_err();
        assert!(e[0].contains("`for`"), "{e:?}");
        let e = eval_x("x = var.missing", &[]).unwrap_err();
        assert!(e[0].contains("variable `missing`"), "{e:?}");
    }

    #[test]
    fn format_huge_width_or_precision_is_refused_not_a_panic() {
        let e = eval_x("x = format(\"%.1000000000f\", 1)", &[]).unwrap_err();
        assert!(e[0].contains("larger than 1024"), "{e:?}");
        let e = eval_x("x = format(\"%9999999999d\", 1)", &[]).unwrap_err();
        assert!(e[0].contains("larger than 1024"), "{e:?}");
        let e = eval_x("x = format(\"%99999999999999999999999d\", 1)", &[]).unwrap_err();
        assert!(e[0].contains("larger than 1024"), "{e:?}");
    }

    #[test]
    fn negating_the_smallest_integer_is_not_a_panic() {
        let v = eval_x("x = -(-9223372036854775808)", &[]).unwrap();
        assert_eq!(v.as_f64(), Some(9_223_372_036_854_775_808.0));
    }

    #[test]
    fn format_follows_go_for_signs_zeros_and_precision() {
        let cases = [
            ("%05d", "-42", "-0042"),
            ("%+d", "42", "+42"),
            ("% d", "42", " 42"),
            ("%.3d", "7", "007"),
            ("%6.3d", "-7", "  -007"),
            ("%-5d|", "-7", "-7   |"),
            ("%08.2f", "-3.14159", "-0003.14"),
            ("%+.1f", "2", "+2.0"),
        ];
        for (spec, n, want) in cases {
            let src = format!("x = format(\"{spec}\", {n})");
            assert_eq!(eval_x(&src, &[]).unwrap(), want, "{spec}");
        }
    }

    #[test]
    fn format_errors() {
        let e = eval_x("x = format(\"%s %s\", \"a\")", &[]).unwrap_err();
        assert!(e[0].contains("more than"), "{e:?}");
        let e = eval_x("x = format(\"%d\", \"a\")", &[]).unwrap_err();
        assert!(e[0].contains("whole number"), "{e:?}");
    }
}
