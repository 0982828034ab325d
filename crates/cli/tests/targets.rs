//! `--module NAME`, Terraform's `-target` (issue 22), through the binary on the sandbox: a
//! targeted plan changes only the named modules and never deletes what it did not select, a
//! saved one records its targets and apply re-plans with them, an unknown name lists the module
//! blocks, and drift refuses targets.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

const TWO_MODULES: &str = r#"ecrplan {
  estate = "teams"
}

module "billing" {
  source           = "../modules/ecr-repos"
  ecr-repositories = ["billing/api"]
}

module "search" {
  source           = "../modules/ecr-repos"
  ecr-repositories = ["search/api"]
}
"#;

struct Env {
    dir: TempDir,
}

impl Env {
    fn new(text: &str) -> Env {
        let env = Env {
            dir: TempDir::new().expect("tempdir"),
        };
        env.write(text);
        env
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    fn write(&self, text: &str) {
        std::fs::create_dir_all(self.config()).expect("mkdir");
        std::fs::write(self.config().join("main.hcl"), text).expect("write");
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_ecrplan"))
            .args(args)
            .arg("--sandbox")
            .arg(self.dir.path().join("account.json"))
            .env("NO_COLOR", "1")
            .env_remove("AWS_ENDPOINT_URL")
            .output()
            .expect("ecrplan runs")
    }

    /// The saved plan of `plan config --out` with `extra` flags.
    fn saved_plan(&self, extra: &[&str]) -> (Value, PathBuf) {
        let saved = self.dir.path().join("plan.json");
        let config = self.config();
        let mut args = vec!["plan", path(&config), "--out", path(&saved)];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        assert!(out.status.success(), "{}", text(&out));
        let plan = std::fs::read_to_string(&saved).expect("saved plan");
        (serde_json::from_str(&plan).expect("JSON"), saved)
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

/// (key, action) of every change that does something.
fn changes(plan: &Value) -> Vec<(String, String)> {
    plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["action"] != "no-op")
        .map(|c| {
            (
                c["id"]["key"].as_str().unwrap_or_default().to_owned(),
                c["action"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_targeted_plan_changes_only_its_modules_and_deletes_nothing_else() {
    let env = Env::new(TWO_MODULES);
    let (plan, _) = env.saved_plan(&["--module", "billing"]);
    assert_eq!(
        changes(&plan),
        [("billing/api".to_owned(), "create".to_owned())]
    );
    assert_eq!(plan["targets"], serde_json::json!(["billing"]));
    let out = env.run(&["apply", path(&env.config()), "--auto-approve"]);
    assert!(out.status.success(), "{}", text(&out));

    // search leaves the configuration and billing changes: a plan targeting billing updates
    // billing and keeps search's repository, which a whole plan deletes.
    let billing_only =
        TWO_MODULES.replace("[\"billing/api\"]", "[\"billing/api\", \"billing/worker\"]");
    env.write(
        billing_only
            .split("module \"search\"")
            .next()
            .expect("billing's part"),
    );
    let (targeted, saved) = env.saved_plan(&["--module", "billing"]);
    assert_eq!(
        changes(&targeted),
        [("billing/worker".to_owned(), "create".to_owned())]
    );
    let (whole, _) = env.saved_plan(&[]);
    assert!(
        changes(&whole).contains(&("search/api".to_owned(), "delete".to_owned())),
        "{:?}",
        changes(&whole)
    );
    // The saved targeted plan is applied with its own targets (the whole plan above did not
    // overwrite it: it was saved to the same path, so save the targeted one again).
    let (_, saved_again) = env.saved_plan(&["--module", "billing"]);
    assert_eq!(saved, saved_again);
    let out = env.run(&["apply", path(&saved_again), "--auto-approve"]);
    assert!(out.status.success(), "{}", text(&out));
    let (after, _) = env.saved_plan(&[]);
    assert_eq!(
        changes(&after),
        [("search/api".to_owned(), "delete".to_owned())],
        "search's repository is still there for the whole plan to delete"
    );
}

#[test]
fn an_unknown_target_lists_the_modules_and_drift_refuses_targets() {
    let env = Env::new(TWO_MODULES);
    let out = env.run(&["plan", path(&env.config()), "--module", "biling"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--module biling"), "{stderr}");
    assert!(stderr.contains("billing, search"), "{stderr}");

    let out = env.run(&["drift", path(&env.config()), "--module", "billing"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("drift reads the whole estate"),
        "{}",
        text(&out)
    );
}
