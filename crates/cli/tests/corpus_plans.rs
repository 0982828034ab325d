//! Every directory of the Cloud Platform corpus (../shared/corpus) planned against an empty
//! sandbox account: each module block must become a create of its `team_name/repo_name`
//! repository and of the roles its `oidc_providers` ask for. Ten directories also have their
//! whole rendered plan kept as a reviewed golden file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use ecrplan_hcl::LoadOptions;
use ecrplan_model::{Action, Kind, Provider, RefreshScope};
use ecrplan_sandbox::SandboxProvider;

fn corpus() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/cloud-platform-environments");
    assert!(
        root.is_dir(),
        "the corpus is missing at {}: it lives in shared/ beside the repository",
        root.display()
    );
    root
}

/// Directories holding a Cloud Platform ECR module, sorted.
fn directories(root: &Path) -> Vec<PathBuf> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "tf")
                && std::fs::read_to_string(&path)
                    .unwrap_or_default()
                    .contains("cloud-platform-terraform-ecr-credentials")
            {
                out.insert(dir.clone());
            }
        }
    }
    out.into_iter().collect()
}

#[tokio::test]
async fn every_corpus_module_plans_its_repository_and_roles() {
    let root = corpus();
    let dirs = directories(&root);
    assert_eq!(dirs.len(), 653, "the corpus README counts 653 directories");
    let empty = tempfile::TempDir::new().unwrap();
    let sandbox = SandboxProvider::open(&empty.path().join("empty.json")).unwrap();
    let live = sandbox.refresh(&RefreshScope::default()).await.unwrap();
    assert!(live.objects.is_empty());

    let (mut planned, mut refused, mut modules, mut repositories, mut roles) = (0, 0, 0, 0, 0);
    for dir in &dirs {
        let Ok(loaded) = ecrplan_hcl::load_dir(dir, &LoadOptions::default()) else {
            // Which directories are refused, and why, is the corpus validation test's business
            // (crates/hcl/tests/corpus.rs); here only the count is checked.
            refused += 1;
            continue;
        };
        planned += 1;
        let plan = ecrplan_diff::plan(&loaded.estate, &live, &loaded.config_hash).unwrap();
        let created = |kind: Kind| -> BTreeSet<String> {
            plan.changes
                .iter()
                .filter(|c| c.id.kind == kind && c.action == Action::Create)
                .map(|c| c.id.key.clone())
                .collect()
        };
        assert!(
            plan.changes.iter().all(|c| c.action == Action::Create),
            "{}: an empty account can only get creates",
            dir.display()
        );
        let (made_repositories, made_roles) = (created(Kind::Repository), created(Kind::Role));
        for module in &loaded.estate.modules {
            modules += 1;
            assert_eq!(
                module.repositories.len(),
                1,
                "{}: one repository per module",
                dir.display()
            );
            let repository = &module.repositories[0];
            assert!(
                repository.contains('/'),
                "{}: {repository} is not team/repo",
                dir.display()
            );
            assert!(
                made_repositories.contains(repository),
                "{}: {repository} not created",
                dir.display()
            );
            for role in module
                .github
                .iter()
                .map(|g| &g.role_name)
                .chain(module.circleci.iter().map(|c| &c.role_name))
            {
                assert!(
                    made_roles.contains(role),
                    "{}: role {role} not created",
                    dir.display()
                );
            }
        }
        repositories += made_repositories.len();
        roles += made_roles.len();
    }
    println!(
        "corpus plans: {planned} directories planned, {refused} refused; {modules} modules → {repositories} repositories and {roles} roles to create"
    );
    assert_eq!(planned + refused, dirs.len());
    assert!(planned >= 645, "only {planned} directories planned");
}

#[test]
fn golden_plans_for_ten_corpus_directories() {
    let root = corpus();
    let dirs = directories(&root);
    let empty = tempfile::TempDir::new().unwrap();
    let sandbox = empty.path().join("empty.json");
    // Every 64th directory that loads: a spread across teams and module versions, stable as
    // long as the corpus is.
    let valid: Vec<&PathBuf> = dirs
        .iter()
        .filter(|d| ecrplan_hcl::load_dir(d, &LoadOptions::default()).is_ok())
        .collect();
    for dir in valid.iter().step_by(64).take(10) {
        let out = Command::new(env!("CARGO_BIN_EXE_ecrplan"))
            .arg("plan")
            .arg(dir)
            .arg("--sandbox")
            .arg(&sandbox)
            // Plans refuse CircleCI roles for the placeholder organisation (issue 13).
            .arg("--var")
            .arg("circleci_organisation_id=5bd1e4d8-1c2e-4f7b-9a59-2f1b9d1c0c11")
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let name = dir
            .strip_prefix(&root)
            .unwrap()
            .display()
            .to_string()
            .replace('/', "__");
        let rendered = format!(
            "exit: {:?}\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout)
        );
        insta::assert_snapshot!(format!("corpus__{name}"), rendered);
    }
}
