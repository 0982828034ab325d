//! Records the git commit the binary is built from, for `ecrplan --version`: `git rev-parse
//! --short HEAD` when the source is a git checkout, `unknown` otherwise (a source tarball, a
//! vendored copy). Cargo reruns this when HEAD moves — a checkout, a commit, a reset — by
//! watching the HEAD file and the branch ref it points to.

use std::path::{Path, PathBuf};
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let text = String::from_utf8(out.stdout).ok()?;
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let commit = git(&dir, &["rev-parse", "--short", "HEAD"]);
    if commit.is_some() {
        // `--git-path` resolves worktrees: HEAD in the worktree's own directory, branch refs and
        // packed-refs in the common one.
        let mut watched = vec!["HEAD".to_owned(), "packed-refs".to_owned()];
        watched.extend(git(&dir, &["symbolic-ref", "-q", "HEAD"]));
        for name in watched {
            if let Some(path) = git(&dir, &["rev-parse", "--git-path", &name]) {
                let path = dir.join(path);
                if path.exists() {
                    println!("cargo:rerun-if-changed={}", path.display());
                }
            }
        }
    }
    println!(
        "cargo:rustc-env=ECRPLAN_COMMIT={}",
        commit.as_deref().unwrap_or("unknown")
    );
}
