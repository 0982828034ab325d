//! The registry block through the binary (issue 19): `examples/platform` applied and then
//! "No changes", each section cleared when no longer declared, a second estate refused naming
//! the owner and changing nothing, a team estate in the same account touching nothing of the
//! registry — on the sandbox here, and on moto (through the adapter) for the AWS code path.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

/// A temporary directory holding configuration directories and one account.
struct Env {
    dir: TempDir,
    moto: Option<ecrplan_test::Moto>,
}

impl Env {
    fn sandbox() -> Env {
        Env {
            dir: TempDir::new().expect("tempdir"),
            moto: None,
        }
    }

    async fn moto() -> Env {
        Env {
            dir: TempDir::new().expect("tempdir"),
            moto: Some(ecrplan_test::moto().await),
        }
    }

    /// `examples/platform` as configuration `name`, its provider block dropped (the run picks
    /// the account), with `edit` applied to its text.
    fn platform(&self, name: &str, edit: impl FnOnce(String) -> String) -> PathBuf {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/platform/main.hcl"),
        )
        .expect("examples/platform");
        let text = text.replace("provider \"sandbox\" {}\n", "");
        self.config(name, &edit(text))
    }

    fn config(&self, name: &str, text: &str) -> PathBuf {
        let dir = self.dir.path().join(name);
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("main.hcl"), text).expect("write");
        dir
    }

    fn account_file(&self) -> PathBuf {
        self.dir.path().join("account.json")
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecrplan"));
        cmd.args(args).env("NO_COLOR", "1");
        match &self.moto {
            Some(moto) => {
                ecrplan_test::against_moto(&mut cmd, moto.endpoint(), ecrplan_test::REGION);
            }
            None => {
                cmd.arg("--sandbox")
                    .arg(self.account_file())
                    .env_remove("AWS_ENDPOINT_URL");
            }
        }
        cmd.output().expect("ecrplan runs")
    }

    fn apply(&self, dir: &Path) {
        let out = self.run(&["apply", path(dir), "--auto-approve"]);
        assert!(out.status.success(), "apply: {}", text(&out));
    }

    /// The saved plan of `dir` and the exit status of `plan --detailed-exitcode`.
    fn plan(&self, dir: &Path, extra: &[&str]) -> (i32, Value, Output) {
        let saved = self.dir.path().join("plan.json");
        let _ = std::fs::remove_file(&saved);
        let mut args = vec![
            "plan",
            path(dir),
            "--detailed-exitcode",
            "--format",
            "json",
            "--out",
            path(&saved),
        ];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        let plan = std::fs::read_to_string(&saved)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(Value::Null);
        (out.status.code().unwrap_or(-1), plan, out)
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The (kind, key, action) of every change that is not a no-op in a saved plan.
fn changes(plan: &Value) -> Vec<(String, String, String)> {
    plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["action"] != "no-op")
        .map(|c| {
            (
                c["id"]["kind"].as_str().unwrap_or_default().to_owned(),
                c["id"]["key"].as_str().unwrap_or_default().to_owned(),
                c["action"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Cuts the text from the line starting with `from` up to (not including) the line starting
/// with `to`.
fn cut(text: &str, from: &str, to: &str) -> String {
    let start = text
        .find(from)
        .unwrap_or_else(|| panic!("{from:?} in the example"));
    let end = start
        + text[start..]
            .find(to)
            .unwrap_or_else(|| panic!("{to:?} after {from:?}"));
    format!("{}{}", &text[..start], &text[end..])
}

#[test]
fn the_platform_example_converges_and_clears_what_it_stops_declaring_on_the_sandbox() {
    let env = Env::sandbox();
    let dir = env.platform("platform", |t| t);
    env.apply(&dir);
    let (status, plan, out) = env.plan(&dir, &[]);
    assert_eq!(status, 0, "{}", text(&out));
    assert_eq!(changes(&plan), vec![]);

    // Scanning, the ECR Public cache rule and the account settings go.
    let fewer = env.platform("platform", |t| {
        let t = cut(&t, "  scanning {", "  pull_through_cache \"docker-hub\"");
        let t = cut(
            &t,
            "  pull_through_cache \"ecr-public\"",
            "  creation_template",
        );
        cut(
            &t,
            "  account_settings",
            "  pull_through_cache \"docker-hub\"",
        )
    });
    let (status, plan, out) = env.plan(&fewer, &[]);
    assert_eq!(status, 2, "{}", text(&out));
    let got = changes(&plan);
    for expected in [
        ("scanning_configuration", "registry", "delete"),
        ("pull_through_cache_rule", "ecr-public", "delete"),
        ("registry_owner", "registry", "update"),
    ] {
        assert!(
            got.contains(&(expected.0.into(), expected.1.into(), expected.2.into())),
            "{expected:?} in {got:?}"
        );
    }
    assert!(
        !got.iter().any(|c| c.0 == "account_setting"),
        "an account setting has no delete: {got:?}"
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("BLOB_MOUNTING")
            || plan["notes"].to_string().contains("BLOB_MOUNTING"),
        "the plan says the setting stays: {}",
        text(&out)
    );
    env.apply(&fewer);
    let (status, _, out) = env.plan(&fewer, &[]);
    assert_eq!(status, 0, "{}", text(&out));

    // No block at all: every managed section is cleared and the owner record deleted.
    let none = env.config("platform", "ecrplan {\n  estate = \"platform\"\n}\n");
    let (status, plan, out) = env.plan(&none, &[]);
    assert_eq!(status, 2, "{}", text(&out));
    let got = changes(&plan);
    assert!(got.iter().all(|c| c.2 == "delete"), "{got:?}");
    assert!(
        got.contains(&("registry_owner".into(), "registry".into(), "delete".into())),
        "{got:?}"
    );
    env.apply(&none);
    let (status, _, out) = env.plan(&none, &[]);
    assert_eq!(status, 0, "{}", text(&out));
}

#[test]
fn a_second_estate_is_refused_naming_the_owner_and_a_team_estate_touches_nothing() {
    let env = Env::sandbox();
    let platform = env.platform("platform", |t| t);
    env.apply(&platform);
    let before = std::fs::read(env.account_file()).expect("account file");

    let rival = env.platform("rival", |t| {
        t.replace("estate = \"platform\"", "estate = \"rival\"")
    });
    let out = env.run(&["apply", path(&rival), "--auto-approve"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("`platform`"), "{stderr}");
    assert_eq!(
        std::fs::read(env.account_file()).expect("account file"),
        before,
        "nothing changed"
    );

    let team = env.config(
        "team",
        "ecrplan {\n  estate = \"team\"\n}\n\nmodule \"app\" {\n  source           = \"../modules/ecr-repos\"\n  ecr-repositories = [\"team/app\"]\n}\n",
    );
    let (status, plan, out) = env.plan(&team, &[]);
    assert_eq!(status, 2, "{}", text(&out));
    let kinds: Vec<String> = changes(&plan).into_iter().map(|c| c.0).collect();
    assert_eq!(kinds, vec!["repository"], "{}", text(&out));
}

#[test]
fn an_unnamed_estate_clears_nothing_on_the_sandbox() {
    let env = Env::sandbox();
    let dir = env.platform("unnamed", |t| cut(&t, "ecrplan {", "registry {"));
    env.apply(&dir);
    let none = env.config("unnamed", "");
    let (status, plan, out) = env.plan(&none, &[]);
    assert_eq!(status, 0, "{}", text(&out));
    assert_eq!(changes(&plan), vec![]);
}
