//! `bench`: ecrplan against moto through the proxy of `ecrplan_test::proxy`, beside its peers.
//!
//! ```text
//! cargo run --release -p ecrplan-test --bin bench -- --repos 100,1000 --rtt-ms 0,25,100
//! ```
//!
//! For each estate size N (N repositories over N/20 modules, each with a repository policy, a
//! lifecycle policy and a GitHub role per module) it applies the estate from empty, plans it
//! with no change, changes 5 % of the repositories out of band and runs `drift`, at each
//! round-trip time; it records wall time, calls per operation (`--stats`, against the proxy's
//! counts), CPU time and peak RSS (`/usr/bin/time`), and the floor: the largest of
//! calls × RTT / parallelism, calls / moto's measured capacity and Σ calls per operation /
//! quota. In the same run, through the same proxy: the seeds' AWS CLI loop on a sample of
//! repositories and the Terraform provider's read path replayed with boto3 (a model).
//! `--sandbox` times the file-backed account instead. Results go to stdout as a Markdown
//! table and to `--out` as JSON, CSV and an SVG chart.
//!
//! `--two-registries` puts the same N repositories in two registries (moto's region and
//! us-east-1, the second through an aliased provider), applies both, then times the no-change
//! plan of each registry alone and of both in one run, `--repeat` times each, at each
//! round-trip time: one run over both should cost about the slower registry, not the sum.
//! Each registry has its own moto behind its own proxy, as two regions are two services;
//! `--one-moto` puts both on one, whose capacity then bounds the run over both.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ecrplan_model::{Kind, Operation, Provider};
use ecrplan_test::proxy::{Conditions, Counts, Proxy, Quota};
use ecrplan_test::{REGION, estate, estate_hcl};
use serde::{Deserialize, Serialize};

/// Repositories per module, as in the issue's estates.
const PER_MODULE: usize = 20;
/// ecrplan's default `--parallelism`, which the runs use.
const PARALLELISM: f64 = ecrplan_model::DEFAULT_PARALLELISM as f64;

struct Args {
    repos: Vec<usize>,
    rtts: Vec<u64>,
    conditions: Conditions,
    cli_sample: usize,
    peers: bool,
    sandbox: bool,
    two_registries: bool,
    /// Both registries of `--two-registries` on one moto (its capacity shared) rather than one
    /// each.
    one_moto: bool,
    repeat: usize,
    out: PathBuf,
    ecrplan: Option<PathBuf>,
    /// Earlier `results.json` files to report together instead of measuring.
    from: Vec<PathBuf>,
}

const USAGE: &str = "usage: bench [--repos N[,N…]] [--rtt-ms MS[,MS…]] [--quota RATE/BURST] \
[--server-errors SHARE] [--drops SHARE] [--throttle SHARE] [--seed N] [--cli-sample N] \
[--no-peers] [--sandbox] [--two-registries [--one-moto]] [--repeat N] (--cli-sample 0 skips the CLI loop) [--out DIR] [--ecrplan PATH] [--from results.json[,…]]";

fn list<T: std::str::FromStr>(value: &str) -> Result<Vec<T>, String> {
    value
        .split(',')
        .map(|v| v.trim().parse().map_err(|_| format!("not a number: {v}")))
        .collect()
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        repos: vec![1000],
        rtts: vec![25],
        conditions: Conditions::default(),
        cli_sample: 50,
        peers: true,
        sandbox: false,
        two_registries: false,
        one_moto: false,
        repeat: 3,
        out: PathBuf::from("target/bench"),
        ecrplan: None,
        from: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
        };
        let share = |v: String| -> Result<f64, String> {
            v.parse::<f64>()
                .ok()
                .filter(|s| (0.0..=1.0).contains(s))
                .ok_or_else(|| format!("a share is between 0 and 1, not {v}"))
        };
        match flag.as_str() {
            "--repos" => args.repos = list(&value()?)?,
            "--rtt-ms" => args.rtts = list(&value()?)?,
            "--quota" => {
                let v = value()?;
                let (rate, burst) = v.split_once('/').ok_or("--quota is RATE/BURST")?;
                args.conditions.quota = Some(Quota {
                    rate: rate.parse().map_err(|_| "--quota RATE is a number")?,
                    burst: burst.parse().map_err(|_| "--quota BURST is a number")?,
                });
            }
            "--server-errors" => args.conditions.server_error_share = share(value()?)?,
            "--drops" => args.conditions.drop_share = share(value()?)?,
            "--throttle" => args.conditions.throttle_share = share(value()?)?,
            "--seed" => args.conditions.seed = value()?.parse().map_err(|_| "--seed N")?,
            "--cli-sample" => args.cli_sample = value()?.parse().map_err(|_| "--cli-sample N")?,
            "--no-peers" => args.peers = false,
            "--sandbox" => args.sandbox = true,
            "--two-registries" => args.two_registries = true,
            "--one-moto" => args.one_moto = true,
            "--repeat" => {
                args.repeat = value()?
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or("--repeat N, at least 1")?;
            }
            "--out" => args.out = PathBuf::from(value()?),
            "--ecrplan" => args.ecrplan = Some(PathBuf::from(value()?)),
            "--from" => args.from = value()?.split(',').map(PathBuf::from).collect(),
            "--help" | "-h" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if args.repos.iter().any(|n| *n < PER_MODULE) {
        return Err(format!("--repos must be at least {PER_MODULE}"));
    }
    Ok(args)
}

/// One timed run of a process.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Run {
    wall_s: f64,
    cpu_s: f64,
    peak_rss_mb: f64,
    exit: i32,
    /// Calls per operation from `--stats` (ecrplan only).
    calls: BTreeMap<String, u64>,
    calls_total: u64,
    retries: u64,
    /// What the proxy forwarded meanwhile.
    proxy: Counts,
}

/// Everything measured for one estate size at one round-trip time.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Row {
    repos: usize,
    rtt_ms: u64,
    conditions: Conditions,
    moto_capacity_rps: f64,
    apply: Option<Run>,
    plan: Run,
    drift: Option<Run>,
    floor_s: f64,
    floor_parts: BTreeMap<String, f64>,
    plan_over_floor: f64,
    /// The floor of the apply (its calls instead of the plan's).
    apply_floor_s: Option<f64>,
    apply_over_floor: Option<f64>,
    /// Under a quota, the largest operation's calls / quota: a true lower bound when the
    /// operations run at once, and lower than the issue's sum.
    quota_bound_s: Option<f64>,
    calls_per_declared_object: f64,
    stats_match_proxy: bool,
    terraform_model_s: Option<f64>,
    cli_loop_s_per_repo: Option<f64>,
    ecrplan_s_per_repo: f64,
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    if !args.from.is_empty() {
        let mut rows: Vec<Row> = Vec::new();
        for file in &args.from {
            let read = std::fs::read_to_string(file)
                .map_err(|e| e.to_string())
                .and_then(|t| serde_json::from_str::<Vec<Row>>(&t).map_err(|e| e.to_string()));
            match read {
                Ok(r) => rows.extend(r),
                Err(e) => {
                    eprintln!("cannot read {}: {e}", file.display());
                    std::process::exit(1);
                }
            }
        }
        rows.sort_by_key(|r| (r.rtt_ms, r.repos));
        report(&args, &rows);
        return;
    }
    let ecrplan = match args.ecrplan.clone().map_or_else(find_ecrplan, Ok) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        eprintln!("cannot create {}: {e}", args.out.display());
        std::process::exit(1);
    }
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    if args.sandbox {
        let rows: Vec<SandboxRow> = args
            .repos
            .iter()
            .map(|n| sandbox_run(&ecrplan, *n))
            .collect();
        print!("{}", sandbox_table(&rows));
        write_json(&args.out.join("sandbox.json"), &rows);
        return;
    }
    if args.two_registries {
        let rows = runtime.block_on(two_registry_runs(&args, &ecrplan));
        print!("{}", two_registry_table(&rows));
        write_json(&args.out.join("two-registries.json"), &rows);
        return;
    }
    let rows = runtime.block_on(aws_runs(&args, &ecrplan));
    report(&args, &rows);
}

/// The table on stdout; JSON, CSV, Markdown and a chart per round-trip time in `--out`.
fn report(args: &Args, rows: &[Row]) {
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        eprintln!("cannot create {}: {e}", args.out.display());
    }
    let table = aws_table(rows);
    print!("{table}");
    write_json(&args.out.join("results.json"), &rows.to_vec());
    write_file(&args.out.join("results.csv"), &csv(rows));
    write_file(&args.out.join("results.md"), &table);
    let mut rtts: Vec<u64> = rows.iter().map(|r| r.rtt_ms).collect();
    rtts.dedup();
    for rtt in rtts {
        let chart = svg_chart(rows, rtt);
        write_file(&args.out.join(format!("plan-time-rtt{rtt}.svg")), &chart);
    }
}

/// `target/release/ecrplan` beside this binary, built first when it is missing.
fn find_ecrplan() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let path = exe.with_file_name("ecrplan");
    if path.is_file() {
        return Ok(path);
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("building {} …", path.display());
    let status = Command::new(cargo)
        .args(["build", "--release", "--locked", "-p", "ecrplan"])
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() && path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "{} is missing: run `cargo build --release -p ecrplan` or pass --ecrplan",
            path.display()
        ))
    }
}

fn write_file(path: &Path, text: &str) {
    if let Err(e) = std::fs::write(path, text) {
        eprintln!("cannot write {}: {e}", path.display());
    }
}

fn write_json(path: &Path, value: &impl Serialize) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => write_file(path, &(text + "\n")),
        Err(e) => eprintln!("cannot encode results: {e}"),
    }
}

/// Where a run's providers lead.
#[derive(Clone, Copy)]
enum Target<'a> {
    /// The configuration's sandbox file.
    Sandbox,
    /// Every provider through `--endpoint URL`, with `--stats`.
    Endpoint(&'a str),
    /// Each provider through the `endpoint` its block names, with `--stats`.
    Configured,
}

/// Runs `ecrplan ARGS` under `/usr/bin/time` (the child's rusage: CPU and peak RSS).
fn ecrplan_run(ecrplan: &Path, args: &[&str], endpoint: Option<&str>) -> Run {
    ecrplan_run_at(
        ecrplan,
        args,
        endpoint.map_or(Target::Sandbox, Target::Endpoint),
    )
}

/// [`ecrplan_run`] against any [`Target`].
fn ecrplan_run_at(ecrplan: &Path, args: &[&str], target: Target<'_>) -> Run {
    let times = tempfile::NamedTempFile::new().expect("a temporary file");
    let mut cmd = Command::new("/usr/bin/time");
    cmd.arg("-f")
        .arg("%U %S %M")
        .arg("-o")
        .arg(times.path())
        .arg(ecrplan)
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Target::Endpoint(endpoint) = target {
        cmd.arg("--endpoint").arg(endpoint);
    }
    if !matches!(target, Target::Sandbox) {
        cmd.arg("--stats")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", REGION)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN");
    }
    let start = Instant::now();
    let output = cmd.output().expect("/usr/bin/time runs ecrplan");
    let wall_s = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let rusage = std::fs::read_to_string(times.path()).unwrap_or_default();
    let fields: Vec<f64> = rusage
        .lines()
        .last()
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    let exit = output.status.code().unwrap_or(-1);
    if exit == 1 {
        // What failed is on stdout (apply's progress lines), the summary on stderr.
        let stdout = String::from_utf8_lossy(&output.stdout);
        let failures: Vec<&str> = stdout
            .lines()
            .filter(|l| l.contains("rror") || l.contains("failed") || l.contains("skipped"))
            .take(20)
            .collect();
        eprintln!(
            "ecrplan {} failed:\n{}\n{stderr}",
            args.join(" "),
            failures.join("\n")
        );
    }
    let mut run = Run {
        wall_s,
        cpu_s: fields.first().unwrap_or(&0.0) + fields.get(1).unwrap_or(&0.0),
        peak_rss_mb: fields.get(2).unwrap_or(&0.0) / 1024.0,
        exit,
        ..Run::default()
    };
    if let Some(line) = stderr.lines().find(|l| l.starts_with("AWS calls: ")) {
        parse_stats(line, &mut run);
    }
    run
}

/// Reads `AWS calls: 605 (DescribeRegistry=1, …; retries=0)`.
fn parse_stats(line: &str, run: &mut Run) {
    let inner = line
        .split_once('(')
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .unwrap_or_default();
    let (ops, retries) = inner.rsplit_once("retries=").unwrap_or((inner, "0"));
    run.retries = retries.trim().parse().unwrap_or(0);
    for pair in ops.trim_end_matches("; ").split(", ") {
        if let Some((op, n)) = pair.split_once('=') {
            let n: u64 = n.trim_end_matches(';').parse().unwrap_or(0);
            run.calls.insert(op.to_owned(), n);
            run.calls_total += n;
        }
    }
}

/// Requests per second moto answers: 16 threads sending DescribeRegistry straight to it.
fn moto_capacity(endpoint: &str) -> f64 {
    let addr = endpoint.trim_start_matches("http://").to_owned();
    let per_thread = 40;
    let start = Instant::now();
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                (0..per_thread)
                    .filter(|_| describe_registry(&addr).is_ok())
                    .count()
            })
        })
        .collect();
    let answered: usize = threads.into_iter().map(|t| t.join().unwrap_or(0)).sum();
    answered as f64 / start.elapsed().as_secs_f64()
}

fn describe_registry(addr: &str) -> std::io::Result<()> {
    let mut stream = TcpStream::connect(addr)?;
    let body = "{}";
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.DescribeRegistry\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=testing/20250101/{REGION}/ecr/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes())?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    Ok(())
}

fn floor(
    calls: &BTreeMap<String, u64>,
    rtt: Duration,
    capacity: f64,
    quota: Option<Quota>,
) -> BTreeMap<String, f64> {
    let total: u64 = calls.values().sum();
    let mut parts = BTreeMap::new();
    parts.insert(
        "latency".to_owned(),
        total as f64 * rtt.as_secs_f64() / PARALLELISM,
    );
    parts.insert("moto".to_owned(), total as f64 / capacity);
    if let Some(q) = quota {
        // The issue's definition: the operations' quota times added up.
        let sum: f64 = calls.values().map(|n| *n as f64 / q.rate).sum();
        parts.insert("quota".to_owned(), sum);
    }
    parts
}

async fn aws_runs(args: &Args, ecrplan: &Path) -> Vec<Row> {
    let venv = if args.peers {
        peers_venv(&args.out)
    } else {
        None
    };
    let mut rows = Vec::new();
    for &n in &args.repos {
        let moto = ecrplan_test::moto().await;
        let upstream = moto.endpoint().trim_start_matches("http://").to_owned();
        let capacity = moto_capacity(moto.endpoint());
        eprintln!("N={n}: moto answers {capacity:.0} requests/s");
        let proxy = Proxy::start(&upstream, Conditions::default()).expect("the proxy starts");
        let dir = tempfile::TempDir::new().expect("a temporary directory");
        let modules = n / PER_MODULE;
        std::fs::write(
            dir.path().join("main.hcl"),
            estate_hcl("bench", modules, PER_MODULE, true),
        )
        .expect("the estate is written");
        let config = dir.path().to_str().unwrap_or_default().to_owned();
        let desired = estate("bench", modules, PER_MODULE, true);
        let declared = {
            let provider = moto.provider().await;
            let account = provider.account().await.expect("moto's account");
            desired.objects(&ecrplan_model::Reach::single(account.clone()))
        };
        for (i, &rtt_ms) in args.rtts.iter().enumerate() {
            let rtt = Duration::from_millis(rtt_ms);
            let conditions = Conditions {
                rtt,
                ..args.conditions.clone()
            };
            proxy.set(conditions.clone());
            let apply = (i == 0).then(|| {
                proxy.take_counts();
                let mut run = ecrplan_run(
                    ecrplan,
                    &["apply", &config, "--auto-approve"],
                    Some(&proxy.url()),
                );
                run.proxy = proxy.take_counts();
                eprintln!(
                    "N={n} RTT={rtt_ms}ms: apply {:.1}s exit {}",
                    run.wall_s, run.exit
                );
                run
            });
            proxy.take_counts();
            let mut plan = ecrplan_run(
                ecrplan,
                &["plan", &config, "--detailed-exitcode"],
                Some(&proxy.url()),
            );
            plan.proxy = proxy.take_counts();
            eprintln!(
                "N={n} RTT={rtt_ms}ms: plan {:.1}s exit {}",
                plan.wall_s, plan.exit
            );
            let drift = if i == 0 {
                drift_out_of_band(&moto, &declared).await;
                let mut run = ecrplan_run(ecrplan, &["drift", &config], Some(&proxy.url()));
                run.proxy = proxy.take_counts();
                eprintln!(
                    "N={n} RTT={rtt_ms}ms: drift {:.1}s exit {}",
                    run.wall_s, run.exit
                );
                // Put the account back for the next round-trip time.
                ecrplan_run(
                    ecrplan,
                    &["apply", &config, "--auto-approve"],
                    Some(&proxy.url()),
                );
                proxy.take_counts();
                Some(run)
            } else {
                None
            };
            let (terraform_model_s, cli_loop_s_per_repo) = match &venv {
                Some(python) => {
                    let names: Vec<String> = (0..n)
                        .map(|r| format!("bench-m{}-r{}", r / PER_MODULE, r % PER_MODULE))
                        .collect();
                    let tf = terraform_model(python, &proxy.url(), &names);
                    proxy.take_counts();
                    let sample = &names[..args.cli_sample.min(names.len())];
                    let cli = (n == args.repos[0] && !sample.is_empty())
                        .then(|| cli_loop(python, &proxy.url(), sample));
                    proxy.take_counts();
                    (tf, cli.flatten())
                }
                None => (None, None),
            };
            let floor_parts = floor(&plan.calls, rtt, capacity, conditions.quota);
            let floor_s = floor_parts.values().copied().fold(0.0, f64::max);
            let apply_floor_s = apply.as_ref().map(|a| {
                floor(&a.calls, rtt, capacity, conditions.quota)
                    .values()
                    .copied()
                    .fold(0.0, f64::max)
            });
            let quota_bound_s = conditions.quota.map(|q| {
                plan.calls
                    .values()
                    .map(|n| *n as f64 / q.rate)
                    .fold(0.0, f64::max)
            });
            let forwarded = &plan.proxy.forwarded;
            let stats_match_proxy = conditions.server_error_share == 0.0
                && conditions.drop_share == 0.0
                && conditions.throttle_share == 0.0
                && conditions.quota.is_none()
                && *forwarded == plan.calls;
            let declared_objects = declared.len() as f64;
            rows.push(Row {
                repos: n,
                rtt_ms,
                moto_capacity_rps: capacity,
                floor_s,
                plan_over_floor: plan.wall_s / floor_s,
                apply_over_floor: apply.as_ref().zip(apply_floor_s).map(|(a, f)| a.wall_s / f),
                apply_floor_s,
                quota_bound_s,
                calls_per_declared_object: plan.calls_total as f64 / declared_objects,
                stats_match_proxy,
                terraform_model_s,
                cli_loop_s_per_repo,
                ecrplan_s_per_repo: plan.wall_s / n as f64,
                conditions,
                floor_parts,
                apply,
                drift,
                plan,
            });
        }
    }
    rows
}

/// Deletes the lifecycle policy of every 20th repository straight on moto, as someone in the
/// console might: 5 % of the repositories drift.
async fn drift_out_of_band(moto: &ecrplan_test::Moto, declared: &[ecrplan_model::DesiredObject]) {
    let provider = moto.provider().await;
    let lifecycle: Vec<_> = declared
        .iter()
        .filter(|o| o.resource.kind() == Kind::LifecyclePolicy)
        .step_by(20)
        .collect();
    for object in lifecycle {
        let op = Operation::Delete {
            resource: object.resource.clone(),
            force: false,
        };
        if let Err(e) = provider.apply(&op).await {
            eprintln!("out-of-band change failed: {e}");
        }
    }
}

/// A virtualenv with the AWS CLI and boto3 for the peers, made once under `out`.
fn peers_venv(out: &Path) -> Option<PathBuf> {
    let venv = out.join("peers-venv");
    let python = venv.join("bin/python");
    let aws = venv.join("bin/aws");
    if !aws.is_file() {
        eprintln!("installing awscli and boto3 into {} …", venv.display());
        let made = Command::new("python3")
            .arg("-m")
            .arg("venv")
            .arg(&venv)
            .status();
        let installed = made.is_ok_and(|s| s.success())
            && Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet", "awscli", "boto3"])
                .status()
                .is_ok_and(|s| s.success());
        if !installed {
            eprintln!("cannot install the peers; run with --no-peers to skip them");
            return None;
        }
    }
    Some(python)
}

fn peer_env(cmd: &mut Command, endpoint: &str) {
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", REGION)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE");
}

/// The Terraform AWS provider's read path for `aws_ecr_repository`, its policy and lifecycle
/// policy, as a model: per repository DescribeRepositories by name, ListTagsForResource,
/// GetRepositoryPolicy and GetLifecyclePolicy, 10 repositories at a time (`-parallelism`'s
/// default), with boto3. Seconds, or `None` when it failed.
fn terraform_model(python: &Path, endpoint: &str, names: &[String]) -> Option<f64> {
    let script = r#"
import sys, time, boto3, botocore
from concurrent.futures import ThreadPoolExecutor
names = sys.stdin.read().split()
ecr = boto3.client("ecr", config=botocore.config.Config(max_pool_connections=10, retries={"mode": "standard", "max_attempts": 10}))
def read(name):
    repo = ecr.describe_repositories(repositoryNames=[name])["repositories"][0]
    ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])
    for call in (ecr.get_repository_policy, ecr.get_lifecycle_policy):
        try:
            call(repositoryName=name)
        except ecr.exceptions.ClientError:
            pass
start = time.monotonic()
with ThreadPoolExecutor(10) as pool:
    list(pool.map(read, names))
print(time.monotonic() - start)
"#;
    let mut cmd = Command::new(python);
    cmd.arg("-c")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    peer_env(&mut cmd, endpoint);
    let mut child = cmd.spawn().ok()?;
    child
        .stdin
        .take()?
        .write_all(names.join("\n").as_bytes())
        .ok()?;
    let output = child.wait_with_output().ok()?;
    if !output.status.success() {
        eprintln!("the Terraform read-path model failed");
        return None;
    }
    String::from_utf8_lossy(&output.stdout).trim().parse().ok()
}

/// The seeds' loop: `aws ecr describe-repositories`, `get-repository-policy` and
/// `get-lifecycle-policy`, one process each, per repository. Seconds per repository.
fn cli_loop(python: &Path, endpoint: &str, names: &[String]) -> Option<f64> {
    let aws = python.with_file_name("aws");
    let start = Instant::now();
    for name in names {
        for args in [
            vec!["ecr", "describe-repositories", "--repository-names", name],
            vec!["ecr", "get-repository-policy", "--repository-name", name],
            vec!["ecr", "get-lifecycle-policy", "--repository-name", name],
        ] {
            let mut cmd = Command::new(&aws);
            cmd.args(&args).stdout(Stdio::null()).stderr(Stdio::null());
            peer_env(&mut cmd, endpoint);
            cmd.status().ok()?;
        }
    }
    Some(start.elapsed().as_secs_f64() / names.len().max(1) as f64)
}

fn aws_table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| N | RTT | apply | apply/floor | no-change plan | calls | calls/object | floor | plan/floor | CPU | peak RSS | drift | Terraform model | CLI loop per repo | ecrplan per repo |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let secs = |v: Option<f64>| v.map_or("–".to_owned(), |s| format!("{s:.2} s"));
        let _ = writeln!(
            out,
            "| {} | {} ms | {} | {} | {:.2} s | {} (+{} retries) | {:.2} | {:.2} s | {:.2} | {:.2} s | {:.0} MB | {} | {} | {} | {:.4} s |",
            r.repos,
            r.rtt_ms,
            secs(r.apply.as_ref().map(|a| a.wall_s)),
            r.apply_over_floor
                .map_or("–".to_owned(), |v| format!("{v:.2}")),
            r.plan.wall_s,
            r.plan.calls_total,
            r.plan.retries,
            r.calls_per_declared_object,
            r.floor_s,
            r.plan_over_floor,
            r.plan.cpu_s,
            r.plan.peak_rss_mb,
            secs(r.drift.as_ref().map(|d| d.wall_s)),
            secs(r.terraform_model_s),
            secs(r.cli_loop_s_per_repo),
            r.ecrplan_s_per_repo,
        );
    }
    out
}

fn csv(rows: &[Row]) -> String {
    let mut out = String::from(
        "repos,rtt_ms,apply_s,apply_exit,plan_s,plan_exit,plan_calls,plan_retries,plan_cpu_s,plan_rss_mb,floor_s,plan_over_floor,drift_s,terraform_model_s,cli_loop_s_per_repo\n",
    );
    for r in rows {
        let opt = |v: Option<f64>| v.map_or(String::new(), |s| format!("{s:.3}"));
        let _ = writeln!(
            out,
            "{},{},{},{},{:.3},{},{},{},{:.3},{:.1},{:.3},{:.3},{},{},{}",
            r.repos,
            r.rtt_ms,
            opt(r.apply.as_ref().map(|a| a.wall_s)),
            r.apply
                .as_ref()
                .map_or(String::new(), |a| a.exit.to_string()),
            r.plan.wall_s,
            r.plan.exit,
            r.plan.calls_total,
            r.plan.retries,
            r.plan.cpu_s,
            r.plan.peak_rss_mb,
            r.floor_s,
            r.plan_over_floor,
            opt(r.drift.as_ref().map(|d| d.wall_s)),
            opt(r.terraform_model_s),
            opt(r.cli_loop_s_per_repo),
        );
    }
    out
}

/// A line of the chart: its name, its colour and its points.
type Series = (&'static str, &'static str, Vec<(f64, f64)>);

/// Plan time against N at one round-trip time, log–log: ecrplan, the floor, the Terraform
/// model and the CLI loop (its per-repository time × N). Hand-written SVG: four lines need no
/// plotting library.
fn svg_chart(rows: &[Row], rtt_ms: u64) -> String {
    let rows: Vec<&Row> = rows.iter().filter(|r| r.rtt_ms == rtt_ms).collect();
    // The loop is measured on a sample once per round-trip time; its time grows with N.
    let cli_per_repo = rows.iter().find_map(|r| r.cli_loop_s_per_repo);
    let series: [Series; 4] = [
        (
            "ecrplan plan",
            "#1f77b4",
            rows.iter()
                .map(|r| (r.repos as f64, r.plan.wall_s))
                .collect(),
        ),
        (
            "floor",
            "#2ca02c",
            rows.iter().map(|r| (r.repos as f64, r.floor_s)).collect(),
        ),
        (
            "Terraform read path (model)",
            "#ff7f0e",
            rows.iter()
                .filter_map(|r| Some((r.repos as f64, r.terraform_model_s?)))
                .collect(),
        ),
        (
            "AWS CLI loop (per-repo time × N)",
            "#d62728",
            rows.iter()
                .filter_map(|r| Some((r.repos as f64, cli_per_repo? * r.repos as f64)))
                .collect(),
        ),
    ];
    let points = series.iter().flat_map(|s| s.2.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (x, y) in points {
        x0 = x0.min(*x);
        x1 = x1.max(*x);
        y0 = y0.min(y.max(0.01));
        y1 = y1.max(*y);
    }
    if x0 > x1 {
        return String::new();
    }
    let (lx0, lx1) = (
        x0.log10().floor(),
        x1.log10().ceil().max(x0.log10().floor() + 1.0),
    );
    let (ly0, ly1) = (
        y0.log10().floor(),
        y1.log10().ceil().max(y0.log10().floor() + 1.0),
    );
    let (w, h, left, top, plot_w, plot_h) = (720.0, 440.0, 70.0, 40.0, 600.0, 330.0);
    let px = |x: f64| left + (x.log10() - lx0) / (lx1 - lx0) * plot_w;
    let py = |y: f64| top + plot_h - (y.max(0.01).log10() - ly0) / (ly1 - ly0) * plot_h;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{left}\" y=\"24\" font-size=\"14\">No-change plan time against repositories, RTT {rtt_ms} ms (log–log)</text>\n\
         <rect x=\"{left}\" y=\"{top}\" width=\"{plot_w}\" height=\"{plot_h}\" fill=\"none\" stroke=\"#888\"/>\n"
    );
    let mut e = lx0;
    while e <= lx1 {
        let x = left + (e - lx0) / (lx1 - lx0) * plot_w;
        let _ = writeln!(
            svg,
            "<line x1=\"{x:.1}\" y1=\"{top}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#eee\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            top + plot_h,
            top + plot_h + 16.0,
            10f64.powf(e)
        );
        e += 1.0;
    }
    let mut e = ly0;
    while e <= ly1 {
        let y = top + plot_h - (e - ly0) / (ly1 - ly0) * plot_h;
        let _ = writeln!(
            svg,
            "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#eee\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{} s</text>",
            left + plot_w,
            left - 6.0,
            y + 4.0,
            10f64.powf(e)
        );
        e += 1.0;
    }
    let _ = writeln!(
        svg,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">repositories (N)</text>",
        left + plot_w / 2.0,
        h - 12.0
    );
    for (i, (name, colour, pts)) in series.iter().enumerate() {
        if pts.is_empty() {
            continue;
        }
        let path: Vec<String> = pts
            .iter()
            .map(|(x, y)| format!("{:.1},{:.1}", px(*x), py(*y)))
            .collect();
        let _ = writeln!(
            svg,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/>",
            path.join(" ")
        );
        for (x, y) in pts {
            let _ = writeln!(
                svg,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{colour}\"/>",
                px(*x),
                py(*y)
            );
        }
        let ly = top + 14.0 + i as f64 * 16.0;
        let _ = writeln!(
            svg,
            "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{colour}\" stroke-width=\"2\"/><text x=\"{:.1}\" y=\"{:.1}\">{name}</text>",
            left + 10.0,
            ly - 4.0,
            left + 30.0,
            ly - 4.0,
            left + 36.0,
            ly
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// The sandbox figures for one N.
#[derive(Debug, Serialize)]
struct SandboxRow {
    repos: usize,
    apply: Run,
    changes: usize,
    plan: Run,
    plan_cpu_ms_per_repo: f64,
}

fn sandbox_run(ecrplan: &Path, n: usize) -> SandboxRow {
    let dir = tempfile::TempDir::new().expect("a temporary directory");
    let hcl = estate_hcl("bench", n / PER_MODULE, PER_MODULE, true)
        .replace("provider \"aws\" {}", "provider \"sandbox\" {}");
    std::fs::write(dir.path().join("main.hcl"), hcl).expect("the estate is written");
    let config = dir.path().to_str().unwrap_or_default().to_owned();
    let apply = ecrplan_run(ecrplan, &["apply", &config, "--auto-approve"], None);
    let file = dir.path().join(".ecrplan-sandbox.json");
    let changes = std::fs::read_to_string(&file)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v["objects"].as_array().map(Vec::len))
        .unwrap_or(0);
    let plan = ecrplan_run(ecrplan, &["plan", &config, "--detailed-exitcode"], None);
    eprintln!(
        "sandbox N={n}: apply {:.2}s ({changes} objects), plan {:.2}s exit {}",
        apply.wall_s, plan.wall_s, plan.exit
    );
    SandboxRow {
        repos: n,
        plan_cpu_ms_per_repo: plan.cpu_s * 1000.0 / n as f64,
        apply,
        changes,
        plan,
    }
}

fn sandbox_table(rows: &[SandboxRow]) -> String {
    let mut out = String::from(
        "| N | objects created | apply | apply CPU | no-change plan | plan CPU | plan CPU per repo | peak RSS (plan) |\n|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {:.2} s | {:.2} s | {:.2} s | {:.2} s | {:.3} ms | {:.0} MB |",
            r.repos,
            r.changes,
            r.apply.wall_s,
            r.apply.cpu_s,
            r.plan.wall_s,
            r.plan.cpu_s,
            r.plan_cpu_ms_per_repo,
            r.plan.peak_rss_mb
        );
    }
    out
}

/// The no-change plans of one estate size and round-trip time in the two-registry mode.
#[derive(Serialize)]
struct TwoRegistryRow {
    repos_per_registry: usize,
    rtt_ms: u64,
    /// Median wall time of each registry planned alone, and of both in one run.
    first_s: f64,
    second_s: f64,
    both_s: f64,
    /// `both_s` over the slower of `first_s` and `second_s`: 1 when the registries are read
    /// fully concurrently, 2 when one after the other.
    ratio: f64,
    /// Every run, in order: first, second, both, `--repeat` times.
    runs: Vec<Run>,
}

/// The three configurations of the two-registry estate, written under `dir`: the default
/// registry alone (with a GitHub role per module), us-east-1 alone, and both in one run, each
/// registry's provider through its own endpoint, as two regions are two services.
fn two_registry_configs(dir: &Path, n: usize, endpoints: [&str; 2]) -> [String; 3] {
    let modules = n / PER_MODULE;
    let header = "ecrplan {\n  estate = \"bench\"\n}\n\n";
    let first = ecrplan_test::modules_hcl("bench", "bench", modules, PER_MODULE, true, None);
    let second =
        |alias| ecrplan_test::modules_hcl("bench", "bench-us", modules, PER_MODULE, false, alias);
    let [home, us] = endpoints;
    let home = format!("provider \"aws\" {{\n  endpoint = \"{home}\"\n}}\n");
    let us = |alias: &str| {
        format!(
            "provider \"aws\" {{\n{alias}  region   = \"us-east-1\"\n  endpoint = \"{us}\"\n}}\n"
        )
    };
    let texts = [
        format!("{header}{home}{first}"),
        format!("{header}{}{}", us(""), second(None)),
        format!(
            "{header}{home}\n{}{first}{}",
            us("  alias    = \"us\"\n"),
            second(Some("us"))
        ),
    ];
    let mut paths = ["first", "second", "both"].map(|name| dir.join(name));
    for (path, text) in paths.iter_mut().zip(texts) {
        std::fs::create_dir_all(&*path).expect("the configuration directory");
        std::fs::write(path.join("main.hcl"), text).expect("the estate is written");
    }
    paths.map(|p| p.to_str().unwrap_or_default().to_owned())
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

async fn two_registry_runs(args: &Args, ecrplan: &Path) -> Vec<TwoRegistryRow> {
    let mut rows = Vec::new();
    for &n in &args.repos {
        let mut motos = vec![ecrplan_test::moto().await];
        if !args.one_moto {
            motos.push(ecrplan_test::second_moto().await);
        }
        let proxies = [0, 1].map(|i| {
            let moto = &motos[i.min(motos.len() - 1)];
            let upstream = moto.endpoint().trim_start_matches("http://");
            Proxy::start(upstream, Conditions::default()).expect("the proxy starts")
        });
        let dir = tempfile::TempDir::new().expect("a temporary directory");
        let urls = proxies.each_ref().map(Proxy::url);
        let [first, second, both] =
            two_registry_configs(dir.path(), n, [urls[0].as_str(), urls[1].as_str()]);
        let apply = ecrplan_run_at(
            ecrplan,
            &["apply", &both, "--auto-approve"],
            Target::Configured,
        );
        eprintln!(
            "N={n} per registry: apply of both {:.1}s exit {}",
            apply.wall_s, apply.exit
        );
        for &rtt_ms in &args.rtts {
            for proxy in &proxies {
                proxy.set(Conditions {
                    rtt: Duration::from_millis(rtt_ms),
                    ..args.conditions.clone()
                });
            }
            let mut runs = Vec::new();
            for _ in 0..args.repeat {
                for config in [&first, &second, &both] {
                    let run = ecrplan_run_at(
                        ecrplan,
                        &["plan", config, "--detailed-exitcode"],
                        Target::Configured,
                    );
                    eprintln!(
                        "N={n} RTT={rtt_ms}ms: plan {} {:.2}s exit {} ({} calls)",
                        Path::new(config.as_str())
                            .file_name()
                            .unwrap_or_default()
                            .display(),
                        run.wall_s,
                        run.exit,
                        run.calls_total
                    );
                    runs.push(run);
                }
            }
            let wall =
                |i: usize| median(runs.iter().skip(i).step_by(3).map(|r| r.wall_s).collect());
            let (first_s, second_s, both_s) = (wall(0), wall(1), wall(2));
            rows.push(TwoRegistryRow {
                repos_per_registry: n,
                rtt_ms,
                first_s,
                second_s,
                both_s,
                ratio: both_s / first_s.max(second_s),
                runs,
            });
        }
    }
    rows
}

fn two_registry_table(rows: &[TwoRegistryRow]) -> String {
    let mut out = String::from(
        "| N per registry | RTT | first alone | second alone | both in one run | both / slower | calls (first, second, both) | exits |\n|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let calls: Vec<String> = r
            .runs
            .iter()
            .take(3)
            .map(|run| run.calls_total.to_string())
            .collect();
        let exits: BTreeSet<i32> = r.runs.iter().map(|run| run.exit).collect();
        let _ = writeln!(
            out,
            "| {} | {} ms | {:.2} s | {:.2} s | {:.2} s | {:.2}× | {} | {:?} |",
            r.repos_per_registry,
            r.rtt_ms,
            r.first_s,
            r.second_s,
            r.both_s,
            r.ratio,
            calls.join(", "),
            exits
        );
    }
    out
}
