//! The network between ecrplan and moto, made like the one to AWS: an HTTP proxy that adds a
//! round-trip time to every request, enforces per-operation token-bucket quotas answering with
//! the services' real throttling errors, answers a seeded share of requests with 500/503 or
//! drops their connection, and counts what it forwarded per operation. The benchmark
//! (`bench`) and the reliability suite run the `ecrplan` binary, the AWS CLI and boto3 through
//! it, so every client meets the same conditions.
//!
//! The operation of a request is its `X-Amz-Target` suffix (ECR's JSON protocol) or its
//! `Action=` form field (IAM and STS, the query protocol). Faults are decided before the
//! request is forwarded, so a faulted request never reached moto: retrying it is always safe.
//! Threads, not async, like [`crate::fault`], whose request reader it shares.

use std::collections::BTreeMap;
use std::io::{BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::fault::{listen, read_request};

/// A token bucket per operation, as ECR and IAM throttle their APIs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Quota {
    /// Requests per second refilled.
    pub rate: f64,
    /// Requests the bucket holds when full.
    pub burst: f64,
}

/// What the proxy does to the traffic.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Conditions {
    /// Added to every request before it is answered: the round trip to the region.
    pub rtt: Duration,
    /// Each operation's quota; requests beyond it get the service's throttling error.
    pub quota: Option<Quota>,
    /// Share of requests answered with a throttling error whatever the rate (0–1).
    pub throttle_share: f64,
    /// Share of requests answered with HTTP 500 or 503 (0–1).
    pub server_error_share: f64,
    /// Share of requests whose connection is closed without an answer (0–1).
    pub drop_share: f64,
    /// Seed of the choice of faulted requests.
    pub seed: u64,
}

/// What the proxy saw, per operation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Requests forwarded to moto (and so answered by it).
    pub forwarded: BTreeMap<String, u64>,
    /// Requests refused by a quota.
    pub over_quota: BTreeMap<String, u64>,
    /// Requests answered with a throttling error by `throttle_share`.
    pub throttled: u64,
    /// Requests answered with 500 or 503.
    pub server_errors: u64,
    /// Connections closed without an answer.
    pub dropped: u64,
}

impl Counts {
    /// All forwarded requests.
    pub fn total_forwarded(&self) -> u64 {
        self.forwarded.values().sum()
    }
}

/// One request as the proxy saw it: when it came in and when its answer went out (or its
/// connection was dropped), so tests can see which calls overlapped.
#[derive(Clone, Debug)]
pub struct Exchange {
    /// The operation called.
    pub operation: String,
    /// When the request had been read.
    pub received: Instant,
    /// When the answer had been written.
    pub answered: Instant,
}

struct Bucket {
    tokens: f64,
    refilled: Instant,
}

struct State {
    conditions: Conditions,
    buckets: BTreeMap<String, Bucket>,
    counts: Counts,
    log: Vec<Exchange>,
    random: u64,
}

impl State {
    /// A uniform draw in [0, 1) from a 64-bit LCG: reproducible for a seed and thread order.
    fn draw(&mut self) -> f64 {
        self.random = self
            .random
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.random >> 11) as f64 / (1_u64 << 53) as f64
    }

    /// Whether `operation`'s bucket is empty at `now`: the clock is passed in so the bucket's
    /// arithmetic can be tested without sleeping.
    fn over_quota(&mut self, operation: &str, now: Instant) -> bool {
        let Some(quota) = self.conditions.quota else {
            return false;
        };
        let bucket = self.buckets.entry(operation.to_owned()).or_insert(Bucket {
            tokens: quota.burst,
            refilled: now,
        });
        let elapsed = now.duration_since(bucket.refilled).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * quota.rate).min(quota.burst);
        bucket.refilled = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            false
        } else {
            true
        }
    }

    /// What happens to one request received at `now`.
    fn decide(&mut self, operation: &str, now: Instant) -> Verdict {
        if self.draw() < self.conditions.drop_share {
            self.counts.dropped += 1;
            return Verdict::Drop;
        }
        if self.draw() < self.conditions.server_error_share {
            self.counts.server_errors += 1;
            return Verdict::Fail(if self.draw() < 0.5 { 500 } else { 503 });
        }
        if self.draw() < self.conditions.throttle_share {
            self.counts.throttled += 1;
            return Verdict::Throttle;
        }
        if self.over_quota(operation, now) {
            *self
                .counts
                .over_quota
                .entry(operation.to_owned())
                .or_insert(0) += 1;
            return Verdict::Throttle;
        }
        *self
            .counts
            .forwarded
            .entry(operation.to_owned())
            .or_insert(0) += 1;
        Verdict::Forward
    }
}

enum Verdict {
    Forward,
    Throttle,
    Fail(u16),
    Drop,
}

/// A running proxy; it serves until the process ends.
pub struct Proxy {
    port: u16,
    state: Arc<Mutex<State>>,
}

impl Proxy {
    /// Starts a proxy on a free 127.0.0.1 port in front of `upstream` (`host:port`).
    pub fn start(upstream: &str, conditions: Conditions) -> std::io::Result<Proxy> {
        let state = Arc::new(Mutex::new(State {
            random: conditions.seed,
            conditions,
            buckets: BTreeMap::new(),
            counts: Counts::default(),
            log: Vec::new(),
        }));
        let port = listen(upstream, Arc::clone(&state), serve)?;
        Ok(Proxy { port, state })
    }

    /// The endpoint URL to give `--endpoint` (or `AWS_ENDPOINT_URL`).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Changes the conditions from the next request on; quotas start again full.
    pub fn set(&self, conditions: Conditions) {
        let mut state = self.lock();
        state.random = conditions.seed;
        state.conditions = conditions;
        state.buckets.clear();
    }

    /// The counts since the start or the last [`Proxy::take_counts`].
    pub fn counts(&self) -> Counts {
        self.lock().counts.clone()
    }

    /// Every request since the start or the last `take_log`, in the order they were answered.
    pub fn take_log(&self) -> Vec<Exchange> {
        std::mem::take(&mut self.lock().log)
    }

    /// The counts so far, which start again from zero.
    pub fn take_counts(&self) -> Counts {
        std::mem::take(&mut self.lock().counts)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The operation a request calls, and whether it speaks ECR's JSON protocol.
fn operation(request: &[u8]) -> (String, bool) {
    let text = String::from_utf8_lossy(request);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    for line in head.lines() {
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("x-amz-target")
        {
            let value = value.trim();
            let op = value.rsplit('.').next().unwrap_or(value);
            return (op.to_owned(), true);
        }
    }
    let action = body
        .split('&')
        .find_map(|pair| pair.strip_prefix("Action="))
        .unwrap_or("Unknown");
    (action.to_owned(), false)
}

fn serve(client: TcpStream, upstream: &str, state: &Mutex<State>) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    loop {
        let Some(request) = read_request(&mut reader)? else {
            return Ok(());
        };
        let received = Instant::now();
        let (op, json) = operation(&request);
        let (verdict, rtt) = {
            let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
            (s.decide(&op, received), s.conditions.rtt)
        };
        thread::sleep(rtt);
        let (response, closes) = match verdict {
            Verdict::Drop => {
                client.shutdown(Shutdown::Both)?;
                record(state, op, received);
                return Ok(());
            }
            Verdict::Throttle => (throttling(json), false),
            Verdict::Fail(status) => (server_error(json, status), false),
            Verdict::Forward => (forward(&request, upstream)?, true),
        };
        let mut out = &client;
        out.write_all(&response)?;
        out.flush()?;
        record(state, op, received);
        if closes {
            client.shutdown(Shutdown::Both)?;
            return Ok(());
        }
    }
}

fn record(state: &Mutex<State>, operation: String, received: Instant) {
    let answered = Instant::now();
    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
    s.log.push(Exchange {
        operation,
        received,
        answered,
    });
}

/// moto's answer to one request; moto closes the connection after it.
fn forward(request: &[u8], upstream: &str) -> std::io::Result<Vec<u8>> {
    let mut up = TcpStream::connect(upstream)?;
    up.write_all(request)?;
    up.shutdown(Shutdown::Write)?;
    let mut response = Vec::new();
    up.read_to_end(&mut response)?;
    Ok(response)
}

/// The throttling error each service sends: ECR `ThrottlingException` (HTTP 400, JSON 1.1),
/// IAM and STS `Throttling` (HTTP 400, an XML `ErrorResponse` of type `Sender`).
fn throttling(json: bool) -> Vec<u8> {
    if json {
        response(
            400,
            "application/x-amz-json-1.1",
            r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#,
        )
    } else {
        response(
            400,
            "text/xml",
            &query_error("Sender", "Throttling", "Rate exceeded"),
        )
    }
}

/// A server-side failure: ECR `ServerException` / `ServiceUnavailableException`, IAM
/// `ServiceFailure` / `ServiceUnavailable`.
fn server_error(json: bool, status: u16) -> Vec<u8> {
    let (json_code, query_code) = if status == 503 {
        ("ServiceUnavailableException", "ServiceUnavailable")
    } else {
        ("ServerException", "ServiceFailure")
    };
    if json {
        let body = format!(r#"{{"__type":"{json_code}","message":"injected by the proxy"}}"#);
        response(status, "application/x-amz-json-1.1", &body)
    } else {
        let body = query_error("Receiver", query_code, "injected by the proxy");
        response(status, "text/xml", &body)
    }
}

fn query_error(kind: &str, code: &str, message: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error>\
         <Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error>\
         <RequestId>ecrplan-proxy</RequestId></ErrorResponse>"
    )
}

fn response(status: u16, content_type: &str, body: &str) -> Vec<u8> {
    let reason = match status {
        400 => "Bad Request",
        500 => "Internal Server Error",
        _ => "Service Unavailable",
    };
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         x-amzn-RequestId: ecrplan-proxy\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operation_comes_from_the_target_header_or_the_action_field() {
        let ecr = b"POST / HTTP/1.1\r\nX-Amz-Target: AmazonEC2ContainerRegistry_V20150921.DescribeRepositories\r\n\r\n{}";
        assert_eq!(operation(ecr), ("DescribeRepositories".to_owned(), true));
        let iam = b"POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nAction=ListRoles&Version=2010-05-08";
        assert_eq!(operation(iam), ("ListRoles".to_owned(), false));
    }

    #[test]
    fn a_quota_refuses_beyond_its_burst_and_refills_at_its_rate() {
        let mut state = State {
            conditions: Conditions {
                quota: Some(Quota {
                    rate: 20.0,
                    burst: 40.0,
                }),
                ..Conditions::default()
            },
            buckets: BTreeMap::new(),
            counts: Counts::default(),
            log: Vec::new(),
            random: 1,
        };
        // One clock, moved by hand: a loaded machine cannot stretch the time between calls.
        let start = Instant::now();
        let forwarded = (0..100)
            .filter(|_| matches!(state.decide("GetRole", start), Verdict::Forward))
            .count();
        assert_eq!(forwarded, 40);
        assert_eq!(state.counts.over_quota["GetRole"], 60);
        // Another operation has its own bucket.
        assert!(matches!(state.decide("ListRoles", start), Verdict::Forward));
        let later = start + Duration::from_millis(120);
        let again = (0..10)
            .filter(|_| matches!(state.decide("GetRole", later), Verdict::Forward))
            .count();
        assert_eq!(again, 2, "2.4 tokens after 120 ms at 20/s");
        // Ten seconds refill no more than the burst.
        let much_later = later + Duration::from_secs(10);
        let refilled = (0..100)
            .filter(|_| matches!(state.decide("GetRole", much_later), Verdict::Forward))
            .count();
        assert_eq!(refilled, 40);
    }

    #[test]
    fn fault_shares_follow_the_seed() {
        let conditions = Conditions {
            server_error_share: 0.05,
            drop_share: 0.05,
            throttle_share: 0.3,
            seed: 42,
            ..Conditions::default()
        };
        let run = || {
            let mut state = State {
                random: conditions.seed,
                conditions: conditions.clone(),
                buckets: BTreeMap::new(),
                counts: Counts::default(),
                log: Vec::new(),
            };
            for _ in 0..10_000 {
                state.decide("GetRole", Instant::now());
            }
            state.counts
        };
        let counts = run();
        assert_eq!(counts, run());
        assert!((400..600).contains(&counts.dropped), "{counts:?}");
        assert!((380..570).contains(&counts.server_errors), "{counts:?}");
        assert!((2_500..3_100).contains(&counts.throttled), "{counts:?}");
    }
}
