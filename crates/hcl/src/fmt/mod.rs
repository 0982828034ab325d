//! Canonical HCL layout, the way `terraform fmt` (hclwrite) lays files out: indentation by
//! bracket nesting, `=` aligned over runs of one-line attributes, trailing comments aligned,
//! single spaces between tokens, no trailing whitespace, one final newline.
//!
//! It works on lines of tokens, not on a syntax tree, so comments survive untouched; strings,
//! heredocs and comments are single tokens and are never rewritten. [`format()`] checks its own
//! output twice: the token streams before and after must be identical, and both texts must
//! parse to the same structure ([`crate::same_structure`]).

mod lex;

pub use lex::LexError;

use crate::structure::{StructureError, same_structure};
use lex::{Token, TokenKind, tokenize};

/// Why a file was left alone.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// The file cannot be tokenised, so formatting it could damage it.
    #[error("cannot format, {0}")]
    Unreadable(LexError),
    /// Brackets do not balance: the file does not parse, and `terraform fmt` would refuse too.
    #[error("cannot format, line {line}: unbalanced brackets")]
    Unbalanced {
        /// The 1-based line of the first offending bracket.
        line: usize,
    },
    /// The formatted text is not token-for-token the input, or parses to another structure: a
    /// formatter bug, never written.
    #[error("formatting would change more than layout; the file was left untouched")]
    Changed,
    /// The file tokenises but is not HCL, so there is no structure to preserve.
    #[error("cannot format, the file does not parse: {0}")]
    NotHcl(String),
    /// The formatted text is not HCL although the input is: a formatter bug, never written.
    #[error("formatting would leave a file that does not parse ({0}); the file was left untouched")]
    Broken(String),
}

/// Formats one file's text the way `terraform fmt` would, or says why it left it alone: the
/// `ecrplan fmt` command writes only what this returns.
pub fn format(src: &str) -> Result<String, FormatError> {
    let tokens = tokenize(src).map_err(FormatError::Unreadable)?;
    check_balanced(&tokens)?;
    let out = layout(&tokens);
    let again = tokenize(&out).map_err(|_| FormatError::Changed)?;
    if significant(&tokens) != significant(&again) {
        return Err(FormatError::Changed);
    }
    if out != src {
        match same_structure(src, &out) {
            Ok(true) => {}
            Ok(false) => return Err(FormatError::Changed),
            Err(StructureError::Before(err)) => return Err(FormatError::NotHcl(err)),
            Err(StructureError::After(err)) => return Err(FormatError::Broken(err)),
        }
    }
    Ok(out)
}

/// The token stream with blank lines collapsed: what layout must preserve.
fn significant<'a>(tokens: &[Token<'a>]) -> Vec<(TokenKind, &'a str)> {
    let mut out: Vec<(TokenKind, &str)> = Vec::new();
    for t in tokens {
        if t.kind == TokenKind::Newline {
            if out.last().is_some_and(|(k, _)| *k != TokenKind::Newline) {
                out.push((TokenKind::Newline, "\n"));
            }
        } else {
            out.push((t.kind, t.text));
        }
    }
    if out.last().is_some_and(|(k, _)| *k == TokenKind::Newline) {
        out.pop();
    }
    out
}

fn check_balanced(tokens: &[Token<'_>]) -> Result<(), FormatError> {
    let mut stack: Vec<&Token<'_>> = Vec::new();
    for t in tokens {
        match t.bracket_change() {
            1 => stack.push(t),
            -1 => {
                let open = stack
                    .pop()
                    .ok_or(FormatError::Unbalanced { line: t.line })?;
                let pair = matches!((open.text, t.text), ("{", "}") | ("[", "]") | ("(", ")"));
                if !pair {
                    return Err(FormatError::Unbalanced { line: t.line });
                }
            }
            _ => {}
        }
    }
    match stack.first() {
        Some(open) => Err(FormatError::Unbalanced { line: open.line }),
        None => Ok(()),
    }
}

/// One source line split the way hclwrite does: what comes before an aligned `=`, the `=` and
/// its value, and a trailing comment.
#[derive(Default)]
struct Line<'t, 'a> {
    verbatim: Option<&'a str>,
    indent: usize,
    lead: &'t [Token<'a>],
    assign: &'t [Token<'a>],
    comment: Option<&'t Token<'a>>,
}

fn net_brackets(tokens: &[Token<'_>]) -> i32 {
    let mut net = 0;
    for t in tokens {
        net += t.bracket_change();
        if t.kind == TokenKind::HeredocOpen {
            break;
        }
    }
    net
}

fn split_lines<'t, 'a>(tokens: &'t [Token<'a>]) -> Vec<Line<'t, 'a>> {
    let mut lines = Vec::new();
    for raw in tokens.split(|t| t.kind == TokenKind::Newline) {
        if let [body] = raw
            && body.kind == TokenKind::HeredocBody
        {
            lines.push(Line {
                verbatim: Some(body.text),
                ..Line::default()
            });
            continue;
        }
        let (mut lead, comment) = match raw {
            [rest @ .., last] if !rest.is_empty() && last.kind == TokenKind::Comment => {
                (rest, Some(last))
            }
            _ => (raw, None),
        };
        let mut assign: &[Token<'_>] = &[];
        if let Some(eq) = lead.iter().skip(1).position(|t| t.is("=")).map(|i| i + 1)
            && net_brackets(&lead[eq..]) == 0
        {
            assign = &lead[eq..];
            lead = &lead[..eq];
        }
        lines.push(Line {
            verbatim: None,
            indent: 0,
            lead,
            assign,
            comment,
        });
    }
    lines
}

/// hclwrite's indentation: a stack of how many brackets each indented line opened, so that
/// lines closing several brackets at once dedent the right number of levels.
fn indent(lines: &mut [Line<'_, '_>]) {
    let mut stack: Vec<i32> = Vec::new();
    for line in lines.iter_mut() {
        if line.verbatim.is_some() {
            continue;
        }
        let net = net_brackets(line.lead) + net_brackets(line.assign);
        if net > 0 {
            line.indent = 2 * stack.len();
            stack.push(net);
        } else {
            let mut closed = -net;
            while closed > 0 {
                let Some(top) = stack.last_mut() else { break };
                if closed >= *top {
                    closed -= *top;
                    stack.pop();
                } else {
                    *top -= closed;
                    closed = 0;
                }
            }
            line.indent = 2 * stack.len();
        }
    }
}

/// Whether hclwrite puts a space between `subject` and `after`; `before` precedes `subject`.
fn space_between(before: Option<&Token<'_>>, subject: &Token<'_>, after: &Token<'_>) -> bool {
    let call = subject.kind == TokenKind::Ident && after.is("(");
    let access = subject.is("::") || after.is("::") || subject.is(".") || after.is(".");
    let index = after.is("[")
        && (matches!(subject.kind, TokenKind::Ident | TokenKind::Number)
            || subject.bracket_change() < 0);
    let for_in = subject.kind == TokenKind::Ident
        && subject.text == "in"
        && before.is_some_and(|b| b.kind == TokenKind::Ident);
    match () {
        () if call || access || after.is(",") || after.is("...") => false,
        () if subject.is(",") || for_in => true,
        () if index => false,
        () if subject.is("-") => before.is_some_and(ends_operand),
        () if subject.is("!") => false,
        () if subject.is("{") || after.is("}") => !(subject.is("{") && after.is("}")),
        () => subject.bracket_change() <= 0 && after.bracket_change() >= 0,
    }
}

/// Whether a `-` after this token is a subtraction rather than a negation.
fn ends_operand(t: &Token<'_>) -> bool {
    match t.kind {
        TokenKind::Ident | TokenKind::Number | TokenKind::String | TokenKind::HeredocBody => true,
        TokenKind::Punct => t.bracket_change() < 0,
        _ => false,
    }
}

/// The tokens of one cell, spaced; `before` is the token just before the cell.
fn render(tokens: &[Token<'_>], before: Option<&Token<'_>>) -> String {
    let mut out = String::new();
    let mut prev_prev = None;
    let mut prev = before;
    for (i, t) in tokens.iter().enumerate() {
        if i > 0
            && let Some(p) = prev
            && space_between(prev_prev, p, t)
        {
            out.push(' ');
        }
        out.push_str(t.text);
        prev_prev = prev;
        prev = Some(t);
    }
    out
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// Lays out a token stream: the formatted file.
fn layout(tokens: &[Token<'_>]) -> String {
    let mut lines = split_lines(tokens);
    indent(&mut lines);
    let rendered: Vec<(String, String, Option<&str>)> = lines
        .iter()
        .map(|line| {
            let lead = format!("{}{}", " ".repeat(line.indent), render(line.lead, None));
            let assign = render(line.assign, line.lead.last());
            (lead, assign, line.comment.map(|c| c.text))
        })
        .collect();
    let mut texts: Vec<String> = Vec::with_capacity(lines.len());
    let mut run_start = 0;
    for i in 0..=lines.len() {
        let in_run = lines
            .get(i)
            .is_some_and(|l| l.verbatim.is_none() && !l.assign.is_empty());
        if in_run {
            continue;
        }
        let column = rendered[run_start..i]
            .iter()
            .map(|(lead, _, _)| width(lead))
            .max()
            .unwrap_or(0);
        for (lead, assign, _) in &rendered[run_start..i] {
            texts.push(format!(
                "{lead}{}{assign}",
                " ".repeat(column - width(lead) + 1)
            ));
        }
        if let Some(line) = lines.get(i) {
            texts.push(match line.verbatim {
                Some(text) => text.to_owned(),
                None => rendered[i].0.clone(),
            });
        }
        run_start = i + 1;
    }
    let mut run_start = 0;
    for i in 0..=lines.len() {
        if rendered.get(i).is_some_and(|(_, _, c)| c.is_some()) {
            continue;
        }
        let column = texts[run_start..i]
            .iter()
            .map(|t| width(t))
            .max()
            .unwrap_or(0);
        for (text, (_, _, comment)) in texts[run_start..i].iter_mut().zip(&rendered[run_start..i]) {
            if let Some(comment) = comment {
                let pad = column - width(text) + 1;
                text.push_str(&" ".repeat(pad));
                text.push_str(comment);
            }
        }
        run_start = i + 1;
    }
    let mut out = String::with_capacity(tokens.iter().map(|t| t.text.len() + 1).sum());
    for (line, text) in lines.iter().zip(&texts) {
        if line.verbatim.is_some() {
            out.push_str(text);
        } else {
            out.push_str(text.trim_end());
        }
        out.push('\n');
    }
    let trimmed = out.trim_end_matches(['\n', ' ']).len();
    out.truncate(trimmed);
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(src: &str) -> String {
        format(src).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn indents_by_nesting_and_aligns_runs_of_attributes() {
        let src = "module \"m\" {\nsource = \"x\"\n    ecr-repositories=[\"a\"]\n\n  account_access = [\n{\n  description = \"d\"\n      account_id = \"1\"\n  },\n]\n}\n";
        let want = "module \"m\" {\n  source           = \"x\"\n  ecr-repositories = [\"a\"]\n\n  account_access = [\n    {\n      description = \"d\"\n      account_id  = \"1\"\n    },\n  ]\n}\n";
        assert_eq!(fmt(src), want);
    }

    #[test]
    fn comments_survive_and_trailing_comments_align() {
        let src = "# header\nmodule \"m\" {\n  source = \"x\" # recorded\n  ecr-repositories = [\"a\"]   // names\n  /* block\n     comment */\n}\n";
        let want = "# header\nmodule \"m\" {\n  source           = \"x\"   # recorded\n  ecr-repositories = [\"a\"] // names\n  /* block\n     comment */\n}\n";
        assert_eq!(fmt(src), want);
    }

    #[test]
    fn heredocs_and_strings_are_left_exactly_as_written() {
        let src = "x {\n    p = <<-EOF\n      {  \"rules\" :  [] }   \n    EOF\n  s = \"a  =  b ${ var.x }\"\n}\n";
        let want = "x {\n  p = <<-EOF\n      {  \"rules\" :  [] }   \n    EOF\n  s = \"a  =  b ${ var.x }\"\n}\n";
        assert_eq!(fmt(src), want);
    }

    #[test]
    fn spaces_tokens_like_terraform() {
        assert_eq!(
            fmt("a = [ \"x\" ,\"y\" ]\nb = {k=1}\nc = f( var.x , -1 )\nd = e [0]\nf = g - 1\n"),
            "a = [\"x\", \"y\"]\nb = { k = 1 }\nc = f(var.x, -1)\nd = e[0]\nf = g - 1\n"
        );
    }

    #[test]
    fn trailing_whitespace_and_blank_lines_at_the_end_go() {
        assert_eq!(fmt("a = 1   \n\n\n"), "a = 1\n");
        assert_eq!(fmt("a = 1"), "a = 1\n");
        assert_eq!(fmt(""), "");
    }

    #[test]
    fn formatting_twice_changes_nothing() {
        let src = "module \"m\" {\n source = \"x\"\n  tags = { a = 1,\n b = 2 }\n  l = [{\n x = 1\n }]\n}\n";
        let once = fmt(src);
        assert_eq!(fmt(&once), once);
    }

    #[test]
    fn refuses_files_it_cannot_read() {
        assert_eq!(
            format("module \"m\" {\n  a = 1\n"),
            Err(FormatError::Unbalanced { line: 1 })
        );
        assert_eq!(
            format("a = [1, 2}\n"),
            Err(FormatError::Unbalanced { line: 1 })
        );
        assert!(matches!(
            format("a = \"open\n"),
            Err(FormatError::Unreadable(_))
        ));
        assert!(matches!(format("a  =  = 1\n"), Err(FormatError::NotHcl(_))));
    }
}
