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

#[tokio::test]
async fn accounts_kept_apart() {
    let (_one_dir, one) = sandbox();
    let (_two_dir, two) = sandbox();
    behaviour::accounts_kept_apart(&one, &two).await;
}
