//! Walks a finished [`Plan`] against its [`Providers`] (each change through the provider of
//! its scope): every change starts as soon as the changes it depends on are done, at most
//! `parallelism` at a time. A failed change skips everything
//! that depends on it while independent work goes on. The plan made every choice; the
//! executor only sequences.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use ecrplan_model::{Action, Address, Change, Plan, ProviderError, Providers, tags};
use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// How the executor runs.
#[derive(Clone, Debug)]
pub struct ExecOptions {
    /// Changes in flight at once.
    pub parallelism: usize,
    /// Carry out `adopt` changes (tagging objects that exist without ownership tags).
    pub adopt: bool,
    /// Attempts for a change that fails on transport trouble (network, credentials refresh) or
    /// on throttling that outlasted the SDK's own retries, on top of those retries.
    pub transport_attempts: u32,
}

impl Default for ExecOptions {
    fn default() -> Self {
        Self {
            parallelism: ecrplan_model::DEFAULT_PARALLELISM,
            adopt: false,
            transport_attempts: 3,
        }
    }
}

/// What happened to a change, as it happens: the views turn these into progress lines.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The first call of the change was made.
    Started {
        /// The change.
        address: Address,
        /// What it does.
        action: Action,
    },
    /// The change failed on transport trouble and is tried again.
    Retried {
        /// The change.
        address: Address,
        /// The attempt about to start (2 or more).
        attempt: u32,
        /// Why the last attempt failed.
        error: String,
    },
    /// The change is complete.
    Done {
        /// The change.
        address: Address,
        /// What it did.
        action: Action,
    },
    /// The change failed; its dependents will be skipped.
    Failed {
        /// The change.
        address: Address,
        /// Why.
        error: String,
    },
    /// The change was not attempted.
    Skipped {
        /// The change.
        address: Address,
        /// Why.
        reason: String,
    },
}

/// What an apply did, for the summary and the exit status.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// Changes carried out.
    pub done: Vec<Address>,
    /// Changes that failed, with the error.
    pub failed: Vec<(Address, String)>,
    /// Changes not attempted, with the reason.
    pub skipped: Vec<(Address, String)>,
    /// True when Ctrl-C stopped the run before everything was attempted.
    pub interrupted: bool,
}

impl Outcome {
    /// True when every change was carried out.
    pub fn is_complete(&self) -> bool {
        self.failed.is_empty() && self.skipped.is_empty() && !self.interrupted
    }
}

/// A receiver of events, shared with the tasks that carry out changes.
pub type EventSink = Arc<dyn Fn(&Event) + Send + Sync>;

/// Applies `plan` through `providers`, each change through the provider of its scope (its
/// registry, or for IAM objects its account). Setting `cancel` to true lets in-flight changes
/// finish, starts nothing new, and reports the rest as skipped.
pub async fn execute(
    plan: &Plan,
    providers: &Providers,
    options: &ExecOptions,
    cancel: watch::Receiver<bool>,
    on_event: EventSink,
) -> Outcome {
    let changes: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .collect();
    let index: HashMap<&Address, usize> = changes
        .iter()
        .enumerate()
        .map(|(i, c)| (&c.address, i))
        .collect();
    let mut pending = vec![0usize; changes.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); changes.len()];
    for (i, change) in changes.iter().enumerate() {
        for dep in &change.depends_on {
            if let Some(&j) = index.get(dep) {
                pending[i] += 1;
                dependents[j].push(i);
            }
        }
    }

    let mut outcome = Outcome::default();
    let mut settled = vec![false; changes.len()];
    let mut ready: VecDeque<usize> = (0..changes.len()).filter(|&i| pending[i] == 0).collect();
    let mut running: JoinSet<(usize, Result<(), String>)> = JoinSet::new();
    let parallelism = options.parallelism.max(1);

    loop {
        while running.len() < parallelism && !*cancel.borrow() {
            let Some(i) = ready.pop_front() else { break };
            let change = changes[i];
            if change.action == Action::Adopt && !options.adopt {
                let reason = "adoption needs --adopt".to_owned();
                skip(
                    i,
                    &reason,
                    &changes,
                    &dependents,
                    &mut settled,
                    &mut outcome,
                    &*on_event,
                );
                continue;
            }
            on_event(&Event::Started {
                address: change.address.clone(),
                action: change.action,
            });
            let ownership = tags::ownership(&plan.estate, change.address.module.as_deref());
            let operations = change.operations(&ownership);
            let Some(provider) = providers.for_scope(&change.id.scope).map(Arc::clone) else {
                let reason = format!("no provider reaches {}", change.id.scope);
                skip(
                    i,
                    &reason,
                    &changes,
                    &dependents,
                    &mut settled,
                    &mut outcome,
                    &*on_event,
                );
                continue;
            };
            let attempts = options.transport_attempts.max(1);
            let address = change.address.clone();
            let events = Arc::clone(&on_event);
            running.spawn(async move {
                for op in &operations {
                    let mut attempt = 1;
                    loop {
                        match provider.apply(op).await {
                            Ok(()) => break,
                            // A call the SDK gave up on after its own retries of throttling
                            // (an operation far above its quota) did nothing: it is tried
                            // again after a pause, like a transport failure.
                            Err(err)
                                if attempt < attempts
                                    && (err.is_transport() || err.is_throttling()) =>
                            {
                                attempt += 1;
                                events(&Event::Retried {
                                    address: address.clone(),
                                    attempt,
                                    error: match err {
                                        ProviderError::Transport(msg)
                                        | ProviderError::Unreachable(msg) => msg,
                                        other => other.to_string(),
                                    },
                                });
                                tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
                            }
                            Err(err) => return (i, Err(err.to_string())),
                        }
                    }
                }
                (i, Ok(()))
            });
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        let (i, result) = match joined {
            Ok(r) => r,
            // A provider that panics is a bug; surface it rather than guess which change it was.
            Err(err) => std::panic::resume_unwind(err.into_panic()),
        };
        settled[i] = true;
        let change = changes[i];
        match result {
            Ok(()) => {
                on_event(&Event::Done {
                    address: change.address.clone(),
                    action: change.action,
                });
                outcome.done.push(change.address.clone());
                // Dependents go first: an object's policies follow it at once rather than
                // after every other object's create, so each AWS operation has work from the
                // start (under per-operation quotas they all run at their quota together) and
                // an interrupted apply leaves whole objects behind.
                for &d in dependents[i].iter().rev() {
                    pending[d] -= 1;
                    if pending[d] == 0 && !settled[d] {
                        ready.push_front(d);
                    }
                }
            }
            Err(error) => {
                on_event(&Event::Failed {
                    address: change.address.clone(),
                    error: error.clone(),
                });
                outcome.failed.push((change.address.clone(), error));
                let reason = format!("{} failed", change.address);
                for &d in &dependents[i] {
                    skip(
                        d,
                        &reason,
                        &changes,
                        &dependents,
                        &mut settled,
                        &mut outcome,
                        &*on_event,
                    );
                }
            }
        }
    }

    if *cancel.borrow() {
        outcome.interrupted = changes.iter().enumerate().any(|(i, _)| !settled[i]);
    }
    for (i, change) in changes.iter().enumerate() {
        if !settled[i] {
            let reason = if *cancel.borrow() {
                "interrupted"
            } else {
                "dependency not applied"
            };
            settled[i] = true;
            on_event(&Event::Skipped {
                address: change.address.clone(),
                reason: reason.into(),
            });
            outcome
                .skipped
                .push((change.address.clone(), reason.into()));
        }
    }
    outcome
}

/// Marks change `i` and everything depending on it as skipped.
fn skip(
    i: usize,
    reason: &str,
    changes: &[&Change],
    dependents: &[Vec<usize>],
    settled: &mut [bool],
    outcome: &mut Outcome,
    on_event: &(dyn Fn(&Event) + Send + Sync),
) {
    let mut stack = vec![(i, reason.to_owned())];
    while let Some((i, reason)) = stack.pop() {
        if settled[i] {
            continue;
        }
        settled[i] = true;
        let address = changes[i].address.clone();
        on_event(&Event::Skipped {
            address: address.clone(),
            reason: reason.clone(),
        });
        outcome.skipped.push((address, reason));
        let next = format!("{} was not applied", changes[i].address);
        stack.extend(dependents[i].iter().map(|&d| (d, next.clone())));
    }
}

#[cfg(test)]
mod tests;
