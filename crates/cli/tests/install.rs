//! What a user installing ecrplan gets (issue 22): `--version` naming the commit, shell
//! completions the shells load, manual pages that render.

use std::path::Path;
use std::process::{Command, Output};

fn ecrplan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecrplan"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the ecrplan binary runs")
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `git rev-parse --short HEAD` of this checkout, as build.rs reads it.
fn head() -> Option<String> {
    let out = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

#[test]
fn version_names_the_commit() {
    let version = stdout(&ecrplan(&["--version"]));
    let commit = head().unwrap_or_else(|| "unknown".to_owned());
    assert_eq!(
        version.trim(),
        format!("ecrplan {} ({commit})", env!("CARGO_PKG_VERSION"))
    );
    // Every command answers --version with the same version.
    let plan = stdout(&ecrplan(&["plan", "--version"]));
    assert_eq!(
        plan.trim(),
        format!("ecrplan-plan {} ({commit})", env!("CARGO_PKG_VERSION"))
    );
}

/// A shell must be there to test its loader: bash is on every machine; zsh and fish are
/// installed by scripts/policy-tools, and a missing one fails the test rather than skipping.
fn shell(name: &str) -> String {
    let runs = Command::new(name).arg("--version").output();
    assert!(
        runs.as_ref().is_ok_and(|o| o.status.success()),
        "{name} does not run ({runs:?}): run scripts/policy-tools (it installs zsh and fish with apt-get)"
    );
    name.to_owned()
}

fn binary_dir() -> String {
    Path::new(env!("CARGO_BIN_EXE_ecrplan"))
        .parent()
        .expect("the binary's directory")
        .display()
        .to_string()
}

/// Runs `script` in `shell` with the binary on the PATH.
fn in_shell(shell_name: &str, args: &[&str], script: &str) -> String {
    let path = format!(
        "{}:{}",
        binary_dir(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new(shell(shell_name))
        .args(args)
        .arg(script)
        .env("PATH", path)
        .output()
        .expect("the shell runs");
    assert!(
        out.status.success(),
        "{shell_name}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn bash_loads_the_completions_and_completes_commands() {
    let registered = in_shell(
        "bash",
        &["-c"],
        "source <(ecrplan completions bash) && complete -p ecrplan",
    );
    assert!(registered.contains("ecrplan"), "{registered}");
    // Ask the completion function what follows `ecrplan va`, as bash does on <Tab>.
    let words = in_shell(
        "bash",
        &["-c"],
        r#"source <(ecrplan completions bash)
COMP_WORDS=(ecrplan va); COMP_CWORD=1; COMP_LINE="ecrplan va"; COMP_POINT=${#COMP_LINE}
_ecrplan ecrplan va ecrplan; printf '%s\n' "${COMPREPLY[@]}""#,
    );
    assert_eq!(words.trim(), "validate");
    let flags = in_shell(
        "bash",
        &["-c"],
        r#"source <(ecrplan completions bash)
COMP_WORDS=(ecrplan plan --var-f); COMP_CWORD=2; COMP_LINE="ecrplan plan --var-f"; COMP_POINT=${#COMP_LINE}
_ecrplan ecrplan --var-f plan; printf '%s\n' "${COMPREPLY[@]}""#,
    );
    assert_eq!(flags.trim(), "--var-file");
}

#[test]
fn zsh_loads_the_completions() {
    let out = in_shell(
        "zsh",
        &["-f", "-c"],
        "autoload -U compinit && compinit -u && source <(ecrplan completions zsh) && print -r -- ${_comps[ecrplan]}",
    );
    assert_eq!(out.trim(), "_ecrplan");
}

#[test]
fn fish_loads_the_completions() {
    let out = in_shell(
        "fish",
        &["--no-config", "-c"],
        "ecrplan completions fish | source; complete -C 'ecrplan vali'",
    );
    assert!(out.starts_with("validate"), "{out}");
}

#[test]
fn powershell_and_elvish_scripts_are_generated() {
    for shell in ["powershell", "elvish"] {
        let script = stdout(&ecrplan(&["completions", shell]));
        assert!(script.contains("ecrplan"), "{shell}");
    }
}

#[test]
fn the_man_page_renders() {
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("ecrplan.1");
    std::fs::write(&page, stdout(&ecrplan(&["man"]))).expect("write");
    let out = Command::new("man")
        .arg("-l")
        .arg(&page)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .output()
        .expect("man runs (Debian: apt-get install man-db)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("ecrplan - Terraform-style plan"), "{text}");
    assert!(text.contains("completions"), "{text}");

    // One page per command with --dir.
    let pages = dir.path().join("pages");
    stdout(&ecrplan(&["man", "--dir", &pages.to_string_lossy()]));
    let apply = pages.join("ecrplan-apply.1");
    let out = Command::new("man")
        .arg("-l")
        .arg(&apply)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .output()
        .expect("man runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("PLAN.json"),
        "apply's page documents PLAN.json:\n{text}"
    );
}

#[test]
fn apply_help_documents_the_saved_plan() {
    let help = stdout(&ecrplan(&["apply", "--help"]));
    assert!(help.contains("[DIR | PLAN.json]"), "{help}");
    let words = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("a plan saved with `ecrplan plan --out PLAN.json`"),
        "{help}"
    );
}
