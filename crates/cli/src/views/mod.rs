//! Plan and drift views: text, JSON and Markdown behind one trait (Terraform's
//! `internal/command/views/plan.go`), so every command renders the same data the same way.

mod contract;
mod json;
mod markdown;
mod render;
pub mod sarif;
mod text;

pub use contract::View;

use crate::cli::ViewFormat;

/// The view for `--format`; `color` only matters for text, and callers pass true only on a
/// terminal without `NO_COLOR`. `stats` (the AWS call counts, with `--stats`) goes into the
/// JSON view; the others leave it to stderr.
pub fn view(format: ViewFormat, color: bool, stats: Option<serde_json::Value>) -> Box<dyn View> {
    match format {
        ViewFormat::Text => Box::new(text::TextView { color }),
        ViewFormat::Json => Box::new(json::JsonView { stats }),
        ViewFormat::Markdown => Box::new(markdown::MarkdownView),
    }
}

#[cfg(test)]
mod golden;
