//! Reading files from disk without hanging, without unbounded memory and without skipping
//! anything silently: the configuration files of a directory and the files `file()` reads.
//!
//! Only regular files are opened. A FIFO would block `open` until a writer appears, and a
//! device such as `/dev/zero` never ends, so the file type is checked before opening (following
//! symbolic links) and again on the open handle. Text must be UTF-8, as Terraform requires; a
//! UTF-8 byte order mark is accepted and dropped, as Terraform does.

use std::fs::{self, File, Metadata};
use std::io::{self, Read as _};
use std::path::Path;
use std::sync::Arc;

use crate::diag::{Class, Diagnostic, SourceFile};

/// The most `file()` reads: 256 KiB. The largest document a file can feed is an ECR lifecycle
/// policy, at most 30,720 characters as sent (compact JSON, see
/// <https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutLifecyclePolicy.html>);
/// a pretty-printed or commented copy of such a document on disk can be several times that,
/// so the cap leaves room for layout and refuses only what no document could be. Each
/// document's own limit is then checked on what ecrplan sends.
pub(crate) const FILE_FUNCTION_LIMIT: u64 = 256 * 1024;

/// The most a configuration file may hold: 16 MiB, far beyond any real directory, so that a
/// runaway file is refused rather than read into memory.
pub(crate) const CONFIG_FILE_LIMIT: u64 = 16 * 1024 * 1024;

/// Why a file could not be read as text.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// Not a regular file: the kind of entry it is.
    NotRegular(&'static str),
    /// A symbolic link whose target does not exist (the target as written).
    Dangling(String),
    /// Larger than the limit (its size in bytes).
    TooLarge(u64),
    /// Any other I/O error (permissions, a symbolic link loop…).
    Io(io::Error),
    /// Not UTF-8: the text, made readable (invalid bytes and NULs as U+FFFD), and the byte
    /// offset of the first bad byte in it; `utf16` when it looks like UTF-16 (a byte order mark,
    /// or a NUL among its first two bytes, as ASCII text in UTF-16 has).
    Encoding {
        text: String,
        offset: usize,
        utf16: bool,
    },
}

impl ReadError {
    /// What went wrong, to follow "cannot read NAME: ".
    pub(crate) fn describe(&self, limit: u64) -> String {
        match self {
            ReadError::NotRegular(kind) => format!("it is {kind}, not a regular file"),
            ReadError::Dangling(target) => {
                format!("it is a symbolic link to `{target}`, which does not exist")
            }
            ReadError::TooLarge(size) => {
                format!("it holds {size} bytes, more than the {limit} ecrplan reads")
            }
            ReadError::Io(e) => e.to_string(),
            ReadError::Encoding { utf16: true, .. } => "it is UTF-16, not UTF-8".to_owned(),
            ReadError::Encoding { .. } => "it is not UTF-8 text (or holds a NUL byte)".to_owned(),
        }
    }
}

/// Reads `path` as UTF-8 text (a leading byte order mark dropped), if it is a regular file of
/// at most `limit` bytes.
pub(crate) fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    let meta = metadata(path)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind_of(&meta)));
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge(meta.len()));
    }
    let file = File::open(path).map_err(ReadError::Io)?;
    // The entry may have been replaced between the check and the open.
    let opened = file.metadata().map_err(ReadError::Io)?;
    if !opened.is_file() {
        return Err(ReadError::NotRegular(kind_of(&opened)));
    }
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(bytes.len() as u64));
    }
    decode(bytes)
}

/// The metadata of what `path` names, following symbolic links; a dangling link is named as such.
fn metadata(path: &Path) -> Result<Metadata, ReadError> {
    match fs::metadata(path) {
        Ok(meta) => Ok(meta),
        Err(e) if e.kind() == io::ErrorKind::NotFound => match fs::read_link(path) {
            Ok(target) => Err(ReadError::Dangling(target.display().to_string())),
            Err(_) => Err(ReadError::Io(e)),
        },
        Err(e) => Err(ReadError::Io(e)),
    }
}

/// "a directory", "a FIFO (named pipe)", …
fn kind_of(meta: &Metadata) -> &'static str {
    let kind = meta.file_type();
    if kind.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    "a special file"
}

/// UTF-8 text from bytes: a byte order mark dropped; an invalid byte or a NUL (which no HCL
/// text holds, and which marks UTF-16 without a byte order mark) is an error at its offset.
fn decode(mut bytes: Vec<u8>) -> Result<String, ReadError> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    let bytes = match String::from_utf8(bytes) {
        Ok(text) if !text.contains('\0') => return Ok(text),
        Ok(text) => text.into_bytes(),
        Err(e) => e.into_bytes(),
    };
    let utf16 = bytes.starts_with(b"\xFF\xFE")
        || bytes.starts_with(b"\xFE\xFF")
        || bytes.iter().take(2).any(|&b| b == 0);
    let invalid = std::str::from_utf8(&bytes).err().map(|e| e.valid_up_to());
    let nul = bytes.iter().position(|&b| b == 0);
    let offset = invalid
        .unwrap_or(bytes.len())
        .min(nul.unwrap_or(bytes.len()));
    // The bytes before `offset` are valid UTF-8 without NULs, so they keep their offsets.
    let text = String::from_utf8_lossy(&bytes).replace('\0', "\u{FFFD}");
    Err(ReadError::Encoding {
        text,
        offset,
        utf16,
    })
}

/// The error for a configuration file (or a `file()` target) that could not be read: located at
/// the first bad byte when the file is not UTF-8, otherwise naming the file.
pub(crate) fn unreadable_file(dir: &Path, name: String, e: &ReadError, limit: u64) -> Diagnostic {
    let reason = e.describe(limit);
    let shown = crate::diag::shown_path(&dir.join(&name));
    let d = match e {
        ReadError::Encoding { text, offset, utf16 } => {
            let file = Arc::new(SourceFile::in_dir(dir, name, text.as_str()));
            let (line, column) = file.line_column(*offset);
            let end = text[*offset..]
                .chars()
                .next()
                .map_or(*offset, |c| offset + c.len_utf8());
            let help = if *utf16 {
                "save the file as UTF-8: Terraform and ecrplan read configuration as UTF-8 (a UTF-8 byte order mark is accepted)"
            } else {
                "save the file as UTF-8: Terraform and ecrplan read configuration as UTF-8"
            };
            Diagnostic::error(format!(
                "cannot read {shown}: {reason}: the first invalid byte is byte {offset} (line {line}, column {column})"
            ))
            .in_file(&file)
            .label(*offset..end, "first invalid byte")
            .help(help)
        }
        ReadError::TooLarge(_) => Diagnostic::error(format!("cannot read {shown}: {reason}"))
            .in_file(&Arc::new(SourceFile::in_dir(dir, name, "")))
            .help("a configuration file this large is not configuration: check what the entry is"),
        ReadError::NotRegular(_) | ReadError::Dangling(_) | ReadError::Io(_) => {
            Diagnostic::error(format!("cannot read {shown}: {reason}"))
                .in_file(&Arc::new(SourceFile::in_dir(dir, name, "")))
                .help("every *.tf and *.hcl entry of the directory is configuration: make it a readable regular file, or rename or remove it")
        }
    };
    d.class(Class::UnreadableFile)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offset_of(bytes: &[u8]) -> Option<(usize, bool)> {
        match decode(bytes.to_vec()) {
            Err(ReadError::Encoding { offset, utf16, .. }) => Some((offset, utf16)),
            _ => None,
        }
    }

    #[test]
    fn a_byte_order_mark_is_dropped() {
        assert!(matches!(decode(b"\xEF\xBB\xBFa = 1".to_vec()), Ok(t) if t == "a = 1"));
    }

    #[test]
    fn the_first_bad_byte_is_found() {
        assert_eq!(offset_of(b"ab\xFFcd"), Some((2, false)));
        assert_eq!(offset_of(b"\xFF\xFEm\0"), Some((0, true)));
        assert_eq!(offset_of(b"m\0o\0"), Some((1, true)));
        assert_eq!(offset_of(b"mod\0ule"), Some((3, false)));
        assert_eq!(offset_of("é = 1".as_bytes()), None);
    }

    #[test]
    fn devices_and_fifos_are_not_read() {
        assert!(matches!(
            read_text(Path::new("/dev/zero"), 10),
            Err(ReadError::NotRegular("a character device"))
        ));
        assert!(matches!(
            read_text(Path::new("/"), 10),
            Err(ReadError::NotRegular("a directory"))
        ));
    }
}
