//! JSON text read into [`Value`]s that remember where each part was written, for variable files
//! in JSON (`*.tfvars.json`): serde_json keeps no positions, and a wrong value in such a file
//! must be reported at its line and column like one in an HCL file.

use std::ops::Range;

use crate::diag::Class;
use crate::value::{At, FileId, Key, Value, ValueType};

/// How deep arrays and objects may nest, as serde_json limits it: a file of a million `[` is
/// refused rather than overflowing the stack.
const MAX_DEPTH: usize = 128;

/// Why a text is not the JSON it should be, and where.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct JsonError {
    pub(crate) range: Range<usize>,
    pub(crate) message: String,
    pub(crate) label: &'static str,
    pub(crate) class: Class,
    /// A second place the error concerns: the first of two keys.
    pub(crate) also: Option<(Range<usize>, &'static str)>,
}

/// Reads one JSON document (RFC 8259); an object that holds a key twice is refused, as
/// Terraform refuses an argument given twice.
pub(crate) fn parse(file: FileId, text: &str) -> Result<Value, JsonError> {
    let mut parser = Parser {
        text,
        pos: 0,
        file,
        depth: 0,
    };
    parser.skip_space();
    let value = parser.value()?;
    parser.skip_space();
    if parser.pos < text.len() {
        return Err(parser.error(
            "unexpected text after the JSON value",
            "a JSON document holds one value",
        ));
    }
    Ok(value)
}

struct Parser<'t> {
    text: &'t str,
    pos: usize,
    file: FileId,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// An error at the character at the current position (at the end: an empty range there).
    fn error(&self, message: impl Into<String>, label: &'static str) -> JsonError {
        let end = self.text[self.pos..]
            .chars()
            .next()
            .map_or(self.pos, |c| self.pos + c.len_utf8());
        self.error_at(self.pos..end, message, label)
    }

    fn error_at(
        &self,
        range: Range<usize>,
        message: impl Into<String>,
        label: &'static str,
    ) -> JsonError {
        JsonError {
            range,
            message: message.into(),
            label,
            class: Class::Syntax,
            also: None,
        }
    }

    fn at(&self, start: usize) -> At {
        At::new(self.file, start..self.pos)
    }

    fn value(&mut self) -> Result<Value, JsonError> {
        let start = self.pos;
        let kind = match self.peek() {
            None => {
                return Err(self.error(
                    "the file ends where a JSON value should be",
                    "a value is missing here",
                ));
            }
            Some(b'{') => self.object()?,
            Some(b'[') => self.array()?,
            Some(b'"') => ValueType::String(self.string()?),
            Some(b'-' | b'0'..=b'9') => ValueType::Number(self.number()?),
            Some(_) => {
                let word: String = self.text[self.pos..]
                    .chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .collect();
                let kind = match word.as_str() {
                    "true" => ValueType::Bool(true),
                    "false" => ValueType::Bool(false),
                    "null" => ValueType::Null,
                    _ => {
                        return Err(self.error(
                            "expected a JSON value: a string, number, object, array, true, false or null",
                            "not a JSON value",
                        ));
                    }
                };
                self.pos += word.len();
                kind
            }
        };
        Ok(Value::new(kind, self.at(start)))
    }

    fn nest(&mut self) -> Result<(), JsonError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(
                format!("arrays and objects nest more than {MAX_DEPTH} deep"),
                "too deep",
            ));
        }
        self.pos += 1;
        self.skip_space();
        Ok(())
    }

    fn object(&mut self) -> Result<ValueType, JsonError> {
        self.nest()?;
        let mut members: Vec<(Key, Value)> = Vec::new();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(ValueType::Object(members));
        }
        loop {
            if self.peek() != Some(b'"') {
                let message = if self.peek() == Some(b'}') && !members.is_empty() {
                    "a trailing comma: JSON allows no `,` before `}`"
                } else {
                    "expected a key in double quotes"
                };
                return Err(self.error(message, "a key is wanted here"));
            }
            let start = self.pos;
            let name = self.string()?;
            let key = Key {
                name,
                at: self.at(start),
            };
            if let Some((first, _)) = members.iter().find(|(k, _)| k.name == key.name) {
                return Err(JsonError {
                    message: format!("the key \"{}\" is given twice in one object", key.name),
                    label: "given again here",
                    class: Class::Duplicate,
                    also: Some((first.at.range.clone(), "first given here")),
                    range: key.at.range,
                });
            }
            self.skip_space();
            if self.peek() != Some(b':') {
                return Err(self.error("expected `:` after the key", "`:` is wanted here"));
            }
            self.pos += 1;
            self.skip_space();
            let value = self.value()?;
            members.push((key, value));
            self.skip_space();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_space();
                }
                Some(b'}') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(ValueType::Object(members));
                }
                _ => {
                    return Err(self.error(
                        "expected `,` or `}` after the value",
                        "`,` or `}` is wanted here",
                    ));
                }
            }
        }
    }

    fn array(&mut self) -> Result<ValueType, JsonError> {
        self.nest()?;
        let mut items = Vec::new();
        if self.peek() == Some(b']') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(ValueType::List(items));
        }
        loop {
            if self.peek() == Some(b']') {
                return Err(self.error(
                    "a trailing comma: JSON allows no `,` before `]`",
                    "a value is wanted here",
                ));
            }
            items.push(self.value()?);
            self.skip_space();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_space();
                }
                Some(b']') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(ValueType::List(items));
                }
                _ => {
                    return Err(self.error(
                        "expected `,` or `]` after the value",
                        "`,` or `]` is wanted here",
                    ));
                }
            }
        }
    }

    /// A string from its opening quote, escapes decoded.
    fn string(&mut self) -> Result<String, JsonError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.text[self.pos..].chars().next() else {
                return Err(self.error_at(
                    start..start + 1,
                    "the string is not terminated",
                    "this string has no closing `\"`",
                ));
            };
            match c {
                '"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                '\\' => out.push(self.escape()?),
                c if c < ' ' => {
                    return Err(self.error(
                        "a control character (a line break, a tab…) in a string must be escaped (`\\n`, `\\t`)",
                        "unescaped control character",
                    ));
                }
                c => {
                    out.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    /// The character a `\` escape stands for, the position after it.
    fn escape(&mut self) -> Result<char, JsonError> {
        let start = self.pos;
        self.pos += 1;
        let simple = match self.peek() {
            Some(b'"') => Some('"'),
            Some(b'\\') => Some('\\'),
            Some(b'/') => Some('/'),
            Some(b'b') => Some('\u{8}'),
            Some(b'f') => Some('\u{c}'),
            Some(b'n') => Some('\n'),
            Some(b'r') => Some('\r'),
            Some(b't') => Some('\t'),
            Some(b'u') => None,
            _ => {
                return Err(self.error_at(
                    start
                        ..start
                            + 1
                            + self.text[start + 1..]
                                .chars()
                                .next()
                                .map_or(0, char::len_utf8),
                    "an invalid escape: JSON has \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX",
                    "invalid escape",
                ));
            }
        };
        if let Some(c) = simple {
            self.pos += 1;
            return Ok(c);
        }
        let high = self.hex4(start)?;
        let code = if (0xD800..0xDC00).contains(&high) {
            // A surrogate pair: the low half must follow as a second `\u` escape.
            if !self.text[self.pos..].starts_with("\\u") {
                return Err(self.bad_unicode(start));
            }
            self.pos += 1;
            let low = self.hex4(start)?;
            if !(0xDC00..0xE000).contains(&low) {
                return Err(self.bad_unicode(start));
            }
            0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
        } else {
            high
        };
        char::from_u32(code).ok_or_else(|| self.bad_unicode(start))
    }

    /// The four hex digits after `u` (the position on the `u`), as a number.
    fn hex4(&mut self, escape: usize) -> Result<u32, JsonError> {
        let digits = self.text.get(self.pos + 1..self.pos + 5);
        let code = digits
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|d| u32::from_str_radix(d, 16).ok())
            .ok_or_else(|| self.bad_unicode(escape))?;
        self.pos += 5;
        Ok(code)
    }

    fn bad_unicode(&self, escape: usize) -> JsonError {
        let end = (escape + 6).min(self.text.len());
        let end = (end..=self.text.len())
            .find(|&i| self.text.is_char_boundary(i))
            .unwrap_or(self.text.len());
        self.error_at(
            escape..end,
            "an invalid \\u escape: four hex digits, a surrogate pair written as two escapes",
            "invalid escape",
        )
    }

    fn number(&mut self) -> Result<serde_json::Number, JsonError> {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        let digits = |pos: &mut usize| {
            let from = *pos;
            while bytes.get(*pos).is_some_and(u8::is_ascii_digit) {
                *pos += 1;
            }
            *pos - from
        };
        let mut pos = start;
        if bytes[pos] == b'-' {
            pos += 1;
        }
        let whole = digits(&mut pos);
        let mut valid = whole == 1 || (whole > 1 && bytes[pos - whole] != b'0');
        if bytes.get(pos) == Some(&b'.') {
            pos += 1;
            valid &= digits(&mut pos) > 0;
        }
        if matches!(bytes.get(pos), Some(b'e' | b'E')) {
            pos += 1;
            if matches!(bytes.get(pos), Some(b'+' | b'-')) {
                pos += 1;
            }
            valid &= digits(&mut pos) > 0;
        }
        self.pos = pos;
        let text = &self.text[start..pos];
        let number = valid
            .then(|| text.parse::<serde_json::Number>().ok())
            .flatten();
        number.ok_or_else(|| {
            self.error_at(
                start..pos.max(start + 1),
                format!("`{text}` is not a JSON number"),
                "not a number",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> serde_json::Value {
        parse(0, text).map(|v| v.to_json()).unwrap()
    }

    fn error(text: &str) -> (Range<usize>, String) {
        let e = parse(0, text).unwrap_err();
        (e.range, e.message)
    }

    #[test]
    fn reads_what_serde_json_reads() {
        for text in [
            r#"{"a": [1, -2.5, 3e2, 0, -0.0, true, false, null], "b": {"c": "d"}}"#,
            r#""\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#,
            "  [ ]  ",
            "{}",
            "12345678901234567890",
        ] {
            let want: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(json(text), want, "{text}");
        }
    }

    #[test]
    fn values_remember_where_they_are() {
        let value = parse(3, r#"{"repos": ["a", "bc"]}"#).unwrap();
        let ValueType::Object(members) = &value.kind else {
            panic!("an object")
        };
        let (key, list) = &members[0];
        assert_eq!((key.at.file, key.at.range.clone()), (3, 1..8));
        assert_eq!(list.at.range, 10..21);
        let ValueType::List(items) = &list.kind else {
            panic!("a list")
        };
        assert_eq!(items[1].at.range, 16..20);
    }

    #[test]
    fn errors_point_at_the_character() {
        assert_eq!(error(r#"{"a": 1,}"#).0, 8..9);
        assert!(error(r#"{"a": 1,}"#).1.contains("trailing comma"));
        assert_eq!(error("[1 2]").0, 3..4);
        assert_eq!(error(r#"{"a" 1}"#).0, 5..6);
        assert_eq!(error("{a: 1}").0, 1..2);
        assert_eq!(error(r#"{"a": 01}"#).0, 6..8);
        assert_eq!(error(r#"{"a": tru}"#).0, 6..7);
        assert_eq!(error(r#"{"a": "x"#).0, 6..7);
        assert_eq!(error("\"a\nb\"").0, 2..3);
        assert_eq!(error(r#""\x""#).0, 1..3);
        assert_eq!(error(r#""\ud83d""#).0, 1..7);
        assert_eq!(error(r#"{"a": 1} {"#).0, 9..10);
        assert_eq!(error("").0, 0..0);
        assert_eq!(error("-").0, 0..1);
        assert_eq!(error("1.").0, 0..2);
    }

    #[test]
    fn a_key_given_twice_is_refused() {
        let e = parse(0, r#"{"a": 1, "a": 2}"#).unwrap_err();
        assert_eq!((e.range, e.class), (9..12, Class::Duplicate));
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let text = "[".repeat(1_000_000);
        assert!(error(&text).1.contains("nest more than 128 deep"));
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(0, &ok).is_ok());
    }
}
