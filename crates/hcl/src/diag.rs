//! Diagnostics: what went wrong, where, and what to do about it.
//!
//! A [`Diagnostic`] carries its file's text, so it renders on its own (miette's graphical
//! handler) and serialises on its own ([`Diagnostic::to_json`]).
//!
//! miette reads a label's context by scanning its source from the start, and draws whole
//! lines: a diagnostic near the end of a large file, or on a line of 100,000 characters, costs
//! that much to render — 8,000 of them on one line took seconds and gigabytes — and miette
//! panics on a column past 65,535. So a diagnostic hands miette an [`Excerpt`] instead of its
//! file: only the lines its labels touch (with one line of context either side), each long
//! line cut to a window around the labels, with line and column numbers mapped back to the
//! file. Rendering is then linear in what is shown.

use std::fmt;
use std::ops::Range;
use std::path::{Component, Path};
use std::sync::{Arc, OnceLock};

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use serde_json::{Value as Json, json};

pub use miette::Severity;

/// One configuration file as read: its name (relative to the configuration directory), where
/// it is, and its text, with a line index for line/column lookups.
#[derive(Debug)]
pub struct SourceFile {
    /// The file name inside the configuration directory, e.g. `main.tf` (what the configuration
    /// hash records, so a plan does not depend on how the directory was spelt).
    pub name: String,
    /// Where the file is, as a compiler prints it and code scanning resolves it: the
    /// configuration directory as given joined with the name (`infra/ecr/main.tf` for
    /// `ecrplan validate infra/ecr`). `None` for a value given on the command line or in the
    /// environment, which is no file: diagnostics then show [`SourceFile::name`]
    /// (`--var repos`).
    pub path: Option<String>,
    /// The text.
    pub text: Arc<str>,
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// A value with a name and no file behind it (`--var NAME`, an environment variable).
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        let name = name.into();
        let text: Arc<str> = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            name,
            path: None,
            text,
            line_starts,
        }
    }

    /// A file `name` of the directory `dir`, shown as `dir/name`.
    pub fn in_dir(dir: &Path, name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        let name = name.into();
        let path = shown_path(&dir.join(&name));
        SourceFile {
            path: Some(path),
            ..SourceFile::new(name, text)
        }
    }

    /// The path diagnostics print: [`SourceFile::path`], else the name.
    pub fn shown(&self) -> &str {
        self.path.as_deref().unwrap_or(&self.name)
    }

    /// Where a byte range of the file is, as people and code scanning count: lines and
    /// columns from one, columns in Unicode code points (SARIF's `unicodeCodePoints`), the end
    /// exclusive; `None` when the file is no file ([`SourceFile::path`] is `None`).
    pub fn locate(&self, range: Range<usize>) -> Option<Location> {
        let path = self.path.clone()?;
        let start = range.start.min(self.text.len());
        let end = range.end.clamp(start, self.text.len());
        let (line, column) = self.line_column(start);
        let (end_line, end_column) = self.line_column(end);
        Some(Location {
            file: self.name.clone(),
            path,
            line,
            column,
            end_line,
            end_column,
            text: self.text.get(start..end).unwrap_or_default().to_owned(),
        })
    }

    /// The zero-based line of a byte offset.
    fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset.min(self.text.len())) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// The byte range of a zero-based line, without its line break.
    fn line_range(&self, line: usize) -> Range<usize> {
        let start = self.line_starts[line];
        let end = self
            .line_starts
            .get(line + 1)
            .map_or(self.text.len(), |next| next - 1);
        let text = &self.text[start..end];
        start..start + text.strip_suffix('\r').unwrap_or(text).len()
    }

    /// The one-based line and column (in characters) of a byte offset.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_of(offset);
        let start = self.line_starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line + 1, column + 1)
    }
}

/// `path` without `.` components and with `/` between components, as a diagnostic shows it.
pub fn shown_path(path: &Path) -> String {
    let parts: Vec<String> = path
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| match c {
            Component::RootDir => String::new(),
            other => other.as_os_str().to_string_lossy().into_owned(),
        })
        .collect();
    match parts.as_slice() {
        [] => ".".to_owned(),
        [root] if root.is_empty() => "/".to_owned(),
        _ => parts.join("/"),
    }
}

/// A located range of a configuration file: where a diagnostic points, or where an object is
/// declared (for SARIF).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file name inside the configuration directory, e.g. `main.tf`.
    pub file: String,
    /// The file as the working directory reaches it ([`SourceFile::path`]).
    pub path: String,
    /// One-based line of the first character.
    pub line: usize,
    /// One-based column of the first character, in Unicode code points.
    pub column: usize,
    /// One-based line of the end.
    pub end_line: usize,
    /// One-based column just past the last character, in Unicode code points.
    pub end_column: usize,
    /// The text of the range, so a finding can be recognised when lines move above it.
    pub text: String,
}

/// What kind of problem a diagnostic reports: a stable kebab-case id (SARIF's `ruleId`, the
/// JSON's `rule`) that code scanning groups and tracks findings by, and bots filter on; the
/// message is for people and may be reworded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    /// The file is not HCL.
    Syntax,
    /// A configuration file (or a `file()` target) cannot be read.
    UnreadableFile,
    /// An attribute, block, key or function name ecrplan does not know.
    UnknownName,
    /// A value of the wrong type: a string where a list is wanted.
    WrongType,
    /// A required attribute is missing or null.
    MissingAttribute,
    /// Something declared or set twice.
    Duplicate,
    /// An expression ecrplan cannot evaluate: an unknown variable, an unsupported function or
    /// syntax, an index out of range.
    Expression,
    /// A value of the right type that AWS or ecrplan refuses.
    InvalidValue,
    /// A block that is not part of an ECR estate, skipped.
    SkippedBlock,
    /// Valid, but worth a look.
    Advisory,
}

impl Class {
    /// Every class, in the order reports list them.
    pub const ALL: &[Class] = &[
        Class::Syntax,
        Class::UnreadableFile,
        Class::UnknownName,
        Class::WrongType,
        Class::MissingAttribute,
        Class::Duplicate,
        Class::Expression,
        Class::InvalidValue,
        Class::SkippedBlock,
        Class::Advisory,
    ];

    /// The stable id.
    pub const fn name(self) -> &'static str {
        match self {
            Class::Syntax => "syntax-error",
            Class::UnreadableFile => "unreadable-file",
            Class::UnknownName => "unknown-name",
            Class::WrongType => "wrong-type",
            Class::MissingAttribute => "missing-attribute",
            Class::Duplicate => "duplicate-declaration",
            Class::Expression => "expression-error",
            Class::InvalidValue => "invalid-value",
            Class::SkippedBlock => "skipped-block",
            Class::Advisory => "advisory",
        }
    }

    /// One line on what the class means (SARIF's `shortDescription`).
    pub const fn summary(self) -> &'static str {
        match self {
            Class::Syntax => "The file is not valid HCL",
            Class::UnreadableFile => "A configuration file cannot be read as UTF-8 text",
            Class::UnknownName => "An attribute, block or key ecrplan does not know",
            Class::WrongType => "A value of the wrong type",
            Class::MissingAttribute => "A required attribute is missing or null",
            Class::Duplicate => "Something is declared or set twice",
            Class::Expression => "An expression ecrplan cannot evaluate",
            Class::InvalidValue => "A value AWS or ecrplan would refuse",
            Class::SkippedBlock => "A block that is not part of an ECR estate is skipped",
            Class::Advisory => "Valid, but worth a look",
        }
    }

    /// What to do about it in general (SARIF's `help`); each diagnostic's own `help:` is
    /// more specific.
    pub const fn help(self) -> &'static str {
        match self {
            Class::Syntax => {
                "Fix the syntax at the point shown: a missing `}`, `]`, `\"` or `=` just before it is the usual cause."
            }
            Class::UnreadableFile => {
                "Every *.tf and *.hcl entry of the directory is configuration: make it a readable UTF-8 regular file, or rename or remove it."
            }
            Class::UnknownName => {
                "Check the spelling against docs/GUIDE.md; the diagnostic suggests the closest known name."
            }
            Class::WrongType => {
                "Give the value the type the attribute takes; the diagnostic shows an example."
            }
            Class::MissingAttribute => {
                "Add the attribute: a module left without it would delete what it used to declare."
            }
            Class::Duplicate => "Declare each name once per directory: remove one, or rename it.",
            Class::Expression => {
                "ecrplan evaluates literals, var.NAME, locals and the functions file, jsonencode, format and concat."
            }
            Class::InvalidValue => {
                "Change the value as the diagnostic's help says: nothing is sent to AWS until it is valid."
            }
            Class::SkippedBlock => {
                "Nothing to do if the block belongs to Terraform; a block meant for ecrplan is misspelt or has another module source."
            }
            Class::Advisory => "Read the diagnostic's help; the configuration is valid as it is.",
        }
    }
}

/// One of several places a diagnostic names (each block a "skipped N blocks" warning skips),
/// with what it says about that place: one finding each for code scanning.
#[derive(Clone, Debug)]
pub struct Site {
    /// Where.
    pub location: Location,
    /// What about it.
    pub message: String,
}

/// A labelled byte range in a diagnostic's file.
#[derive(Clone, Debug)]
pub(crate) struct Label {
    pub(crate) span: Range<usize>,
    pub(crate) text: String,
    pub(crate) primary: bool,
}

/// One finding about the configuration: an error or a warning, with the file, the labelled
/// byte ranges and, where a fix is known, a one-line help.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    severity: Severity,
    message: String,
    file: Option<Arc<SourceFile>>,
    labels: Vec<Label>,
    help: Option<String>,
    related: Vec<Diagnostic>,
    /// Set where the severity alone does not say what kind of problem this is.
    class: Option<Class>,
    /// The places an aggregate warning names in its message.
    sites: Vec<Site>,
    /// What miette is shown of the file, made on first rendering.
    excerpt: OnceLock<Excerpt>,
}

impl Diagnostic {
    pub(crate) fn error(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            file: None,
            labels: Vec::new(),
            help: None,
            related: Vec::new(),
            class: None,
            sites: Vec::new(),
            excerpt: OnceLock::new(),
        }
    }

    pub(crate) fn warning(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(message)
        }
    }

    /// A note shown with another diagnostic (the other place of a duplicate).
    pub(crate) fn note(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Advice,
            ..Diagnostic::error(message)
        }
    }

    pub(crate) fn in_file(mut self, file: &Arc<SourceFile>) -> Self {
        self.file = Some(file.clone());
        self
    }

    /// Adds a label (the first one added is primary). Every label says what it points at: a
    /// bare underline leaves the reader guessing.
    pub(crate) fn label(mut self, span: Range<usize>, text: impl Into<String>) -> Self {
        let primary = self.labels.is_empty();
        let text = text.into();
        debug_assert!(!text.is_empty(), "a diagnostic label needs text");
        self.labels.push(Label {
            span,
            text,
            primary,
        });
        self
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub(crate) fn related(mut self, other: Diagnostic) -> Self {
        self.related.push(other);
        self
    }

    pub(crate) fn class(mut self, class: Class) -> Self {
        self.class = Some(class);
        self
    }

    /// Adds a place the message names; not drawn in text, where the message lists them.
    pub(crate) fn site(mut self, file: &SourceFile, range: Range<usize>, message: String) -> Self {
        if let Some(location) = file.locate(range) {
            self.sites.push(Site { location, message });
        }
        self
    }

    /// What kind of problem this is: errors not classed otherwise are values ecrplan refuses,
    /// warnings advice.
    pub fn kind(&self) -> Class {
        self.class.unwrap_or(match self.severity {
            Severity::Error => Class::InvalidValue,
            Severity::Warning | Severity::Advice => Class::Advisory,
        })
    }

    /// The places an aggregate warning names, each with its own message (empty for others).
    pub fn sites(&self) -> &[Site] {
        &self.sites
    }

    /// Where the primary label points, when it points into a file.
    pub fn location(&self) -> Option<Location> {
        self.file.as_ref()?.locate(self.span()?)
    }

    /// The path of the diagnostic's file from the working directory ([`SourceFile::path`]);
    /// `None` without a file, or for a value given on the command line.
    pub fn path(&self) -> Option<&str> {
        self.file.as_ref()?.path.as_deref()
    }

    /// Error or warning.
    pub fn severity(&self) -> Severity {
        self.severity
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The one-line message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The help line, when a fix is known.
    pub fn help_text(&self) -> Option<&str> {
        self.help.as_deref()
    }

    /// The file the diagnostic points into, when it points into one.
    pub fn file(&self) -> Option<&str> {
        self.file.as_ref().map(|f| f.name.as_str())
    }

    /// The byte range of the primary label.
    pub fn span(&self) -> Option<Range<usize>> {
        self.labels.first().map(|l| l.span.clone())
    }

    /// The one-based line and column of the primary label.
    pub fn line_column(&self) -> Option<(usize, usize)> {
        let file = self.file.as_ref()?;
        Some(file.line_column(self.span()?.start))
    }

    /// The diagnostics shown with this one (the other place of a duplicate).
    pub fn related_diagnostics(&self) -> &[Diagnostic] {
        &self.related
    }

    /// The diagnostic as JSON: `severity`, `rule` ([`Class::name`]), `message`, `file` (the
    /// path from the working directory, as text and SARIF show it), `line`, `column` (in
    /// code points), `start`, `end` (byte range of the primary label), `help`, `labels` (each
    /// with `file`, `line`, `column`, `start`, `end`, `label`) — the other place of a
    /// duplicate is one more label — and, for a warning naming several places, `sites` (each
    /// with `file`, `line`, `column`, `message`).
    pub fn to_json(&self) -> Json {
        let (line, column) = self.line_column().unzip();
        let span = self.span();
        let mut labels: Vec<Json> = self
            .labels
            .iter()
            .map(|l| label_json(self.file.as_deref(), l))
            .collect();
        for related in &self.related {
            labels.extend(
                related
                    .labels
                    .iter()
                    .map(|l| label_json(related.file.as_deref(), l)),
            );
        }
        let mut out = json!({
            "severity": severity_name(self.severity),
            "rule": self.kind().name(),
            "message": self.message,
            "file": self.file.as_deref().map(SourceFile::shown),
            "line": line,
            "column": column,
            "start": span.as_ref().map(|s| s.start),
            "end": span.as_ref().map(|s| s.end),
            "help": self.help,
            "labels": labels,
        });
        if !self.sites.is_empty() {
            out["sites"] = self
                .sites
                .iter()
                .map(|s| {
                    json!({
                        "file": s.location.path,
                        "line": s.location.line,
                        "column": s.location.column,
                        "message": s.message,
                    })
                })
                .collect();
        }
        out
    }
}

impl Diagnostic {
    fn excerpt(&self, file: &Arc<SourceFile>) -> &Excerpt {
        self.excerpt.get_or_init(|| {
            let spans: Vec<Range<usize>> = self.labels.iter().map(|l| l.span.clone()).collect();
            Excerpt::new(file, &spans)
        })
    }
}

/// A line longer than this many bytes is cut to a window around its labels.
const LONG_LINE: usize = 200;

/// Bytes shown before the first label on a cut line (and after the last).
const WINDOW_CONTEXT: usize = 40;

/// The most bytes of labelled text shown on a cut line.
const WINDOW_LABELS: usize = 120;

/// The part of a file a diagnostic shows: the lines from one before its first label to one
/// after its last, long lines cut to a window marked with `…`. miette reads this instead of
/// the file; offsets into the file are mapped with [`Excerpt::offset_of`], and the line and
/// column numbers it reports are the file's.
#[derive(Clone, Debug)]
struct Excerpt {
    name: String,
    text: String,
    /// The file's zero-based line of the excerpt's first line.
    first_line: usize,
    lines: Vec<ExcerptLine>,
}

/// One line of an [`Excerpt`].
#[derive(Clone, Debug)]
struct ExcerptLine {
    /// Where the line starts in the excerpt.
    start: usize,
    /// Bytes of `…` put before the shown part.
    marker: usize,
    /// The part of the file shown, and where the file's line starts.
    shown: Range<usize>,
    line_start: usize,
    /// Characters of the line left out before the shown part.
    cut_chars: usize,
}

impl Excerpt {
    fn new(file: &SourceFile, spans: &[Range<usize>]) -> Self {
        let len = file.text.len();
        let lines_of = |s: &Range<usize>| {
            let start = s.start.min(len);
            let end = s.end.clamp(start, len);
            (
                file.line_of(start),
                file.line_of(end.saturating_sub(1).max(start)),
            )
        };
        let first = spans.iter().map(|s| lines_of(s).0).min().unwrap_or(0);
        let last = spans.iter().map(|s| lines_of(s).1).max().unwrap_or(0);
        let first = first.saturating_sub(1);
        let last = (last + 1).min(file.line_starts.len() - 1);
        let mut text = String::new();
        let mut lines = Vec::new();
        for line in first..=last {
            let range = file.line_range(line);
            let shown = window(file, range.clone(), spans);
            let before = if shown.start > range.start { "…" } else { "" };
            let after = if shown.end < range.end { "…" } else { "" };
            lines.push(ExcerptLine {
                start: text.len(),
                marker: before.len(),
                shown: shown.clone(),
                line_start: range.start,
                cut_chars: file.text[range.start..shown.start].chars().count(),
            });
            text.push_str(before);
            text.push_str(&file.text[shown]);
            text.push_str(after);
            let next = file.line_starts.get(line + 1).copied().unwrap_or(len);
            text.push_str(&file.text[range.end..next]);
        }
        Excerpt {
            name: file.shown().to_owned(),
            text,
            first_line: first,
            lines,
        }
    }

    /// Where a byte offset of the file is in the excerpt (clamped into the shown part).
    fn offset_of(&self, offset: usize) -> usize {
        let i = self
            .lines
            .partition_point(|l| l.line_start <= offset)
            .saturating_sub(1);
        let Some(line) = self.lines.get(i) else {
            return 0;
        };
        if offset < line.line_start {
            return line.start;
        }
        let inside = offset.clamp(line.shown.start, line.shown.end) - line.shown.start;
        // An offset past the shown part of the last line falls at the end of the excerpt.
        if i + 1 == self.lines.len() && offset > line.shown.end {
            return self.text.len();
        }
        line.start + line.marker + inside
    }

    /// The file's zero-based column of an excerpt offset, in code points: the column the
    /// header `[file:line:column]` shows, as JSON and SARIF count it (miette would count bytes).
    fn file_column(&self, offset: usize) -> usize {
        let i = self
            .lines
            .partition_point(|l| l.start <= offset)
            .saturating_sub(1);
        self.lines.get(i).map_or(0, |line| {
            let from = (line.start + line.marker).min(self.text.len());
            let inside = self
                .text
                .get(from..offset.max(from))
                .map_or(0, |s| s.chars().count());
            line.cut_chars + inside
        })
    }
}

/// The part of a line to show: all of it when short; otherwise a window around the labels on
/// it, on character boundaries.
fn window(file: &SourceFile, line: Range<usize>, spans: &[Range<usize>]) -> Range<usize> {
    if line.len() <= LONG_LINE {
        return line;
    }
    let on_line = |p: usize| line.contains(&p).then_some(p);
    let points: Vec<usize> = spans
        .iter()
        .flat_map(|s| [on_line(s.start), on_line(s.end.max(s.start))])
        .flatten()
        .collect();
    let lo = points.iter().copied().min().unwrap_or(line.start);
    let hi = points
        .iter()
        .copied()
        .max()
        .unwrap_or(line.start)
        .clamp(lo, lo + WINDOW_LABELS);
    let mut start = lo.saturating_sub(WINDOW_CONTEXT).max(line.start);
    let mut end = (hi + WINDOW_CONTEXT).min(line.end);
    while !file.text.is_char_boundary(start) {
        start -= 1;
    }
    while !file.text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner =
            self.text
                .as_str()
                .read_span(span, context_lines_before, context_lines_after)?;
        let column = if context_lines_before == 0 {
            self.file_column(span.offset())
        } else {
            0
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line,
            column,
            inner.line_count() + self.first_line,
        )))
    }
}

fn label_json(file: Option<&SourceFile>, label: &Label) -> Json {
    let (line, column) = file.map(|f| f.line_column(label.span.start)).unzip();
    json!({
        "file": file.map(SourceFile::shown),
        "line": line,
        "column": column,
        "start": label.span.start,
        "end": label.span.end,
        "label": label.text,
    })
}

fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Advice => "advice",
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

impl miette::Diagnostic for Diagnostic {
    fn severity(&self) -> Option<Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        let file = self.file.as_ref()?;
        Some(self.excerpt(file) as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let file = self.file.as_ref()?;
        if self.labels.is_empty() {
            return None;
        }
        let excerpt = self.excerpt(file);
        Some(Box::new(self.labels.iter().map(|l| {
            let start = excerpt.offset_of(l.span.start);
            let end = excerpt.offset_of(l.span.end.max(l.span.start));
            let span = (start, end - start);
            if l.primary {
                LabeledSpan::new_primary_with_span(Some(l.text.clone()), span)
            } else {
                LabeledSpan::new_with_span(Some(l.text.clone()), span)
            }
        })))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|d| d as &dyn miette::Diagnostic),
        ))
    }
}

/// Every error found in a configuration directory, all files at once (with the warnings
/// found on the way, after the errors).
#[derive(Clone, Debug)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// The errors only.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.is_error())
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors().count();
        write!(
            f,
            "the configuration has {n} error{}",
            if n == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for Diagnostics {}

impl miette::Diagnostic for Diagnostics {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let (_, more) = shown(&self.0);
        more.map(|m| Box::new(m) as Box<dyn fmt::Display>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        let (shown, _) = shown(&self.0);
        Some(Box::new(shown.iter().map(|d| d as &dyn miette::Diagnostic)))
    }
}

/// The most diagnostics drawn in text: past a screenful of screenfuls nobody reads on, and
/// thousands of reports (one hostile line can make 16,000) would only flood a log.
/// `--format json` lists every one; the counts printed are always the real ones.
pub const RENDER_LIMIT: usize = 200;

/// The diagnostics to draw (the first [`RENDER_LIMIT`]) and, when some are left out, a line
/// saying how many of each kind.
pub fn shown(diagnostics: &[Diagnostic]) -> (&[Diagnostic], Option<String>) {
    if diagnostics.len() <= RENDER_LIMIT {
        return (diagnostics, None);
    }
    let (shown, rest) = diagnostics.split_at(RENDER_LIMIT);
    let errors = rest.iter().filter(|d| d.is_error()).count();
    let others = rest.len() - errors;
    let mut parts = Vec::new();
    if errors > 0 {
        parts.push(format!(
            "{errors} more error{}",
            if errors == 1 { "" } else { "s" }
        ));
    }
    if others > 0 {
        parts.push(format!(
            "{others} more warning{}",
            if others == 1 { "" } else { "s" }
        ));
    }
    let line = format!(
        "… and {} not shown (`ecrplan validate --format json` lists them all)",
        parts.join(" and ")
    );
    (shown, Some(line))
}

/// Renders diagnostics the way the CLI prints them: miette's graphical report without colour,
/// 100 columns wide, one report after the other (at most [`RENDER_LIMIT`], then a line
/// counting the rest) — deterministic, for snapshots.
pub fn render_text(diagnostics: &[Diagnostic]) -> String {
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .with_links(false);
    let (diagnostics, more) = shown(diagnostics);
    let mut out = String::new();
    for diagnostic in diagnostics {
        if handler.render_report(&mut out, diagnostic).is_err() {
            out.push_str(&diagnostic.message);
            out.push('\n');
        }
    }
    if let Some(more) = more {
        out.push_str(&more);
        out.push('\n');
    }
    out
}

/// The diagnostics of one load, collected as they are found.
#[derive(Default)]
pub(crate) struct Sink {
    pub(crate) items: Vec<Diagnostic>,
}

impl Sink {
    pub(crate) fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub(crate) fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> Arc<SourceFile> {
        Arc::new(SourceFile::new("main.tf", text))
    }

    #[test]
    fn a_short_file_is_shown_as_it_is_around_the_label() {
        let f = file("a\nb = 1\nc\nd\n");
        let e = Excerpt::new(&f, &[Range { start: 2, end: 3 }]);
        assert_eq!(e.text, "a\nb = 1\nc\n");
        assert_eq!(e.first_line, 0);
        assert_eq!(e.offset_of(2), 2);
        let e = Excerpt::new(&f, &[Range { start: 10, end: 11 }]);
        assert_eq!((e.text.as_str(), e.first_line), ("c\nd\n", 2));
        assert_eq!(e.offset_of(10), 2);
    }

    #[test]
    fn a_long_line_is_cut_around_the_label_and_columns_stay_the_files() {
        let text = format!("x = [{}\"A\"]\n", " ".repeat(70_000));
        let f = file(&text);
        let start = text.find('"').unwrap_or_default();
        let e = Excerpt::new(
            &f,
            &[Range {
                start,
                end: start + 3,
            }],
        );
        assert!(e.text.len() < 200, "{} bytes", e.text.len());
        assert!(e.text.starts_with('…'));
        let at = e.offset_of(start);
        assert_eq!(&e.text[at..at + 3], "\"A\"");
        assert_eq!(e.file_column(at), start);
    }

    #[test]
    fn rendering_an_error_far_along_a_line_does_not_panic() {
        let text = format!("x = [{}\"A\"]\n", " ".repeat(70_000));
        let f = file(&text);
        let start = text.find('"').unwrap_or_default();
        let d = Diagnostic::error("bad")
            .in_file(&f)
            .label(start..start + 3, "here");
        let out = render_text(&[d]);
        assert!(out.contains("[main.tf:1:70006]"), "{out}");
        assert!(out.lines().all(|l| l.len() < 400), "{out}");
    }

    #[test]
    fn the_header_counts_columns_in_code_points() {
        let text = "a = \"é\" b = \"ö\" x\n";
        let f = file(text);
        let start = text.find('x').unwrap_or_default();
        let d = Diagnostic::error("bad")
            .in_file(&f)
            .label(start..start + 1, "here");
        let out = render_text(&[d]);
        assert!(out.contains("[main.tf:1:17]"), "{out}");
        assert_eq!(f.line_column(start), (1, 17));
    }

    #[test]
    fn class_names_are_distinct() {
        let names: std::collections::BTreeSet<&str> = Class::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(names.len(), Class::ALL.len());
    }

    #[test]
    fn shown_paths_drop_dot_components() {
        let p = |s: &str| shown_path(Path::new(s));
        assert_eq!(p("./main.tf"), "main.tf");
        assert_eq!(p("infra/./ecr/main.hcl"), "infra/ecr/main.hcl");
        assert_eq!(p("/tmp/x/main.tf"), "/tmp/x/main.tf");
        assert_eq!(p("../up/main.tf"), "../up/main.tf");
        assert_eq!(p("."), ".");
    }

    #[test]
    fn past_the_limit_the_rest_is_counted() {
        let many: Vec<Diagnostic> = (0..RENDER_LIMIT + 3)
            .map(|i| Diagnostic::error(format!("e{i}")))
            .chain([Diagnostic::warning("w")])
            .collect();
        let (shown_part, more) = shown(&many);
        assert_eq!(shown_part.len(), RENDER_LIMIT);
        assert_eq!(
            more.as_deref(),
            Some(
                "… and 3 more errors and 1 more warning not shown (`ecrplan validate --format json` lists them all)"
            )
        );
    }
}
