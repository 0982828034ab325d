//! A lexer for HCL that keeps everything the formatter must not touch in one piece: a quoted
//! string with all its interpolations, a heredoc body, a comment. The formatter only moves
//! whitespace between these tokens, so comparing token streams before and after proves it
//! changed nothing else.

/// What a token is, as far as layout cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// An identifier or keyword (`module`, `ecr-repositories`, `true`, `in`).
    Ident,
    /// A number literal.
    Number,
    /// A quoted template, quotes and interpolations included.
    String,
    /// `<<EOF` or `<<-EOF`.
    HeredocOpen,
    /// The lines of a heredoc, its closing marker line included.
    HeredocBody,
    /// A `#`, `//` or `/* */` comment, without trailing whitespace.
    Comment,
    /// The end of a line.
    Newline,
    /// An operator or bracket.
    Punct,
}

/// One token and where it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token<'a> {
    /// Its kind.
    pub kind: TokenKind,
    /// Its text, exactly as in the source.
    pub text: &'a str,
    /// The 1-based line it starts on, for error messages.
    pub line: usize,
}

impl Token<'_> {
    /// +1 for an opening bracket, -1 for a closing one: indentation follows bracket depth.
    pub fn bracket_change(&self) -> i32 {
        match (self.kind, self.text) {
            (TokenKind::Punct, "{" | "[" | "(") => 1,
            (TokenKind::Punct, "}" | "]" | ")") => -1,
            _ => 0,
        }
    }

    /// Whether this is the punctuation `p`.
    pub fn is(&self, p: &str) -> bool {
        self.kind == TokenKind::Punct && self.text == p
    }
}

/// Why a file cannot be tokenised; the formatter refuses such files rather than guess.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct LexError {
    /// The 1-based line where the problem starts.
    pub line: usize,
    /// What is wrong.
    pub message: &'static str,
}

const PUNCTUATION: &[&str] = &[
    "...", "==", "!=", "<=", ">=", "&&", "||", "=>", "::", "{", "}", "[", "]", "(", ")", "=", ",",
    ":", "?", ".", "+", "-", "*", "/", "%", "<", ">", "!",
];

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    line: usize,
    tokens: Vec<Token<'a>>,
    pending_heredocs: Vec<(String, usize)>,
}

/// Splits `src` into tokens; whitespace other than newlines is dropped.
pub fn tokenize(src: &str) -> Result<Vec<Token<'_>>, LexError> {
    let mut lexer = Lexer {
        src,
        pos: 0,
        line: 1,
        tokens: Vec::new(),
        pending_heredocs: Vec::new(),
    };
    lexer.run()?;
    Ok(lexer.tokens)
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_continue(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

impl<'a> Lexer<'a> {
    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn push(&mut self, kind: TokenKind, start: usize, line: usize) {
        self.tokens.push(Token {
            kind,
            text: &self.src[start..self.pos],
            line,
        });
    }

    fn run(&mut self) -> Result<(), LexError> {
        while let Some(c) = self.rest().chars().next() {
            let start = self.pos;
            let line = self.line;
            let rest = self.rest();
            if c == ' ' || c == '\t' || (c == '\r' && !rest.starts_with("\r\n")) {
                self.pos += 1;
            } else if c == '\n' || rest.starts_with("\r\n") {
                self.pos += if c == '\n' { 1 } else { 2 };
                self.push(TokenKind::Newline, start, line);
                self.line += 1;
                self.heredoc_bodies()?;
            } else if c == '#' || rest.starts_with("//") {
                let end = rest.find('\n').unwrap_or(rest.len());
                self.pos += rest[..end].trim_end().len();
                self.push(TokenKind::Comment, start, line);
            } else if let Some(open) = rest.strip_prefix("/*") {
                let end = open.find("*/").ok_or(LexError {
                    line,
                    message: "unterminated /* comment",
                })?;
                self.advance(end + 4);
                self.push(TokenKind::Comment, start, line);
            } else if c == '"' {
                self.pos += 1;
                self.quoted(line)?;
                self.push(TokenKind::String, start, line);
            } else if rest.starts_with("<<") && self.heredoc_open(line)? {
                self.push(TokenKind::HeredocOpen, start, line);
            } else if is_ident_start(c) {
                self.pos += rest
                    .find(|ch: char| !is_ident_continue(ch))
                    .unwrap_or(rest.len());
                self.push(TokenKind::Ident, start, line);
            } else if c.is_ascii_digit() {
                self.number();
                self.push(TokenKind::Number, start, line);
            } else {
                let len = PUNCTUATION
                    .iter()
                    .find(|p| rest.starts_with(**p))
                    .map_or(c.len_utf8(), |p| p.len());
                self.pos += len;
                self.push(TokenKind::Punct, start, line);
            }
        }
        if let Some((_, line)) = self.pending_heredocs.first() {
            return Err(LexError {
                line: *line,
                message: "unterminated heredoc",
            });
        }
        Ok(())
    }

    /// Moves `len` bytes on, counting the newlines passed.
    fn advance(&mut self, len: usize) {
        self.line += self.src[self.pos..self.pos + len].matches('\n').count();
        self.pos += len;
    }

    fn number(&mut self) {
        let bytes = self.src.as_bytes();
        let digits = |s: &mut Self| {
            while s.pos < bytes.len() && bytes[s.pos].is_ascii_digit() {
                s.pos += 1;
            }
        };
        digits(self);
        if bytes.get(self.pos) == Some(&b'.')
            && bytes.get(self.pos + 1).is_some_and(u8::is_ascii_digit)
        {
            self.pos += 1;
            digits(self);
        }
        if matches!(bytes.get(self.pos), Some(b'e' | b'E')) {
            let mut next = self.pos + 1;
            if matches!(bytes.get(next), Some(b'+' | b'-')) {
                next += 1;
            }
            if bytes.get(next).is_some_and(u8::is_ascii_digit) {
                self.pos = next;
                digits(self);
            }
        }
    }

    /// Consumes the rest of a quoted template after its opening quote.
    fn quoted(&mut self, line: usize) -> Result<(), LexError> {
        let unterminated = LexError {
            line,
            message: "unterminated string",
        };
        loop {
            let rest = self.rest();
            let mut chars = rest.chars();
            match chars.next() {
                None | Some('\n') => return Err(unterminated),
                Some('"') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some('\\') => {
                    let escaped = chars.next().ok_or(unterminated.clone())?;
                    if escaped == '\n' {
                        return Err(unterminated);
                    }
                    self.pos += 1 + escaped.len_utf8();
                }
                Some('$' | '%') if rest[1..].starts_with('{') => {
                    self.pos += 2;
                    self.interpolation(line)?;
                }
                Some('$' | '%') if rest[1..].starts_with(&rest[..1]) => {
                    self.pos += 2;
                }
                Some(other) => self.pos += other.len_utf8(),
            }
        }
    }

    /// Consumes an interpolation after its `${`, up to and including the matching `}`.
    fn interpolation(&mut self, line: usize) -> Result<(), LexError> {
        let mut depth = 1usize;
        while let Some(c) = self.rest().chars().next() {
            match c {
                '"' => {
                    self.pos += 1;
                    self.quoted(line)?;
                    continue;
                }
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        self.pos += 1;
                        return Ok(());
                    }
                }
                '\n' => self.line += 1,
                _ => {}
            }
            self.pos += c.len_utf8();
        }
        Err(LexError {
            line,
            message: "unterminated interpolation",
        })
    }

    /// Consumes `<<EOF` / `<<-EOF` and remembers the marker; `false` when `<<` is not a
    /// heredoc opener.
    fn heredoc_open(&mut self, line: usize) -> Result<bool, LexError> {
        let rest = self.rest();
        let after = rest[2..].strip_prefix('-').unwrap_or(&rest[2..]);
        let marker_len = after
            .find(|ch: char| !is_ident_continue(ch))
            .unwrap_or(after.len());
        let marker = &after[..marker_len];
        if marker.is_empty() || !marker.starts_with(is_ident_start) {
            return Ok(false);
        }
        let tail = &after[marker_len..];
        let line_end = tail.find('\n').unwrap_or(tail.len());
        if !tail[..line_end].trim().is_empty() {
            return Err(LexError {
                line,
                message: "a heredoc marker must end its line",
            });
        }
        self.pending_heredocs.push((marker.to_owned(), line));
        self.pos += rest.len() - tail.len();
        Ok(true)
    }

    /// After a newline: if heredocs were opened on the line just ended, their bodies follow.
    fn heredoc_bodies(&mut self) -> Result<(), LexError> {
        let pending = std::mem::take(&mut self.pending_heredocs);
        for (index, (marker, line)) in pending.iter().enumerate() {
            let start = self.pos;
            let body_line = self.line;
            loop {
                let rest = self.rest();
                if rest.is_empty() {
                    return Err(LexError {
                        line: *line,
                        message: "unterminated heredoc",
                    });
                }
                let end = rest.find('\n').unwrap_or(rest.len());
                let text = rest[..end].trim_end_matches('\r');
                let closing = text.trim() == marker;
                self.pos += text.len();
                if closing {
                    break;
                }
                self.pos += end - text.len();
                if self.pos < self.src.len() {
                    self.pos += 1;
                    self.line += 1;
                }
            }
            self.push(TokenKind::HeredocBody, start, body_line);
            if index + 1 < pending.len() {
                let rest = self.rest();
                let newline = if rest.starts_with("\r\n") { 2 } else { 1 };
                if !rest.is_empty() {
                    let nl_start = self.pos;
                    self.pos += newline;
                    self.push(TokenKind::Newline, nl_start, self.line);
                    self.line += 1;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(TokenKind, &str)> {
        tokenize(src)
            .map(|t| t.into_iter().map(|t| (t.kind, t.text)).collect())
            .unwrap_or_default()
    }

    #[test]
    fn strings_keep_their_interpolations_whole() {
        let toks = kinds(r#"a = "x ${var.y["k"]} \" z" # note  "#);
        assert_eq!(
            toks,
            vec![
                (TokenKind::Ident, "a"),
                (TokenKind::Punct, "="),
                (TokenKind::String, r#""x ${var.y["k"]} \" z""#),
                (TokenKind::Comment, "# note"),
            ]
        );
    }

    #[test]
    fn heredoc_body_is_one_token() {
        let src = "p = <<-EOF\n  {\"a\": 1}  \n  EOF\nb = 1\n";
        let toks = kinds(src);
        assert_eq!(toks[2], (TokenKind::HeredocOpen, "<<-EOF"));
        assert_eq!(toks[4], (TokenKind::HeredocBody, "  {\"a\": 1}  \n  EOF"));
        assert_eq!(toks[6], (TokenKind::Ident, "b"));
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert_eq!(tokenize("a = \"x\n").map(|_| ()).unwrap_err().line, 1);
        assert!(tokenize("a = <<EOF\nbody\n").is_err());
        assert!(tokenize("/* open").is_err());
    }

    #[test]
    fn identifiers_may_hold_dashes_numbers_may_hold_exponents() {
        assert_eq!(
            kinds("ecr-repositories = 1.5e3 - -2"),
            vec![
                (TokenKind::Ident, "ecr-repositories"),
                (TokenKind::Punct, "="),
                (TokenKind::Number, "1.5e3"),
                (TokenKind::Punct, "-"),
                (TokenKind::Punct, "-"),
                (TokenKind::Number, "2"),
            ]
        );
    }
}
