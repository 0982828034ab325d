//! The file while one call works on it: what it holds, and where that stands against the file
//! and the journal.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use ecrplan_model::{Kind, LiveEstate, ProviderError, Registry};

use crate::contents::Store;
use crate::errors::file_error;
use crate::file::{Change, JournalEntry, SandboxFile, journal_path, remove_journal};
use crate::kinds;

/// Journals shorter than this are never folded in early: a small file would otherwise be
/// rewritten after every few changes.
pub(crate) const MIN_COMPACTION: usize = 1024;

/// Every registry of the file in memory, with its place in the journal.
pub(crate) struct State {
    /// What the file holds.
    pub(crate) store: Store,
    /// The sequence number of the last change applied, from the file or the journal.
    sequence: u64,
    /// Journal entries not yet folded into the file.
    journaled: usize,
    /// The journal ends in a partial line (a write cut short by a crash): it is folded in
    /// before the next change, so the next line cannot be glued to it.
    pub(crate) torn: bool,
}

impl State {
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
            let default = state.store.default_registry();
            let entry = JournalEntry::read(line, &default)
                .map_err(|e| bad(format!("not a sandbox journal entry: {e}")))?;
            if entry.seq <= state.sequence {
                continue;
            }
            let registry = entry.registry.unwrap_or(default);
            state
                .replay(&registry, &entry.change)
                .map_err(|e| bad(format!("cannot replay: {e}")))?;
            state.sequence = entry.seq;
            state.journaled += 1;
        }
        Ok(state)
    }

    fn load_file(path: &Path) -> Result<Self, ProviderError> {
        let mut store = Store::default();
        let mut sequence = 0;
        if let Some(file) = SandboxFile::read(path)? {
            for registry in file.registries {
                store.load(registry);
            }
            sequence = file.sequence;
        }
        Ok(Self {
            store,
            sequence,
            journaled: 0,
            torn: false,
        })
    }

    /// Applies one change made through `registry`, which the file then holds. Whether the
    /// change must be written into the file rather than journalled: a registry new to the file
    /// can be named by a journal entry only when it is the default registry of a file that holds
    /// none (earlier versions replay an entry into the file's one registry, whatever it names).
    pub(crate) fn replay(
        &mut self,
        registry: &Registry,
        change: &Change,
    ) -> Result<bool, ProviderError> {
        let default = self.store.default_registry();
        let new = self.store.hold(self.store.account_of(registry));
        let mut contents = self.store.at(registry);
        match change {
            Change::Apply(operation) => kinds::apply(&mut contents, operation)?,
            Change::Images { repository, count } => {
                contents.exists(&contents.id_of(Kind::Repository, repository))?;
                if *count == 0 {
                    contents.images.remove(repository);
                } else {
                    contents.images.insert(repository.clone(), *count);
                }
            }
            Change::AccessKey { user, key } => {
                contents.exists(&contents.id_of(Kind::User, user))?;
                contents
                    .access_keys
                    .entry(user.clone())
                    .or_default()
                    .push(key.clone());
            }
        }
        Ok(new && *registry != default)
    }

    /// Appends a change just made through `registry` to the journal, and folds the journal into
    /// the file once it is as long as the file is large (so each change costs O(1) amortised);
    /// with `rewrite` (what [`State::replay`] said), writes it into the file at once instead.
    pub(crate) fn record(
        &mut self,
        path: &Path,
        registry: &Registry,
        change: Change,
        rewrite: bool,
    ) -> Result<(), ProviderError> {
        if rewrite {
            self.sequence += 1;
            return self.compact(path);
        }
        let default = self.store.default_registry();
        let entry = JournalEntry {
            seq: self.sequence + 1,
            registry: (*registry != default).then(|| registry.clone()),
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
        if self.journaled >= MIN_COMPACTION.max(self.store.objects.len()) {
            self.compact(path)?;
        }
        Ok(())
    }

    /// Writes the whole file atomically, then removes the journal it now contains.
    pub(crate) fn compact(&mut self, path: &Path) -> Result<(), ProviderError> {
        self.save(path)?;
        remove_journal(path)?;
        self.journaled = 0;
        self.torn = false;
        Ok(())
    }

    fn save(&self, path: &Path) -> Result<(), ProviderError> {
        let file = SandboxFile {
            registries: self.store.stored(),
            sequence: self.sequence,
        };
        file.save(path)
    }
}

/// Writes the live objects of a refresh in the format the sandbox provider reads, so that
/// `--sandbox FILE` can plan offline against a copy of real accounts: every registry of a
/// merged estate (its default first, then its aliases' and those its objects were read in),
/// each provider of the file then reading its own.
pub fn write_snapshot(path: &Path, live: &LiveEstate) -> Result<(), ProviderError> {
    // A journal left beside an older file would otherwise be replayed onto the snapshot; it
    // goes first, so a crash in between leaves the old file without its last changes rather
    // than a new one with changes it never had.
    remove_journal(path)?;
    let mut store = Store::default();
    store.hold(live.account.clone());
    for account in live.aliases.values() {
        store.hold(account.clone());
    }
    for o in &live.objects {
        let registry = live.registry_of(o);
        store.hold(store.account_of(&registry));
        store.add(&registry, o.clone());
    }
    let file = SandboxFile {
        registries: store.stored(),
        sequence: 0,
    };
    file.save(path)
}
