//! The sandbox on disk: the file, the journal beside it, and how each is written. Both read
//! what earlier versions wrote.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use ecrplan_model::{
    AccessKey, Account, Kind, LiveEstate, LiveObject, Operation, ProviderError, Registry, Resource,
    Scope, write_atomically,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::errors::file_error;

/// The version written in `format_version`; files with another version are refused rather
/// than misread.
pub const FORMAT_VERSION: u32 = 1;
/// The account id of a sandbox that starts empty: the placeholder AWS documentation uses, so
/// it can never be mistaken for a real account.
pub const SANDBOX_ACCOUNT_ID: &str = "111122223333";
/// The region of a sandbox that starts empty.
pub const SANDBOX_REGION: &str = "eu-west-1";

/// The file as stored. `objects` are live objects exactly as a refresh returns them; owners are
/// recomputed from tags on read, so hand-edited files cannot disagree with their tags.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct SandboxFile {
    pub(crate) format_version: u32,
    pub(crate) account: Account,
    pub(crate) objects: Vec<LiveObject>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) images: BTreeMap<String, u64>,
    /// The sequence number of the last journal entry folded into this file: entries up to it
    /// are skipped on read, so a crash between writing the file and removing the journal
    /// applies nothing twice.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(crate) sequence: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One line of the journal: a change the provider reported done, numbered.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct JournalEntry {
    pub(crate) seq: u64,
    pub(crate) change: Change,
}

/// What a journal entry replays: the operation exactly as applied, an image count, or an access
/// key given to a user by hand.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Change {
    Apply(Box<Operation>),
    Images { repository: String, count: u64 },
    AccessKey { user: String, key: AccessKey },
}

impl JournalEntry {
    /// Reads one line of the journal of the sandbox `registry`. A tag written before object
    /// ids carried their scope names its object by kind and key alone: it is read as naming
    /// that object in this sandbox, where it could only have been.
    pub(crate) fn read(line: &str, registry: &Registry) -> serde_json::Result<JournalEntry> {
        serde_json::from_str(line).or_else(|error| {
            let mut entry: Value = serde_json::from_str(line)?;
            let Some(id) = entry
                .pointer_mut("/change/apply/id")
                .and_then(Value::as_object_mut)
                .filter(|id| !id.contains_key("scope"))
            else {
                return Err(error);
            };
            let kind: Kind = serde_json::from_value(id.get("kind").cloned().unwrap_or_default())?;
            let scope = Scope::at(kind.spec().scope, registry);
            id.insert("scope".into(), serde_json::to_value(scope)?);
            serde_json::from_value(entry)
        })
    }
}

/// Where the journal of the account in `path` lives: beside it, named after it.
pub(crate) fn journal_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".journal");
    path.with_file_name(name)
}

/// Serialises the account and writes it with [`ecrplan_model::write_atomically`], so a reader
/// sees either the old file or the new one, never a torn one.
pub(crate) fn save_file(path: &Path, file: &SandboxFile) -> Result<(), ProviderError> {
    let mut text = serde_json::to_string_pretty(file)
        .map_err(|e| ProviderError::Transport(format!("cannot encode the sandbox: {e}")))?;
    text.push('\n');
    write_atomically(path, text.as_bytes()).map_err(|e| file_error(path, "cannot write", &e))
}

/// Removes the journal of the account in `path`, if there is one.
pub(crate) fn remove_journal(path: &Path) -> Result<(), ProviderError> {
    let journal = journal_path(path);
    match fs::remove_file(&journal) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(file_error(&journal, "cannot remove", &e)),
    }
}

/// Writes the live objects of a refresh in the format the sandbox provider reads, so that
/// `--sandbox FILE` can plan offline against a copy of a real account.
pub fn write_snapshot(path: &Path, live: &LiveEstate) -> Result<(), ProviderError> {
    // A journal left beside an older file would otherwise be replayed onto the snapshot; it
    // goes first, so a crash in between leaves the old account without its last changes
    // rather than a new one with changes it never had.
    remove_journal(path)?;
    let mut images = BTreeMap::new();
    for o in &live.objects {
        if let (Resource::Repository(r), Some(true)) = (&o.resource, o.holds_images) {
            images.insert(r.name.clone(), 1);
        }
    }
    let mut objects = live.objects.clone();
    for o in &mut objects {
        o.holds_images = None;
    }
    save_file(
        path,
        &SandboxFile {
            format_version: FORMAT_VERSION,
            account: live.account.clone(),
            objects,
            images,
            sequence: 0,
        },
    )
}
