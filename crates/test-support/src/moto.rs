//! One moto server per test binary, shared by its tests one at a time: by default moto with the
//! adapter (`moto/tagging_adapter.py`, which lets the Resource Groups Tagging API see ECR
//! repositories and serves the registry and OIDC operations moto lacks, as AWS does), and on
//! request plain moto, where it does not.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use ecrplan_aws::{AwsProvider, Tuning};

use crate::images::ImageStore;

/// The account moto answers for when no `x-moto-account-id` header is sent.
pub const DEFAULT_ACCOUNT: &str = "123456789012";
/// The region tests use.
pub const REGION: &str = "eu-west-1";

const INSTALL_HELP: &str = "moto's server is needed for the AWS tests. Run `scripts/test`, which \
installs it, or `python3 -m venv .venv && .venv/bin/pip install 'moto[server]==5.2.5'` in the \
workspace, or point ECRPLAN_MOTO_SERVER at a moto_server executable.";

struct Server {
    endpoint: String,
    port: u16,
    /// Kept so the watchdog shell is owned by this process for its whole life.
    _watchdog: Mutex<Child>,
}

static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
static PLAIN: OnceLock<Result<Server, String>> = OnceLock::new();
static EXCLUSIVE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
static SECOND: OnceLock<Result<Server, String>> = OnceLock::new();
static SECOND_EXCLUSIVE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `ECRPLAN_MOTO_SERVER`, else the workspace's `.venv`, else `moto_server` on `PATH`.
fn find_moto() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("ECRPLAN_MOTO_SERVER") {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!(
                "ECRPLAN_MOTO_SERVER={} does not exist. {INSTALL_HELP}",
                path.display()
            ))
        };
    }
    let venv = workspace_root().join(".venv/bin/moto_server");
    if venv.is_file() {
        return Ok(venv);
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("moto_server"))
        .find(|p| p.is_file())
        .ok_or_else(|| format!("moto_server was not found. {INSTALL_HELP}"))
}

/// The Python that runs `moto_server` (its `#!` line), which is the one with moto installed.
fn python_of(moto: &Path) -> PathBuf {
    std::fs::read_to_string(moto)
        .ok()
        .and_then(|text| {
            let first = text.lines().next()?.strip_prefix("#!")?.trim().to_owned();
            Some(PathBuf::from(first)).filter(|p| p.is_file())
        })
        .unwrap_or_else(|| PathBuf::from("python3"))
}

/// The program and leading arguments that start moto: `moto_server` itself, or (`adapter`)
/// moto's Python running the tagging adapter, which then runs moto's server.
fn moto_command(adapter: bool) -> Result<Vec<PathBuf>, String> {
    let moto = find_moto()?;
    Ok(if adapter {
        vec![
            python_of(&moto),
            workspace_root().join("crates/test-support/moto/tagging_adapter.py"),
        ]
    } else {
        vec![moto]
    })
}

fn free_port() -> Result<u16, String> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port for moto: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("no free port for moto: {e}"))
}

/// Starts moto under a small shell that kills it as soon as this test process is gone, so no
/// server outlives `cargo test` even when a test panics or the binary is killed.
fn start(adapter: bool) -> Result<Server, String> {
    let command = moto_command(adapter)?;
    let moto = command[0].clone();
    let port = free_port()?;
    let log = std::env::temp_dir().join(format!("ecrplan-moto-{port}.log"));
    let log_file =
        std::fs::File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
    let script = r#"port="$1"; parent="$2"; shift 2
"$@" -H 127.0.0.1 -p "$port" &
child=$!
while kill -0 "$parent" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 0.5; done
kill "$child" 2>/dev/null
wait "$child"
"#;
    let mut watchdog = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg("moto-watchdog")
        .arg(port.to_string())
        .arg(std::process::id().to_string())
        .args(&command)
        .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().map_err(|e| e.to_string())?)
        .stderr(log_file)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}. {INSTALL_HELP}", moto.display()))?;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok((200, _)) = http(port, "GET", "/moto-api/", &[], "") {
            break;
        }
        let exited = watchdog.try_wait().ok().flatten();
        if exited.is_some() || Instant::now() > deadline {
            let output = std::fs::read_to_string(&log).unwrap_or_default();
            return Err(format!(
                "{} did not start on port {port}:\n{output}\n{INSTALL_HELP}",
                moto.display()
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(Server {
        endpoint: format!("http://127.0.0.1:{port}"),
        port,
        _watchdog: Mutex::new(watchdog),
    })
}

/// A minimal HTTP/1.1 exchange with moto; returns the status and body.
fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes())?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    Ok((status, body))
}

/// Exclusive use of this binary's moto server, wiped clean. Tests hold it for their whole run,
/// so tests of one binary never see each other's objects, whatever `--test-threads` says.
pub struct Moto {
    port: u16,
    endpoint: String,
    _exclusive: tokio::sync::MutexGuard<'static, ()>,
}

/// Starts moto (with the tagging adapter) on first use, waits for exclusive use and resets its
/// state. Fails the test, with installation instructions, when moto cannot be started.
pub async fn moto() -> Moto {
    exclusive(SERVER.get_or_init(|| start(true)), &EXCLUSIVE).await
}

/// Another moto with the tagging adapter, as [`moto`] but its own process: a second region as
/// a second service, with its own capacity (the benchmark's two-registry estate).
pub async fn second_moto() -> Moto {
    exclusive(SECOND.get_or_init(|| start(true)), &SECOND_EXCLUSIVE).await
}

/// Like [`moto`], but plain moto 5.2.5, whose Tagging API does not see ECR repositories: for
/// the per-repository-tags fallback.
pub async fn moto_plain() -> Moto {
    exclusive(PLAIN.get_or_init(|| start(false)), &EXCLUSIVE).await
}

async fn exclusive(
    server: &'static Result<Server, String>,
    lock: &'static tokio::sync::Mutex<()>,
) -> Moto {
    let server = match server {
        Ok(server) => server,
        Err(message) => panic!("{message}"),
    };
    let exclusive = lock.lock().await;
    match http(server.port, "POST", "/moto-api/reset", &[], "") {
        Ok((200, _)) => {}
        other => panic!("resetting moto failed: {other:?}"),
    }
    Moto {
        port: server.port,
        endpoint: server.endpoint.clone(),
        _exclusive: exclusive,
    }
}

impl Moto {
    /// The endpoint URL, for `--endpoint`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// A provider for moto's default account.
    pub async fn provider(&self) -> AwsProvider {
        self.provider_with(Tuning::default(), None).await
    }

    /// A provider for another account on the same server (`x-moto-account-id`).
    pub async fn provider_for_account(&self, account: &str) -> AwsProvider {
        self.provider_with(Tuning::default(), Some(account)).await
    }

    /// A provider for moto's default account in another region: the second registry of an
    /// account.
    pub async fn provider_in_region(&self, region: &str) -> AwsProvider {
        self.provider_at(Tuning::default(), None, region).await
    }

    /// A provider with explicit tuning. The propagation wait is cut to two seconds: moto has
    /// no propagation delay, and a wait there only means a test is about to fail.
    pub async fn provider_with(&self, tuning: Tuning, account: Option<&str>) -> AwsProvider {
        self.provider_at(tuning, account, REGION).await
    }

    /// A provider with explicit tuning, account and region.
    async fn provider_at(
        &self,
        mut tuning: Tuning,
        account: Option<&str>,
        region: &str,
    ) -> AwsProvider {
        tuning.propagation_timeout = tuning.propagation_timeout.min(Duration::from_secs(2));
        if let Some(account) = account {
            tuning
                .headers
                .push(("x-moto-account-id".into(), account.into()));
        }
        match AwsProvider::for_endpoint(&self.endpoint, region, tuning).await {
            Ok(p) => p,
            Err(e) => panic!("cannot connect to moto at {}: {e}", self.endpoint),
        }
    }

    /// Runs `script` with boto3 (moto's Python has it) against this server, with `client(name)`
    /// defined to make a boto3 client for it, and returns what the script prints as JSON: a
    /// real AWS client reading back what ecrplan wrote.
    pub fn boto3(&self, script: &str) -> serde_json::Value {
        let python = python_of(&find_moto().unwrap_or_else(|e| panic!("{e}")));
        let prelude = format!(
            "import boto3, json\n\
             def client(name):\n    \
                 return boto3.client(name, endpoint_url={:?}, region_name={REGION:?}, \
             aws_access_key_id='testing', aws_secret_access_key='testing')\n",
            self.endpoint
        );
        let out = Command::new(&python)
            .arg("-c")
            .arg(format!("{prelude}{script}"))
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("{} does not run: {e}", python.display()));
        assert!(
            out.status.success(),
            "boto3 script failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "the boto3 script printed no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    /// Attaches a managed policy to a role behind the provider's back (AttachRolePolicy over
    /// HTTP), as a person in the console might, so tests can see DeleteRole's conflict handled.
    pub fn attach_managed_policy(&self, account: Option<&str>, role: &str, policy_arn: &str) {
        let arn = policy_arn.replace(':', "%3A").replace('/', "%2F");
        self.iam(
            account,
            &format!("AttachRolePolicy&RoleName={role}&PolicyArn={arn}"),
        );
    }

    /// Attaches a managed policy to a group behind the provider's back, as a person with the
    /// AWS CLI might (`aws iam attach-group-policy`).
    pub fn attach_group_policy(&self, account: Option<&str>, group: &str, policy_arn: &str) {
        let arn = policy_arn.replace(':', "%3A").replace('/', "%2F");
        self.iam(
            account,
            &format!("AttachGroupPolicy&GroupName={group}&PolicyArn={arn}"),
        );
    }

    /// Creates an instance profile holding the role behind the provider's back, as an EC2 user
    /// might, so tests can see DeleteRole's conflict handled.
    pub fn add_to_instance_profile(&self, account: Option<&str>, role: &str, profile: &str) {
        self.iam(
            account,
            &format!("CreateInstanceProfile&InstanceProfileName={profile}"),
        );
        self.iam(
            account,
            &format!("AddRoleToInstanceProfile&InstanceProfileName={profile}&RoleName={role}"),
        );
    }

    /// Makes an access key for a user behind the provider's back, as the person following
    /// `ecrplan output`'s `aws iam create-access-key` hint does (ecrplan itself never makes one).
    pub fn create_access_key(&self, account: Option<&str>, user: &str) {
        self.iam(account, &format!("CreateAccessKey&UserName={user}"));
    }

    /// One IAM call over HTTP: `action` is the action name followed by its form parameters.
    fn iam(&self, account: Option<&str>, action: &str) {
        let body = format!("Action={action}&Version=2010-05-08");
        let authorization = authorization("iam");
        let mut headers = vec![
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Authorization", authorization.as_str()),
        ];
        if let Some(account) = account {
            headers.push(("x-moto-account-id", account));
        }
        match http(self.port, "POST", "/", &headers, &body) {
            Ok((200, _)) => {}
            other => panic!("{action} failed: {other:?}"),
        }
    }

    /// Pushes images the way the tests need: into the default account or another one.
    pub fn images(&self, account: Option<&str>) -> MotoImages {
        MotoImages {
            port: self.port,
            account: account.map(str::to_owned),
        }
    }
}

/// Pushes a tiny image manifest with ECR's PutImage, straight over HTTP: the provider has no
/// business pushing images, and moto needs no real signature.
pub struct MotoImages {
    port: u16,
    account: Option<String>,
}

/// An Authorization header that tells moto the service and region; moto checks no signature.
fn authorization(service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=testing/20250101/{REGION}/{service}/aws4_request, SignedHeaders=host, Signature=0"
    )
}

/// A Docker image manifest with no layers: the smallest thing PutImage accepts.
const MANIFEST: &str = r#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},"layers":[]}"#;

#[async_trait]
impl ImageStore for MotoImages {
    async fn push(&self, repository: &str) {
        let body = serde_json::json!({
            "repositoryName": repository,
            "imageManifest": MANIFEST,
            "imageTag": "v1",
        })
        .to_string();
        let authorization = authorization("ecr");
        let mut headers = vec![
            ("Content-Type", "application/x-amz-json-1.1"),
            (
                "X-Amz-Target",
                "AmazonEC2ContainerRegistry_V20150921.PutImage",
            ),
            ("Authorization", authorization.as_str()),
        ];
        if let Some(account) = &self.account {
            headers.push(("x-moto-account-id", account.as_str()));
        }
        match http(self.port, "POST", "/", &headers, &body) {
            Ok((200, _)) => {}
            other => panic!("PutImage into {repository} failed: {other:?}"),
        }
    }
}
