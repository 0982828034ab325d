//! `ecrplan apply` end to end: the binary against moto (through the fault proxy, so chosen
//! calls can fail or slow down) and against the sandbox account, with the same scenarios.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use ecrplan_test::fault::{Fault, FaultProxy, Loss, Rule};
use ecrplan_test::{ImageStore, Moto, REGION};
use serde_json::Value;
use tempfile::TempDir;

/// Where the account under test lives.
enum Account {
    Moto { proxy: FaultProxy, moto: Moto },
    Sandbox { file: PathBuf },
}

struct Env {
    account: Account,
    dir: TempDir,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

impl Env {
    /// moto's default account, wiped, for this test alone, behind a fault proxy.
    async fn moto() -> Env {
        let moto = ecrplan_test::moto().await;
        let upstream = moto.endpoint().trim_start_matches("http://").to_owned();
        let proxy = FaultProxy::start(&upstream).expect("fault proxy starts");
        Env {
            account: Account::Moto { proxy, moto },
            dir: TempDir::new().unwrap(),
        }
    }

    fn sandbox() -> Env {
        let dir = TempDir::new().unwrap();
        let file = dir.path().join("account.json");
        Env {
            account: Account::Sandbox { file },
            dir,
        }
    }

    /// The same scenario runs against both providers.
    async fn both() -> [Env; 2] {
        [Env::moto().await, Env::sandbox()]
    }

    fn name(&self) -> &'static str {
        match self.account {
            Account::Moto { .. } => "moto",
            Account::Sandbox { .. } => "sandbox",
        }
    }

    fn moto_server(&self) -> &Moto {
        match &self.account {
            Account::Moto { moto, .. } => moto,
            Account::Sandbox { .. } => panic!("out-of-band IAM changes need moto"),
        }
    }

    fn proxy(&self) -> &FaultProxy {
        match &self.account {
            Account::Moto { proxy, .. } => proxy,
            Account::Sandbox { .. } => panic!("fault injection needs moto"),
        }
    }

    /// A configuration directory: a copy of an example or of files given here.
    fn config(&self, name: &str) -> PathBuf {
        let dir = self.dir.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn copy_example(&self, example: &str) -> PathBuf {
        let dir = self.config(example);
        for entry in std::fs::read_dir(workspace().join("examples").join(example)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() && !path.ends_with(".ecrplan-sandbox.json") {
                let mut text = std::fs::read_to_string(&path).unwrap();
                if matches!(self.account, Account::Moto { .. }) {
                    text = text.replace("provider \"sandbox\" {}", "provider \"aws\" {}");
                    // A sandbox block of another shape would be left in place, and the test
                    // would run against the sandbox file while it believes it runs on moto.
                    assert!(
                        !text.contains("provider \"sandbox\""),
                        "{}: the sandbox provider block was not swapped for moto's",
                        path.display()
                    );
                }
                std::fs::write(dir.join(path.file_name().unwrap()), text).unwrap();
            }
        }
        dir
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecrplan"));
        cmd.args(args).env("NO_COLOR", "1").stdin(Stdio::null());
        match &self.account {
            Account::Moto { proxy, .. } => {
                ecrplan_test::against_moto(&mut cmd, &proxy.url(), REGION);
            }
            Account::Sandbox { file } => {
                cmd.arg("--sandbox").arg(file);
            }
        }
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("ecrplan runs")
    }

    fn apply(&self, dir: &Path) -> Output {
        self.run(&["apply", dir.to_str().unwrap(), "--auto-approve"])
    }

    /// `plan --detailed-exitcode`'s exit status.
    fn plan_status(&self, dir: &Path) -> i32 {
        let out = self.run(&["plan", dir.to_str().unwrap(), "--detailed-exitcode"]);
        out.status.code().unwrap_or(-1)
    }

    fn plan_json(&self, dir: &Path) -> Value {
        let out = self.run(&["plan", dir.to_str().unwrap(), "--format", "json"]);
        assert!(out.status.success(), "{}", text(&out));
        serde_json::from_slice(&out.stdout).expect("plan JSON")
    }

    /// The live objects the estate touches, through `ecrplan snapshot`.
    fn snapshot(&self, dir: &Path) -> Value {
        let file = self.dir.path().join("snapshot.json");
        let out = self.run(&[
            "snapshot",
            dir.to_str().unwrap(),
            "--out",
            file.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", text(&out));
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
    }

    async fn put_image(&self, repository: &str) {
        match &self.account {
            Account::Moto { moto, .. } => moto.images(None).push(repository).await,
            Account::Sandbox { file } => {
                let mut doc: Value =
                    serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
                doc["images"][repository] = Value::from(1);
                std::fs::write(file, serde_json::to_string(&doc).unwrap()).unwrap();
            }
        }
    }
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn repositories(snapshot: &Value) -> Vec<String> {
    let mut names: Vec<String> = snapshot["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["resource"]["kind"] == "repository")
        .map(|o| o["resource"]["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

fn kinds(snapshot: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = snapshot["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let r = &o["resource"];
            // Policies are named by their parent; a role policy's own name is the same for all.
            let key = ["repository", "role", "url", "name"]
                .iter()
                .find_map(|k| r[*k].as_str())
                .unwrap_or("registry");
            (r["kind"].as_str().unwrap().to_owned(), key.to_owned())
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn every_example_applies_and_then_has_no_changes() {
    for env in Env::both().await {
        for example in ["quickstart", "koa", "multi-team"] {
            let dir = env.copy_example(example);
            let out = env.apply(&dir);
            assert!(
                out.status.success(),
                "{} {example}: {}",
                env.name(),
                text(&out)
            );
            assert!(
                String::from_utf8_lossy(&out.stdout).contains("Apply complete!"),
                "{}",
                text(&out)
            );
            assert_eq!(
                env.plan_status(&dir),
                0,
                "{} {example}: second plan has changes",
                env.name()
            );
        }
    }
}

#[tokio::test]
async fn removing_a_module_deletes_exactly_its_objects_in_reverse_order() {
    for env in Env::both().await {
        let dir = env.copy_example("multi-team");
        assert!(env.apply(&dir).status.success());
        let before = kinds(&env.snapshot(&dir));
        std::fs::remove_file(dir.join("billing.hcl")).unwrap();
        std::fs::remove_file(dir.join("billing-lifecycle.json")).unwrap();

        let plan = env.plan_json(&dir);
        // ecrplan's short addresses, as the apply output prints them.
        let mut deleted: Vec<String> = plan["ecrplan"]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["action"] == "delete")
            .map(|c| c["ecrplan_address"].as_str().unwrap().to_owned())
            .collect();
        deleted.sort();
        let others: Vec<&String> = deleted
            .iter()
            .filter(|a| !a.starts_with("module.billing.") && !a.contains("oidc.circleci.com"))
            .collect();
        assert!(
            others.is_empty(),
            "{}: deletes outside module.billing: {others:?}",
            env.name()
        );
        for expected in [
            "module.billing.repository[\"billing/invoicer\"]",
            "module.billing.lifecycle_policy[\"billing/invoicer\"]",
            // Undeclared roles are indexed by name, so a renamed role's delete and its
            // replacement's create never share an address.
            "module.billing.circleci_role[\"billing-circleci-ecr-push\"]",
            "module.billing.circleci_role_policy[\"billing-circleci-ecr-push:ecr-push\"]",
        ] {
            assert!(
                deleted.iter().any(|d| d == expected),
                "{}: {expected} not deleted: {deleted:?}",
                env.name()
            );
        }

        let out = env.apply(&dir);
        assert!(out.status.success(), "{}", text(&out));
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let finished = |address: &str| {
            stdout
                .lines()
                .position(|l| l.starts_with(address) && l.ends_with("Destruction complete"))
                .unwrap_or_else(|| panic!("{address} not destroyed:\n{stdout}"))
        };
        let started = |address: &str| {
            stdout
                .lines()
                .position(|l| l.starts_with(address) && l.ends_with("Destroying..."))
                .unwrap_or_else(|| panic!("{address} not started:\n{stdout}"))
        };
        assert!(
            finished("module.billing.circleci_role_policy")
                < started("module.billing.circleci_role[")
        );
        assert!(
            finished("module.billing.lifecycle_policy") < started("module.billing.repository[")
        );

        let after = kinds(&env.snapshot(&dir));
        let gone: Vec<_> = before.iter().filter(|k| !after.contains(k)).collect();
        assert!(
            gone.iter()
                .all(|(_, key)| key.contains("billing") || key.contains("circleci")),
            "{gone:?}"
        );
        assert!(
            after
                .iter()
                .any(|(k, n)| k == "repository" && n == "search/api")
        );
        assert!(
            !after.iter().any(|(_, n)| n.contains("billing")),
            "{after:?}"
        );
        assert_eq!(env.plan_status(&dir), 0);
    }
}

#[tokio::test]
async fn a_repository_holding_images_is_deleted_only_with_force_delete() {
    for env in Env::both().await {
        let dir = env.copy_example("koa");
        assert!(env.apply(&dir).status.success());
        env.put_image("giftcard-service").await;
        let module = std::fs::read_to_string(dir.join("main.tf")).unwrap();
        std::fs::write(
            dir.join("main.tf"),
            "ecrplan {\n  estate = \"default\"\n}\n",
        )
        .unwrap();

        let out = env.apply(&dir);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        assert!(text(&out).contains("force_delete"), "{}", text(&out));
        assert_eq!(
            repositories(&env.snapshot(&dir)),
            ["giftcard-service"],
            "{}",
            env.name()
        );

        let forced = module.replacen(
            "ecr-repositories",
            "force_delete = true\n  ecr-repositories",
            1,
        );
        std::fs::write(dir.join("main.tf"), forced).unwrap();
        assert!(env.apply(&dir).status.success());
        std::fs::write(
            dir.join("main.tf"),
            "ecrplan {\n  estate = \"default\"\n}\n",
        )
        .unwrap();
        let out = env.apply(&dir);
        assert!(out.status.success(), "{}", text(&out));
        assert!(
            repositories(&env.snapshot(&dir)).is_empty(),
            "{}",
            env.name()
        );
    }
}

#[tokio::test]
async fn a_stale_saved_plan_is_refused_and_changes_nothing() {
    for env in Env::both().await {
        let dir = env.copy_example("koa");
        assert!(env.apply(&dir).status.success());
        let main = dir.join("main.tf");
        let original = std::fs::read_to_string(&main).unwrap();
        let plan_file = env.dir.path().join("plan.json");
        let plan_path = plan_file.to_str().unwrap();

        // The live repository policy changes after the plan is made.
        let widened = original.replace("can_write   = false\n  }]", "can_write   = true\n  }]");
        assert_ne!(widened, original);
        std::fs::write(&main, &widened).unwrap();
        let out = env.run(&["plan", dir.to_str().unwrap(), "--out", plan_path]);
        assert!(out.status.success(), "{}", text(&out));
        // Someone applies another version of the same module meanwhile.
        let mutated = env.config("mutated");
        std::fs::write(
            mutated.join("main.tf"),
            original.replace("151484623076", "151484623077"),
        )
        .unwrap();
        assert!(env.apply(&mutated).status.success());
        let before = env.snapshot(&dir);
        let out = env.run(&["apply", plan_path, "--auto-approve"]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let said = text(&out).split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            said.contains(
                "plan is stale: module.ecr-koa.repository_policy[\"giftcard-service\"] changed"
            ),
            "{said}"
        );
        assert_eq!(
            env.snapshot(&dir),
            before,
            "{}: a stale plan changed the account",
            env.name()
        );

        // The configuration changes after the plan is made.
        let out = env.run(&["plan", dir.to_str().unwrap(), "--out", plan_path]);
        assert!(out.status.success(), "{}", text(&out));
        std::fs::write(&main, &original).unwrap();
        let out = env.run(&["apply", plan_path, "--auto-approve"]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let said = text(&out).split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(said.contains("plan is stale: the configuration"), "{said}");
        assert_eq!(env.snapshot(&dir), before);

        // A fresh saved plan applies, and leaves nothing to do.
        let out = env.run(&["plan", dir.to_str().unwrap(), "--out", plan_path]);
        assert!(out.status.success(), "{}", text(&out));
        let out = env.run(&["apply", plan_path, "--auto-approve"]);
        assert!(out.status.success(), "{}: {}", env.name(), text(&out));
        assert_eq!(env.plan_status(&dir), 0, "{}", env.name());
    }
}

#[tokio::test]
async fn a_failed_change_skips_its_dependents_and_the_rest_is_applied() {
    let env = Env::moto().await;
    let dir = env.copy_example("multi-team");
    env.proxy().fail(Rule {
        needles: vec![
            "Action=CreateRole".into(),
            "RoleName=search-github-ecr-push".into(),
        ],
        fault: Fault::Query {
            code: "LimitExceeded".into(),
            message: "Cannot exceed quota for RolesPerAccount: 1000".into(),
        },
    });
    let out = env.apply(&dir);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(env.proxy().hits() >= 1);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        stdout.contains("module.search.github_role: failed: CreateRole failed: LimitExceeded"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "module.search.github_role_policy: skipped: module.search.github_role failed"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("module.billing.circleci_role_policy: Creation complete"),
        "{stdout}"
    );
    assert!(
        stdout.contains("module.search.repository[\"search/api\"]: Creation complete"),
        "{stdout}"
    );

    env.proxy().heal();
    let out = env.apply(&dir);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(env.plan_status(&dir), 0);
}

/// Writes an estate of `modules` modules with two repositories, a repository policy, a
/// lifecycle policy, a role and its policy each.
fn large_estate(dir: &Path, modules: usize) {
    let mut text = String::from("ecrplan {\n  estate = \"crash\"\n}\n");
    for m in 0..modules {
        text += &format!(
            "module \"team{m}\" {{\n  source = \"../modules/ecr-repos\"\n  ecr-repositories = [\"team{m}/api\", \"team{m}/worker\"]\n  \
             lifecycle = {{ keep_last = 10 }}\n  account_access = [{{ description = \"prod\", account_id = \"{:012}\", can_write = false }}]\n  \
             github_access = {{\n    role_name = \"team{m}-push\"\n    github_repositories = [{{ organisation = \"example\", repository = \"team{m}\" }}]\n  }}\n}}\n",
            100000000000u64 + m as u64
        );
    }
    std::fs::write(dir.join("main.tf"), text).unwrap();
}

/// Kills `ecrplan apply` (SIGKILL) after `completed` more changes finish.
fn apply_and_kill(env: &Env, dir: &Path, completed: usize) {
    let mut child = env
        .command(&["apply", dir.to_str().unwrap(), "--auto-approve"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut seen = 0;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if line.ends_with(" complete") {
            seen += 1;
            if seen == completed {
                break;
            }
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        seen == completed,
        "apply finished after {seen} changes, before the kill point {completed}"
    );
}

#[tokio::test]
async fn an_apply_killed_at_any_point_converges_on_the_next_run() {
    let env = Env::moto().await;
    env.proxy().set_latency(Duration::from_millis(15));
    let dir = env.config("large");
    let modules = 25;
    large_estate(&dir, modules);
    for completed in [3, 40, 90] {
        apply_and_kill(&env, &dir, completed);
    }
    env.proxy().set_latency(Duration::ZERO);
    let out = env.apply(&dir);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        env.plan_status(&dir),
        0,
        "the account does not match after convergence"
    );

    let objects = kinds(&env.snapshot(&dir));
    let count = |kind: &str| objects.iter().filter(|(k, _)| k == kind).count();
    assert_eq!(count("repository"), 2 * modules);
    assert_eq!(count("repository_policy"), 2 * modules);
    assert_eq!(count("lifecycle_policy"), 2 * modules);
    assert_eq!(count("role"), modules);
    assert_eq!(count("role_policy"), modules);
    assert_eq!(count("oidc_provider"), 1);
    let mut dedup = objects.clone();
    dedup.dedup();
    assert_eq!(dedup, objects, "an object appears twice");
}

#[tokio::test]
async fn ctrl_c_lets_changes_in_flight_finish_and_starts_nothing_new() {
    let env = Env::moto().await;
    env.proxy().set_latency(Duration::from_millis(30));
    let dir = env.config("interrupted");
    large_estate(&dir, 10);
    let mut child = env
        .command(&["apply", dir.to_str().unwrap(), "--auto-approve"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut stdout = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.ends_with(" complete");
        stdout.push(line);
        if done && stdout.iter().filter(|l| l.ends_with(" complete")).count() == 5 {
            break;
        }
    }
    let interrupt = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupt.success());
    stdout.extend(lines.map(|l| l.unwrap()));
    let status = child.wait().unwrap();
    let stdout = stdout.join("\n");
    assert_eq!(status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("Apply interrupted:"), "{stdout}");
    assert!(stdout.contains("skipped: interrupted"), "{stdout}");
    // Every change that started also finished: nothing was cut off mid-call.
    let started = stdout.lines().filter(|l| l.ends_with("...")).count();
    let finished = stdout
        .lines()
        .filter(|l| l.ends_with(" complete") || l.contains(": failed: "))
        .count();
    assert_eq!(started, finished, "{stdout}");
    assert!(
        finished < 60,
        "everything was applied before the interrupt took effect"
    );

    env.proxy().set_latency(Duration::ZERO);
    let out = env.apply(&dir);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(env.plan_status(&dir), 0);
}

/// Issue 11: a managed policy attached out of band to an ecrplan role was invisible — `plan`
/// said "No changes", `drift` said "No drift" and a saved plan still applied.
#[tokio::test]
async fn a_managed_policy_attached_out_of_band_is_drift_and_is_detached() {
    const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
    let env = Env::moto().await;
    let dir = env.copy_example("koa");
    let out = env.apply(&dir);
    assert!(out.status.success(), "{}", text(&out));
    let plan_file = env.dir.path().join("plan.json");
    let plan_path = plan_file.to_str().unwrap();
    let out = env.run(&["plan", dir.to_str().unwrap(), "--out", plan_path]);
    assert!(out.status.success(), "{}", text(&out));

    env.moto_server()
        .attach_managed_policy(None, "koa-github-ecr-access", ADMIN);

    let out = env.run(&["apply", plan_path, "--auto-approve"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = text(&out).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(said.contains("plan is stale"), "{said}");

    let out = env.run(&["plan", dir.to_str().unwrap(), "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "# module.ecr-koa.github_role_policy_attachment[\"koa-github-ecr-access:{ADMIN}\"] will be destroyed"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("- policy_arn = \"{ADMIN}\"")),
        "{stdout}"
    );
    assert!(
        stdout.contains("Plan: 0 to add, 0 to change, 1 to destroy"),
        "{stdout}"
    );

    let out = env.run(&["drift", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Never declared (issue 22): not "no longer declared".
    assert!(
        stdout.contains("Made by hand on the estate's objects (never declared):")
            && !stdout.contains("no longer declared:"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "aws_iam_role_policy_attachment \"koa-github-ecr-access:{ADMIN}\"): attached by hand"
        )),
        "{stdout}"
    );

    let out = env.apply(&dir);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(env.plan_status(&dir), 0, "the policy is still attached");
    let attached = kinds(&env.snapshot(&dir))
        .into_iter()
        .filter(|(k, _)| k == "role_policy_attachment")
        .count();
    assert_eq!(attached, 0);
}

/// Issue 11: a create whose response was lost (the SDK retries it) failed "already exists" on
/// the object ecrplan itself had just made and tagged.
#[tokio::test]
async fn an_apply_whose_create_responses_are_lost_converges_on_the_first_run() {
    let env = Env::moto().await;
    let dir = env.config("lossy");
    let modules = 20;
    large_estate(&dir, modules);
    for needle in [
        "ContainerRegistry_V20150921.CreateRepository",
        "Action=CreateRole",
        "Action=CreateOpenIDConnectProvider",
    ] {
        env.proxy().lose(Loss {
            needles: vec![needle.to_owned()],
            every: 2,
        });
    }
    // And one answer in seven of everything else: reads, puts, STS.
    env.proxy().lose(Loss {
        needles: Vec::new(),
        every: 7,
    });
    let out = env.apply(&dir);
    assert!(out.status.success(), "{}", text(&out));
    // Creates of half the repositories and roles (at least), and one in seven other calls.
    assert!(
        env.proxy().lost() >= modules + modules / 2,
        "only {} responses were lost",
        env.proxy().lost()
    );
    env.proxy().heal();
    assert_eq!(env.plan_status(&dir), 0, "the account does not match");
    let objects = kinds(&env.snapshot(&dir));
    let count = |kind: &str| objects.iter().filter(|(k, _)| k == kind).count();
    assert_eq!(count("repository"), 2 * modules);
    assert_eq!(count("role"), modules);
    assert_eq!(count("oidc_provider"), 1);
    let mut dedup = objects.clone();
    dedup.dedup();
    assert_eq!(dedup, objects, "an object appears twice");
}

/// Issue 11: the account guard said "cannot load AWS credentials" when the credentials loaded
/// fine but belonged to another account.
#[tokio::test]
async fn the_account_guard_says_the_credentials_are_another_accounts() {
    let env = Env::moto().await;
    let dir = env.copy_example("koa");
    std::fs::write(
        dir.join("provider.tf"),
        "provider \"aws\" {\n  account_id = \"999999999999\"\n}\n",
    )
    .unwrap();
    let out = env.run(&["plan", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = text(&out).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(!said.contains("cannot load AWS credentials"), "{said}");
    assert!(
        said.contains(
            "the AWS credentials loaded belong to account 123456789012, but the configuration is for account 999999999999"
        ),
        "{said}"
    );
}

/// Issue 11: `*_WITH_EXCLUSION` had no way to declare its filters; they are now applied,
/// read back and updated in place.
#[tokio::test]
async fn exclusion_filters_are_applied_read_back_and_updated() {
    for env in Env::both().await {
        let dir = env.config("exclusions");
        let main = |filters: &str| {
            format!(
                "ecrplan {{\n  estate = \"x\"\n}}\nmodule \"m\" {{\n  source = \"../modules/ecr-repos\"\n  \
                 ecr-repositories = [\"app\"]\n  image_tag_mutability = \"IMMUTABLE_WITH_EXCLUSION\"\n  \
                 image_tag_mutability_exclusion_filters = [{filters}]\n}}\n"
            )
        };
        std::fs::write(dir.join("main.tf"), main("\"latest\", \"dev-*\"")).unwrap();
        let out = env.apply(&dir);
        assert!(out.status.success(), "{}: {}", env.name(), text(&out));
        assert_eq!(
            env.plan_status(&dir),
            0,
            "{}: filters not read back",
            env.name()
        );
        let snapshot = env.snapshot(&dir);
        let repo = snapshot["objects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["resource"]["kind"] == "repository")
            .unwrap();
        assert_eq!(
            repo["resource"]["image_tag_mutability_exclusion_filters"],
            serde_json::json!(["latest", "dev-*"]),
            "{}",
            env.name()
        );

        std::fs::write(dir.join("main.tf"), main("\"release-*\"")).unwrap();
        let out = env.run(&["plan", dir.to_str().unwrap(), "--detailed-exitcode"]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("image_tag_mutability_exclusion_filters"),
            "{}",
            text(&out)
        );
        let out = env.apply(&dir);
        assert!(out.status.success(), "{}: {}", env.name(), text(&out));
        assert_eq!(env.plan_status(&dir), 0, "{}", env.name());
    }
}

/// Issue 11: drift skipped hand-made roles that trust the estate's CI provider, even one under
/// `/ecrplan/`; the plan still never touches them. No estate owns them, so the account-wide
/// audit reports them (issue 10).
#[tokio::test]
async fn drift_names_a_hand_made_role_trusting_the_estates_ci_provider() {
    use ecrplan_model::{JsonDocument, Operation, Provider, Resource, Role, Tags};

    let env = Env::moto().await;
    let dir = env.copy_example("koa");
    let out = env.apply(&dir);
    assert!(out.status.success(), "{}", text(&out));
    let provider = env.moto_server().provider().await;
    let account = provider.account().await.expect("account");
    let issuer = "token.actions.githubusercontent.com";
    let trust = JsonDocument::new(serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": account.oidc_provider_arn(issuer)},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringLike": {format!("{issuer}:sub"): "repo:someone/else:*"}}
        }]
    }));
    let by_hand = Resource::Role(Role {
        name: "escalation".into(),
        path: "/ecrplan/".into(),
        trust,
        tags: Tags::new(),
    });
    provider
        .apply(&Operation::Create { resource: by_hand })
        .await
        .expect("the hand-made role is created");

    let out = env.run(&["drift", dir.to_str().unwrap(), "--account-wide"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let said = text(&out).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        said.contains(
            "? aws_iam_role \"escalation\": role escalation (path /ecrplan/) trusts the OIDC \
             provider token.actions.githubusercontent.com this estate manages"
        ),
        "{said}"
    );
    assert_eq!(
        env.plan_status(&dir),
        0,
        "the plan must leave the role alone"
    );
}

/// Issue 21, against moto and the sandbox: an estate applied from a Cloud Platform
/// `module "ecr"` survives a typo in the module's `source` (plan refuses it with a did-you-mean)
/// and a block of the same name that is no ECR module (plan refuses to delete what the module
/// owns); with the source corrected, the account still matches the code.
#[tokio::test]
async fn a_typo_in_a_module_source_never_destroys_the_estate() {
    const GOOD: &str =
        "github.com/ministryofjustice/cloud-platform-terraform-ecr-credentials?ref=7.1.0";
    const TYPO: &str =
        "github.com/ministryofjustice/cloud-platform-terraform-ecr-credential?ref=7.1.0";
    for env in Env::both().await {
        let dir = env.config("probate");
        let main = dir.join("main.tf");
        std::fs::write(&main, ecrplan_test::cloud_platform_hcl(GOOD)).unwrap();
        let applied = env.apply(&dir);
        assert!(
            applied.status.success(),
            "{}: {}",
            env.name(),
            text(&applied)
        );

        std::fs::write(&main, ecrplan_test::cloud_platform_hcl(TYPO)).unwrap();
        let typo = env.run(&["plan", dir.to_str().unwrap()]);
        assert_eq!(
            typo.status.code(),
            Some(1),
            "{}: {}",
            env.name(),
            text(&typo)
        );
        assert!(
            text(&typo).contains("looks like the Cloud Platform ECR module"),
            "{}: {}",
            env.name(),
            text(&typo)
        );

        std::fs::write(
            &main,
            "ecrplan {\n  estate = \"probate\"\n}\n\nmodule \"ecr\" {\n  source = \"terraform-aws-modules/vpc/aws\"\n  name   = \"main\"\n}\n",
        )
        .unwrap();
        let skipped = env.run(&["plan", dir.to_str().unwrap()]);
        assert_eq!(
            skipped.status.code(),
            Some(1),
            "{}: {}",
            env.name(),
            text(&skipped)
        );
        assert!(
            text(&skipped).contains("is not deleted"),
            "{}: {}",
            env.name(),
            text(&skipped)
        );

        std::fs::write(&main, ecrplan_test::cloud_platform_hcl(GOOD)).unwrap();
        assert_eq!(env.plan_status(&dir), 0, "{}: nothing was lost", env.name());
    }
}

/// Issue 21: turning scan on push off never converged on moto (the SDK omits
/// `scanOnPush = false` and moto kept the old value, yet apply said "Modifications complete").
/// On, then off: each apply succeeds and the next plan is empty.
#[tokio::test]
async fn scan_on_push_turned_off_converges() {
    for env in Env::both().await {
        let dir = env.config("scanning");
        let main = |scan: bool| {
            format!(
                "ecrplan {{\n  estate = \"x\"\n}}\nmodule \"m\" {{\n  source = \"../modules/ecr-repos\"\n  \
                 ecr-repositories = [\"app\"]\n  scan_on_push = {scan}\n}}\n"
            )
        };
        for scan in [true, false] {
            std::fs::write(dir.join("main.tf"), main(scan)).unwrap();
            let out = env.apply(&dir);
            assert!(out.status.success(), "{}: {}", env.name(), text(&out));
            assert_eq!(
                env.plan_status(&dir),
                0,
                "{}: scan_on_push = {scan} did not converge",
                env.name()
            );
        }
    }
}
