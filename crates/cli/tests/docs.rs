//! Docs that run (issue 22).
//!
//! - Every fenced block of README.md, docs/*.md and the crates' READMEs names its language, and
//!   every `hcl` block validates with `ecrplan validate`, alone in a directory, without a
//!   warning. A block that is only part of a configuration says so in its info string
//!   (```` ```hcl fragment ````): it is parsed as HCL and counted, never skipped unmarked.
//! - Every command line of those files and of the examples' header comments (see
//!   `markdown::markdown_commands`) is in [`CASES`], which says how it is checked: run by a test
//!   of this file against the sandbox or moto with its output checked, run by a named test
//!   elsewhere, a benchmark (marked in the Markdown, its command checked against the program it
//!   runs), a bare command name, or not run here and why. A line in the docs and not in CASES,
//!   or in CASES and no longer in the docs, fails [`every_command_line_of_the_docs_has_a_case`];
//!   a test that does not run every line CASES gives it fails when it ends (`shell::Session`).
//! - Placeholders: README's `infra/ecr` is a directory created in the scratch working directory
//!   holding README's own `hcl` block (the module it says teams already write); the GUIDE's
//!   `DIR` and the sandbox README's `FILE` are replaced with an example directory and a file
//!   name, per line, below; `cargo run --release --` runs this build's binary
//!   ([`shell::CARGO_RUN`]). `>> "$GITHUB_ENV"` appends to a temporary file the test reads.

#[path = "docs/markdown.rs"]
mod markdown;
#[path = "docs/shell.rs"]
mod shell;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use ecrplan_test::{REGION, moto};
use markdown::CommandLine;
use serde_json::Value;
use shell::{Account, Session};

/// How a command line of the docs is checked.
#[derive(Clone, Copy, Debug)]
enum How {
    /// Run, and its output checked, by the test of this file with this name.
    Run(&'static str),
    /// Run by a test elsewhere: `path::test`, and what that test does with it.
    Elsewhere(&'static str, &'static str),
    /// A benchmark: not run by the tests (minutes to hours, on a quiet machine). A fenced one
    /// sits in a block marked `<!-- benchmark: WHAT IT PRINTS -->`; the programs and flags it
    /// names are checked to exist ([`benchmark_commands_name_what_exists`]).
    Benchmark,
    /// A command named in prose (`ecrplan plan` diffs …) without arguments: its `--help` runs.
    Name,
    /// Not run by the tests, and why.
    NotRun(&'static str),
}

use How::{Benchmark, Elsewhere, Name, NotRun, Run};

/// One command line of the docs.
struct Case {
    file: &'static str,
    command: &'static str,
    how: How,
}

const fn case(file: &'static str, command: &'static str, how: How) -> Case {
    Case { file, command, how }
}

const README: &str = "README.md";
const GUIDE: &str = "docs/GUIDE.md";
const PLAN_JSON: &str = "docs/plan-json.md";
const BENCHMARKS: &str = "docs/benchmarks.md";

/// Every command line of the docs, and how it is checked.
#[rustfmt::skip]
const CASES: &[Case] = &[
    // README.md
    case(README, "ecrplan plan", Name),
    case(README, "ecrplan apply", Name),
    case(README, "ecrplan drift", Name),
    case(README, "cargo run --release -- apply examples/quickstart --auto-approve", Run("readme_try_it")),
    case(README, "cargo run --release -- plan examples/quickstart --format markdown", Run("readme_try_it")),
    case(README, "ecrplan validate infra/ecr", Run("readme_use_it")),
    case(README, "ecrplan fmt --check infra/ecr", Run("readme_use_it")),
    case(README, "ecrplan plan infra/ecr --out plan.json", Run("readme_use_it")),
    case(README, "ecrplan apply plan.json", Run("readme_use_it")),
    case(README, "ecrplan drift infra/ecr --format json", Run("readme_use_it")),
    case(README, "ecrplan plan infra/ecr --format json", Run("readme_use_it")),
    case(README, "ecrplan plan infra/ecr --format sarif", Run("readme_use_it")),
    case(README, "ecrplan drift infra/ecr --format sarif", Elsewhere(
        "crates/cli/tests/sarif.rs::drift_findings_are_results_at_their_declarations",
        "runs drift --format sarif on infra/ecr of a checkout against a sandbox changed by hand, validates the document and checks each result's rule, level and place",
    )),
    case(README, "ecrplan output infra/ecr --format github-env >> \"$GITHUB_ENV\"", Run("readme_use_it")),
    case(README, "scripts/test", NotRun("the whole test suite, this test included: CI's .ci/run runs it")),
    case(README, "cargo install --locked --path crates/cli", NotRun("CI's .ci/run runs scripts/install-check, which installs the binary this way into a temporary root and checks that its --version names the commit")),
    case(README, "ecrplan plan infra/ecr --var-file prod.tfvars", VAR_FILE),
    case(README, "source <(ecrplan completions bash)", Elsewhere(
        "crates/cli/tests/install.rs::bash_loads_the_completions_and_completes_commands",
        "sources the bash completions in bash, checks `complete -p ecrplan` and completes a command and a flag",
    )),
    case(README, "cargo run --release -p ecrplan-test --bin bench -- --repos 1000 --rtt-ms 25", Benchmark),
    // docs/GUIDE.md
    case(GUIDE, "ecrplan output", Run("guide_codefresh_recipe")),
    case(GUIDE, "ecrplan output DIR --format github-env >> \"$GITHUB_ENV\"", Run("guide_github_actions_recipe")),
    case(GUIDE, "ecrplan output DIR --format dotenv", Run("guide_gitlab_recipe")),
    case(GUIDE, "ecrplan output DIR --format configmap", Run("guide_circleci_recipe")),
    case(GUIDE, "ecrplan drift", Run("guide_sharing_an_account")),
    case(GUIDE, "ecrplan drift --account-wide", Run("guide_sharing_an_account")),
    case(GUIDE, "ecrplan plan infra/ecr --format markdown > plan.md; ecrplan plan infra/ecr --out plan.json --detailed-exitcode || test $? = 2", Run("guide_in_ci")),
    case(GUIDE, "ecrplan apply plan.json --auto-approve", Run("guide_in_ci")),
    case(GUIDE, "ecrplan output infra/ecr --format github-env >> \"$GITHUB_ENV\"", Run("guide_in_ci")),
    case(GUIDE, "ecrplan apply plan.json --var-file prod.tfvars", VAR_FILE),
    case(GUIDE, "ecrplan validate infra/ecr", Elsewhere(
        "crates/cli/tests/docs.rs::readme_use_it",
        "runs the same line of README.md and checks the file names diagnostics by the directory as given",
    )),
    case(GUIDE, "ecrplan man", MAN),
    case(GUIDE, "ecrplan man --dir DIR", MAN),
    // docs/plan-json.md
    case(PLAN_JSON, "ecrplan plan --format json", Run("plan_json_commands")),
    case(PLAN_JSON, "ecrplan show PLAN.json --format json", Run("plan_json_commands")),
    case(PLAN_JSON, "ecrplan drift --format json", Run("plan_json_commands")),
    case(PLAN_JSON, "ecrplan plan --out PLAN.json", Run("plan_json_commands")),
    case(PLAN_JSON, "ecrplan apply PLAN.json", Run("plan_json_commands")),
    case(PLAN_JSON, "ecrplan show", Name),
    case(PLAN_JSON, "ecrplan drift", Run("plan_json_commands")),
    case(PLAN_JSON, "ecrplan plan --format json > plan.json", Run("plan_json_commands")),
    case(PLAN_JSON, "ecrplan plan --format json | jq …", Run("plan_json_commands")),
    case(PLAN_JSON, "BC_SKIP_MAPPING=TRUE checkov --framework terraform_plan --skip-download --file plan.json", Elsewhere(
        "crates/cli/tests/terraform_json.rs::checkov_sees_every_resource_and_gives_the_terraform_findings",
        "runs the pinned checkov with these flags (and --compact --output json) on the plan of fixtures/policy-scan",
    )),
    case(PLAN_JSON, "ecrplan plan --format json > plan.json && conftest test plan.json", Elsewhere(
        "crates/cli/tests/terraform_json.rs::rego_policies_written_for_terraform_plans_judge_ecrplan_plans_alike",
        "evaluates the policy shown (crates/cli/tests/policies/ecr.rego) with regorus, OPA's language in Rust, on the plan of fixtures/policy-scan; conftest itself is not installed",
    )),
    case(PLAN_JSON, "ecrplan plan --format json | jq -c '[.resource_changes[] | select(.change.actions | index(\"delete\")) | .address]'", JQ),
    case(PLAN_JSON, "ecrplan plan --format json | jq -c '[.resource_changes[] | select(.type == \"aws_ecr_repository\" and .change.after.image_tag_mutability != \"IMMUTABLE\") | .address]'", JQ),
    case(PLAN_JSON, "ecrplan plan --format json | jq -c '.planned_values.outputs.repository_urls.value[\"ledger/api\"]'", JQ),
    case(PLAN_JSON, "ecrplan plan --format json | jq -c '[.ecrplan.notes[] | select(.severity == \"warning\") | .address]'", JQ),
    case(PLAN_JSON, "ecrplan plan --format json | jq -c '.ecrplan.applyable'", JQ),
    case(PLAN_JSON, "ecrplan drift --format json | jq -c '[.resource_drift[] | select(.type | endswith(\"_policy_attachment\")) | select(.change.actions == [\"create\"]) | .change.after.policy_arn]'", DRIFT_JQ),
    case(PLAN_JSON, "ecrplan drift --format json | jq -e '[.ecrplan.undeclared[] | select(.origin == \"by_hand\")] | length == 0'", DRIFT_JQ),
    case(PLAN_JSON, "ecrplan drift --format json | jq -c '[.resource_drift[] | select(.change.actions == [\"delete\"]) | {address, policy: .change.before.policy}]'", DRIFT_JQ),
    case(PLAN_JSON, "ecrplan plan --format json | jq -c '[.resource_drift[] | select(.type | endswith(\"_policy_attachment\")) | select(.change.actions == [\"create\"]) | .change.after.policy_arn]'", Elsewhere(
        "crates/cli/tests/terraform_json.rs::issue_22_a_plan_lists_the_drift_the_drift_report_lists",
        "runs the filter with the system's jq on the JSON plan of fixtures/policy-scan applied to a sandbox account where AdministratorAccess was attached by hand to its role and its lifecycle policy deleted, and checks the plan's resource_drift is the drift report's",
    )),
    // crates/*/README.md
    case("crates/hcl/README.md", "ecrplan fmt", Name),
    case("crates/sandbox/README.md", "ecrplan snapshot --out FILE", Run("sandbox_readme_snapshot")),
    // the examples' header comments
    case("examples/codefresh/main.hcl", "ecrplan plan examples/codefresh", Run("guide_codefresh_recipe")),
    case("examples/codefresh/main.hcl", "ecrplan output examples/codefresh", Run("guide_codefresh_recipe")),
    case("examples/gitlab-ci/main.hcl", "ecrplan plan examples/gitlab-ci", Run("guide_gitlab_recipe")),
    case("examples/gitlab-ci/main.hcl", "ecrplan apply examples/gitlab-ci --auto-approve", Run("guide_gitlab_recipe")),
    case("examples/gitlab-ci/main.hcl", "ecrplan output examples/gitlab-ci", Run("guide_gitlab_recipe")),
    case("examples/koa/main.tf", "ecrplan validate examples/koa", Run("example_koa")),
    case("examples/koa/main.tf", "ecrplan plan examples/koa --estate koa", Run("example_koa")),
    case("examples/multi-team/estate.hcl", "ecrplan apply examples/multi-team --auto-approve", MULTI_TEAM),
    case("examples/multi-team/estate.hcl", "ecrplan output examples/multi-team", MULTI_TEAM),
    case("examples/multi-team/estate.hcl", "ecrplan output examples/multi-team --module search --format github-env >> \"$GITHUB_ENV\"", MULTI_TEAM),
    case("examples/multi-team/estate.hcl", "ecrplan output examples/multi-team --module billing --format dotenv > .env", MULTI_TEAM),
    case("examples/multi-team/estate.hcl", "ecrplan output examples/multi-team --format configmap", MULTI_TEAM),
    case("examples/platform/main.hcl", "ecrplan apply examples/platform --auto-approve", Run("example_platform")),
    case("examples/dr/main.hcl", "ecrplan plan examples/dr --sandbox dr.json", DR_EXAMPLE),
    case("examples/dr/main.hcl", "ecrplan apply examples/dr --sandbox dr.json --auto-approve", DR_EXAMPLE),
    case("examples/dr/main.hcl", "ecrplan output examples/dr --sandbox dr.json", DR_EXAMPLE),
    case(GUIDE, "ecrplan apply examples/dr --sandbox dr.json --auto-approve", DR_EXAMPLE),
    case(GUIDE, "ecrplan output examples/dr --sandbox dr.json", DR_EXAMPLE),
    case("examples/quickstart/main.hcl", "cargo run --release -- apply examples/quickstart --auto-approve", Run("readme_try_it")),
    // docs/benchmarks.md
    case(BENCHMARKS, "ecrplan validate", Name),
    case(BENCHMARKS, "cd ../shared/corpus/cloud-platform-environments", Benchmark),
    case(BENCHMARKS, "time (for d in $(grep -rl cloud-platform-terraform-ecr-credentials --include=*.tf . | xargs -n1 dirname | sort -u); do ecrplan validate \"$d\" >/dev/null 2>&1 && ok=$((ok+1)) || bad=$((bad+1)); done; echo \"ok=$ok failed=$bad\")", Benchmark),
    case(BENCHMARKS, "cargo build --release -p ecrplan", Benchmark),
    case(BENCHMARKS, "scripts/corpus-bench --ecrplan target/release/ecrplan --json results.json", Benchmark),
    case(BENCHMARKS, "scripts/corpus-bench --ecrplan target/release/ecrplan --before /path/to/ecrplan-f3b971e --sample 20", Benchmark),
    case(BENCHMARKS, "cargo run --release -p ecrplan-test --bin bench -- --repos 100,1000,5000 --rtt-ms 0,25,100", Benchmark),
    case(BENCHMARKS, "cargo run --release -p ecrplan-test --bin bench -- --repos 100,1000,5000 --rtt-ms 25,100,0", Benchmark),
    case(BENCHMARKS, "cargo run --release -p ecrplan-test --bin bench -- --repos 1000 --rtt-ms 0 --quota 20/40 --server-errors 0.05 --no-peers", Benchmark),
    case(BENCHMARKS, "cargo run --release -p ecrplan-test --bin bench -- --repos 60 --rtt-ms 0 --throttle 0.3 --seed 3 --no-peers", Benchmark),
    case(BENCHMARKS, "cargo run --release -p ecrplan-test --bin bench -- --sandbox --repos 1000,5000,10000", Benchmark),
    case(BENCHMARKS, "cargo run --release -p ecrplan-test --bin bench -- --two-registries --repos 1000 --rtt-ms 25 --repeat 3", Benchmark),
    case(BENCHMARKS, "cargo run --release -p ecrplan-test --bin bench -- --two-registries --one-moto --repos 1000 --rtt-ms 25 --repeat 3", Benchmark),
    case(BENCHMARKS, "cargo run --release -p ecrplan-test --bin bench -- --from a/results.json,b/results.json --out docs/bench", Benchmark),
    case(BENCHMARKS, "cargo build --release -p ecrplan -p ecrplan-test", Benchmark),
    case(BENCHMARKS, "git worktree add ../ecrplan-48c43c7 48c43c7", Benchmark),
    case(BENCHMARKS, "cargo build --release -p ecrplan --manifest-path ../ecrplan-48c43c7/Cargo.toml", Benchmark),
    case(BENCHMARKS, "target/release/bench --repos 1000 --rtt-ms 25 --no-peers --cli-sample 0 --ecrplan ../ecrplan-48c43c7/target/release/ecrplan --out /tmp/bench-before", Benchmark),
    case(BENCHMARKS, "target/release/bench --repos 1000 --rtt-ms 25 --no-peers --cli-sample 0 --ecrplan target/release/ecrplan --out /tmp/bench-after", Benchmark),
];

/// examples/dr's header commands and the GUIDE's "Regions and accounts".
const DR_EXAMPLE: How = Elsewhere(
    "crates/cli/tests/regions.rs::the_dr_example_applies_to_one_sandbox_file_and_converges",
    "plans, applies and plans again (No changes) examples/dr on one sandbox file that ends up holding its three registries, and checks `output` names the us-east-1 registry",
);

/// docs/plan-json.md's jq one-liners.
const VAR_FILE: How = Elsewhere(
    "crates/cli/tests/regression.rs::issue_22_a_saved_plan_is_stale_when_its_var_file_changed",
    "plans with --var-file and --out, applies the saved plan with the same flag, and sees it refused once the file changed",
);

const MAN: How = Elsewhere(
    "crates/cli/tests/install.rs::the_man_page_renders",
    "renders `ecrplan man` and a page of `ecrplan man --dir DIR` with man -l",
);

const JQ: How = Elsewhere(
    "crates/cli/tests/terraform_json.rs::jq_one_liners_of_the_docs",
    "runs each filter with the system's jq on the JSON plan of fixtures/policy-scan, where each has something to find, and checks what it prints",
);

/// docs/plan-json.md's jq one-liners over the drift report.
const DRIFT_JQ: How = Elsewhere(
    "crates/cli/tests/drift_json.rs::issue_22_hand_made_policies_and_a_deleted_lifecycle_policy_are_in_resource_drift",
    "runs each filter with the system's jq on the drift report of examples/gitlab-ci applied to moto, in sync and then with AdministratorAccess attached to its role and group, an inline policy put on its user and its lifecycle policy deleted, and checks what each prints",
);

/// examples/multi-team's header commands.
const MULTI_TEAM: How = Elsewhere(
    "crates/cli/tests/output.rs::issue_22_the_multi_team_example_in_every_output_format",
    "applies the example to a sandbox account (--sandbox), prints `output` in every format (text, json, github-env and dotenv per --module and refused together, configmap, refused for search alone) and checks what each prints",
);

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the workspace")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(workspace().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Every command line of the docs and of the examples' comments.
fn documented_commands() -> Vec<CommandLine> {
    let root = workspace();
    let mut lines = Vec::new();
    for file in markdown::markdown_files(&root) {
        lines.extend(markdown::markdown_commands(&file, &read(&file)));
    }
    for file in markdown::example_files(&root) {
        lines.extend(markdown::comment_commands(&file, &read(&file)));
    }
    lines
}

/// The lines CASES gives the test `test`.
fn lines_of(test: &str) -> Vec<(String, String)> {
    CASES
        .iter()
        .filter(|c| matches!(c.how, Run(t) if t == test))
        .map(|c| (c.file.to_owned(), c.command.to_owned()))
        .collect()
}

fn sandbox_session(test: &'static str) -> Session {
    Session::new(test, lines_of(test), Account::Sandbox)
}

fn moto_session(test: &'static str, endpoint: &str) -> Session {
    Session::new(
        test,
        lines_of(test),
        Account::Moto {
            endpoint,
            region: REGION,
        },
    )
}

/// README's `hcl` block: the configuration its `infra/ecr` lines run against.
fn readme_module() -> String {
    let blocks = markdown::blocks(README, &read(README));
    let hcl: Vec<_> = blocks.iter().filter(|b| b.language() == "hcl").collect();
    assert_eq!(
        hcl.len(),
        1,
        "README.md has one hcl block, the module teams write"
    );
    hcl[0].body.clone()
}

// --- the map from the docs to the tests -------------------------------------------------------

#[test]
fn every_command_line_of_the_docs_has_a_case() {
    let documented = documented_commands();
    let in_docs: BTreeSet<(&str, &str)> = documented
        .iter()
        .map(|l| (l.file.as_str(), l.command.as_str()))
        .collect();
    let in_cases: BTreeSet<(&str, &str)> = CASES.iter().map(|c| (c.file, c.command)).collect();
    assert_eq!(in_cases.len(), CASES.len(), "a line is in CASES twice");
    let missing: Vec<String> = documented
        .iter()
        .filter(|l| !in_cases.contains(&(l.file.as_str(), l.command.as_str())))
        .map(|l| {
            format!(
                "    case({:?}, {:?}, …), // line {}",
                l.file, l.command, l.line
            )
        })
        .collect();
    assert!(
        missing.is_empty(),
        "command lines of the docs without a case; add each to CASES with a test that runs it \
         (or say why it is not run):\n{}",
        missing.join("\n")
    );
    let stale: Vec<String> = CASES
        .iter()
        .filter(|c| !in_docs.contains(&(c.file, c.command)))
        .map(|c| format!("{}: `{}`", c.file, c.command))
        .collect();
    assert!(
        stale.is_empty(),
        "CASES lines no longer in the docs:\n{}",
        stale.join("\n")
    );
}

/// Every test CASES names is a test of this binary (asked with `--list`, as cargo does), and
/// every test named elsewhere exists in the file named.
#[test]
fn every_case_names_a_test_that_exists() {
    let list = Command::new(std::env::current_exe().expect("this test binary"))
        .args(["--list", "--format", "terse"])
        .output()
        .expect("the test binary lists its tests");
    let list = String::from_utf8_lossy(&list.stdout);
    let tests: BTreeSet<&str> = list
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .collect();
    for case in CASES {
        match case.how {
            Run(test) => assert!(
                tests.contains(test),
                "{}: `{}` is given to {test}, which is not a test here",
                case.file,
                case.command
            ),
            Elsewhere(at, what) => {
                let (path, test) = at.split_once("::").expect("path::test");
                assert!(
                    read(path).contains(&format!("fn {test}(")),
                    "{at} does not exist ({what})"
                );
            }
            NotRun(why) => assert!(
                !why.is_empty(),
                "{}: `{}` is not run: say why",
                case.file,
                case.command
            ),
            Benchmark | Name => {}
        }
    }
}

/// A command named without arguments is a command ecrplan has.
#[test]
fn commands_named_in_prose_exist() {
    for case in CASES.iter().filter(|c| matches!(c.how, Name)) {
        let words: Vec<&str> = case.command.split_whitespace().collect();
        assert!(
            words.len() == 2 && words[0] == "ecrplan",
            "{}: `{}` is not a bare command name; run it instead",
            case.file,
            case.command
        );
        let out = Command::new(env!("CARGO_BIN_EXE_ecrplan"))
            .args([words[1], "--help"])
            .output()
            .expect("ecrplan runs");
        assert!(
            out.status.success(),
            "{}: `{}`: {}",
            case.file,
            case.command,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Benchmark lines in fenced blocks sit in a block marked as a benchmark, with what it prints;
/// the scripts they run exist and take the flags given, and the packages they build exist.
#[test]
fn benchmark_commands_name_what_exists() {
    let root = workspace();
    let documented = documented_commands();
    let bench_source = read("crates/test-support/src/bin/bench.rs");
    let corpus_bench_help = Command::new(root.join("scripts/corpus-bench"))
        .arg("--help")
        .output()
        .expect("scripts/corpus-bench runs");
    let corpus_bench_help = String::from_utf8_lossy(&corpus_bench_help.stdout).into_owned();
    let packages: BTreeSet<String> = std::fs::read_dir(root.join("crates"))
        .expect("crates/")
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("Cargo.toml")).ok())
        .filter_map(|toml| {
            let name = toml.lines().find_map(|l| l.strip_prefix("name = "))?;
            Some(name.trim_matches('"').to_owned())
        })
        .collect();
    let mut checked = 0;
    for case in CASES.iter().filter(|c| matches!(c.how, Benchmark)) {
        for line in documented
            .iter()
            .filter(|l| l.file == case.file && l.command == case.command)
        {
            if let Some(block) = line.block {
                let marker = markdown::blocks(&line.file, &read(&line.file))
                    .into_iter()
                    .find(|b| b.line == block)
                    .and_then(|b| b.marker)
                    .unwrap_or_default();
                let prints = marker.strip_prefix("benchmark:").map(str::trim);
                assert!(
                    prints.is_some_and(|p| !p.is_empty()),
                    "{}:{}: `{}` is a benchmark, so its block needs a \
                     `<!-- benchmark: WHAT IT PRINTS -->` line before it",
                    line.file,
                    line.line,
                    line.command
                );
            }
        }
        let words: Vec<&str> = case.command.split_whitespace().collect();
        let flags = words.iter().filter(|w| w.starts_with("--"));
        // The bench's own arguments: after `--` of `cargo run … --bin bench --`, or all of
        // them when the built binary is run.
        let bench_args = if words[0].ends_with("/bench") {
            Some(&words[1..])
        } else if words.windows(2).any(|w| w == ["--bin", "bench"]) {
            words
                .iter()
                .position(|w| *w == "--")
                .map(|at| &words[at + 1..])
        } else {
            None
        };
        if let Some(args) = bench_args {
            for flag in args.iter().filter(|w| w.starts_with("--")) {
                assert!(
                    bench_source.contains(&format!("\"{flag}\"")),
                    "{}: `{}`: the bench takes no {flag}",
                    case.file,
                    case.command
                );
            }
        } else if words[0] == "scripts/corpus-bench" {
            for flag in flags {
                assert!(
                    corpus_bench_help.contains(flag),
                    "{}: `{}`: scripts/corpus-bench takes no {flag}",
                    case.file,
                    case.command
                );
            }
        }
        for package in words.windows(2).filter(|w| w[0] == "-p").map(|w| w[1]) {
            assert!(
                packages.contains(package),
                "{}: `{}`: no package {package}",
                case.file,
                case.command
            );
        }
        checked += 1;
    }
    assert!(checked > 0, "the benchmark commands were found");
}

// --- the hcl blocks ----------------------------------------------------------------------------

#[test]
fn every_hcl_block_of_the_docs_validates() {
    let root = workspace();
    let (mut validated, mut fragments) = (Vec::new(), Vec::new());
    for file in markdown::markdown_files(&root) {
        for block in markdown::blocks(&file, &read(&file)) {
            assert!(
                !block.language().is_empty(),
                "{}: a code block without a language: name it (```hcl, ```sh, ```text …) so \
                 no configuration escapes this test",
                block.place()
            );
            if !matches!(block.language(), "hcl" | "tf" | "terraform") {
                continue;
            }
            if block.info.iter().any(|w| w == "fragment") {
                if let Err(e) = hcl::parse(&block.body) {
                    panic!("{}: the fragment is not HCL: {e}", block.place());
                }
                fragments.push(block.place());
                continue;
            }
            assert_eq!(
                block.info.len(),
                1,
                "{}: an hcl block's only mark is `fragment`",
                block.place()
            );
            let dir = tempfile::TempDir::new().expect("a temporary directory");
            std::fs::write(dir.path().join("main.hcl"), &block.body).expect("write the block");
            let out = Command::new(env!("CARGO_BIN_EXE_ecrplan"))
                .arg("validate")
                .arg(dir.path())
                .env("NO_COLOR", "1")
                .output()
                .expect("ecrplan runs");
            let (stdout, stderr) = (
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
            );
            assert!(
                out.status.success() && stdout.starts_with("Valid:") && stderr.is_empty(),
                "{} does not validate cleanly:\n{stdout}{stderr}\n--- the block\n{}",
                block.place(),
                block.body
            );
            validated.push(block.place());
        }
    }
    eprintln!(
        "validated {} hcl blocks ({}); parsed {} fragments ({})",
        validated.len(),
        validated.join(", "),
        fragments.len(),
        fragments.join(", ")
    );
    assert!(
        validated.iter().any(|p| p.starts_with("docs/GUIDE.md")) && validated.len() >= 3,
        "README's and the GUIDE's blocks were found: {validated:?}"
    );
}

// --- the examples ------------------------------------------------------------------------------

/// Every example is in `ecrplan fmt`'s canonical form (examples/koa is seed 003 formatted; the
/// seed as published is fixtures/koa).
#[test]
fn every_example_is_formatted() {
    let root = workspace();
    let mut examples: Vec<PathBuf> = std::fs::read_dir(root.join("examples"))
        .expect("examples/")
        .map(|e| e.expect("an example").path())
        .filter(|p| p.is_dir())
        .collect();
    examples.sort();
    assert!(examples.len() >= 6, "{examples:?}");
    for example in examples {
        let out = Command::new(env!("CARGO_BIN_EXE_ecrplan"))
            .arg("fmt")
            .arg("--check")
            .arg(&example)
            .env("NO_COLOR", "1")
            .output()
            .expect("ecrplan runs");
        assert!(
            out.status.success() && out.stdout.is_empty(),
            "{} is not formatted (run `ecrplan fmt {}`):\n{}{}",
            example.display(),
            example.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

// --- the lines, run ----------------------------------------------------------------------------

fn json(run: &shell::Run, code: i32) -> Value {
    serde_json::from_str(run.expect(code))
        .unwrap_or_else(|e| panic!("not one JSON document ({e}):\n{}", run.transcript()))
}

/// The lines of `text` that are `NAME=value` assignments, as a map.
fn assignments(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// The actions of a Terraform JSON plan (or drift) document, by address.
fn actions(doc: &Value, key: &str) -> BTreeMap<String, Vec<String>> {
    doc[key]
        .as_array()
        .into_iter()
        .flatten()
        .map(|rc| {
            let actions = rc["change"]["actions"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|a| a.as_str().unwrap_or_default().to_owned())
                .collect();
            (
                rc["address"].as_str().unwrap_or_default().to_owned(),
                actions,
            )
        })
        .collect()
}

/// README, "Try it": the quick start's one line, twice (the second run has nothing to do), and
/// the Markdown plan it suggests next; the quick start's own header comment gives the same line.
#[test]
fn readme_try_it() {
    let s = sandbox_session("readme_try_it");
    s.copy_example(&workspace(), "quickstart");
    let apply = s.run(
        README,
        "cargo run --release -- apply examples/quickstart --auto-approve",
    );
    let out = apply.expect(0);
    assert!(
        out.contains("account 111122223333 (eu-west-1), estate \"quickstart\"")
            && out.contains("# module.payments.repository[\"payments-api\"] will be created")
            && out.contains("Apply complete! Resources: 9 added, 0 changed, 0 destroyed"),
        "{}",
        apply.transcript()
    );
    assert!(
        s.work()
            .join("examples/quickstart/.ecrplan-sandbox.json")
            .is_file(),
        "the sandbox account is kept beside the example"
    );
    let again = s.run(
        "examples/quickstart/main.hcl",
        "cargo run --release -- apply examples/quickstart --auto-approve",
    );
    assert!(
        again.expect(0).contains("No changes."),
        "{}",
        again.transcript()
    );
    let markdown = s.run(
        README,
        "cargo run --release -- plan examples/quickstart --format markdown",
    );
    let out = markdown.expect(0);
    assert!(
        out.starts_with(
            "### ecrplan plan: estate `quickstart`, account `111122223333` (`eu-west-1`)"
        ) && out.contains("**No changes.**"),
        "{}",
        markdown.transcript()
    );
}

/// README, "Use it", line by line against moto, `infra/ecr` holding README's own module
/// block: validate, fmt --check, a saved plan, its apply (answering `yes` at a terminal), drift
/// in sync, a no-change JSON plan, SARIF, and the CI variables appended to `$GITHUB_ENV`.
#[tokio::test]
async fn readme_use_it() {
    let moto = moto().await;
    let s = moto_session("readme_use_it", moto.endpoint());
    s.write("infra/ecr/main.hcl", &readme_module());
    let account = ecrplan_test::DEFAULT_ACCOUNT;

    let validate = s.run(README, "ecrplan validate infra/ecr");
    assert!(
        validate
            .expect(0)
            .starts_with("Valid: 1 module, 1 repository, 1 role"),
        "{}",
        validate.transcript()
    );
    let fmt = s.run(README, "ecrplan fmt --check infra/ecr");
    assert_eq!(fmt.expect(0), "", "README's block is formatted");

    let plan = s.run(README, "ecrplan plan infra/ecr --out plan.json");
    let out = plan.expect(0);
    for planned in [
        "# module.ecr-koa.repository[\"giftcard-service\"] will be created",
        "# module.ecr-koa.repository_policy[\"giftcard-service\"] will be created",
        "# module.ecr-koa.github_role will be created",
        "# module.ecr-koa.github_role_policy will be created",
    ] {
        assert!(out.contains(planned), "{planned}:\n{}", plan.transcript());
    }
    let saved = std::fs::read_to_string(s.work().join("plan.json")).expect("plan.json saved");
    serde_json::from_str::<Value>(&saved).expect("the saved plan is JSON");

    let apply = s.run_answering_yes(README, "ecrplan apply plan.json");
    assert!(
        apply.code == 0
            && apply.stdout.contains("Only 'yes' will be accepted")
            && apply
                .stdout
                .contains("Apply complete! Resources: 5 added, 0 changed, 0 destroyed"),
        "{}",
        apply.transcript()
    );

    let drift = json(&s.run(README, "ecrplan drift infra/ecr --format json"), 0);
    assert_eq!(
        actions(&drift, "resource_drift"),
        BTreeMap::new(),
        "{drift:#}"
    );

    let plan = json(&s.run(README, "ecrplan plan infra/ecr --format json"), 0);
    let changes = actions(&plan, "resource_changes");
    assert!(
        changes.len() >= 5 && changes.values().all(|a| a == &["no-op"]),
        "a no-change plan: {changes:?}"
    );
    assert_eq!(
        plan["planned_values"]["outputs"]["repository_urls"]["value"]["giftcard-service"],
        format!("{account}.dkr.ecr.{REGION}.amazonaws.com/giftcard-service")
    );

    let sarif = json(&s.run(README, "ecrplan plan infra/ecr --format sarif"), 0);
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["tool"]["driver"]["name"], "ecrplan");
    assert!(sarif["runs"][0]["results"].is_array(), "{sarif:#}");

    let output = s.run(
        README,
        "ecrplan output infra/ecr --format github-env >> \"$GITHUB_ENV\"",
    );
    assert_eq!(output.expect(0), "", "everything went to $GITHUB_ENV");
    let vars = assignments(&s.github_env());
    assert_eq!(vars["ECR_REPOSITORY"], "giftcard-service");
    assert_eq!(vars["ECR_REGION"], REGION);
    assert_eq!(
        vars["ECR_ROLE_TO_ASSUME"],
        format!("arn:aws:iam::{account}:role/ecrplan/default/koa-github-ecr-access")
    );
}

/// The GUIDE's "In CI" workflow steps, against moto, `infra/ecr` holding README's module: the
/// Markdown plan for the pull request and the saved plan (exit 2, changes, accepted), its
/// apply, and the CI variables.
#[tokio::test]
async fn guide_in_ci() {
    let moto = moto().await;
    let s = moto_session("guide_in_ci", moto.endpoint());
    s.write("infra/ecr/main.hcl", &readme_module());
    let plan = s.run(
        GUIDE,
        "ecrplan plan infra/ecr --format markdown > plan.md; ecrplan plan infra/ecr --out plan.json --detailed-exitcode || test $? = 2",
    );
    plan.expect(0);
    let markdown = std::fs::read_to_string(s.work().join("plan.md")).expect("plan.md");
    assert!(
        markdown.starts_with("### ecrplan plan: estate `default`")
            && markdown.contains("`module.ecr-koa.repository[\"giftcard-service\"]`"),
        "{markdown}"
    );
    assert!(
        s.work().join("plan.json").is_file(),
        "{}",
        plan.transcript()
    );
    let apply = s.run(GUIDE, "ecrplan apply plan.json --auto-approve");
    assert!(
        apply
            .expect(0)
            .contains("Apply complete! Resources: 5 added"),
        "{}",
        apply.transcript()
    );
    s.run(
        GUIDE,
        "ecrplan output infra/ecr --format github-env >> \"$GITHUB_ENV\"",
    )
    .expect(0);
    let vars = assignments(&s.github_env());
    assert_eq!(vars["ECR_REPOSITORY"], "giftcard-service");
    assert!(
        vars["ECR_ROLE_TO_ASSUME"].ends_with(":role/ecrplan/default/koa-github-ecr-access"),
        "{vars:?}"
    );
}

/// The GUIDE's GitHub Actions recipe, DIR = examples/quickstart (sandbox): the variables
/// `configure-aws-credentials` and the push read.
#[test]
fn guide_github_actions_recipe() {
    let s = sandbox_session("guide_github_actions_recipe");
    s.copy_example(&workspace(), "quickstart");
    s.ecrplan(&["apply", "examples/quickstart", "--auto-approve"])
        .expect(0);
    s.run_with(
        GUIDE,
        "ecrplan output DIR --format github-env >> \"$GITHUB_ENV\"",
        &[("DIR", "examples/quickstart")],
    )
    .expect(0);
    let vars = assignments(&s.github_env());
    assert_eq!(
        vars["ECR_ROLE_TO_ASSUME"],
        "arn:aws:iam::111122223333:role/ecrplan/quickstart/payments-github-ecr-push"
    );
    assert_eq!(vars["ECR_REPOSITORY_PAYMENTS_API"], "payments-api");
    assert_eq!(vars["ECR_REPOSITORY_PAYMENTS_WORKER"], "payments-worker");
    assert_eq!(
        vars["ECR_REGISTRY_URL"],
        "111122223333.dkr.ecr.eu-west-1.amazonaws.com"
    );
}

/// The GUIDE's GitLab CI recipe and examples/gitlab-ci's own lines (sandbox): plan, apply, the
/// create-access-key command, and the dotenv variables the GUIDE's pipeline reads
/// (`$GITLAB_ECR_ROLE_TO_ASSUME`, `$ECR_REGION`, `$ECR_REGISTRY_URL`).
#[test]
fn guide_gitlab_recipe() {
    let s = sandbox_session("guide_gitlab_recipe");
    s.copy_example(&workspace(), "gitlab-ci");
    let example = "examples/gitlab-ci/main.hcl";
    let plan = s.run(example, "ecrplan plan examples/gitlab-ci");
    let out = plan.expect(0);
    for planned in [
        "# module.gitlab-mirror.gitlab_role will be created",
        "# module.gitlab-mirror.ci_user will be created",
        "# replication_configuration will be created",
    ] {
        assert!(out.contains(planned), "{planned}:\n{}", plan.transcript());
    }
    let apply = s.run(example, "ecrplan apply examples/gitlab-ci --auto-approve");
    assert!(
        apply.expect(0).contains("Apply complete!"),
        "{}",
        apply.transcript()
    );
    let output = s.run(example, "ecrplan output examples/gitlab-ci");
    assert!(
        output
            .expect(0)
            .contains("\"aws iam create-access-key --user-name ECRCIUser\""),
        "{}",
        output.transcript()
    );
    let dotenv = s.run_with(
        GUIDE,
        "ecrplan output DIR --format dotenv",
        &[("DIR", "examples/gitlab-ci")],
    );
    let vars = assignments(dotenv.expect(0));
    assert_eq!(
        vars["GITLAB_ECR_ROLE_TO_ASSUME"],
        "arn:aws:iam::111122223333:role/ecrplan/gitlab-mirror/gitlab-mirror-ecr-push"
    );
    assert_eq!(vars["ECR_REGION"], "eu-west-1");
    assert_eq!(
        vars["ECR_REGISTRY_URL"],
        "111122223333.dkr.ecr.eu-west-1.amazonaws.com"
    );
}

/// The GUIDE's Codefresh recipe and examples/codefresh's own lines (sandbox): the role ARN to
/// paste and the create-access-key command, from `ecrplan output` in the directory.
#[test]
fn guide_codefresh_recipe() {
    let s = sandbox_session("guide_codefresh_recipe");
    s.copy_example(&workspace(), "codefresh");
    let example = "examples/codefresh/main.hcl";
    let plan = s.run(example, "ecrplan plan examples/codefresh");
    assert!(
        plan.expect(0)
            .contains("# module.codefresh-images.assumed_role will be created"),
        "{}",
        plan.transcript()
    );
    s.ecrplan(&["apply", "examples/codefresh", "--auto-approve"])
        .expect(0);
    let output = s.run(example, "ecrplan output examples/codefresh");
    let out = output.expect(0).to_owned();
    for line in [
        "module.codefresh-images.assumed_role_arn = \"arn:aws:iam::111122223333:role/ecrplan/codefresh/codefresh-ecr-integration\"",
        "module.codefresh-images.ci_user_create_access_key_command = \"aws iam create-access-key --user-name codefresh-ecr\"",
    ] {
        assert!(
            out.lines().any(|l| l == line),
            "{line}:\n{}",
            output.transcript()
        );
    }
    s.cd("examples/codefresh");
    assert_eq!(s.run(GUIDE, "ecrplan output").expect(0), out);
}

/// The GUIDE's CircleCI recipe, DIR = examples/multi-team (its provider is AWS: moto): the
/// ConfigMap with the four keys the GUIDE names.
#[tokio::test]
async fn guide_circleci_recipe() {
    let moto = moto().await;
    let s = moto_session("guide_circleci_recipe", moto.endpoint());
    s.copy_example(&workspace(), "multi-team");
    s.ecrplan(&["apply", "examples/multi-team", "--auto-approve"])
        .expect(0);
    let configmap = s.run_with(
        GUIDE,
        "ecrplan output DIR --format configmap",
        &[("DIR", "examples/multi-team")],
    );
    let out = configmap.expect(0);
    let account = ecrplan_test::DEFAULT_ACCOUNT;
    assert!(
        out.contains("kind: ConfigMap"),
        "{}",
        configmap.transcript()
    );
    assert!(
        out.lines()
            .any(|l| l.trim_start().starts_with("name: ") && l.ends_with("-circleci\"")),
        "{}",
        configmap.transcript()
    );
    for data in [
        format!("ecr_region: \"{REGION}\""),
        format!("ecr_registry_id: \"{account}\""),
        "ecr_repository: \"billing/invoicer\"".to_owned(),
        format!(
            "ecr_role_to_assume: \"arn:aws:iam::{account}:role/ecrplan/platform/billing-circleci-ecr-push\""
        ),
    ] {
        assert!(
            out.lines().any(|l| l.trim() == data),
            "{data}:\n{}",
            configmap.transcript()
        );
    }
}

/// The GUIDE's "Sharing an account", against moto: two estates in one account (README's
/// unnamed module and examples/multi-team's `platform`); `drift` in multi-team's directory is in
/// sync whatever else the account holds, `drift --account-wide` counts the other estate and
/// exits 2 once a repository nobody owns appears.
#[tokio::test]
async fn guide_sharing_an_account() {
    let moto = moto().await;
    let s = moto_session("guide_sharing_an_account", moto.endpoint());
    s.write("infra/ecr/main.hcl", &readme_module());
    s.copy_example(&workspace(), "multi-team");
    for dir in ["infra/ecr", "examples/multi-team"] {
        s.ecrplan(&["apply", dir, "--auto-approve"]).expect(0);
    }
    s.cd("examples/multi-team");
    let drift = s.run(GUIDE, "ecrplan drift");
    assert!(
        drift.expect(0).contains("No drift."),
        "{}",
        drift.transcript()
    );
    let wide = s.run(GUIDE, "ecrplan drift --account-wide");
    let out = wide.expect(0);
    assert!(
        out.contains("No drift.") && out.contains("default:"),
        "the other estate is counted:\n{}",
        wide.transcript()
    );
    moto.boto3(
        "client('ecr').create_repository(repositoryName='made-by-hand')\nprint(json.dumps(True))",
    );
    let wide = s.run(GUIDE, "ecrplan drift --account-wide");
    assert!(
        wide.expect(2).contains("made-by-hand"),
        "{}",
        wide.transcript()
    );
    let drift = s.run(GUIDE, "ecrplan drift");
    assert!(
        drift.expect(0).contains("No drift."),
        "the estate's own drift ignores what it does not own:\n{}",
        drift.transcript()
    );
}

/// docs/plan-json.md's commands in examples/quickstart's directory (sandbox): a saved plan
/// shown as JSON, the JSON plan, its apply (answering `yes`), drift in sync as text and JSON.
#[test]
fn plan_json_commands() {
    let s = sandbox_session("plan_json_commands");
    s.copy_example(&workspace(), "quickstart");
    s.cd("examples/quickstart");
    let repository = "module.payments.aws_ecr_repository.repository[\"payments-api\"]";

    let plan = s.run(PLAN_JSON, "ecrplan plan --out PLAN.json");
    assert!(
        plan.expect(0).contains("will be created"),
        "{}",
        plan.transcript()
    );
    let shown = json(&s.run(PLAN_JSON, "ecrplan show PLAN.json --format json"), 0);
    assert_eq!(actions(&shown, "resource_changes")[repository], ["create"]);
    let fresh = json(&s.run(PLAN_JSON, "ecrplan plan --format json"), 0);
    assert_eq!(
        actions(&fresh, "resource_changes"),
        actions(&shown, "resource_changes")
    );
    s.run(PLAN_JSON, "ecrplan plan --format json > plan.json")
        .expect(0);
    let file =
        std::fs::read_to_string(s.work().join("examples/quickstart/plan.json")).expect("plan.json");
    let file: Value = serde_json::from_str(&file).expect("plan.json is JSON");
    assert_eq!(actions(&file, "resource_changes")[repository], ["create"]);

    let apply = s.run_answering_yes(PLAN_JSON, "ecrplan apply PLAN.json");
    assert!(
        apply.code == 0 && apply.stdout.contains("Apply complete! Resources: 9 added"),
        "{}",
        apply.transcript()
    );
    let drift = json(&s.run(PLAN_JSON, "ecrplan drift --format json"), 0);
    assert_eq!(
        actions(&drift, "resource_drift"),
        BTreeMap::new(),
        "{drift:#}"
    );
    let drift = s.run(PLAN_JSON, "ecrplan drift");
    assert!(
        drift.expect(0).contains("No drift."),
        "{}",
        drift.transcript()
    );

    // "Everything else (progress, warnings, `--stats`) goes to stderr, so `ecrplan plan
    // --format json | jq …` always parses": with a block ecrplan skips, warned about.
    s.write("examples/quickstart/versions.tf", "terraform {\n}\n");
    let piped = s.run_with(
        PLAN_JSON,
        "ecrplan plan --format json | jq …",
        &[("…", "-c .format_version")],
    );
    assert!(
        piped.expect(0) == "\"1.2\"\n" && piped.stderr.contains("skipped"),
        "{}",
        piped.transcript()
    );
}

/// crates/sandbox/README.md: a snapshot of the live objects (FILE = live.json) after
/// examples/quickstart's apply.
#[test]
fn sandbox_readme_snapshot() {
    let s = sandbox_session("sandbox_readme_snapshot");
    s.copy_example(&workspace(), "quickstart");
    s.cd("examples/quickstart");
    s.ecrplan(&["apply", "--auto-approve"]).expect(0);
    let snapshot = s.run_with(
        "crates/sandbox/README.md",
        "ecrplan snapshot --out FILE",
        &[("FILE", "live.json")],
    );
    assert!(
        snapshot.code == 0
            && snapshot
                .stderr
                .contains("Wrote 9 live objects to live.json"),
        "{}",
        snapshot.transcript()
    );
    let live =
        std::fs::read_to_string(s.work().join("examples/quickstart/live.json")).expect("live.json");
    serde_json::from_str::<Value>(&live).expect("the snapshot is JSON");
}

/// examples/platform's own line (sandbox), then a plan with nothing to do.
#[test]
fn example_platform() {
    let s = sandbox_session("example_platform");
    s.copy_example(&workspace(), "platform");
    let apply = s.run(
        "examples/platform/main.hcl",
        "ecrplan apply examples/platform --auto-approve",
    );
    let out = apply.expect(0);
    assert!(
        out.contains("# pull_through_cache_rule[\"docker-hub\"] will be created")
            && out.contains("Apply complete!")
            && !out.contains("failed"),
        "{}",
        apply.transcript()
    );
    let plan = s.ecrplan(&["plan", "examples/platform"]);
    assert!(
        plan.expect(0).contains("No changes."),
        "{}",
        plan.transcript()
    );
}

/// examples/koa's own lines: offline validation, and a plan against moto (the example names
/// no provider, so the AWS chain finds moto) as estate `koa`.
#[tokio::test]
async fn example_koa() {
    let moto = moto().await;
    let s = moto_session("example_koa", moto.endpoint());
    s.copy_example(&workspace(), "koa");
    let example = "examples/koa/main.tf";
    let validate = s.run(example, "ecrplan validate examples/koa");
    assert!(
        validate
            .expect(0)
            .starts_with("Valid: 1 module, 1 repository, 1 role"),
        "{}",
        validate.transcript()
    );
    let plan = s.run(example, "ecrplan plan examples/koa --estate koa");
    let out = plan.expect(0);
    assert!(
        out.contains("estate \"koa\"")
            && out.contains("# module.ecr-koa.repository[\"giftcard-service\"] will be created"),
        "{}",
        plan.transcript()
    );
}
