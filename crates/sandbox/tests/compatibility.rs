//! Files and journals written by earlier versions read as the same account.

use std::fs;
use std::path::{Path, PathBuf};

use ecrplan_model::{
    Kind, LiveEstate, Locator, ObjectId, Operation, Provider, RefreshScope, Scope, Tags,
};
use ecrplan_sandbox::SandboxProvider;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/written-before-scopes"
);

/// A copy of the fixture in a directory of its own, so the test may write to it.
fn copy_fixture(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ecrplan-sandbox-{tag}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    for name in ["account.json", "account.json.journal"] {
        fs::copy(Path::new(FIXTURE).join(name), dir.join(name)).unwrap();
    }
    dir
}

/// What the earlier version's refresh returned, by scope name; key ages depend on the day.
fn earlier_refresh(scope: &str) -> LiveEstate {
    let text = fs::read_to_string(Path::new(FIXTURE).join("refresh.json")).unwrap();
    let all: serde_json::Value = serde_json::from_str(&text).unwrap();
    without_key_ages(serde_json::from_value(all[scope].clone()).unwrap())
}

/// The estate without key ages, nor the registry settings an account-wide read now returns
/// (their defaults; the earlier version knew none of them).
fn without_key_ages(mut live: LiveEstate) -> LiveEstate {
    live.objects
        .retain(|o| o.resource.kind().spec().located_by != Locator::Registry);
    for o in &mut live.objects {
        for k in &mut o.access_keys {
            k.age_days = 0;
        }
    }
    live
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
