//! The [`Provider`] on a local JSON file: the embedded account for trying ecrplan without AWS,
//! and the target of offline plans against a snapshot taken with `ecrplan snapshot`.
//!
//! The file is the account. Every call reads it, and every change rewrites it atomically, so a
//! crash never leaves half a file and two commands run one after the other see each other's
//! work. The semantics and errors follow the AWS provider: see `README.md` for the format.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use ecrplan_model::{
    AccessKey, Account, Kind, LiveEstate, LiveObject, ObjectId, Operation, Owner, Provider,
    ProviderError, ROLE_PATH, RefreshScope, Resource, Role, is_ci_issuer, role_path,
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
}

/// The account in memory while one call works on it.
#[derive(Clone)]
struct State {
    account: Account,
    objects: BTreeMap<ObjectId, Resource>,
    images: BTreeMap<String, u64>,
    /// The access keys users hold (never secrets), kept on the users' objects in the file.
    access_keys: BTreeMap<String, Vec<AccessKey>>,
}

impl State {
    fn empty() -> Self {
        Self {
            account: Account::new(SANDBOX_ACCOUNT_ID, SANDBOX_REGION),
            objects: BTreeMap::new(),
            images: BTreeMap::new(),
            access_keys: BTreeMap::new(),
        }
    }

    fn load(path: &Path) -> Result<Self, ProviderError> {
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
        })
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
        };
        write_atomically(path, &file)
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

/// Writes to a temporary file in the same directory, syncs it and renames it over `path`, so a
/// reader sees either the old file or the new one, never a torn one.
fn write_atomically(path: &Path, file: &SandboxFile) -> Result<(), ProviderError> {
    let mut text = serde_json::to_string_pretty(file)
        .map_err(|e| ProviderError::Transport(format!("cannot encode the sandbox: {e}")))?;
    text.push('\n');
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sandbox.json".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| -> io::Result<()> {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        // Make the rename itself durable; not every platform can open a directory.
        if let Ok(d) = fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        file_error(path, "cannot write", &e)
    })
}

/// Writes the live objects of a refresh in the format [`SandboxProvider`] reads, so that
/// `--sandbox FILE` can plan offline against a copy of a real account.
pub fn write_snapshot(path: &Path, live: &LiveEstate) -> Result<(), ProviderError> {
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
    write_atomically(
        path,
        &SandboxFile {
            format_version: FORMAT_VERSION,
            account: live.account.clone(),
            objects,
            images,
        },
    )
}

/// An account kept in a JSON file.
pub struct SandboxProvider {
    path: PathBuf,
    /// The state as last read or written, with the file's stamp at that moment: reused while
    /// the file is unchanged, so a large apply does not parse the file once per change.
    cache: Mutex<Option<(Stamp, State)>>,
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

fn stamp(path: &Path) -> Option<Stamp> {
    use std::os::unix::fs::MetadataExt;

    let meta = fs::metadata(path).ok()?;
    Some((meta.ino(), meta.len(), meta.modified().ok()?))
}

impl SandboxProvider {
    /// Opens the account in `path`; a file that does not exist yet is an empty account, created
    /// on the first change. A file that exists must parse, so mistakes show up at once.
    pub fn open(path: &Path) -> Result<SandboxProvider, ProviderError> {
        State::load(path)?;
        Ok(SandboxProvider {
            path: path.to_path_buf(),
            cache: Mutex::new(None),
        })
    }

    /// The file this account lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Sets how many images a repository holds, standing in for `docker push` so that
    /// tutorials and tests can see deletion refused without `force_delete`.
    pub fn set_image_count(&self, repository: &str, count: u64) -> Result<(), ProviderError> {
        self.with_state(|state| {
            state.exists(&ObjectId {
                kind: Kind::Repository,
                key: repository.to_owned(),
            })?;
            if count == 0 {
                state.images.remove(repository);
            } else {
                state.images.insert(repository.to_owned(), count);
            }
            Ok(true)
        })
        .map(|_| ())
    }

    /// Gives a user an access key made `created` (seconds since the Unix epoch), standing in
    /// for `aws iam create-access-key` — which ecrplan itself never runs — so that tutorials and
    /// tests can see old keys reported and a user holding one refused deletion.
    pub fn add_access_key(&self, user: &str, id: &str, created: u64) -> Result<(), ProviderError> {
        self.with_state(|state| {
            state.exists(&ObjectId {
                kind: Kind::User,
                key: user.to_owned(),
            })?;
            state
                .access_keys
                .entry(user.to_owned())
                .or_default()
                .push(AccessKey {
                    id: id.to_owned(),
                    status: "Active".into(),
                    created,
                    age_days: 0,
                });
            Ok(true)
        })
        .map(|_| ())
    }

    /// Runs `f` on the current account under the lock and writes the file back when `f` says
    /// it changed something. `f` works on a copy, so a failed change leaves nothing behind.
    fn with_state<T>(
        &self,
        f: impl FnOnce(&mut State) -> Result<T, ProviderError>,
    ) -> Result<T, ProviderError>
    where
        T: Changed,
    {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let current = stamp(&self.path);
        let mut state = match cache.as_ref() {
            Some((seen, state)) if current.as_ref() == Some(seen) => state.clone(),
            _ => State::load(&self.path)?,
        };
        let out = f(&mut state)?;
        if out.changed() {
            state.save(&self.path)?;
        }
        *cache = stamp(&self.path).map(|s| (s, state));
        Ok(out)
    }
}

/// Whether a closure given to `with_state` changed the account.
trait Changed {
    fn changed(&self) -> bool;
}

impl Changed for bool {
    fn changed(&self) -> bool {
        *self
    }
}

impl Changed for LiveEstate {
    fn changed(&self) -> bool {
        false
    }
}

impl Changed for Account {
    fn changed(&self) -> bool {
        false
    }
}

impl Changed for Vec<Role> {
    fn changed(&self) -> bool {
        false
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
        self.with_state(|state| state.apply(operation).map(|()| true))
            .map(|_| ())
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
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"format_version\": 1"), "{text}");
        assert!(matches!(
            sandbox.apply(&create).await,
            Err(ProviderError::AlreadyExists(_))
        ));
        let reopened = SandboxProvider::open(&path).unwrap();
        let live = reopened.refresh(&everything()).await.unwrap();
        assert_eq!(live.objects.len(), 1);
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
        let sandbox = SandboxProvider::open(&path).unwrap();
        let create = Operation::Create {
            resource: repo("aaa"),
        };
        sandbox.apply(&create).await.unwrap();
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
}
