//! Whole-directory loading: the seed fixture, variables, functions, heredocs, skipped blocks,
//! the provider, ecrplan and replication blocks, multi-file directories.

use std::path::{Path, PathBuf};

use ecrplan_hcl::{LoadOptions, Loaded, load_dir, render_text};
use ecrplan_model::{AccountAccess, GithubAccess, GithubRepository, Module};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(name)
}

fn load_ok(dir: &Path, options: &LoadOptions) -> Loaded {
    match load_dir(dir, options) {
        Ok(loaded) => loaded,
        Err(e) => panic!("{}", render_text(&e.0)),
    }
}

#[test]
fn seed_koa_fixture() {
    let loaded = load_ok(&fixture("koa"), &LoadOptions::default());
    assert_eq!(loaded.summary.modules, 1);
    assert_eq!(loaded.summary.repositories, 1);
    assert_eq!(loaded.summary.roles, 1);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let estate = &loaded.estate;
    assert_eq!(estate.name, "default");
    assert_eq!(estate.modules.len(), 1);
    let m: &Module = &estate.modules[0];
    assert_eq!(m.name, "ecr-koa");
    assert_eq!(m.source, "../../../../modules/ecr-repos");
    assert_eq!(m.repositories, vec!["giftcard-service".to_owned()]);
    let access = |description: &str, account_id: &str| AccountAccess {
        description: description.into(),
        account_id: account_id.into(),
        can_write: false,
    };
    assert_eq!(
        m.account_access,
        vec![
            access("aws-koa-dev", "931827427725"),
            access("aws-koa-test", "615205931730"),
            access("aws-koa-prod", "151484623076"),
        ]
    );
    assert_eq!(
        m.github,
        Some(GithubAccess {
            role_name: "koa-github-ecr-access".into(),
            repositories: vec![GithubRepository {
                organisation: "JPPOL-KOA".into(),
                repository: "GiftCardService".into(),
            }],
            environments: vec![],
            refs: vec![],
        })
    );
    assert_eq!(m.circleci, None);
    assert_eq!(m.push_actions, Module::default_push_actions());
    assert!(!m.settings.scan_on_push);
    assert!(!m.settings.force_delete);
    assert_eq!(loaded.config_hash.len(), 64);
}
