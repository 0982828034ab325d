//! Diagnostics: what went wrong, where, and what to do about it.
//!
//! A [`Diagnostic`] carries its file's text, so it renders on its own (miette's graphical
//! handler) and serialises on its own ([`Diagnostic::to_json`]).

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};
use serde_json::{Value as Json, json};

pub use miette::Severity;

/// One configuration file as read: its name (relative to the configuration directory) and
/// its text, with a line index for line/column lookups.
#[derive(Debug)]
pub struct SourceFile {
    /// The file name as shown in diagnostics, e.g. `main.tf`.
    pub name: String,
    /// The text.
    pub text: Arc<str>,
    line_starts: Vec<usize>,
    named: NamedSource<Arc<str>>,
}

impl SourceFile {
    /// A file with its name and text.
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        let name = name.into();
        let text: Arc<str> = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let named = NamedSource::new(&name, text.clone()).with_language("HCL");
        SourceFile {
            name,
            text,
            line_starts,
            named,
        }
    }

    /// The one-based line and column (in characters) of a byte offset.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line + 1, column + 1)
    }
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

    /// The diagnostic as JSON: `severity`, `message`, `file`, `line`, `column`, `start`,
    /// `end` (byte range of the primary label), `help`, `labels` (each with `file`, `line`,
    /// `column`, `start`, `end`, `label`) — the other place of a duplicate is one more label.
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
        json!({
            "severity": severity_name(self.severity),
            "message": self.message,
            "file": self.file(),
            "line": line,
            "column": column,
            "start": span.as_ref().map(|s| s.start),
            "end": span.as_ref().map(|s| s.end),
            "help": self.help,
            "labels": labels,
        })
    }
}

fn label_json(file: Option<&SourceFile>, label: &Label) -> Json {
    let (line, column) = file.map(|f| f.line_column(label.span.start)).unzip();
    json!({
        "file": file.map(|f| f.name.as_str()),
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
        self.file.as_ref().map(|f| &f.named as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() || self.file.is_none() {
            return None;
        }
        Some(Box::new(self.labels.iter().map(|l| {
            let span = (l.span.start, l.span.end.saturating_sub(l.span.start));
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
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        Some(Box::new(
            self.0.iter().map(|d| d as &dyn miette::Diagnostic),
        ))
    }
}

/// Renders diagnostics the way the CLI prints them: miette's graphical report without colour,
/// 100 columns wide, one report after the other — deterministic, for snapshots.
pub fn render_text(diagnostics: &[Diagnostic]) -> String {
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    for diagnostic in diagnostics {
        if handler.render_report(&mut out, diagnostic).is_err() {
            out.push_str(&diagnostic.message);
            out.push('\n');
        }
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
}
