//! The Cloud Platform corpus (`shared/corpus/cloud-platform-environments`): every namespace
//! directory that uses the `cloud-platform-terraform-ecr-credentials` module is loaded, and
//! each module is compared with what an independent evaluation of its inputs (hcl-rs's own
//! evaluator, over the same `variable` defaults and `locals`) says it should desugar to.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use ecrplan_hcl::{Diagnostic, LoadOptions, cloud_platform_role_name, load_dir, render_text};
use hcl::eval::{Context, Evaluate};

const SOURCE: &str = "github.com/ministryofjustice/cloud-platform-terraform-ecr-credentials";

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/cloud-platform-environments")
}

/// Every directory holding a `*.tf` file that uses the module, in path order.
fn corpus_dirs() -> Vec<PathBuf> {
    let root = corpus_root();
    assert!(
        root.is_dir(),
        "the Cloud Platform corpus is missing: expected it at {} (shared/corpus beside the \
         repository checkout); this test needs it and does not skip",
        root.display()
    );
    let mut dirs = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        let mut has_module = false;
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "tf") {
                let text = std::fs::read_to_string(&path).unwrap();
                has_module |= text.contains(SOURCE);
            }
        }
        if has_module {
            dirs.push(dir);
        }
    }
    dirs.sort();
    dirs
}

/// What a Cloud Platform module should become, by hcl-rs's reading of the same files.
#[derive(Debug)]
struct Expected {
    repository: String,
    github: bool,
    circleci: bool,
    github_repositories: Vec<String>,
}

fn oracle(dir: &Path) -> BTreeMap<String, Expected> {
    let mut bodies = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "tf") {
            let text = std::fs::read_to_string(&path).unwrap();
            bodies.push(hcl::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())));
        }
    }
    let empty = Context::new();
    let mut vars = hcl::Map::new();
    for body in &bodies {
        for block in body.blocks().filter(|b| b.identifier() == "variable") {
            let name = block.labels()[0].as_str().to_owned();
            if let Some(default) = block.body().attributes().find(|a| a.key() == "default")
                && let Ok(v) = default.expr().evaluate(&empty)
            {
                vars.insert(name, v);
            }
        }
    }
    let mut locals = hcl::Map::new();
    for _ in 0..3 {
        let mut ctx = Context::new();
        ctx.declare_var("var", hcl::Value::Object(vars.clone()));
        ctx.declare_var("local", hcl::Value::Object(locals.clone()));
        for body in &bodies {
            for block in body.blocks().filter(|b| b.identifier() == "locals") {
                for attr in block.body().attributes() {
                    if let Ok(v) = attr.expr().evaluate(&ctx) {
                        locals.insert(attr.key().to_owned(), v);
                    }
                }
            }
        }
    }
    let mut ctx = Context::new();
    ctx.declare_var("var", hcl::Value::Object(vars));
    ctx.declare_var("local", hcl::Value::Object(locals));
    let mut out = BTreeMap::new();
    for body in &bodies {
        for block in body.blocks().filter(|b| b.identifier() == "module") {
            let get = |name: &str| {
                block
                    .body()
                    .attributes()
                    .find(|a| a.key() == name)
                    .map(|a| a.expr().evaluate(&ctx).expect(name))
            };
            let Some(hcl::Value::String(source)) = get("source") else {
                continue;
            };
            if !source.starts_with(SOURCE) {
                continue;
            }
            let text = |v: hcl::Value| match v {
                hcl::Value::String(s) => s,
                other => other.to_string(),
            };
            let strings = |v: Option<hcl::Value>| -> Vec<String> {
                match v {
                    Some(hcl::Value::Array(items)) => items.into_iter().map(text).collect(),
                    _ => Vec::new(),
                }
            };
            let team = text(get("team_name").unwrap());
            let repo = text(get("repo_name").unwrap());
            let providers: BTreeSet<String> = strings(get("oidc_providers")).into_iter().collect();
            let github_repositories = strings(get("github_repositories"));
            out.insert(
                block.labels()[0].as_str().to_owned(),
                Expected {
                    repository: format!("{team}/{repo}"),
                    // A GitHub role that no repository could assume is not made (a warning).
                    github: providers.contains("github") && !github_repositories.is_empty(),
                    circleci: providers.contains("circleci"),
                    github_repositories,
                },
            );
        }
    }
    out
}

/// The byte range of a diagnostic's primary label, as text of its file.
fn labelled_text(dir: &Path, d: &Diagnostic) -> String {
    let file = d.file().expect("a file");
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    text[d.span().expect("a span")].to_owned()
}

/// Directories the corpus cannot load, and why (checked below, one by one).
fn expected_failure(dir: &Path) -> Option<&'static str> {
    let path = dir.to_string_lossy();
    if path.ends_with("resources/prototype") {
        // A module directory of its own whose values come from the parent: 3 directories.
        Some("outside values")
    } else if ["grc-dev", "grc-preprod", "grc-prod", "grc-uat"]
        .iter()
        .any(|ns| path.ends_with(&format!("/{ns}/resources")))
    {
        // team_name defaults to "ASC Cloud Ready App": ECR refuses the repository name.
        Some("invalid repository name")
    } else if path.ends_with("/laa-cwa-submissions-api-mpdev/resources") {
        // Two modules with the same team_name and repo_name: the same repository twice.
        Some("duplicate repository")
    } else {
        None
    }
}

#[test]
fn corpus_loads_and_desugars() {
    let dirs = corpus_dirs();
    let mut loaded_ok = 0;
    let mut modules = 0;
    let mut roles = 0;
    let mut by_reason: BTreeMap<&str, usize> = BTreeMap::new();
    let mut unexpected = Vec::new();
    for dir in &dirs {
        let result = load_dir(dir, &LoadOptions::default());
        match (expected_failure(dir), result) {
            (None, Ok(loaded)) => {
                loaded_ok += 1;
                let expected = oracle(dir);
                assert_eq!(
                    loaded.estate.modules.len(),
                    expected.len(),
                    "{}: module count",
                    dir.display()
                );
                for m in &loaded.estate.modules {
                    let want = expected.get(&m.name).unwrap_or_else(|| {
                        panic!("{}: module {} unexpected", dir.display(), m.name)
                    });
                    assert_eq!(
                        m.repositories,
                        vec![want.repository.clone()],
                        "{}",
                        dir.display()
                    );
                    let (team, repo) = want.repository.split_once('/').unwrap();
                    assert_eq!(
                        m.github.as_ref().map(|g| g.role_name.clone()),
                        want.github
                            .then(|| cloud_platform_role_name(team, repo, "github")),
                        "{}: module {}",
                        dir.display(),
                        m.name
                    );
                    if let Some(g) = &m.github {
                        let subjects: Vec<String> = want
                            .github_repositories
                            .iter()
                            .map(|r| format!("repo:ministryofjustice/{r}:*"))
                            .collect();
                        assert_eq!(g.subjects(), subjects, "{}", dir.display());
                    }
                    assert_eq!(
                        m.circleci.as_ref().map(|c| c.role_name.clone()),
                        want.circleci
                            .then(|| cloud_platform_role_name(team, repo, "circleci")),
                        "{}: module {}",
                        dir.display(),
                        m.name
                    );
                    assert_eq!(m.push_actions.len(), 10);
                }
                modules += loaded.summary.modules;
                roles += loaded.summary.roles;
            }
            (Some(reason), Err(e)) => {
                *by_reason.entry(reason).or_default() += 1;
                let errors: Vec<&Diagnostic> = e.errors().collect();
                assert!(!errors.is_empty());
                for d in &errors {
                    let ok = match reason {
                        "outside values" => {
                            // Names the variable and points at its use.
                            let name = d
                                .message()
                                .split('`')
                                .nth(1)
                                .expect("a variable name in backquotes");
                            d.message().starts_with("variable `")
                                && d.message().ends_with("has no value")
                                && labelled_text(dir, d) == format!("var.{name}")
                        }
                        "invalid repository name" => d.message().contains("ASC Cloud Ready App/"),
                        _ => d.message().contains("is declared twice"),
                    };
                    assert!(
                        ok,
                        "{}: unexpected error\n{}",
                        dir.display(),
                        render_text(&e.0)
                    );
                }
            }
            (None, Err(e)) => unexpected.push(format!("{}\n{}", dir.display(), render_text(&e.0))),
            (Some(reason), Ok(_)) => unexpected.push(format!(
                "{}: loaded, expected to fail ({reason})",
                dir.display()
            )),
        }
    }
    eprintln!(
        "corpus: {} directories; {loaded_ok} load ({modules} modules, {roles} roles); {} refused: {:?}",
        dirs.len(),
        dirs.len() - loaded_ok,
        by_reason
    );
    assert!(unexpected.is_empty(), "{}", unexpected.join("\n"));
    assert_eq!(dirs.len(), 653);
    assert_eq!(loaded_ok, 645);
    assert_eq!(by_reason.get("outside values"), Some(&3));
}
