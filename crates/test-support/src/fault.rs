//! Fault and latency injection in front of moto: an HTTP proxy that forwards requests to the
//! real server, except those matching a rule, which get an AWS error instead, and those chosen
//! to lose their response, which moto carries out but whose answer never arrives. Tests point the
//! `ecrplan` binary at the proxy with `--endpoint`, so the whole AWS code path runs and only
//! the chosen calls fail — the kind of failure (a quota, a throttle) that no configuration can
//! provoke on purpose. Threads, not async: CLI tests are synchronous.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// An AWS error as the two wire protocols ecrplan meets spell it.
#[derive(Clone, Debug)]
pub enum Fault {
    /// IAM and STS (the query protocol): an XML `ErrorResponse`.
    Query {
        /// The error code, e.g. `LimitExceeded`.
        code: String,
        /// The message.
        message: String,
    },
    /// ECR (JSON 1.1): `{"__type": code, "message": …}`.
    Json {
        /// The error code, e.g. `LimitExceededException`.
        code: String,
        /// The message.
        message: String,
    },
}

/// Answers with `fault` every request whose raw text (request line, headers and body) contains
/// all of `needles`.
#[derive(Clone, Debug)]
pub struct Rule {
    /// Substrings that must all appear, e.g. `["Action=CreateRole", "RoleName=billing-ci"]`.
    pub needles: Vec<String>,
    /// The error returned.
    pub fault: Fault,
}

/// Loses the response of one in `every` requests whose raw text contains all of `needles`
/// (the first, then every `every`-th after it): moto acts on the request, the client sees the
/// connection close without an answer. This is how a create's response is lost in flight, so
/// the SDK retries a call that already succeeded.
#[derive(Clone, Debug)]
pub struct Loss {
    /// Substrings that must all appear, e.g. `["Action=CreateRole"]`.
    pub needles: Vec<String>,
    /// One response in this many is lost; 1 loses them all.
    pub every: usize,
}

#[derive(Default)]
struct State {
    rules: Vec<Rule>,
    /// Each loss rule with how many requests it has matched so far.
    losses: Vec<(Loss, usize)>,
    lost: usize,
    latency: Duration,
    hits: usize,
    in_flight: usize,
    max_in_flight: usize,
}

/// A running proxy; it stops serving when dropped with the test process.
pub struct FaultProxy {
    port: u16,
    state: Arc<Mutex<State>>,
}

impl FaultProxy {
    /// Starts a proxy on a free 127.0.0.1 port in front of `upstream` (`host:port`).
    pub fn start(upstream: &str) -> std::io::Result<FaultProxy> {
        let state = Arc::new(Mutex::new(State::default()));
        let port = listen(upstream, Arc::clone(&state), serve)?;
        Ok(FaultProxy { port, state })
    }

    /// The endpoint URL to give `--endpoint`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Adds a rule; rules are checked in the order added.
    pub fn fail(&self, rule: Rule) {
        self.lock().rules.push(rule);
    }

    /// Adds a rule that loses responses after moto acted; checked before the fault rules.
    pub fn lose(&self, loss: Loss) {
        self.lock().losses.push((loss, 0));
    }

    /// Removes every rule, losses included.
    pub fn heal(&self) {
        let mut s = self.lock();
        s.rules.clear();
        s.losses.clear();
    }

    /// How many responses were lost after moto acted.
    pub fn lost(&self) -> usize {
        self.lock().lost
    }

    /// Delays every forwarded request, so a long apply can be interrupted at a chosen point.
    pub fn set_latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    /// The most requests the proxy held at one time, to check a concurrency bound.
    pub fn max_in_flight(&self) -> usize {
        self.lock().max_in_flight
    }

    /// How many requests were answered with a fault.
    pub fn hits(&self) -> usize {
        self.lock().hits
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Accepts connections on a free 127.0.0.1 port, each served on its own thread by `serve`
/// against `upstream` with the shared `state`; returns the port. Both proxies listen this way.
pub(crate) fn listen<S: Send + 'static>(
    upstream: &str,
    state: Arc<Mutex<S>>,
    serve: fn(TcpStream, &str, &Mutex<S>) -> std::io::Result<()>,
) -> std::io::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let upstream = upstream.to_owned();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let state = Arc::clone(&state);
            let upstream = upstream.clone();
            thread::spawn(move || {
                // A broken connection is the client's business; the proxy just moves on.
                let _ = serve(stream, &upstream, &state);
            });
        }
    });
    Ok(port)
}

fn serve(client: TcpStream, upstream: &str, state: &Mutex<State>) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    loop {
        let Some(request) = read_request(&mut reader)? else {
            return Ok(());
        };
        let text = String::from_utf8_lossy(&request);
        let (fault, lose, latency) = {
            let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
            let lose = s
                .losses
                .iter_mut()
                .find(|(l, _)| l.needles.iter().all(|n| text.contains(n.as_str())))
                .is_some_and(|(l, seen)| {
                    *seen += 1;
                    (*seen - 1) % l.every.max(1) == 0
                });
            if lose {
                s.lost += 1;
            }
            let fault = s
                .rules
                .iter()
                .find(|r| r.needles.iter().all(|n| text.contains(n.as_str())))
                .map(|r| r.fault.clone())
                .filter(|_| !lose);
            if fault.is_some() {
                s.hits += 1;
            }
            s.in_flight += 1;
            s.max_in_flight = s.max_in_flight.max(s.in_flight);
            (fault, lose, s.latency)
        };
        // The request stops counting as in flight before its answer is written: once the client
        // has the answer it may send the next request, which must not be counted alongside.
        let answered = answer(&request, fault, latency, upstream);
        state.lock().unwrap_or_else(|e| e.into_inner()).in_flight -= 1;
        let (response, closes) = answered?;
        if lose {
            // moto has acted and answered; the client hears nothing but a closed connection.
            client.shutdown(Shutdown::Both)?;
            return Ok(());
        }
        let mut out = &client;
        out.write_all(&response)?;
        out.flush()?;
        if closes {
            client.shutdown(Shutdown::Both)?;
            return Ok(());
        }
    }
}

/// The answer to one request: its fault, or moto's response; true when the connection then
/// closes (moto closes it after every response).
fn answer(
    request: &[u8],
    fault: Option<Fault>,
    latency: Duration,
    upstream: &str,
) -> std::io::Result<(Vec<u8>, bool)> {
    thread::sleep(latency);
    match fault {
        Some(fault) => Ok((error_response(&fault), false)),
        None => {
            let mut up = TcpStream::connect(upstream)?;
            up.write_all(request)?;
            up.shutdown(Shutdown::Write)?;
            let mut response = Vec::new();
            up.read_to_end(&mut response)?;
            Ok((response, true))
        }
    }
}

/// Reads one HTTP/1.1 request (head and `Content-Length` body), rewritten to ask the upstream
/// to close the connection after answering.
pub(crate) fn read_request(reader: &mut impl BufRead) -> std::io::Result<Option<Vec<u8>>> {
    let mut head = Vec::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("connection:") {
            continue;
        }
        if line == "\r\n" {
            head.extend_from_slice(b"Connection: close\r\n\r\n");
            break;
        }
        head.extend_from_slice(line.as_bytes());
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    head.extend_from_slice(&body);
    Ok(Some(head))
}

fn error_response(fault: &Fault) -> Vec<u8> {
    let (content_type, body) = match fault {
        Fault::Query { code, message } => (
            "text/xml",
            format!(
                "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error>\
                 <Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>\
                 <RequestId>ecrplan-fault</RequestId></ErrorResponse>"
            ),
        ),
        Fault::Json { code, message } => (
            "application/x-amz-json-1.1",
            format!("{{\"__type\":\"{code}\",\"message\":\"{message}\"}}"),
        ),
    };
    format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         x-amzn-RequestId: ecrplan-fault\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}
