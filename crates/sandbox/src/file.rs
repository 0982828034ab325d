//! The sandbox on disk: the file, the journal beside it, and how each is written. Both read
//! what earlier versions wrote.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use ecrplan_model::{
    AccessKey, Account, Kind, LiveObject, Operation, ProviderError, Registry, Scope,
    write_atomically,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::errors::file_error;

/// The version of a file that holds several registries. A file that holds one is still written
/// in [`SINGLE_REGISTRY_FORMAT`], the shape earlier versions read; other versions are refused
/// rather than misread.
pub const FORMAT_VERSION: u32 = 2;
/// The version of a file that holds one registry, its fields at the top level: what every
/// version before files held several registries wrote and reads.
pub const SINGLE_REGISTRY_FORMAT: u32 = 1;
/// The account id of a sandbox that starts empty: the placeholder AWS documentation uses, so
/// it can never be mistaken for a real account.
pub const SANDBOX_ACCOUNT_ID: &str = "111122223333";
/// The region of a sandbox that starts empty.
pub const SANDBOX_REGION: &str = "eu-west-1";

/// One registry as the file lists it. `objects` are live objects exactly as a refresh returns
/// them: its ECR objects, and its account's IAM objects when it is the account's first registry
/// in the file. Owners are recomputed from tags on read, so hand-edited files cannot disagree
/// with their tags.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct StoredRegistry {
    pub(crate) account: Account,
    pub(crate) objects: Vec<LiveObject>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) images: BTreeMap<String, u64>,
}

/// A file, whichever its format: its registries in order (the first its default), and the sequence
/// number of the last journal entry folded into it — entries up to it are skipped on read, so
/// a crash between writing the file and removing the journal applies nothing twice.
pub(crate) struct SandboxFile {
    pub(crate) registries: Vec<StoredRegistry>,
    pub(crate) sequence: u64,
}

/// Format 1: the one registry's fields at the top level.
#[derive(Serialize, Deserialize)]
struct SingleRegistryFile {
    format_version: u32,
    account: Account,
    objects: Vec<LiveObject>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    images: BTreeMap<String, u64>,
    #[serde(default, skip_serializing_if = "is_zero")]
    sequence: u64,
}

/// Format 2: the registries in a list.
#[derive(Serialize, Deserialize)]
struct SeveralRegistriesFile {
    format_version: u32,
    registries: Vec<StoredRegistry>,
    #[serde(default, skip_serializing_if = "is_zero")]
    sequence: u64,
}

/// The one field read before the rest, to know the shape of the rest.
#[derive(Deserialize)]
struct Version {
    format_version: u32,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl SandboxFile {
    /// Reads the file at `path`, in either format; `None` when it does not exist.
    pub(crate) fn read(path: &Path) -> Result<Option<SandboxFile>, ProviderError> {
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(file_error(path, "cannot read", &e)),
        };
        let not_sandbox = |e: serde_json::Error| {
            ProviderError::Transport(format!("{} is not a sandbox file: {e}", path.display()))
        };
        let version: Version = serde_json::from_str(&text).map_err(not_sandbox)?;
        let file = match version.format_version {
            SINGLE_REGISTRY_FORMAT => {
                let one: SingleRegistryFile = serde_json::from_str(&text).map_err(not_sandbox)?;
                SandboxFile {
                    registries: vec![StoredRegistry {
                        account: one.account,
                        objects: one.objects,
                        images: one.images,
                    }],
                    sequence: one.sequence,
                }
            }
            FORMAT_VERSION => {
                let several: SeveralRegistriesFile =
                    serde_json::from_str(&text).map_err(not_sandbox)?;
                SandboxFile {
                    registries: several.registries,
                    sequence: several.sequence,
                }
            }
            other => {
                return Err(ProviderError::Transport(format!(
                    "{} has format_version {other}, this ecrplan reads {SINGLE_REGISTRY_FORMAT} \
                     and {FORMAT_VERSION}",
                    path.display(),
                )));
            }
        };
        Ok(Some(file))
    }

    /// Serialises the file — one registry in format 1, so earlier versions still read it,
    /// several in format 2 — and writes it with [`ecrplan_model::write_atomically`], so a
    /// reader sees either the old file or the new one, never a torn one.
    pub(crate) fn save(self, path: &Path) -> Result<(), ProviderError> {
        let SandboxFile {
            registries,
            sequence,
        } = self;
        let encoded = match <[StoredRegistry; 1]>::try_from(registries) {
            Ok([one]) => serde_json::to_string_pretty(&SingleRegistryFile {
                format_version: SINGLE_REGISTRY_FORMAT,
                account: one.account,
                objects: one.objects,
                images: one.images,
                sequence,
            }),
            Err(registries) => serde_json::to_string_pretty(&SeveralRegistriesFile {
                format_version: FORMAT_VERSION,
                registries,
                sequence,
            }),
        };
        let mut text = encoded
            .map_err(|e| ProviderError::Transport(format!("cannot encode the sandbox: {e}")))?;
        text.push('\n');
        write_atomically(path, text.as_bytes()).map_err(|e| file_error(path, "cannot write", &e))
    }
}

/// One line of the journal: a change the provider reported done, numbered.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct JournalEntry {
    pub(crate) seq: u64,
    /// The registry the change was made through, when it is not the file's default one (its
    /// first): entries written before files held several registries have none, and a file that
    /// holds one registry keeps a journal earlier versions replay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) registry: Option<Registry>,
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
    /// Reads one line of the journal of a file whose default registry is `registry`. A tag
    /// written before object ids carried their scope names its object by kind and key alone: it
    /// is read as naming that object in the file's one registry, where it could only have been.
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

/// Where the journal of the sandbox in `path` lives: beside it, named after it.
pub(crate) fn journal_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".journal");
    path.with_file_name(name)
}

/// Removes the journal of the sandbox in `path`, if there is one.
pub(crate) fn remove_journal(path: &Path) -> Result<(), ProviderError> {
    let journal = journal_path(path);
    match fs::remove_file(&journal) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(file_error(&journal, "cannot remove", &e)),
    }
}
