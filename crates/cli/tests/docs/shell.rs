//! Running a document's command line as its reader would: through `sh -c` in a scratch working
//! directory, with `ecrplan` on `PATH` (this build's binary) and an environment that holds
//! nothing from the developer's shell but what the line needs.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tempfile::TempDir;

/// What the README runs with `cargo run --release --` is the workspace's default binary,
/// ecrplan: a line saying so runs this build's binary instead (scripts/quickstart runs the
/// README's own `cargo run` line verbatim).
pub const CARGO_RUN: &str = "cargo run --release --";

/// Where the commands' AWS calls go.
pub enum Account<'a> {
    /// The configurations' own `provider "sandbox"` files, in the scratch directory.
    Sandbox,
    /// moto, through `AWS_ENDPOINT_URL` (so the line runs as written, without `--endpoint`),
    /// with moto's dummy credentials.
    Moto { endpoint: &'a str, region: &'a str },
}

/// The exit status and output of one command line.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Everything, for assertion messages.
    pub fn transcript(&self) -> String {
        format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    /// Asserts the exit status and returns stdout.
    pub fn expect(&self, code: i32) -> &str {
        assert_eq!(self.code, code, "{}", self.transcript());
        &self.stdout
    }
}

/// The lines one test runs: created with the lines the docs test's table gives that test, it
/// panics when dropped (unless the test already failed) if any of them was not run.
pub struct Session {
    test: &'static str,
    owed: Vec<(String, String)>,
    ran: RefCell<BTreeSet<(String, String)>>,
    root: TempDir,
    cwd: RefCell<PathBuf>,
    env: Vec<(String, String)>,
}

impl Session {
    /// A scratch directory `work/` with `ecrplan` on `PATH` and `$GITHUB_ENV` an empty file.
    pub fn new(test: &'static str, owed: Vec<(String, String)>, account: Account) -> Session {
        let root = TempDir::new().expect("a temporary directory");
        std::fs::create_dir_all(root.path().join("work")).expect("create work/");
        std::fs::create_dir_all(root.path().join("bin")).expect("create bin/");
        std::os::unix::fs::symlink(
            env!("CARGO_BIN_EXE_ecrplan"),
            root.path().join("bin/ecrplan"),
        )
        .expect("link the binary");
        let github_env = root.path().join("github-env");
        std::fs::write(&github_env, "").expect("create the GITHUB_ENV file");
        // This build's ecrplan first; the shell's tools (sh, jq, test) from the usual PATH.
        let path = format!(
            "{}:{}",
            root.path().join("bin").display(),
            std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".to_owned())
        );
        let mut env = vec![
            ("PATH".to_owned(), path),
            // No ~/.aws of the developer's: credentials come from the account below only.
            ("HOME".to_owned(), root.path().display().to_string()),
            ("NO_COLOR".to_owned(), "1".to_owned()),
            ("GITHUB_ENV".to_owned(), github_env.display().to_string()),
        ];
        if let Account::Moto { endpoint, region } = account {
            for (name, value) in [
                ("AWS_ENDPOINT_URL", endpoint),
                ("AWS_ACCESS_KEY_ID", "testing"),
                ("AWS_SECRET_ACCESS_KEY", "testing"),
                ("AWS_REGION", region),
                ("AWS_EC2_METADATA_DISABLED", "true"),
            ] {
                env.push((name.to_owned(), value.to_owned()));
            }
        }
        Session {
            test,
            owed,
            ran: RefCell::new(BTreeSet::new()),
            cwd: RefCell::new(root.path().join("work")),
            root,
            env,
        }
    }

    /// The scratch directory the lines start in.
    pub fn work(&self) -> PathBuf {
        self.root.path().join("work")
    }

    /// Runs the following lines in `work/REL`, as a reader who changed directory.
    pub fn cd(&self, rel: &str) {
        *self.cwd.borrow_mut() = self.work().join(rel);
    }

    /// What the lines appended to `$GITHUB_ENV`.
    pub fn github_env(&self) -> String {
        std::fs::read_to_string(self.root.path().join("github-env")).expect("read GITHUB_ENV")
    }

    /// Copies the workspace's `examples/NAME` to `work/examples/NAME` (its configuration files
    /// only: no sandbox account someone left there).
    pub fn copy_example(&self, workspace: &Path, name: &str) {
        let to = self.work().join("examples").join(name);
        std::fs::create_dir_all(&to).expect("create the example's copy");
        for entry in std::fs::read_dir(workspace.join("examples").join(name)).expect("an example") {
            let path = entry.expect("a file").path();
            let file_name = path
                .file_name()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
            if path.is_file() && !file_name.starts_with('.') {
                std::fs::copy(&path, to.join(&file_name)).expect("copy a file");
            }
        }
    }

    /// Writes `text` to `work/REL`, creating its directories.
    pub fn write(&self, rel: &str, text: &str) {
        let path = self.work().join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create directories");
        std::fs::write(path, text).expect("write the file");
    }

    /// Runs `ecrplan ARGS` in the current directory: a step the docs leave to the reader (an apply before
    /// `output`), not a documented line.
    pub fn ecrplan(&self, args: &[&str]) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ecrplan"));
        command.args(args);
        self.finish(&mut command)
    }

    /// Runs the documented line `command` of `file` in the current directory.
    pub fn run(&self, file: &str, command: &str) -> Run {
        self.run_with(file, command, &[])
    }

    /// [`Session::run`], first replacing each placeholder of the line (`DIR`, `FILE`) with a
    /// real value; every placeholder must occur in the line.
    pub fn run_with(&self, file: &str, command: &str, placeholders: &[(&str, &str)]) -> Run {
        let line = self.owe(file, command, placeholders);
        let mut sh = Command::new("sh");
        sh.arg("-c").arg(line);
        self.finish(&mut sh)
    }

    /// Runs the documented line as a person at a terminal who answers `yes` to apply's
    /// question: through util-linux `script`, which gives the line a pseudo-terminal (apply
    /// refuses to ask without one). stdout and stderr arrive together, in `stdout`.
    pub fn run_answering_yes(&self, file: &str, command: &str) -> Run {
        let line = self.owe(file, command, &[]);
        let mut script = Command::new("script");
        script.args(["--quiet", "--return", "--command", &line, "/dev/null"]);
        self.prepare(&mut script);
        let mut child = script
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("util-linux `script` runs (apt-get install bsdutils)");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(b"yes\n")
            .expect("answer yes");
        let output = child.wait_with_output().expect("script finishes");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n"),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Checks that `command` of `file` is one of this test's lines, records it as run and
    /// returns it with its placeholders replaced.
    fn owe(&self, file: &str, command: &str, placeholders: &[(&str, &str)]) -> String {
        let key = (file.to_owned(), command.to_owned());
        assert!(
            self.owed.contains(&key),
            "`{command}` of {file} is not a line CASES gives to {}",
            self.test
        );
        self.ran.borrow_mut().insert(key);
        let mut line = command.replace(CARGO_RUN, "ecrplan");
        for (placeholder, value) in placeholders {
            assert!(
                line.contains(placeholder),
                "`{command}` has no {placeholder}"
            );
            line = line.replace(placeholder, value);
        }
        line
    }

    fn prepare(&self, command: &mut Command) {
        command
            .current_dir(&*self.cwd.borrow())
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)));
    }

    fn finish(&self, command: &mut Command) -> Run {
        self.prepare(command);
        let output = command
            .stdin(Stdio::null())
            .output()
            .expect("the command starts");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let ran = self.ran.borrow();
        let missed: Vec<String> = self
            .owed
            .iter()
            .filter(|key| !ran.contains(*key))
            .map(|(file, command)| format!("{file}: `{command}`"))
            .collect();
        assert!(
            missed.is_empty(),
            "{} did not run lines CASES gives it:\n{}",
            self.test,
            missed.join("\n")
        );
    }
}
