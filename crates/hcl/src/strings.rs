//! A check hcl-edit does not make: HCL ends a quoted string at the end of its line.
//!
//! hcl-edit lets a quoted string run over newlines, so a missing `"` is reported wherever the
//! next `"` happens to be, often many lines further down. Scanning for the first quoted
//! string that reaches a newline (outside comments and heredocs) finds the quote that was
//! left open.

/// What the scanner is inside of.
enum Mode {
    /// Expressions: the top level, or a `${…}` / `%{…}` sequence with this many unclosed
    /// `{` of its own.
    Expr { braces: usize },
    /// A quoted string opened at this byte offset.
    Quoted { start: usize },
}

/// The byte offset of the opening `"` of the first quoted string that is not closed on its
/// own line (or before the end of the text).
pub(crate) fn unterminated_string(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut stack = vec![Mode::Expr { braces: 0 }];
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        let depth = stack.len();
        match stack.last_mut()? {
            Mode::Quoted { start } => match rest {
                [b'\n', ..] => return Some(*start),
                [b'"', ..] => {
                    stack.pop();
                }
                [b'\\', next, ..] if *next != b'\n' => i += 1,
                [b'$' | b'%', b'$' | b'%', b'{', ..] if rest[0] == rest[1] => i += 2,
                [b'$' | b'%', b'{', ..] => {
                    stack.push(Mode::Expr { braces: 0 });
                    i += 1;
                }
                _ => {}
            },
            Mode::Expr { braces } => match rest {
                [b'#', ..] | [b'/', b'/', ..] => i = line_end(bytes, i),
                [b'/', b'*', ..] => {
                    i = find(bytes, i + 2, b"*/").map_or(bytes.len(), |end| end + 1);
                }
                [b'<', b'<', ..] => match heredoc_end(text, i) {
                    Some(end) => i = end,
                    None => return None,
                },
                [b'"', ..] => stack.push(Mode::Quoted { start: i }),
                [b'{', ..] if depth > 1 => *braces += 1,
                [b'}', ..] if depth > 1 => {
                    if *braces == 0 {
                        stack.pop();
                    } else {
                        *braces -= 1;
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    match stack.last()? {
        Mode::Quoted { start } => Some(*start),
        Mode::Expr { .. } => None,
    }
}

/// The offset of the newline ending the line at `i` (or the end of the text), so that the
/// scanner's next step looks at the newline.
fn line_end(bytes: &[u8], i: usize) -> usize {
    bytes[i..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |n| i + n - 1)
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|n| from + n)
}

/// For `<<EOF` or `<<-EOF` at `i`: the offset of the last byte of the closing delimiter's
/// line. `Some(i + 1)` when `<<` does not start a heredoc; `None` when the heredoc is never
/// closed (the parser reports that).
fn heredoc_end(text: &str, i: usize) -> Option<usize> {
    let after = &text[i + 2..];
    let marker = after.strip_prefix('-').unwrap_or(after);
    let name_len = marker
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
        .unwrap_or(marker.len());
    let name = &marker[..name_len];
    let starts_ident = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_');
    let line_break = marker[name_len..]
        .strip_prefix("\r\n")
        .or_else(|| marker[name_len..].strip_prefix('\n'));
    let (true, Some(body)) = (starts_ident, line_break) else {
        return Some(i + 1);
    };
    let mut offset = text.len() - body.len();
    for line in body.split_inclusive('\n') {
        offset += line.len();
        if line.trim() == name {
            return Some(offset - 1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::unterminated_string;

    #[test]
    fn finds_the_quote_left_open() {
        let text = "a = [\"one]\n\nb = \"two\"\n";
        assert_eq!(unterminated_string(text), Some(5));
        assert_eq!(unterminated_string("a = \"open"), Some(4));
    }

    #[test]
    fn closed_strings_escapes_and_interpolations_pass() {
        let text = "a = \"x \\\" y ${f(\"z\", {k = \"}\"})} $${no} %{ if true }t%{ endif }\"\n";
        assert_eq!(unterminated_string(text), None);
        assert_eq!(unterminated_string("a = \"${\n  var.x\n}\"\n"), None);
    }

    #[test]
    fn comments_and_heredocs_may_hold_lone_quotes() {
        let text = "# it's \"\n// \"\n/* \"\n */\np = <<-EOF\n  {\"a\n  EOF\nq = \"ok\"\n";
        assert_eq!(unterminated_string(text), None);
        let open = "p = <<EOF\n\"\nEOF\nq = \"no\n";
        assert_eq!(
            unterminated_string(open),
            Some(open.rfind('"').unwrap_or(0))
        );
    }
}
