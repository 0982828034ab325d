//! Issue 22: the drift report where audit jobs look for it, read by the real jq (the system's,
//! or `ECRPLAN_JQ`) against moto. What a person does by hand to an estate's objects —
//! `AdministratorAccess` attached to its role and to its CI group, an inline policy put on its
//! CI user, its lifecycle policy deleted — is in `resource_drift` with the values a gate needs,
//! and the text view says it was made by hand; an account-wide audit from another directory
//! does not claim to know that nobody declares the registry's replication.

use std::path::{Path, PathBuf};
use std::process::Command;

use ecrplan_test::Moto;
use tempfile::TempDir;

const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

/// What one run printed.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// A copy of an example directory pointed at AWS (moto) instead of the sandbox.
struct Estate {
    dir: TempDir,
}

impl Estate {
    fn copy_of(example: &str) -> Estate {
        let dir = TempDir::new().expect("tempdir");
        let from = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples")
            .join(example);
        for entry in std::fs::read_dir(&from).expect("example") {
            let path = entry.expect("entry").path();
            let name = path.file_name().expect("a name").to_owned();
            if path.is_file() && name != ".ecrplan-sandbox.json" {
                std::fs::copy(&path, dir.path().join(name)).expect("copy");
            }
        }
        let estate = Estate { dir };
        estate.edit("main.hcl", "provider \"sandbox\" {}", "provider \"aws\" {}");
        estate
    }

    fn edit(&self, file: &str, from: &str, to: &str) {
        let path = self.dir.path().join(file);
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.contains(from), "{from:?} not in {file}");
        std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
    }

    fn run(&self, moto: &Moto, command: &str, extra: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecrplan"));
        cmd.arg(command).arg(self.dir.path()).args(extra);
        let out = ecrplan_test::against_moto(&mut cmd, moto.endpoint(), ecrplan_test::REGION)
            .output()
            .expect("ecrplan runs");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// The system's jq, or `ECRPLAN_JQ`; fails (never skips) when it does not run.
fn jq() -> PathBuf {
    let path = std::env::var_os("ECRPLAN_JQ").map_or_else(|| PathBuf::from("jq"), PathBuf::from);
    let runs = Command::new(&path).arg("--version").output();
    assert!(
        runs.as_ref().is_ok_and(|o| o.status.success()),
        "{} does not run ({runs:?}): install jq (Debian/Ubuntu: apt-get install jq), or set \
         ECRPLAN_JQ",
        path.display()
    );
    path
}

/// `jq ARGS FILTER FILE`: its exit status and what it printed.
fn jq_on(args: &[&str], filter: &str, file: &Path) -> (i32, String) {
    let out = Command::new(jq())
        .args(args)
        .arg(filter)
        .arg(file)
        .output()
        .expect("jq runs");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{filter}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).trim_end().to_owned(),
    )
}

/// The drift one-liners of docs/plan-json.md, as the docs print them.
const ATTACHED: &str = r#"[.resource_drift[] | select(.type | endswith("_policy_attachment")) | select(.change.actions == ["create"]) | .change.after.policy_arn]"#;
const NOTHING_BY_HAND: &str =
    r#"[.ecrplan.undeclared[] | select(.origin == "by_hand")] | length == 0"#;
const DELETED: &str = r#"[.resource_drift[] | select(.change.actions == ["delete"]) | {address, policy: .change.before.policy}]"#;

#[tokio::test]
async fn issue_22_hand_made_policies_and_a_deleted_lifecycle_policy_are_in_resource_drift() {
    let docs = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/plan-json.md"),
    )
    .expect("docs");
    for (flags, filter) in [("-c", ATTACHED), ("-e", NOTHING_BY_HAND), ("-c", DELETED)] {
        assert!(
            docs.contains(&format!(
                "ecrplan drift --format json | jq {flags} '{filter}'"
            )),
            "docs/plan-json.md lost `jq {flags} '{filter}'`"
        );
    }
    let moto = ecrplan_test::moto().await;
    let estate = Estate::copy_of("gitlab-ci");
    estate.edit(
        "main.hcl",
        "image_tag_mutability = \"IMMUTABLE\"",
        "image_tag_mutability = \"IMMUTABLE\"\n  lifecycle            = { keep_last = 10 }",
    );
    let apply = estate.run(&moto, "apply", &["--auto-approve"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    let clean = estate.run(&moto, "drift", &["--format", "json"]);
    assert_eq!(clean.code, 0, "{}{}", clean.stdout, clean.stderr);
    let file = estate.dir.path().join("drift.json");
    std::fs::write(&file, &clean.stdout).expect("write");
    assert_eq!(jq_on(&["-c"], ".resource_drift", &file).1, "[]");
    assert_eq!(jq_on(&["-e"], NOTHING_BY_HAND, &file), (0, "true".into()));

    // A person with the AWS CLI (boto3 here, the same API calls).
    moto.attach_managed_policy(None, "gitlab-mirror-ecr-push", ADMIN);
    moto.attach_group_policy(None, "ECRUsers", ADMIN);
    moto.boto3(
        "iam = client('iam')\n\
         iam.put_user_policy(UserName='ECRCIUser', PolicyName='debug', PolicyDocument=json.dumps(\
         {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': 's3:*', 'Resource': '*'}]}))\n\
         client('ecr').delete_lifecycle_policy(repositoryName='gitlab')\n\
         print(json.dumps(True))",
    );

    let drift = estate.run(&moto, "drift", &["--format", "json"]);
    assert_eq!(drift.code, 2, "{}{}", drift.stdout, drift.stderr);
    std::fs::write(&file, &drift.stdout).expect("write");
    assert_eq!(
        jq_on(&["-c"], ATTACHED, &file).1,
        format!("[\"{ADMIN}\",\"{ADMIN}\"]")
    );
    assert_eq!(jq_on(&["-e"], NOTHING_BY_HAND, &file), (1, "false".into()));
    let (_, deleted) = jq_on(&["-c"], DELETED, &file);
    let deleted: serde_json::Value = serde_json::from_str(&deleted).expect("JSON");
    assert_eq!(
        deleted[0]["address"],
        "module.gitlab-mirror.aws_ecr_lifecycle_policy.lifecycle_policy[\"gitlab\"]"
    );
    let declared: serde_json::Value =
        serde_json::from_str(deleted[0]["policy"].as_str().expect("the declared policy"))
            .expect("a JSON document");
    assert_eq!(
        declared["rules"][0]["selection"]["countNumber"], 10,
        "{declared}"
    );
    assert_eq!(deleted.as_array().map(Vec::len), Some(1), "{deleted}");
    // Each hand-made object by type, as a gate names it, with the origin ecrplan gives it.
    let by_type = r#"[.resource_drift[] | select(.change.actions == ["create"]) | .type + " " + (.change.after.policy_arn // .change.after.name)] | sort"#;
    assert_eq!(
        jq_on(&["-c"], by_type, &file).1,
        format!(
            "[\"aws_iam_group_policy_attachment {ADMIN}\",\"aws_iam_role_policy_attachment {ADMIN}\",\"aws_iam_user_policy debug\"]"
        )
    );
    let origins = r#"[.ecrplan.undeclared[] | .origin] | unique"#;
    assert_eq!(jq_on(&["-c"], origins, &file).1, "[\"by_hand\"]");

    let text = estate.run(&moto, "drift", &[]);
    assert_eq!(text.code, 2, "{}{}", text.stdout, text.stderr);
    assert!(
        text.stdout
            .contains("Made by hand on the estate's objects (never declared):"),
        "{}",
        text.stdout
    );
    assert!(
        !text.stdout.contains("no longer declared:"),
        "hand-made objects were never declared: {}",
        text.stdout
    );
    for line in [
        format!(
            "module.gitlab-mirror.gitlab_role_policy_attachment[\"gitlab-mirror-ecr-push:{ADMIN}\"] \
             (aws_iam_role_policy_attachment \"gitlab-mirror-ecr-push:{ADMIN}\"): attached by hand"
        ),
        format!("(aws_iam_group_policy_attachment \"ECRUsers:{ADMIN}\"): attached by hand"),
        "(aws_iam_user_policy \"ECRCIUser:debug\"): added by hand".to_owned(),
        "+ module.gitlab-mirror.lifecycle_policy[\"gitlab\"]".to_owned(),
    ] {
        assert!(text.stdout.contains(&line), "{line}\n{}", text.stdout);
    }
    assert!(
        text.stdout
            .contains("Drift: 0 changed, 1 missing, 3 undeclared (3 made by hand), 0 unmanaged."),
        "{}",
        text.stdout
    );

    let repair = estate.run(&moto, "apply", &["--auto-approve"]);
    assert_eq!(repair.code, 0, "{}{}", repair.stdout, repair.stderr);
    let repaired = estate.run(&moto, "drift", &["--format", "json"]);
    assert_eq!(repaired.code, 0, "{}{}", repaired.stdout, repaired.stderr);
    std::fs::write(&file, &repaired.stdout).expect("write");
    assert_eq!(jq_on(&["-c"], ".resource_drift | length", &file).1, "0");
}

/// The gitlab-ci estate declares the registry's replication; an account-wide audit run from the
/// quickstart's directory sees it undeclared there, and says only that: replication carries no
/// tags, so no directory can know whether another declares it.
#[tokio::test]
async fn issue_22_account_wide_drift_words_replication_as_what_one_directory_knows() {
    let moto = ecrplan_test::moto().await;
    let gitlab = Estate::copy_of("gitlab-ci");
    let apply = gitlab.run(&moto, "apply", &["--auto-approve"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    let quickstart = Estate::copy_of("quickstart");
    let audit = quickstart.run(&moto, "drift", &["--account-wide", "--format", "json"]);
    assert_eq!(audit.code, 2, "{}{}", audit.stdout, audit.stderr);
    let file = quickstart.dir.path().join("audit.json");
    std::fs::write(&file, &audit.stdout).expect("write");
    let (_, reason) = jq_on(
        &["-r"],
        r#".ecrplan.unmanaged[] | select(.id.kind == "replication") | .reason"#,
        &file,
    );
    assert!(
        reason.contains("this configuration does not declare"),
        "{reason}"
    );
    assert!(
        reason.contains("whether another estate's directory declares it cannot be read"),
        "{reason}"
    );
    assert!(!reason.contains("no configuration declares"), "{reason}");
    let text = quickstart.run(&moto, "drift", &["--account-wide"]);
    assert!(
        !text.stdout.contains("no configuration declares"),
        "{}",
        text.stdout
    );
    // The estate that declares it is in sync.
    let own = gitlab.run(&moto, "drift", &[]);
    assert_eq!(own.code, 0, "{}{}", own.stdout, own.stderr);
}
