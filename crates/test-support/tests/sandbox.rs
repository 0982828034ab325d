//! The behaviour suite against the sandbox provider, each scenario in a fresh file.

use ecrplan_sandbox::SandboxProvider;
use ecrplan_test::{Gaps, Subject, behaviour};
use tempfile::TempDir;

fn sandbox() -> (TempDir, SandboxProvider) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let provider = SandboxProvider::open(&dir.path().join("account.json")).expect("open sandbox");
    (dir, provider)
}

macro_rules! scenario {
    ($name:ident) => {
        #[tokio::test]
        async fn $name() {
            let (_dir, provider) = sandbox();
            let subject = Subject {
                provider: &provider,
                images: &provider,
                gaps: Gaps::NONE,
            };
            behaviour::$name(&subject).await;
        }
    };
}

scenario!(repositories);
scenario!(repository_policies);
scenario!(oidc_providers);
scenario!(roles);
scenario!(roles_outside_the_ecrplan_path);
scenario!(replication);
scenario!(registry);
scenario!(adoption);
scenario!(images_block_deletion);
scenario!(estates_kept_apart);
scenario!(attached_policies);
scenario!(ci_users_and_groups);
scenario!(exclusion_filters);
scenario!(refresh_honours_the_scope);

/// Two accounts in one sandbox file, as `--sandbox FILE` holds every account a configuration
/// reaches.
#[tokio::test]
async fn accounts_kept_apart() {
    let dir = tempfile::TempDir::new().expect("a temporary directory");
    let path = dir.path().join("accounts.json");
    let one = SandboxProvider::open_registry(&path, Some("111122223333"), None).expect("opens");
    let two = SandboxProvider::open_registry(&path, Some("210987654321"), None).expect("opens");
    behaviour::accounts_kept_apart(&one, &two).await;
}

#[tokio::test]
async fn regions_of_one_account() {
    let dir = tempfile::TempDir::new().expect("a temporary directory");
    let path = dir.path().join("regions.json");
    let eu = SandboxProvider::open_registry(&path, None, Some("eu-west-1")).expect("opens");
    let us = SandboxProvider::open_registry(&path, None, Some("us-east-1")).expect("opens");
    behaviour::regions_of_one_account(&eu, &us).await;
}
