//! The [`Provider`] on a local JSON file: the embedded account for trying ecrplan without AWS,
//! and the target of offline plans against a snapshot taken with `ecrplan snapshot`.
//!
//! The file is the account. Every change is appended to a journal beside it (one JSON line,
//! written before the call returns), and the journal is folded into the file — rewritten
//! atomically — once it holds as many entries as the account holds objects, and when the
//! provider is dropped. A change therefore costs O(1) however large the account, a killed apply
//! leaves a file and a journal that read back as every change it reported done, and two
//! commands run one after the other see each other's work. The semantics and errors follow the
//! AWS provider: see `README.md` for the format.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use ecrplan_model::{
    AccessKey, Account, Kind, LiveEstate, LiveObject, ObjectId, Operation, Owner, Provider,
    ProviderError, ROLE_PATH, RefreshScope, Resource, Role, is_ci_issuer, role_path,
    write_atomically,
};
use serde::{Deserialize, Serialize};

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
struct SandboxFile {
    format_version: u32,
    account: Account,
    objects: Vec<LiveObject>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    images: BTreeMap<String, u64>,
    /// The sequence number of the last journal entry folded into this file: entries up to it
    /// are skipped on read, so a crash between writing the file and removing the journal
    /// applies nothing twice.
    #[serde(default, skip_serializing_if = "is_zero")]
    sequence: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One line of the journal: a change the provider reported done, numbered.
#[derive(Debug, Serialize, Deserialize)]
struct JournalEntry {
    seq: u64,
    change: Change,
}

/// What a journal entry replays: the operation exactly as applied, an image count, or an access
/// key given to a user by hand.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Change {
    Apply(Box<Operation>),
    Images { repository: String, count: u64 },
    AccessKey { user: String, key: AccessKey },
}

/// Journals shorter than this are never folded in early: a small account would otherwise be
/// rewritten after every few changes.
const MIN_COMPACTION: usize = 1024;

/// Where the journal of the account in `path` lives: beside it, named after it.
fn journal_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".journal");
    path.with_file_name(name)
}

/// The account in memory while one call works on it.
#[derive(Clone)]
struct State {
    account: Account,
    objects: BTreeMap<ObjectId, Resource>,
    images: BTreeMap<String, u64>,
    /// The access keys users hold (never secrets), kept on the users' objects in the file.
    access_keys: BTreeMap<String, Vec<AccessKey>>,
    /// The sequence number of the last change applied, from the file or the journal.
    sequence: u64,
    /// Journal entries not yet folded into the file.
    journaled: usize,
    /// The journal ends in a partial line (a write cut short by a crash): it is folded in
    /// before the next change, so the next line cannot be glued to it.
    torn: bool,
}

impl State {
    fn empty() -> Self {
        Self {
            account: Account::new(SANDBOX_ACCOUNT_ID, SANDBOX_REGION),
            objects: BTreeMap::new(),
            images: BTreeMap::new(),
            access_keys: BTreeMap::new(),
            sequence: 0,
            journaled: 0,
            torn: false,
        }
    }

    /// The file, then every journal entry after its sequence number.
    fn load(path: &Path) -> Result<Self, ProviderError> {
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
            let entry: JournalEntry = serde_json::from_str(line)
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
        let mut objects = BTreeMap::new();
        let mut images = file.images;
        let mut access_keys = BTreeMap::new();
        for o in file.objects {
            if let Resource::User(u) = &o.resource
                && !o.access_keys.is_empty()
            {
                access_keys.insert(u.name.clone(), o.access_keys.clone());
            }
            if let (Resource::Repository(r), Some(true)) = (&o.resource, o.holds_images) {
                images.entry(r.name.clone()).or_insert(1);
            }
            objects.insert(o.resource.id(), o.resource);
        }
        Ok(Self {
            account: file.account,
            objects,
            images,
            access_keys,
            sequence: file.sequence,
            journaled: 0,
            torn: false,
        })
    }

    /// Applies one journalled change.
    fn replay(&mut self, change: &Change) -> Result<(), ProviderError> {
        match change {
            Change::Apply(operation) => self.apply(operation),
            Change::Images { repository, count } => {
                self.exists(&ObjectId {
                    kind: Kind::Repository,
                    key: repository.clone(),
                })?;
                if *count == 0 {
                    self.images.remove(repository);
                } else {
                    self.images.insert(repository.clone(), *count);
                }
                Ok(())
            }
            Change::AccessKey { user, key } => {
                self.exists(&ObjectId {
                    kind: Kind::User,
                    key: user.clone(),
                })?;
                self.access_keys
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
    fn record(&mut self, path: &Path, change: Change) -> Result<(), ProviderError> {
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
        if self.journaled >= MIN_COMPACTION.max(self.objects.len()) {
            self.compact(path)?;
        }
        Ok(())
    }

    /// Writes the whole account atomically, then removes the journal it now contains.
    fn compact(&mut self, path: &Path) -> Result<(), ProviderError> {
        self.save(path)?;
        let journal = journal_path(path);
        match fs::remove_file(&journal) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(file_error(&journal, "cannot remove", &e)),
        }
        self.journaled = 0;
        self.torn = false;
        Ok(())
    }

    fn estate(&self) -> LiveEstate {
        let mut live = LiveEstate {
            account: self.account.clone(),
            objects: self
                .objects
                .values()
                .cloned()
                .map(LiveObject::new)
                .collect(),
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        for o in &mut live.objects {
            if let Resource::User(u) = &o.resource
                && let Some(keys) = self.access_keys.get(&u.name)
            {
                o.access_keys = keys
                    .iter()
                    .map(|k| AccessKey {
                        age_days: now.saturating_sub(k.created) / 86_400,
                        ..k.clone()
                    })
                    .collect();
            }
        }
        live.normalise();
        live
    }

    fn save(&self, path: &Path) -> Result<(), ProviderError> {
        let file = SandboxFile {
            format_version: FORMAT_VERSION,
            account: self.account.clone(),
            objects: self.estate().objects,
            images: self.images.clone(),
            sequence: self.sequence,
        };
        save_file(path, &file)
    }

    fn exists(&self, id: &ObjectId) -> Result<(), ProviderError> {
        if self.objects.contains_key(id) {
            Ok(())
        } else {
            Err(ProviderError::NotFound(id.clone()))
        }
    }

    fn apply(&mut self, operation: &Operation) -> Result<(), ProviderError> {
        match operation {
            Operation::Create { resource } => self.create(resource),
            Operation::Update { before, after } => self.update(before, after),
            Operation::Delete { resource, force } => self.delete(resource, *force),
            Operation::Tag { id, tags } => {
                let resource = self
                    .objects
                    .get_mut(id)
                    .ok_or_else(|| ProviderError::NotFound(id.clone()))?;
                if id.kind == Kind::Group {
                    // Groups take no tags; the update that follows an adoption moves the
                    // group to its owner's path, as the AWS provider does.
                    return Ok(());
                }
                let Some(current) = resource.tags_mut() else {
                    return Err(untaggable(id));
                };
                current.extend(tags.clone());
                Ok(())
            }
        }
    }

    fn create(&mut self, resource: &Resource) -> Result<(), ProviderError> {
        let id = resource.id();
        if let Some(parent) = resource.parent() {
            // Policies are put, not created: like SetRepositoryPolicy and PutRolePolicy they
            // overwrite, and need their parent.
            self.exists(&parent)?;
            if let Resource::GroupMembership(m) = resource {
                self.exists(&ObjectId {
                    kind: Kind::Group,
                    key: m.group.clone(),
                })?;
            }
        } else if resource.kind() != Kind::Replication
            && let Some(existing) = self.objects.get(&id)
        {
            // As the AWS provider: a create of this estate's own, identical object is a retry
            // whose first answer was lost, and counts as done.
            let retried = resource.owner().is_some()
                && existing.owner() == resource.owner()
                && existing.canonical() == resource.canonical();
            return if retried {
                Ok(())
            } else {
                Err(ProviderError::AlreadyExists(id))
            };
        }
        self.put(resource.clone());
        Ok(())
    }

    fn update(&mut self, before: &Resource, after: &Resource) -> Result<(), ProviderError> {
        let id = after.id();
        if before.id() != id {
            return Err(ProviderError::Api {
                operation: "Update".into(),
                code: "InvalidParameter".into(),
                message: format!("cannot update {} into {id}", before.id()),
            });
        }
        match after.parent() {
            Some(parent) => self.exists(&parent)?,
            None if after.kind() == Kind::Replication => {}
            None => self.exists(&id)?,
        }
        match (self.objects.get(&id), after) {
            (Some(Resource::Repository(live)), Resource::Repository(new))
                if live.encryption != new.encryption =>
            {
                return Err(requires_replacement(&id, "encryption"));
            }
            (Some(Resource::Role(live)), Resource::Role(new)) if live.path != new.path => {
                return Err(requires_replacement(&id, "path"));
            }
            _ => {}
        }
        self.put(after.clone());
        Ok(())
    }

    fn delete(&mut self, resource: &Resource, force: bool) -> Result<(), ProviderError> {
        let id = resource.id();
        if resource.kind() == Kind::Replication {
            // Deleting replication is putting an empty rule list: it always succeeds.
            self.objects.remove(&id);
            return Ok(());
        }
        self.exists(&id)?;
        if let Resource::Repository(r) = resource {
            if !force && self.images.get(&r.name).copied().unwrap_or(0) > 0 {
                return Err(ProviderError::RepositoryNotEmpty(r.name.clone()));
            }
            self.images.remove(&r.name);
        }
        if let Resource::User(u) = resource {
            let keys = self.access_keys.get(&u.name).map_or(0, Vec::len);
            if !force && keys > 0 {
                return Err(ProviderError::Api {
                    operation: "DeleteUser".into(),
                    code: "DeleteConflict".into(),
                    message: format!(
                        "user {} holds {keys} access key(s); set force_delete = true in its ci_user to delete it with them",
                        u.name
                    ),
                });
            }
            self.access_keys.remove(&u.name);
        }
        self.objects.remove(&id);
        // Children go with their parent: a repository's policies, and a role's inline and
        // attached policies as the AWS provider deletes and detaches them before DeleteRole.
        let children: Vec<ObjectId> = self
            .objects
            .values()
            .filter(|o| {
                o.parent().as_ref() == Some(&id)
                    || matches!(o, Resource::GroupMembership(m)
                        if id.kind == Kind::Group && m.group == id.key)
            })
            .map(Resource::id)
            .collect();
        for child in children {
            self.objects.remove(&child);
        }
        Ok(())
    }

    fn put(&mut self, resource: Resource) {
        match &resource {
            Resource::Replication(r) if r.rules.is_empty() => {
                self.objects.remove(&resource.id());
            }
            _ => {
                self.objects.insert(resource.id(), resource);
            }
        }
    }
}

fn untaggable(id: &ObjectId) -> ProviderError {
    ProviderError::Api {
        operation: "Tag".into(),
        code: "InvalidParameter".into(),
        message: format!("{id} cannot carry tags"),
    }
}

fn requires_replacement(id: &ObjectId, attribute: &str) -> ProviderError {
    ProviderError::Api {
        operation: "Update".into(),
        code: "RequiresReplacement".into(),
        message: format!("the {attribute} of {id} cannot change in place"),
    }
}

fn file_error(path: &Path, what: &str, e: &io::Error) -> ProviderError {
    ProviderError::Transport(format!("{what} {}: {e}", path.display()))
}

/// Serialises the account and writes it with [`write_atomically`], so a reader sees either the
/// old file or the new one, never a torn one.
fn save_file(path: &Path, file: &SandboxFile) -> Result<(), ProviderError> {
    let mut text = serde_json::to_string_pretty(file)
        .map_err(|e| ProviderError::Transport(format!("cannot encode the sandbox: {e}")))?;
    text.push('\n');
    write_atomically(path, text.as_bytes()).map_err(|e| file_error(path, "cannot write", &e))
}

/// Writes the live objects of a refresh in the format [`SandboxProvider`] reads, so that
/// `--sandbox FILE` can plan offline against a copy of a real account.
pub fn write_snapshot(path: &Path, live: &LiveEstate) -> Result<(), ProviderError> {
    // A journal left beside an older file would otherwise be replayed onto the snapshot; it
    // goes first, so a crash in between leaves the old account without its last changes
    // rather than a new one with changes it never had.
    let journal = journal_path(path);
    match fs::remove_file(&journal) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(file_error(&journal, "cannot remove", &e)),
    }
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

/// An account kept in a JSON file.
pub struct SandboxProvider {
    path: PathBuf,
    /// The journal beside it.
    journal: PathBuf,
    /// The state as last read or written, with the stamps of the file and the journal at that
    /// moment: reused while both are unchanged, so a large apply does not parse the file once
    /// per change.
    cache: Mutex<Option<(Stamps, State)>>,
    /// Whether this provider journalled a change, and so folds the journal in when dropped.
    wrote: AtomicBool,
}

impl std::fmt::Debug for SandboxProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxProvider")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Inode, length and modification time: what tells that another process rewrote the file.
/// Every save renames a new file into place, so the inode changes even when a rewrite keeps
/// the length and lands within the file system's timestamp granularity.
type Stamp = (u64, u64, std::time::SystemTime);

/// The stamps of the file and of its journal; `None` for one that does not exist.
type Stamps = (Option<Stamp>, Option<Stamp>);

fn stamp(path: &Path) -> Option<Stamp> {
    use std::os::unix::fs::MetadataExt;

    let meta = fs::metadata(path).ok()?;
    Some((meta.ino(), meta.len(), meta.modified().ok()?))
}

impl SandboxProvider {
    /// Opens the account in `path`; a file that does not exist yet is an empty account, created
    /// on the first change. A file that exists must parse, so mistakes show up at once.
    pub fn open(path: &Path) -> Result<SandboxProvider, ProviderError> {
        let journal = journal_path(path);
        // Stamped before reading: a change in between leaves a stale stamp, so a read again.
        let stamps = (stamp(path), stamp(&journal));
        let state = State::load(path)?;
        Ok(SandboxProvider {
            path: path.to_path_buf(),
            journal,
            // What was read to check the file is kept: a plan of a large account parsed it
            // twice.
            cache: Mutex::new(Some((stamps, state))),
            wrote: AtomicBool::new(false),
        })
    }

    /// The file this account lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Sets how many images a repository holds, standing in for `docker push` so that
    /// tutorials and tests can see deletion refused without `force_delete`.
    pub fn set_image_count(&self, repository: &str, count: u64) -> Result<(), ProviderError> {
        self.commit(Change::Images {
            repository: repository.to_owned(),
            count,
        })
    }

    /// Gives a user an access key made `created` (seconds since the Unix epoch), standing in
    /// for `aws iam create-access-key` — which ecrplan itself never runs — so that tutorials and
    /// tests can see old keys reported and a user holding one refused deletion.
    pub fn add_access_key(&self, user: &str, id: &str, created: u64) -> Result<(), ProviderError> {
        self.commit(Change::AccessKey {
            user: user.to_owned(),
            key: AccessKey {
                id: id.to_owned(),
                status: "Active".into(),
                created,
                age_days: 0,
            },
        })
    }

    /// Runs `f` on the current account under the lock.
    fn with_state<T>(
        &self,
        f: impl FnOnce(&State) -> Result<T, ProviderError>,
    ) -> Result<T, ProviderError> {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let state = self.current(&mut cache)?;
        let out = f(&state);
        *cache = Some((self.stamp(), state));
        out
    }

    /// Applies `change` to the current account and journals it. A change that fails leaves
    /// nothing cached: the next call reads the file again, so whatever the attempt touched in
    /// memory is gone.
    fn commit(&self, change: Change) -> Result<(), ProviderError> {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let mut state = self.current(&mut cache)?;
        if state.torn {
            // Folded in before the change is applied, so the file holds exactly the changes
            // its sequence number says.
            state.compact(&self.path)?;
        }
        state.replay(&change)?;
        state.record(&self.path, change)?;
        self.wrote.store(true, Ordering::Relaxed);
        *cache = Some((self.stamp(), state));
        Ok(())
    }

    /// The cached state while the file and the journal are as this provider left them, else
    /// both read again; the cache stays empty until the caller puts the state back.
    fn current(&self, cache: &mut Option<(Stamps, State)>) -> Result<State, ProviderError> {
        match cache.take() {
            Some((seen, state)) if seen == self.stamp() => Ok(state),
            _ => State::load(&self.path),
        }
    }

    fn stamp(&self) -> Stamps {
        (stamp(&self.path), stamp(&self.journal))
    }
}

impl Drop for SandboxProvider {
    /// Folds the journal into the file when this provider wrote any, so an apply leaves one
    /// tidy file. A failure here loses nothing: the journal stays and is read next time.
    fn drop(&mut self) {
        if !self.wrote.load(Ordering::Relaxed) || !self.journal.exists() {
            return;
        }
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Ok(mut state) = self.current(&mut cache) {
            let _ = state.compact(&self.path);
        }
    }
}

fn owned_by(object: Option<&Resource>, estate: &str) -> bool {
    object
        .and_then(Resource::tags)
        .and_then(Owner::from_tags)
        .is_some_and(|o| o.estate == estate)
}

#[async_trait]
impl Provider for SandboxProvider {
    async fn account(&self) -> Result<Account, ProviderError> {
        self.with_state(|state| Ok(state.account.clone()))
    }

    async fn refresh(&self, scope: &RefreshScope) -> Result<LiveEstate, ProviderError> {
        self.with_state(|state| {
            // The same view the AWS provider reads: OIDC providers of CI issuers, and the
            // estate's own and declared repositories and roles (account-wide: every repository,
            // every role under `/ecrplan/`, declared or trusting a CI issuer); policies only for
            // declared and owned parents.
            let listed = |o: &Resource| match o {
                Resource::Role(r) if scope.account_wide => {
                    r.path.starts_with(ROLE_PATH)
                        || scope.roles.contains(&r.name)
                        || r.trust
                            .federated_providers()
                            .iter()
                            .any(|url| is_ci_issuer(url))
                }
                Resource::Role(r) => {
                    scope.roles.contains(&r.name)
                        || (r.path.starts_with(ROLE_PATH) && owned_by(Some(o), &scope.estate))
                }
                Resource::Repository(r) => {
                    scope.account_wide
                        || scope.repositories.contains(&r.name)
                        || owned_by(Some(o), &scope.estate)
                }
                Resource::OidcProvider(o) => {
                    is_ci_issuer(&o.url) || scope.oidc_providers.contains(&o.url)
                }
                Resource::User(u) => {
                    scope.users.contains(&u.name)
                        || (u.path.starts_with(ROLE_PATH) && owned_by(Some(o), &scope.estate))
                }
                Resource::Group(g) => {
                    g.path.starts_with(&role_path(&scope.estate)) || scope.groups.contains(&g.name)
                }
                _ => true,
            };
            // A policy is read when its parent is seen at all, and declared or owned.
            let wanted = |id: &ObjectId, names: &std::collections::BTreeSet<String>| {
                let parent = state.objects.get(id);
                parent.is_some_and(listed)
                    && (names.contains(&id.key) || owned_by(parent, &scope.estate))
            };
            let mut live = state.estate();
            live.objects.retain(|o| match &o.resource {
                Resource::Repository(_)
                | Resource::Role(_)
                | Resource::OidcProvider(_)
                | Resource::User(_)
                | Resource::Group(_) => listed(&o.resource),
                // Every policy of a group that is seen, as the AWS provider reads them.
                Resource::GroupPolicy(_) | Resource::GroupPolicyAttachment(_) => o
                    .resource
                    .parent()
                    .and_then(|p| state.objects.get(&p))
                    .is_some_and(listed),
                Resource::GroupMembership(_)
                | Resource::UserPolicy(_)
                | Resource::UserPolicyAttachment(_) => o
                    .resource
                    .parent()
                    .is_some_and(|p| wanted(&p, &scope.users)),
                Resource::RepositoryPolicy(_)
                | Resource::LifecyclePolicy(_)
                | Resource::RolePolicy(_)
                | Resource::RolePolicyAttachment(_) => {
                    o.resource.parent().is_some_and(|p| match p.kind {
                        Kind::Repository => wanted(&p, &scope.repositories),
                        _ => wanted(&p, &scope.roles),
                    })
                }
                _ => true,
            });
            // Keys are listed only for the users the estate declares or owns.
            for o in &mut live.objects {
                if o.resource.kind() == Kind::User && !wanted(&o.resource.id(), &scope.users) {
                    o.access_keys.clear();
                }
            }
            Ok(live)
        })
    }

    async fn holds_images(&self, repository: &str) -> Result<bool, ProviderError> {
        self.with_state(|state| {
            state.exists(&ObjectId {
                kind: Kind::Repository,
                key: repository.to_owned(),
            })?;
            Ok(state.images.get(repository).copied().unwrap_or(0) > 0)
        })
    }

    async fn roles_trusting(&self, url: &str) -> Result<Vec<Role>, ProviderError> {
        self.with_state(|state| {
            Ok(state
                .objects
                .values()
                .filter_map(|o| match o {
                    Resource::Role(r) if r.trust.federated_providers().iter().any(|u| u == url) => {
                        Some(r.clone())
                    }
                    _ => None,
                })
                .collect())
        })
    }

    async fn apply(&self, operation: &Operation) -> Result<(), ProviderError> {
        self.commit(Change::Apply(Box::new(operation.clone())))
    }
}

#[cfg(test)]
mod tests {
    use ecrplan_model::{Encryption, Repository, TagMutability, Tags};

    use super::*;

    /// These tests are about the file, not the scope: read the whole account.
    fn everything() -> RefreshScope {
        RefreshScope {
            account_wide: true,
            ..RefreshScope::default()
        }
    }

    fn repo(name: &str) -> Resource {
        Resource::Repository(Repository {
            name: name.into(),
            image_tag_mutability: TagMutability::Mutable,
            image_tag_mutability_exclusion_filters: Vec::new(),
            scan_on_push: false,
            encryption: Encryption::Aes256,
            tags: Tags::new(),
        })
    }

    #[tokio::test]
    async fn missing_file_is_an_empty_account_and_changes_are_written() {
        let dir = std::env::temp_dir().join(format!("ecrplan-sandbox-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("account.json");
        let _ = fs::remove_file(&path);
        let sandbox = SandboxProvider::open(&path).unwrap();
        assert_eq!(sandbox.account().await.unwrap().id, SANDBOX_ACCOUNT_ID);
        assert!(!path.exists());
        let create = Operation::Create {
            resource: repo("app"),
        };
        sandbox.apply(&create).await.unwrap();
        assert!(journal_path(&path).exists());
        assert!(matches!(
            sandbox.apply(&create).await,
            Err(ProviderError::AlreadyExists(_))
        ));
        let reopened = SandboxProvider::open(&path).unwrap();
        let live = reopened.refresh(&everything()).await.unwrap();
        assert_eq!(live.objects.len(), 1);
        drop(reopened);
        assert!(
            journal_path(&path).exists(),
            "a reader folded the journal in"
        );
        drop(sandbox);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"format_version\": 1"), "{text}");
        assert!(!journal_path(&path).exists(), "the writer left its journal");
        let leftovers: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn a_rewrite_with_the_same_length_and_mtime_is_not_served_from_the_cache() {
        let dir = std::env::temp_dir().join(format!("ecrplan-sandbox-i-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("account.json");
        let _ = fs::remove_file(&path);
        let writer = SandboxProvider::open(&path).unwrap();
        let create = Operation::Create {
            resource: repo("aaa"),
        };
        writer.apply(&create).await.unwrap();
        drop(writer);
        let sandbox = SandboxProvider::open(&path).unwrap();
        assert_eq!(
            sandbox.refresh(&everything()).await.unwrap().objects.len(),
            1
        );
        // Another process saves a same-length change within the same timestamp tick.
        let modified = fs::metadata(&path).unwrap().modified().unwrap();
        let text = fs::read_to_string(&path).unwrap().replace("aaa", "bbb");
        let tmp = dir.join("account.json.other");
        fs::write(&tmp, text).unwrap();
        fs::File::options()
            .write(true)
            .open(&tmp)
            .unwrap()
            .set_modified(modified)
            .unwrap();
        fs::rename(&tmp, &path).unwrap();
        let live = sandbox.refresh(&everything()).await.unwrap();
        let names: Vec<String> = live.objects.iter().map(|o| o.resource.id().key).collect();
        assert_eq!(names, ["bbb"]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn changes_by_another_process_are_seen() {
        let dir = std::env::temp_dir().join(format!("ecrplan-sandbox-c-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("account.json");
        let one = SandboxProvider::open(&path).unwrap();
        let two = SandboxProvider::open(&path).unwrap();
        let scope = everything();
        for (n, name) in ["aa", "bb", "cc"].into_iter().enumerate() {
            let writer = if n % 2 == 0 { &one } else { &two };
            writer
                .apply(&Operation::Create {
                    resource: repo(name),
                })
                .await
                .unwrap();
            assert_eq!(one.refresh(&scope).await.unwrap().objects.len(), n + 1);
            assert_eq!(two.refresh(&scope).await.unwrap().objects.len(), n + 1);
        }
        fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn a_snapshot_reads_back_as_the_same_account() {
        let dir = std::env::temp_dir().join(format!("ecrplan-sandbox-s-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("live.json");
        let mut tagged = repo("full");
        if let Some(t) = tagged.tags_mut() {
            t.insert("managed-by".into(), "ecrplan".into());
            t.insert("ecrplan:estate".into(), "koa".into());
        }
        let mut live = LiveEstate {
            account: Account::new("931827427725", "eu-north-1"),
            objects: vec![LiveObject::new(tagged), LiveObject::new(repo("empty"))],
        };
        live.objects[0].holds_images = Some(true);
        live.normalise();
        write_snapshot(&path, &live).unwrap();

        let sandbox = SandboxProvider::open(&path).unwrap();
        assert_eq!(sandbox.account().await.unwrap(), live.account);
        let read = sandbox.refresh(&everything()).await.unwrap();
        let mut expected = live.clone();
        for o in &mut expected.objects {
            o.holds_images = None;
        }
        assert_eq!(read, expected);
        let full = read.objects.iter().find(|o| o.resource.id().key == "full");
        assert_eq!(full.unwrap().owner.as_ref().unwrap().estate, "koa");
        assert!(sandbox.holds_images("full").await.unwrap());
        assert!(!sandbox.holds_images("empty").await.unwrap());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn other_format_versions_are_refused() {
        let dir = std::env::temp_dir().join(format!("ecrplan-sandbox-v-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("account.json");
        fs::write(
            &path,
            r#"{"format_version": 2, "account": {"id": "111122223333", "region": "eu-west-1", "partition": "aws"}, "objects": []}"#,
        )
        .unwrap();
        let err = SandboxProvider::open(&path).unwrap_err().to_string();
        assert!(err.contains("format_version 2"), "{err}");
        fs::remove_dir_all(&dir).unwrap();
    }

    /// A temporary directory of its own for each test.
    fn scratch(tag: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("ecrplan-sandbox-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[tokio::test]
    async fn a_killed_writer_loses_no_reported_change_and_a_torn_line_is_dropped() {
        let dir = scratch("torn");
        let path = dir.join("account.json");
        let sandbox = SandboxProvider::open(&path).unwrap();
        for name in ["aa", "bb", "cc"] {
            let op = Operation::Create {
                resource: repo(name),
            };
            sandbox.apply(&op).await.unwrap();
        }
        sandbox.set_image_count("bb", 2).unwrap();
        // A process killed without dropping its provider leaves the journal, ending in a
        // line whose write was cut short.
        std::mem::forget(sandbox);
        let mut journal = fs::OpenOptions::new()
            .append(true)
            .open(journal_path(&path))
            .unwrap();
        journal
            .write_all(b"{\"seq\":5,\"change\":{\"apply\":{\"op\":\"cre")
            .unwrap();
        let next = SandboxProvider::open(&path).unwrap();
        let live = next.refresh(&everything()).await.unwrap();
        let names: Vec<String> = live.objects.iter().map(|o| o.resource.id().key).collect();
        assert_eq!(names, ["aa", "bb", "cc"]);
        assert!(next.holds_images("bb").await.unwrap());
        // The next change is not glued to the torn line.
        let op = Operation::Create {
            resource: repo("dd"),
        };
        next.apply(&op).await.unwrap();
        drop(next);
        let live = SandboxProvider::open(&path)
            .unwrap()
            .refresh(&everything())
            .await
            .unwrap();
        assert_eq!(live.objects.len(), 4);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn entries_already_folded_into_the_file_are_not_applied_twice() {
        let dir = scratch("twice");
        let path = dir.join("account.json");
        let sandbox = SandboxProvider::open(&path).unwrap();
        sandbox
            .apply(&Operation::Create {
                resource: repo("aa"),
            })
            .await
            .unwrap();
        let journal = fs::read(journal_path(&path)).unwrap();
        drop(sandbox);
        // A crash between writing the file and removing the journal leaves both.
        fs::write(journal_path(&path), journal).unwrap();
        let reopened = SandboxProvider::open(&path).unwrap();
        let live = reopened.refresh(&everything()).await.unwrap();
        assert_eq!(live.objects.len(), 1);
        reopened
            .apply(&Operation::Create {
                resource: repo("bb"),
            })
            .await
            .unwrap();
        drop(reopened);
        let live = SandboxProvider::open(&path)
            .unwrap()
            .refresh(&everything())
            .await
            .unwrap();
        assert_eq!(live.objects.len(), 2);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn a_failed_change_leaves_nothing_behind() {
        let dir = scratch("failed");
        let path = dir.join("account.json");
        let sandbox = SandboxProvider::open(&path).unwrap();
        sandbox
            .apply(&Operation::Create {
                resource: repo("aa"),
            })
            .await
            .unwrap();
        sandbox.set_image_count("aa", 1).unwrap();
        let delete = Operation::Delete {
            resource: repo("aa"),
            force: false,
        };
        assert!(matches!(
            sandbox.apply(&delete).await,
            Err(ProviderError::RepositoryNotEmpty(_))
        ));
        assert!(sandbox.set_image_count("zz", 1).is_err());
        assert_eq!(
            sandbox.refresh(&everything()).await.unwrap().objects.len(),
            1
        );
        let lines = fs::read_to_string(journal_path(&path))
            .unwrap()
            .lines()
            .count();
        assert_eq!(lines, 2, "only the changes that succeeded are journalled");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn a_long_journal_is_folded_in_while_the_apply_runs() {
        let dir = scratch("fold");
        let path = dir.join("account.json");
        let sandbox = SandboxProvider::open(&path).unwrap();
        for n in 0..MIN_COMPACTION + 10 {
            let op = Operation::Create {
                resource: repo(&format!("r{n}")),
            };
            sandbox.apply(&op).await.unwrap();
        }
        let lines = fs::read_to_string(journal_path(&path))
            .unwrap()
            .lines()
            .count();
        assert_eq!(lines, 10);
        let file: SandboxFile = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(file.objects.len(), MIN_COMPACTION);
        assert_eq!(file.sequence, MIN_COMPACTION as u64);
        std::mem::forget(sandbox);
        let live = SandboxProvider::open(&path)
            .unwrap()
            .refresh(&everything())
            .await
            .unwrap();
        assert_eq!(live.objects.len(), MIN_COMPACTION + 10);
        fs::remove_dir_all(&dir).unwrap();
    }
}
