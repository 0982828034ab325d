//! The account while one call works on it: the contents, and where they stand against the
//! file and the journal.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use ecrplan_model::{Account, Kind, ProviderError, Resource};

use crate::contents::Contents;
use crate::errors::file_error;
use crate::file::{
    Change, FORMAT_VERSION, JournalEntry, SANDBOX_ACCOUNT_ID, SANDBOX_REGION, SandboxFile,
    journal_path, remove_journal, save_file,
};
use crate::kinds;

/// Journals shorter than this are never folded in early: a small account would otherwise be
/// rewritten after every few changes.
pub(crate) const MIN_COMPACTION: usize = 1024;

/// The account in memory, with its place in the journal.
pub(crate) struct State {
    /// What the account holds.
    pub(crate) contents: Contents,
    /// The sequence number of the last change applied, from the file or the journal.
    sequence: u64,
    /// Journal entries not yet folded into the file.
    journaled: usize,
    /// The journal ends in a partial line (a write cut short by a crash): it is folded in
    /// before the next change, so the next line cannot be glued to it.
    pub(crate) torn: bool,
}

impl State {
    fn empty() -> Self {
        Self {
            contents: Contents::new(Account::new(SANDBOX_ACCOUNT_ID, SANDBOX_REGION)),
            sequence: 0,
            journaled: 0,
            torn: false,
        }
    }

    /// The file, then every journal entry after its sequence number.
    pub(crate) fn load(path: &Path) -> Result<Self, ProviderError> {
        let mut state = Self::load_file(path)?;
        let journal = journal_path(path);
        let text = match fs::read_to_string(&journal) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(state),
            Err(e) => return Err(file_error(&journal, "cannot read", &e)),
        };
        let mut lines: Vec<&str> = text.split('\n').collect();
        // What follows the last newline is a line whose write was cut short: the change it
        // records was never reported done, so it is dropped.
        let tail = lines.pop().unwrap_or_default();
        state.torn = !tail.is_empty();
        for (n, line) in lines.into_iter().enumerate() {
            let bad = |what: String| {
                ProviderError::Transport(format!("{}:{}: {what}", journal.display(), n + 1))
            };
            let entry = JournalEntry::read(line, state.contents.registry())
                .map_err(|e| bad(format!("not a sandbox journal entry: {e}")))?;
            if entry.seq <= state.sequence {
                continue;
            }
            state
                .replay(&entry.change)
                .map_err(|e| bad(format!("cannot replay: {e}")))?;
            state.sequence = entry.seq;
            state.journaled += 1;
        }
        Ok(state)
    }

    fn load_file(path: &Path) -> Result<Self, ProviderError> {
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Self::empty()),
            Err(e) => return Err(file_error(path, "cannot read", &e)),
        };
        let file: SandboxFile = serde_json::from_str(&text).map_err(|e| {
            ProviderError::Transport(format!("{} is not a sandbox file: {e}", path.display()))
        })?;
        if file.format_version != FORMAT_VERSION {
            return Err(ProviderError::Transport(format!(
                "{} has format_version {}, this ecrplan reads {FORMAT_VERSION}",
                path.display(),
                file.format_version
            )));
        }
        let mut contents = Contents::new(file.account);
        contents.images = file.images;
        for o in file.objects {
            if let Resource::User(u) = &o.resource
                && !o.access_keys.is_empty()
            {
                contents
                    .access_keys
                    .insert(u.name.clone(), o.access_keys.clone());
            }
            if let (Resource::Repository(r), Some(true)) = (&o.resource, o.holds_images) {
                contents.images.entry(r.name.clone()).or_insert(1);
            }
            contents.insert(o.resource);
        }
        Ok(Self {
            contents,
            sequence: file.sequence,
            journaled: 0,
            torn: false,
        })
    }

    /// Applies one journalled change.
    pub(crate) fn replay(&mut self, change: &Change) -> Result<(), ProviderError> {
        let contents = &mut self.contents;
        match change {
            Change::Apply(operation) => kinds::apply(contents, operation),
            Change::Images { repository, count } => {
                contents.exists(&contents.id_of(Kind::Repository, repository))?;
                if *count == 0 {
                    contents.images.remove(repository);
                } else {
                    contents.images.insert(repository.clone(), *count);
                }
                Ok(())
            }
            Change::AccessKey { user, key } => {
                contents.exists(&contents.id_of(Kind::User, user))?;
                contents
                    .access_keys
                    .entry(user.clone())
                    .or_default()
                    .push(key.clone());
                Ok(())
            }
        }
    }

    /// Appends a change that was just applied to this state to the journal, and folds the
    /// journal into the file once it is as long as the account is large (so each change costs
    /// O(1) amortised).
    pub(crate) fn record(&mut self, path: &Path, change: Change) -> Result<(), ProviderError> {
        let entry = JournalEntry {
            seq: self.sequence + 1,
            change,
        };
        let mut line = serde_json::to_string(&entry)
            .map_err(|e| ProviderError::Transport(format!("cannot encode a change: {e}")))?;
        line.push('\n');
        let journal = journal_path(path);
        // One write of one whole line: a process killed around it leaves the line complete
        // or absent (or, on power loss, torn — which a read drops).
        fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&journal)
            .and_then(|mut f| f.write_all(line.as_bytes()))
            .map_err(|e| file_error(&journal, "cannot write", &e))?;
        self.sequence = entry.seq;
        self.journaled += 1;
        if self.journaled >= MIN_COMPACTION.max(self.contents.objects.len()) {
            self.compact(path)?;
        }
        Ok(())
    }

    /// Writes the whole account atomically, then removes the journal it now contains.
    pub(crate) fn compact(&mut self, path: &Path) -> Result<(), ProviderError> {
        self.save(path)?;
        remove_journal(path)?;
        self.journaled = 0;
        self.torn = false;
        Ok(())
    }

    fn save(&self, path: &Path) -> Result<(), ProviderError> {
        let file = SandboxFile {
            format_version: FORMAT_VERSION,
            account: self.contents.account.clone(),
            objects: self.contents.estate().objects,
            images: self.contents.images.clone(),
            sequence: self.sequence,
        };
        save_file(path, &file)
    }
}
