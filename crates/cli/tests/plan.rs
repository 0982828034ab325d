//! `ecrplan plan`, `show`, `graph` and `drift` end to end against the sandbox account: exit
//! codes (0 no changes, 1 error, 2 changes or drift), data on stdout, saved plans.

use std::path::{Path, PathBuf};
use std::process::Command;

use ecrplan_hcl::{LoadOptions, load_dir};
use ecrplan_model::{Account, LiveEstate, LiveObject, Repository, Resource, Tags, tags};
use ecrplan_sandbox::{SANDBOX_ACCOUNT_ID, SANDBOX_REGION, write_snapshot};
use tempfile::TempDir;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// A configuration directory with the seed module and a sandbox account file beside it.
struct Env {
    dir: TempDir,
}

impl Env {
    fn koa() -> Env {
        let dir = TempDir::new().expect("tempdir");
        let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/koa/main.tf");
        std::fs::create_dir(dir.path().join("config")).expect("mkdir");
        std::fs::copy(&seed, dir.path().join("config/main.tf")).expect("copy the seed");
        Env { dir }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    fn account_file(&self) -> PathBuf {
        self.dir.path().join("account.json")
    }

    fn run(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_ecrplan"))
            .args(args)
            .env("NO_COLOR", "1")
            .env_remove("AWS_ENDPOINT_URL")
            .current_dir(self.dir.path())
            .output()
            .expect("ecrplan runs");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs a command against the configuration and the sandbox account.
    fn ecrplan(&self, command: &str, extra: &[&str]) -> Run {
        let config = self.config();
        let file = self.account_file();
        let mut args = vec![
            command,
            config.to_str().expect("utf-8 path"),
            "--sandbox",
            file.to_str().expect("utf-8 path"),
        ];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    /// The account as a complete apply of the configuration leaves it, plus `extra`.
    fn in_sync(&self, extra: Vec<LiveObject>) {
        let loaded = load_dir(&self.config(), &LoadOptions::default()).expect("seed loads");
        let account = Account::new(SANDBOX_ACCOUNT_ID, SANDBOX_REGION);
        let mut live = LiveEstate::empty(account.clone());
        live.objects = loaded
            .estate
            .objects(&ecrplan_model::Reach::single(account.clone()))
            .into_iter()
            .map(|o| LiveObject::new(o.resource))
            .chain(extra)
            .collect();
        live.normalise();
        write_snapshot(&self.account_file(), &live).expect("sandbox written");
    }
}

fn repository(name: &str, tags: Tags) -> LiveObject {
    LiveObject::new(Resource::Repository(Repository {
        name: name.into(),
        image_tag_mutability: Default::default(),
        image_tag_mutability_exclusion_filters: Vec::new(),
        scan_on_push: false,
        encryption: Default::default(),
        tags,
    }))
}

fn owned_by(estate: &str) -> Tags {
    tags::ownership(estate, Some("ecr-koa"))
}

#[test]
fn plan_on_an_empty_account_shows_changes() {
    let env = Env::koa();
    let detailed = env.ecrplan("plan", &["--detailed-exitcode"]);
    assert_eq!(detailed.code, 2, "{}", detailed.stderr);
    assert!(
        detailed
            .stdout
            .contains("Plan: 5 to add, 0 to change, 0 to destroy, 0 to adopt."),
        "{}",
        detailed.stdout
    );
    assert!(
        detailed
            .stdout
            .contains(r#"# module.ecr-koa.repository["giftcard-service"] will be created"#)
    );
    assert!(
        !detailed.stdout.contains('\x1b'),
        "no colour off a terminal"
    );
    let plain = env.ecrplan("plan", &[]);
    assert_eq!(plain.code, 0, "changes exit 0 without --detailed-exitcode");
    assert_eq!(plain.stdout, detailed.stdout);
    assert!(!env.account_file().exists(), "planning changes nothing");
}

#[test]
fn plan_of_an_account_in_sync_exits_zero() {
    let env = Env::koa();
    env.in_sync(Vec::new());
    let run = env.ecrplan("plan", &["--detailed-exitcode"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("No changes. Your ECR estate matches the configuration.")
    );
}

#[test]
fn plan_formats_are_data_on_stdout() {
    let env = Env::koa();
    let json = env.ecrplan("plan", &["--format", "json"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("stdout is JSON alone");
    assert_eq!(v["format_version"], "1.2");
    assert_eq!(v["resource_changes"].as_array().map(Vec::len), Some(5));
    assert_eq!(v["ecrplan"]["account"]["id"], SANDBOX_ACCOUNT_ID);
    let md = env.ecrplan("plan", &["--format", "markdown"]);
    assert_eq!(md.code, 0, "{}", md.stderr);
    assert!(md.stdout.starts_with("### ecrplan plan"), "{}", md.stdout);
}

#[test]
fn saved_plan_is_shown_without_the_account() {
    let env = Env::koa();
    let saved = env.dir.path().join("plan.json");
    let run = env.ecrplan("plan", &["--out", saved.to_str().expect("utf-8")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("Saved the plan"), "{}", run.stderr);
    let plan: ecrplan_model::Plan =
        serde_json::from_str(&std::fs::read_to_string(&saved).expect("plan written"))
            .expect("the plan file is a Plan");
    assert_eq!(plan.changes.len(), 5);
    assert!(!plan.config_hash.is_empty());

    let shown = env.run(&["show", saved.to_str().expect("utf-8")]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert_eq!(shown.stdout, run.stdout, "show renders what plan rendered");
    let md = env.run(&[
        "show",
        saved.to_str().expect("utf-8"),
        "--format",
        "markdown",
    ]);
    assert!(md.stdout.contains("Plan: 5 to add"));

    let missing = env.run(&["show", "no-such-plan.json"]);
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("no-such-plan.json"),
        "{}",
        missing.stderr
    );
    std::fs::write(env.dir.path().join("junk.json"), "{\"format_version\": 99}").expect("write");
    let junk = env.run(&["show", "junk.json"]);
    assert_eq!(junk.code, 1);
    assert!(junk.stderr.contains("format version 99"), "{}", junk.stderr);
}

#[test]
fn a_plan_with_errors_renders_then_exits_one() {
    let env = Env::koa();
    // Only a named estate deletes what it no longer declares.
    std::fs::write(
        env.config().join("estate.tf"),
        "ecrplan { estate = \"koa\" }\n",
    )
    .expect("write");
    env.in_sync(vec![repository("legacy-service", owned_by("koa"))]);
    ecrplan_sandbox::SandboxProvider::open(&env.account_file())
        .expect("open")
        .set_image_count("legacy-service", 3)
        .expect("images pushed");
    let saved = env.dir.path().join("plan.json");
    let run = env.ecrplan(
        "plan",
        &[
            "--detailed-exitcode",
            "--out",
            saved.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains(r#"# module.ecr-koa.repository["legacy-service"] will be destroyed"#),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("Error: repository legacy-service holds images"),
        "{}",
        run.stdout
    );
    assert!(
        !saved.exists(),
        "a plan that must not be applied is not saved"
    );
}

#[test]
fn declaring_another_estates_repository_is_an_error() {
    let env = Env::koa();
    let loaded = load_dir(&env.config(), &LoadOptions::default()).expect("seed loads");
    let account = Account::new(SANDBOX_ACCOUNT_ID, SANDBOX_REGION);
    let mut live = LiveEstate::empty(account.clone());
    live.objects = loaded
        .estate
        .objects(&ecrplan_model::Reach::single(account.clone()))
        .into_iter()
        .filter(|o| o.resource.tags().is_some())
        .map(|mut o| {
            if let Some(t) = o.resource.tags_mut() {
                t.insert(tags::ESTATE.into(), "payments".into());
            }
            LiveObject::new(o.resource)
        })
        .collect();
    live.normalise();
    write_snapshot(&env.account_file(), &live).expect("sandbox written");
    for command in ["plan", "drift", "graph"] {
        let run = env.ecrplan(command, &[]);
        assert_eq!(run.code, 1, "{command}: {}", run.stdout);
        assert!(run.stderr.contains("payments"), "{command}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{command}: nothing on stdout");
    }
}

#[test]
fn bad_configuration_exits_one() {
    let env = Env::koa();
    std::fs::write(
        env.config().join("broken.tf"),
        "module \"x\" {\n  ecr-repositories = [\n",
    )
    .expect("write");
    for command in ["plan", "drift", "graph"] {
        let run = env.ecrplan(command, &[]);
        assert_eq!(run.code, 1, "{command}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains("broken.tf"),
            "{command}: {}",
            run.stderr
        );
    }
}

#[test]
fn drift_exit_codes() {
    let env = Env::koa();
    env.in_sync(Vec::new());
    let clean = env.ecrplan("drift", &[]);
    assert_eq!(clean.code, 0, "{}{}", clean.stdout, clean.stderr);
    assert!(clean.stdout.contains("No drift."));

    // A shared account: what others hold is not this estate's drift...
    env.in_sync(vec![
        repository("hand-made", Tags::new()),
        repository("pay", owned_by("payments")),
    ]);
    let shared = env.ecrplan("drift", &["--format", "json"]);
    assert_eq!(shared.code, 0, "{}{}", shared.stdout, shared.stderr);
    let v: serde_json::Value = serde_json::from_str(&shared.stdout).expect("JSON");
    assert_eq!(v["ecrplan"]["in_sync"], true);
    // ...but the account-wide audit reports it.
    let unmanaged = env.ecrplan("drift", &["--format", "json", "--account-wide"]);
    assert_eq!(unmanaged.code, 2, "{}", unmanaged.stderr);
    let v: serde_json::Value = serde_json::from_str(&unmanaged.stdout).expect("JSON");
    assert_eq!(v["ecrplan"]["in_sync"], false);
    assert_eq!(v["ecrplan"]["unmanaged"][0]["id"]["key"], "hand-made");
    assert_eq!(v["ecrplan"]["other_estates"]["payments"], 1);
    let text = env.ecrplan("drift", &["--account-wide"]);
    assert_eq!(text.code, 2, "{}", text.stderr);
    assert!(
        text.stdout
            .contains("Other estates in the account:\n  payments: 1 object"),
        "{}",
        text.stdout
    );

    let empty = Env::koa();
    let missing = empty.ecrplan("drift", &["--format", "markdown"]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(missing.stdout.contains("5 missing"), "{}", missing.stdout);
}

#[test]
fn graph_is_dot() {
    let env = Env::koa();
    let run = env.ecrplan("graph", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("digraph ecrplan {"));
    assert!(
        run.stdout
            .contains(r#""module.ecr-koa.github_role" -> "module.ecr-koa.github_role_policy";"#)
    );
}

#[test]
fn plan_after_apply_has_no_changes() {
    let env = Env::koa();
    let applied = env.ecrplan("apply", &["--auto-approve"]);
    assert_eq!(applied.code, 0, "{}{}", applied.stdout, applied.stderr);
    let again = env.ecrplan("plan", &["--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}{}", again.stdout, again.stderr);
    let drift = env.ecrplan("drift", &[]);
    assert_eq!(drift.code, 0, "{}{}", drift.stdout, drift.stderr);
}
