//! What the docs test reads out of the project's prose: fenced code blocks (with the HTML
//! comment right before each, where the docs mark a block), inline code spans, and the command
//! lines of both and of the examples' header comments.

use std::path::Path;

/// A fenced code block.
#[derive(Debug)]
pub struct Block {
    /// The file, relative to the workspace.
    pub file: String,
    /// The one-based line of the opening fence.
    pub line: usize,
    /// The info string's words: the language first (`hcl`, `sh`), then marks such as
    /// `fragment`.
    pub info: Vec<String>,
    /// The lines between the fences.
    pub body: String,
    /// The text of an HTML comment (`<!-- … -->`) on the last non-blank line before the fence.
    pub marker: Option<String>,
}

impl Block {
    /// The language of the info string, empty when the block names none.
    pub fn language(&self) -> &str {
        self.info.first().map_or("", String::as_str)
    }

    /// `file:line`, for messages.
    pub fn place(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// One command a document tells its reader to run.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct CommandLine {
    /// The file it is in, relative to the workspace.
    pub file: String,
    /// The one-based line it starts on.
    pub line: usize,
    /// The command, continuation lines joined and a trailing shell comment removed.
    pub command: String,
    /// The fenced block it belongs to, by its opening line; `None` for inline spans and
    /// comments of example files.
    pub block: Option<usize>,
}

/// The fenced blocks of `text` (the contents of `file`), in order. Panics on an unclosed fence,
/// which would hide the rest of the file.
pub fn blocks(file: &str, text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some((fence, info)) = opening_fence(lines[i]) else {
            i += 1;
            continue;
        };
        let start = i;
        let mut body = Vec::new();
        i += 1;
        loop {
            let Some(line) = lines.get(i) else {
                panic!("{file}:{}: a code block is never closed", start + 1);
            };
            if line.trim_start().starts_with(&fence) && line.trim().trim_matches('`').is_empty() {
                break;
            }
            body.push(*line);
            i += 1;
        }
        out.push(Block {
            file: file.to_owned(),
            line: start + 1,
            info: info.split_whitespace().map(str::to_owned).collect(),
            body: body.join("\n") + "\n",
            marker: marker_before(&lines[..start]),
        });
        i += 1;
    }
    out
}

/// A line opening a backtick fence: the fence itself and the info string.
fn opening_fence(line: &str) -> Option<(String, String)> {
    let trimmed = line.trim_start();
    let ticks = trimmed.len() - trimmed.trim_start_matches('`').len();
    (ticks >= 3).then(|| ("`".repeat(ticks), trimmed[ticks..].trim().to_owned()))
}

/// The HTML comment on the last non-blank line of `before`, if that line is one.
fn marker_before(before: &[&str]) -> Option<String> {
    let last = before.iter().rev().find(|l| !l.trim().is_empty())?.trim();
    let inner = last.strip_prefix("<!--")?.strip_suffix("-->")?;
    Some(inner.trim().to_owned())
}

/// `text` with every fenced block blanked out (line count kept), so inline spans are looked
/// for in prose only.
fn prose(text: &str) -> String {
    let mut out = Vec::new();
    let mut fence: Option<String> = None;
    for line in text.lines() {
        match &fence {
            Some(open) => {
                if line.trim_start().starts_with(open.as_str())
                    && line.trim().trim_matches('`').is_empty()
                {
                    fence = None;
                }
                out.push("");
            }
            None => {
                if let Some((open, _)) = opening_fence(line) {
                    fence = Some(open);
                    out.push("");
                } else {
                    out.push(line);
                }
            }
        }
    }
    out.join("\n")
}

/// The inline code spans of the prose of `text`, with the line each starts on. A span may run
/// over a line break, as Markdown allows; the break reads as a space.
pub fn code_spans(text: &str) -> Vec<(usize, String)> {
    let prose = prose(text);
    let mut out = Vec::new();
    let mut line = 1;
    let mut rest = prose.as_str();
    while let Some(open) = rest.find('`') {
        line += rest[..open].matches('\n').count();
        let after = &rest[open..];
        let ticks = after.len() - after.trim_start_matches('`').len();
        let fence = "`".repeat(ticks);
        let inner = &after[ticks..];
        match inner.find(fence.as_str()).map(|close| &inner[..close]) {
            // A span never runs over a blank line: then the backticks are literal.
            Some(span) if !span.contains("\n\n") => {
                out.push((line, span.replace('\n', " ").trim().to_owned()));
                line += span.matches('\n').count();
                rest = &inner[span.len() + ticks..];
            }
            _ => rest = inner,
        }
    }
    out
}

/// A shell line without its trailing comment (` # …` outside quotes) and outer blanks.
pub fn without_comment(line: &str) -> String {
    let (mut single, mut double) = (false, false);
    let mut previous = ' ';
    for (at, c) in line.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && previous.is_whitespace() => {
                return line[..at].trim().to_owned();
            }
            _ => {}
        }
        previous = c;
    }
    line.trim().to_owned()
}

/// Whether an inline span is a command line: `ecrplan` with a subcommand, or `cargo run`
/// (the workspace's default binary is ecrplan).
fn is_command(span: &str) -> bool {
    let ecrplan = span
        .strip_prefix("ecrplan ")
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_lowercase()));
    ecrplan || span.starts_with("cargo run ")
}

/// The command lines of a Markdown file: every line of a `sh` block (continuations joined,
/// comments dropped), every `ecrplan` command in a `yaml` block (a workflow's `run:` or a
/// pipeline's script line), and every inline span that is a command ([`is_command`]).
pub fn markdown_commands(file: &str, text: &str) -> Vec<CommandLine> {
    let mut out = Vec::new();
    for block in blocks(file, text) {
        match block.language() {
            "sh" => {
                let mut pending: Option<(usize, String)> = None;
                for (offset, raw) in block.body.lines().enumerate() {
                    let line = block.line + 1 + offset;
                    let (start, mut joined) = pending.take().unwrap_or((line, String::new()));
                    joined.push_str(raw.trim());
                    if let Some(open) = joined.strip_suffix('\\') {
                        pending = Some((start, open.trim_end().to_owned() + " "));
                        continue;
                    }
                    let command = without_comment(&joined);
                    if !command.is_empty() {
                        out.push(CommandLine {
                            file: file.to_owned(),
                            line: start,
                            command,
                            block: Some(block.line),
                        });
                    }
                }
                assert!(
                    pending.is_none(),
                    "{}: the last line continues into nothing",
                    block.place()
                );
            }
            "yaml" => {
                for (offset, raw) in block.body.lines().enumerate() {
                    let item = raw.trim().trim_start_matches("- ").trim_start();
                    let item = item.strip_prefix("run:").unwrap_or(item).trim();
                    if item.starts_with("ecrplan ") {
                        out.push(CommandLine {
                            file: file.to_owned(),
                            line: block.line + 1 + offset,
                            command: without_comment(item),
                            block: Some(block.line),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    for (line, span) in code_spans(text) {
        if is_command(&span) {
            out.push(CommandLine {
                file: file.to_owned(),
                line,
                command: span,
                block: None,
            });
        }
    }
    out
}

/// The commands an example's header comment shows, indented as code is in Markdown
/// (`#   ecrplan plan examples/x`; a sentence of the comment that starts with "ecrplan" is
/// prose).
pub fn comment_commands(file: &str, text: &str) -> Vec<CommandLine> {
    text.lines()
        .enumerate()
        .filter_map(|(at, line)| {
            let comment = line.trim_start().strip_prefix('#')?;
            let code = comment.strip_prefix("  ")?.trim();
            is_command(code).then(|| CommandLine {
                file: file.to_owned(),
                line: at + 1,
                command: without_comment(code),
                block: None,
            })
        })
        .collect()
}

/// The Markdown files the docs test reads: README.md, docs/*.md, crates/README.md and every
/// crate's README.md, relative to `root`, sorted.
pub fn markdown_files(root: &Path) -> Vec<String> {
    let mut files = vec!["README.md".to_owned(), "crates/README.md".to_owned()];
    for (dir, name) in [("docs", None), ("crates", Some("README.md"))] {
        for entry in std::fs::read_dir(root.join(dir)).expect("read the directory") {
            let path = entry.expect("a directory entry").path();
            let rel = |p: &Path| p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            match name {
                None if path.extension().is_some_and(|e| e == "md") => files.push(rel(&path)),
                Some(name) if path.join(name).is_file() => files.push(rel(&path.join(name))),
                _ => {}
            }
        }
    }
    files.sort();
    files.dedup();
    files
}

/// The files of examples/ whose comments may show commands (`*.hcl`, `*.tf`), relative to
/// `root`, sorted.
pub fn example_files(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    for dir in std::fs::read_dir(root.join("examples")).expect("read examples/") {
        for entry in std::fs::read_dir(dir.expect("an example").path()).expect("read an example") {
            let path = entry.expect("a file").path();
            if path.extension().is_some_and(|e| e == "hcl" || e == "tf") {
                files.push(
                    path.strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    files.sort();
    files
}

mod tests {
    use super::*;

    const SAMPLE: &str = "Intro `ecrplan plan DIR` and `ecrplan {\nestate }`, and `cargo run --release --\nplan x`.\n\n\
<!-- fragment of a module -->\n```hcl fragment\nkeep_last = 3\n```\n\n```sh\necrplan validate x   # offline\nscripts/a --flag \\\n  --other\n# a comment\n```\n\n\
```yaml\n- run: ecrplan apply p.json --auto-approve\n- uses: x\n```\n";

    #[test]
    fn blocks_carry_their_info_and_marker() {
        let blocks = blocks("s.md", SAMPLE);
        assert_eq!(blocks.len(), 3);
        assert_eq!(blocks[0].info, ["hcl", "fragment"]);
        assert_eq!(blocks[0].marker.as_deref(), Some("fragment of a module"));
        assert_eq!(blocks[0].body, "keep_last = 3\n");
        assert_eq!(blocks[0].line, 6);
        assert_eq!(blocks[1].marker, None);
    }

    #[test]
    fn commands_are_found_in_blocks_spans_and_comments() {
        let found: Vec<(usize, String)> = markdown_commands("s.md", SAMPLE)
            .into_iter()
            .map(|c| (c.line, c.command))
            .collect();
        assert_eq!(
            found,
            [
                (11, "ecrplan validate x".to_owned()),
                (12, "scripts/a --flag --other".to_owned()),
                (18, "ecrplan apply p.json --auto-approve".to_owned()),
                (1, "ecrplan plan DIR".to_owned()),
                (2, "cargo run --release -- plan x".to_owned()),
            ]
        );
        let comments = comment_commands(
            "e.hcl",
            "# A note\n#\n#   ecrplan output e   # ARNs\n# ecrplan never reads keys\nx = 1\n",
        );
        assert_eq!(comments.len(), 1);
        assert_eq!(
            (comments[0].line, comments[0].command.as_str()),
            (3, "ecrplan output e")
        );
    }

    #[test]
    fn a_hash_inside_quotes_is_not_a_comment() {
        assert_eq!(without_comment("echo 'a # b' # c"), "echo 'a # b'");
        assert_eq!(without_comment("test $# = 0"), "test $# = 0");
    }
}
