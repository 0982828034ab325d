//! Files and journals written by earlier versions read as the same account, and a file that holds
//! one registry is still written as they wrote it.

use std::fs;
use std::path::{Path, PathBuf};

use ecrplan_model::{
    Kind, LiveEstate, Locator, ObjectId, Operation, Provider, RefreshScope, Scope, Tags,
};
use ecrplan_sandbox::{SINGLE_REGISTRY_FORMAT, SandboxProvider};
use serde_json::Value;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/written-before-scopes"
);

/// Written before a file held several registries: every kind, registry settings included.
const BEFORE_REGISTRIES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/written-before-registries"
);

/// A copy of the fixture in a directory of its own, so the test may write to it.
fn copy_fixture(tag: &str) -> PathBuf {
    copy_of(FIXTURE, tag)
}

fn copy_of(fixture: &str, tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ecrplan-sandbox-{tag}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    for name in ["account.json", "account.json.journal"] {
        fs::copy(Path::new(fixture).join(name), dir.join(name)).unwrap();
    }
    dir
}

/// What the earlier version's refresh returned, by scope name; key ages depend on the day.
fn earlier_refresh(scope: &str) -> LiveEstate {
    without_key_ages(refresh_in(FIXTURE, scope))
}

fn refresh_in(fixture: &str, scope: &str) -> LiveEstate {
    let text = fs::read_to_string(Path::new(fixture).join("refresh.json")).unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    serde_json::from_value(all[scope].clone()).unwrap()
}

/// The estate with key ages zeroed: they depend on the day.
fn ageless(mut live: LiveEstate) -> LiveEstate {
    for o in &mut live.objects {
        for k in &mut o.access_keys {
            k.age_days = 0;
        }
    }
    live
}

/// The estate without key ages, nor the registry settings an account-wide read now returns
/// (their defaults; the earlier version knew none of them).
fn without_key_ages(mut live: LiveEstate) -> LiveEstate {
    live.objects
        .retain(|o| o.resource.kind().spec().located_by != Locator::Registry);
    ageless(live)
}

fn scopes() -> [(&'static str, RefreshScope); 2] {
    let estate = RefreshScope {
        estate: "default".into(),
        ..RefreshScope::default()
    };
    [
        ("estate", estate.clone()),
        ("account_wide", estate.account_wide()),
    ]
}

#[tokio::test]
async fn a_file_and_journal_written_before_scopes_read_as_the_same_account() {
    let dir = copy_fixture("before");
    let sandbox = SandboxProvider::open(&dir.join("account.json")).unwrap();
    for (name, scope) in scopes() {
        let live = without_key_ages(sandbox.refresh(&scope).await.unwrap());
        assert_eq!(live, earlier_refresh(name), "{name}");
    }
    assert!(sandbox.holds_images("app").await.unwrap());
    assert!(sandbox.holds_images("unmanaged").await.unwrap());
    fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn an_account_written_before_scopes_takes_changes_and_folds_its_old_journal_in() {
    let dir = copy_fixture("before-write");
    let path = dir.join("account.json");
    let sandbox = SandboxProvider::open(&path).unwrap();
    let account = sandbox.account().await.unwrap();
    let mut tags = Tags::new();
    tags.insert("team".into(), "search".into());
    let id = ObjectId::new(Kind::User, Scope::Account(account.id.clone()), "ci-app");
    sandbox.apply(&Operation::Tag { id, tags }).await.unwrap();
    drop(sandbox);
    assert!(!dir.join("account.json.journal").exists());
    let reopened = SandboxProvider::open(&path).unwrap();
    let (name, wide) = scopes()[1].clone();
    let live = without_key_ages(reopened.refresh(&wide).await.unwrap());
    let mut expected = earlier_refresh(name);
    for o in &mut expected.objects {
        if o.resource.kind() == Kind::User
            && let Some(t) = o.resource.tags_mut()
        {
            t.insert("team".into(), "search".into());
        }
    }
    assert_eq!(live, expected);
    fs::remove_dir_all(&dir).unwrap();
}

/// The lines of the journal beside the fixture copy in `dir`, as JSON.
fn journal(dir: &Path) -> Vec<Value> {
    fs::read_to_string(dir.join("account.json.journal"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn a_file_and_journal_written_before_registries_read_as_the_same_registry() {
    let dir = copy_of(BEFORE_REGISTRIES, "before-registries");
    let sandbox = SandboxProvider::open(&dir.join("account.json")).unwrap();
    for (name, scope) in scopes() {
        let live = ageless(sandbox.refresh(&scope).await.unwrap());
        assert_eq!(live, ageless(refresh_in(BEFORE_REGISTRIES, name)), "{name}");
    }
    assert!(sandbox.holds_images("app").await.unwrap());
    assert!(sandbox.holds_images("unmanaged").await.unwrap());
    fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_file_of_one_registry_is_still_written_in_format_1_with_a_journal_naming_no_registry() {
    let dir = copy_of(BEFORE_REGISTRIES, "still-format-1");
    let path = dir.join("account.json");
    let sandbox = SandboxProvider::open(&path).unwrap();
    sandbox.set_image_count("app", 0).unwrap();
    let entries = journal(&dir);
    let last = entries.last().unwrap();
    assert_eq!(last["change"]["images"]["repository"], "app");
    assert!(last.get("registry").is_none(), "{last}");
    drop(sandbox);
    let file: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(file["format_version"], SINGLE_REGISTRY_FORMAT);
    assert_eq!(file["account"]["id"], "111122223333");
    assert!(file.get("registries").is_none());
    // The same fields as the earlier version wrote, so it reads the file back.
    let earlier: Value = serde_json::from_str(
        &fs::read_to_string(Path::new(BEFORE_REGISTRIES).join("account.json")).unwrap(),
    )
    .unwrap();
    let fields = |v: &Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
    assert_eq!(fields(&file), fields(&earlier));
    fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_second_registry_makes_a_format_1_file_format_2_at_once_and_leaves_the_first_alone() {
    let dir = copy_of(BEFORE_REGISTRIES, "second-registry");
    let path = dir.join("account.json");
    let (name, wide) = scopes()[1].clone();
    let us = SandboxProvider::open_registry(&path, None, Some("us-east-1")).unwrap();
    let create = Operation::Create {
        resource: serde_json::from_value(serde_json::json!({
            "kind": "repository", "name": "app", "image_tag_mutability": "MUTABLE",
            "scan_on_push": false, "encryption": {"type": "AES256"}, "tags": {}
        }))
        .unwrap(),
    };
    us.apply(&create).await.unwrap();
    // Written into the file at once, the old journal with it: an earlier version refuses the
    // file rather than replay a change of another registry into its one.
    assert!(!dir.join("account.json.journal").exists());
    let file: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(file["format_version"], ecrplan_sandbox::FORMAT_VERSION);
    assert_eq!(file["registries"].as_array().unwrap().len(), 2);
    let default = SandboxProvider::open(&path).unwrap();
    let live = ageless(default.refresh(&wide).await.unwrap());
    assert_eq!(live, ageless(refresh_in(BEFORE_REGISTRIES, name)));
    // The IAM objects are the account's, so us-east-1 sees the same roles and users.
    let iam = |live: &LiveEstate| -> Vec<String> {
        live.objects
            .iter()
            .filter(|o| o.resource.kind().spec().scope == ecrplan_model::ScopeLevel::Account)
            .map(|o| o.resource.key())
            .collect()
    };
    let from_us = us.refresh(&wide).await.unwrap();
    assert_eq!(iam(&from_us), iam(&live));
    assert!(!iam(&live).is_empty());
    fs::remove_dir_all(&dir).unwrap();
}
