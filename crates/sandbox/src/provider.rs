//! [`SandboxProvider`]: the [`Provider`] over one registry of the file. Every provider of one
//! file in a process shares one state behind one lock, so providers of several registries can
//! refresh and apply at once without losing each other's changes; that state is cached while
//! no other process changes the file.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use ecrplan_model::{
    ACCOUNT_SETTINGS, AccessKey, Account, AccountSetting, Kind, LiveEstate, LiveObject, ObjectId,
    Operation, Provider, ProviderError, RefreshScope, Registry, Resource, Role,
    ScanningConfiguration, Scope,
};

use crate::file::{Change, journal_path};
use crate::state::State;

/// One registry kept in a JSON file that may hold others.
pub struct SandboxProvider {
    /// The path as the caller gave it.
    path: PathBuf,
    /// The file, shared with every other provider of it in this process.
    file: Arc<SharedFile>,
    /// The registry this provider reads and changes.
    registry: Registry,
}

impl std::fmt::Debug for SandboxProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxProvider")
            .field("path", &self.path)
            .field("registry", &self.registry)
            .finish_non_exhaustive()
    }
}

/// The files open in this process, by canonical path: providers of one file share its entry,
/// so their changes are made one at a time on one state. An entry goes when its last provider
/// is dropped; both happen under this lock, so a file is never open twice at once.
static OPEN: Mutex<BTreeMap<PathBuf, Arc<SharedFile>>> = Mutex::new(BTreeMap::new());

fn open_files() -> MutexGuard<'static, BTreeMap<PathBuf, Arc<SharedFile>>> {
    OPEN.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A file open in this process.
struct SharedFile {
    /// Its canonical path, the key in [`OPEN`].
    path: PathBuf,
    /// The journal beside it.
    journal: PathBuf,
    /// The state as last read or written, with the stamps of the file and the journal at that
    /// moment: reused while both are unchanged, so a large apply does not parse the file once
    /// per change.
    cache: Mutex<Option<(Stamps, State)>>,
    /// Whether a provider journalled a change, and so the last one folds the journal in when
    /// dropped.
    wrote: AtomicBool,
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

/// The path that names one file however it is spelled: its directory canonical (the file
/// itself may not exist yet), or absolute when the directory does not exist either.
fn canonical(path: &Path) -> Result<PathBuf, ProviderError> {
    let name = path.file_name().ok_or_else(|| {
        ProviderError::Transport(format!("{} names no sandbox file", path.display()))
    })?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    match fs::canonicalize(dir) {
        Ok(dir) => Ok(dir.join(name)),
        Err(_) => std::path::absolute(path).map_err(|e| {
            ProviderError::Transport(format!("cannot resolve {}: {e}", path.display()))
        }),
    }
}

impl SandboxProvider {
    /// Opens the file's default registry (the first it holds; for a file that holds none or
    /// does not exist yet, the placeholder account in `eu-west-1`). A file that does not exist
    /// yet is created on the first change; one that exists must parse, so mistakes show up at
    /// once.
    pub fn open(path: &Path) -> Result<SandboxProvider, ProviderError> {
        Self::open_registry(path, None, None)
    }

    /// Opens one registry of the file: a missing account id or region is the default
    /// registry's. A registry the file does not hold yet is empty, and written into the file
    /// on its first change. Providers of several registries of one file may be open and used
    /// at once: they share the file's state in this process.
    pub fn open_registry(
        path: &Path,
        account: Option<&str>,
        region: Option<&str>,
    ) -> Result<SandboxProvider, ProviderError> {
        let file = SharedFile::open(path)?;
        let registry = file.with_state(|state| {
            let default = state.store.default_registry();
            Ok(Registry::new(
                account.unwrap_or(&default.account),
                region.unwrap_or(&default.region),
            ))
        })?;
        Ok(SandboxProvider {
            path: path.to_path_buf(),
            file,
            registry,
        })
    }

    /// The file this registry lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Sets how many images a repository holds, standing in for `docker push` so that
    /// tutorials and tests can see deletion refused without `force_delete`.
    pub fn set_image_count(&self, repository: &str, count: u64) -> Result<(), ProviderError> {
        self.file.commit(
            &self.registry,
            Change::Images {
                repository: repository.to_owned(),
                count,
            },
        )
    }

    /// Gives a user an access key made `created` (seconds since the Unix epoch), standing in
    /// for `aws iam create-access-key` — which ecrplan itself never runs — so that tutorials and
    /// tests can see old keys reported and a user holding one refused deletion.
    pub fn add_access_key(&self, user: &str, id: &str, created: u64) -> Result<(), ProviderError> {
        self.file.commit(
            &self.registry,
            Change::AccessKey {
                user: user.to_owned(),
                key: AccessKey {
                    id: id.to_owned(),
                    status: "Active".into(),
                    created,
                    age_days: 0,
                },
            },
        )
    }

    /// The identity of the object of `kind` named `key` in this registry (or its account).
    fn id_of(&self, kind: Kind, key: &str) -> ObjectId {
        ObjectId::new(kind, Scope::at(kind.spec().scope, &self.registry), key)
    }
}

impl Drop for SandboxProvider {
    /// The last provider of a file in this process closes it, folding the journal into the
    /// file when any wrote, so an apply leaves one tidy file. A failure here loses nothing:
    /// the journal stays and is read next time.
    fn drop(&mut self) {
        let mut open = open_files();
        // The entry in `OPEN` and this provider's are the last two: no other provider holds it,
        // and none can take it while the lock is held.
        if Arc::strong_count(&self.file) > 2 {
            return;
        }
        open.remove(&self.file.path);
        self.file.close();
    }
}

impl SharedFile {
    /// The file at `path` as this process has it open, opened (and read, so it must parse)
    /// when it is not.
    fn open(path: &Path) -> Result<Arc<SharedFile>, ProviderError> {
        let path = canonical(path)?;
        let mut open = open_files();
        if let Some(file) = open.get(&path) {
            return Ok(Arc::clone(file));
        }
        let journal = journal_path(&path);
        // Stamped before reading: a change in between leaves a stale stamp, so a read again.
        let stamps = (stamp(&path), stamp(&journal));
        let state = State::load(&path)?;
        let file = Arc::new(SharedFile {
            path: path.clone(),
            journal,
            // What was read to check the file is kept: a plan of a large file parsed it twice.
            cache: Mutex::new(Some((stamps, state))),
            wrote: AtomicBool::new(false),
        });
        open.insert(path, Arc::clone(&file));
        Ok(file)
    }

    fn lock(&self) -> MutexGuard<'_, Option<(Stamps, State)>> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the current state under the lock.
    fn with_state<T>(
        &self,
        f: impl FnOnce(&State) -> Result<T, ProviderError>,
    ) -> Result<T, ProviderError> {
        let mut cache = self.lock();
        let state = self.current(&mut cache)?;
        let out = f(&state);
        *cache = Some((self.stamp(), state));
        out
    }

    /// Applies `change` through `registry` to the current state and journals it. A change that
    /// fails leaves nothing cached: the next call reads the file again, so whatever the attempt
    /// touched in memory is gone.
    fn commit(&self, registry: &Registry, change: Change) -> Result<(), ProviderError> {
        let mut cache = self.lock();
        let mut state = self.current(&mut cache)?;
        if state.torn {
            // Folded in before the change is applied, so the file holds exactly the changes
            // its sequence number says.
            state.compact(&self.path)?;
        }
        let rewrite = state.replay(registry, &change)?;
        state.record(&self.path, registry, change, rewrite)?;
        self.wrote.store(true, Ordering::Relaxed);
        *cache = Some((self.stamp(), state));
        Ok(())
    }

    /// The cached state while the file and the journal are as this process left them, else
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

    /// Folds the journal in when a provider of this file wrote one.
    fn close(&self) {
        if !self.wrote.load(Ordering::Relaxed) || !self.journal.exists() {
            return;
        }
        let mut cache = self.lock();
        if let Ok(mut state) = self.current(&mut cache) {
            let _ = state.compact(&self.path);
        }
    }
}

#[async_trait]
impl Provider for SandboxProvider {
    async fn account(&self) -> Result<Account, ProviderError> {
        self.file
            .with_state(|state| Ok(state.store.account_of(&self.registry)))
    }

    /// What the AWS provider would read in this registry: exactly the objects the scope admits,
    /// each judged with its parent as the file holds it.
    async fn refresh(&self, scope: &RefreshScope) -> Result<LiveEstate, ProviderError> {
        let registry = &self.registry;
        self.file.with_state(|state| {
            let objects = &state.store.objects;
            let mut live = state.store.estate(registry);
            live.objects.retain(|o| {
                let parent = o.resource.parent(registry).and_then(|p| objects.get(&p));
                scope.admits(&o.resource, parent)
            });
            // The registry always has a scanning configuration and every account setting, their
            // defaults until somebody puts them, as AWS reads them.
            let owner = objects.get(&self.id_of(Kind::RegistryOwner, "registry"));
            let defaults = std::iter::once(Resource::ScanningConfiguration(
                ScanningConfiguration::basic(),
            ))
            .chain(ACCOUNT_SETTINGS.iter().map(|(_, name, value)| {
                Resource::AccountSetting(AccountSetting {
                    name: (*name).to_owned(),
                    value: (*value).to_owned(),
                })
            }));
            for default in defaults {
                if scope.admits(&default, owner) && !objects.contains_key(&default.id(registry)) {
                    live.objects.push(LiveObject::new(default));
                }
            }
            live.normalise();
            for o in &mut live.objects {
                if let Resource::User(u) = &o.resource
                    && !scope.lists_keys(u)
                {
                    o.access_keys.clear();
                }
            }
            Ok(live)
        })
    }

    async fn holds_images(&self, repository: &str) -> Result<bool, ProviderError> {
        let id = self.id_of(Kind::Repository, repository);
        self.file.with_state(|state| {
            if !state.store.objects.contains_key(&id) {
                return Err(ProviderError::NotFound(id));
            }
            Ok(state.store.images(&self.registry, repository) > 0)
        })
    }

    /// The roles of this registry's account whose trust names the provider `url`.
    async fn roles_trusting(&self, url: &str) -> Result<Vec<Role>, ProviderError> {
        let account = Scope::Account(self.registry.account.clone());
        self.file.with_state(|state| {
            Ok(state
                .store
                .objects
                .iter()
                .filter_map(|(id, o)| {
                    let Resource::Role(r) = o else {
                        return None;
                    };
                    let trusts = r.trust.federated_providers().iter().any(|u| u == url);
                    (id.scope == account && trusts).then(|| r.clone())
                })
                .collect())
        })
    }

    async fn role(&self, name: &str) -> Result<Option<Role>, ProviderError> {
        let id = self.id_of(Kind::Role, name);
        self.file.with_state(|state| {
            if let Some(Resource::Role(r)) = state.store.objects.get(&id) {
                Ok(Some(r.clone()))
            } else {
                Ok(None)
            }
        })
    }

    async fn apply(&self, operation: &Operation) -> Result<(), ProviderError> {
        self.file
            .commit(&self.registry, Change::Apply(Box::new(operation.clone())))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use ecrplan_model::{Encryption, LiveObject, Repository, TagMutability, Tags};

    use super::*;
    use crate::file::{SANDBOX_ACCOUNT_ID, SandboxFile};
    use crate::state::MIN_COMPACTION;
    use crate::state::write_snapshot;

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

    /// A temporary directory of its own for each test, and the account file's path in it.
    fn scratch(tag: &str) -> (PathBuf, PathBuf) {
        let dir =
            std::env::temp_dir().join(format!("ecrplan-sandbox-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("account.json");
        (dir, path)
    }

    /// Creates the repository `name`, which must succeed.
    async fn create(sandbox: &SandboxProvider, name: &str) {
        let op = Operation::Create {
            resource: repo(name),
        };
        sandbox.apply(&op).await.unwrap();
    }

    /// The whole account but the registry's settings, whose defaults are always read: these
    /// tests are about the file, not the scope.
    async fn read(sandbox: &SandboxProvider) -> LiveEstate {
        let everything = RefreshScope {
            account_wide: true,
            ..RefreshScope::default()
        };
        let mut live = sandbox.refresh(&everything).await.unwrap();
        live.objects
            .retain(|o| o.resource.kind().spec().located_by != ecrplan_model::Locator::Registry);
        live
    }

    /// The whole account as a provider opened afresh reads it.
    async fn reread(path: &Path) -> LiveEstate {
        read(&SandboxProvider::open(path).unwrap()).await
    }

    fn names(live: &LiveEstate) -> Vec<String> {
        live.objects.iter().map(|o| o.resource.key()).collect()
    }

    /// How many changes the journal beside `path` holds.
    fn journal_lines(path: &Path) -> usize {
        fs::read_to_string(journal_path(path))
            .unwrap()
            .lines()
            .count()
    }

    #[tokio::test]
    async fn missing_file_is_an_empty_account_and_changes_are_written() {
        let (dir, path) = scratch("new");
        let sandbox = SandboxProvider::open(&path).unwrap();
        assert_eq!(sandbox.account().await.unwrap().id, SANDBOX_ACCOUNT_ID);
        assert!(!path.exists());
        create(&sandbox, "app").await;
        assert!(journal_path(&path).exists());
        let again = Operation::Create {
            resource: repo("app"),
        };
        assert!(matches!(
            sandbox.apply(&again).await,
            Err(ProviderError::AlreadyExists(_))
        ));
        assert_eq!(reread(&path).await.objects.len(), 1);
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
        let (dir, path) = scratch("i");
        create(&SandboxProvider::open(&path).unwrap(), "aaa").await;
        let sandbox = SandboxProvider::open(&path).unwrap();
        assert_eq!(read(&sandbox).await.objects.len(), 1);
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
        assert_eq!(names(&read(&sandbox).await), ["bbb"]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn two_providers_of_one_file_see_each_others_changes() {
        let (dir, path) = scratch("c");
        let one = SandboxProvider::open(&path).unwrap();
        // Another spelling of the same path is the same file.
        let two = SandboxProvider::open(&dir.join(".").join("account.json")).unwrap();
        for (n, name) in ["aa", "bb", "cc"].into_iter().enumerate() {
            create(if n % 2 == 0 { &one } else { &two }, name).await;
            assert_eq!(read(&one).await.objects.len(), n + 1);
            assert_eq!(read(&two).await.objects.len(), n + 1);
        }
        fs::remove_dir_all(&dir).unwrap();
    }

    /// What another process does with the file: reads it afresh, creates a repository and
    /// journals it, and, when `exits`, folds the journal in.
    fn another_process_creates(path: &Path, name: &str, exits: bool) {
        let mut state = State::load(path).unwrap();
        let registry = state.store.default_registry();
        let change = Change::Apply(Box::new(Operation::Create {
            resource: repo(name),
        }));
        let rewrite = state.replay(&registry, &change).unwrap();
        state.record(path, &registry, change, rewrite).unwrap();
        if exits {
            state.compact(path).unwrap();
        }
    }

    #[tokio::test]
    async fn changes_by_another_process_are_seen_and_kept() {
        let (dir, path) = scratch("other");
        let sandbox = SandboxProvider::open(&path).unwrap();
        create(&sandbox, "aa").await;
        another_process_creates(&path, "bb", false);
        assert_eq!(names(&read(&sandbox).await), ["aa", "bb"]);
        create(&sandbox, "cc").await;
        another_process_creates(&path, "dd", true);
        assert_eq!(names(&read(&sandbox).await), ["aa", "bb", "cc", "dd"]);
        create(&sandbox, "ee").await;
        drop(sandbox);
        another_process_creates(&path, "ff", true);
        assert_eq!(reread(&path).await.objects.len(), 6);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn the_last_provider_of_a_file_closes_it_and_folds_the_journal_in() {
        let (dir, path) = scratch("close");
        let key = canonical(&path).unwrap();
        let one = SandboxProvider::open(&path).unwrap();
        let two = SandboxProvider::open_registry(&path, None, Some("us-east-1")).unwrap();
        create(&one, "aa").await;
        create(&two, "aa").await;
        create(&one, "bb").await;
        assert!(journal_path(&path).exists());
        drop(one);
        assert!(open_files().contains_key(&key));
        assert!(
            journal_path(&path).exists(),
            "folded in while a provider had it open"
        );
        drop(two);
        assert!(!open_files().contains_key(&key));
        assert!(!journal_path(&path).exists());
        let file = SandboxFile::read(&path).unwrap().unwrap();
        let held: Vec<_> = file.registries.iter().map(|r| r.objects.len()).collect();
        assert_eq!(held, [2, 1]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn a_snapshot_reads_back_as_the_same_account() {
        let (dir, path) = scratch("s");
        let mut tagged = repo("full");
        if let Some(t) = tagged.tags_mut() {
            t.insert("managed-by".into(), "ecrplan".into());
            t.insert("ecrplan:estate".into(), "koa".into());
        }
        let mut live = LiveEstate::empty(Account::new("931827427725", "eu-north-1"));
        live.objects = vec![LiveObject::new(tagged), LiveObject::new(repo("empty"))];
        live.objects[0].holds_images = Some(true);
        live.normalise();
        write_snapshot(&path, &live).unwrap();

        let sandbox = SandboxProvider::open(&path).unwrap();
        assert_eq!(sandbox.account().await.unwrap(), live.account);
        let read = read(&sandbox).await;
        let mut expected = live.clone();
        for o in &mut expected.objects {
            o.holds_images = None;
        }
        assert_eq!(read, expected);
        let full = read.objects.iter().find(|o| o.resource.key() == "full");
        assert_eq!(full.unwrap().owner.as_ref().unwrap().estate, "koa");
        assert!(sandbox.holds_images("full").await.unwrap());
        assert!(!sandbox.holds_images("empty").await.unwrap());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn other_format_versions_are_refused() {
        let (dir, path) = scratch("v");
        fs::write(&path, r#"{"format_version": 3, "registries": []}"#).unwrap();
        let err = SandboxProvider::open(&path).unwrap_err().to_string();
        assert!(err.contains("format_version 3"), "{err}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn a_killed_writer_loses_no_reported_change_and_a_torn_line_is_dropped() {
        let (dir, path) = scratch("torn");
        let sandbox = SandboxProvider::open(&path).unwrap();
        for name in ["aa", "bb", "cc"] {
            create(&sandbox, name).await;
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
        assert_eq!(names(&read(&next).await), ["aa", "bb", "cc"]);
        assert!(next.holds_images("bb").await.unwrap());
        // The next change is not glued to the torn line.
        create(&next, "dd").await;
        drop(next);
        assert_eq!(reread(&path).await.objects.len(), 4);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn entries_already_folded_into_the_file_are_not_applied_twice() {
        let (dir, path) = scratch("twice");
        let sandbox = SandboxProvider::open(&path).unwrap();
        create(&sandbox, "aa").await;
        let journal = fs::read(journal_path(&path)).unwrap();
        drop(sandbox);
        // A crash between writing the file and removing the journal leaves both.
        fs::write(journal_path(&path), journal).unwrap();
        let reopened = SandboxProvider::open(&path).unwrap();
        assert_eq!(read(&reopened).await.objects.len(), 1);
        create(&reopened, "bb").await;
        drop(reopened);
        assert_eq!(reread(&path).await.objects.len(), 2);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn a_failed_change_leaves_nothing_behind() {
        let (dir, path) = scratch("failed");
        let sandbox = SandboxProvider::open(&path).unwrap();
        create(&sandbox, "aa").await;
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
        assert_eq!(read(&sandbox).await.objects.len(), 1);
        assert_eq!(
            journal_lines(&path),
            2,
            "only the changes that succeeded are journalled"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn a_long_journal_is_folded_in_while_the_apply_runs() {
        let (dir, path) = scratch("fold");
        let sandbox = SandboxProvider::open(&path).unwrap();
        for n in 0..MIN_COMPACTION + 10 {
            create(&sandbox, &format!("r{n}")).await;
        }
        assert_eq!(journal_lines(&path), 10);
        let file = SandboxFile::read(&path).unwrap().unwrap();
        assert_eq!(file.registries[0].objects.len(), MIN_COMPACTION);
        assert_eq!(file.sequence, MIN_COMPACTION as u64);
        std::mem::forget(sandbox);
        assert_eq!(reread(&path).await.objects.len(), MIN_COMPACTION + 10);
        fs::remove_dir_all(&dir).unwrap();
    }
}
