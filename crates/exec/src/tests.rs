//! Scheduling tests against a recording provider: they exercise the executor's ordering,
//! failure and cancellation rules, not any AWS behaviour (that is the providers' suite).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use ecrplan_model::{
    Account, Encryption, Kind, LiveEstate, ObjectId, Operation, PLAN_FORMAT_VERSION, Provider,
    RefreshScope, Registry, Repository, Resource, Role, Scope, TagMutability, Tags,
};

use super::*;

#[derive(Default)]
struct Recorder {
    calls: Mutex<Vec<String>>,
    fail: Vec<String>,
    transient: Mutex<Vec<String>>,
    /// Calls answered once with an API error of this code before they succeed.
    refused_once: Mutex<Vec<(String, &'static str)>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

fn key(op: &Operation) -> String {
    match op {
        Operation::Create { resource } => format!("create {}", resource.key()),
        Operation::Update { after, .. } => format!("update {}", after.key()),
        Operation::Delete { resource, .. } => format!("delete {}", resource.key()),
        Operation::Tag { id, .. } => format!("tag {}", id.key),
    }
}

#[async_trait]
impl Provider for Recorder {
    async fn account(&self) -> Result<Account, ProviderError> {
        Ok(Account::new("123456789012", "eu-west-1"))
    }
    async fn refresh(&self, _: &RefreshScope) -> Result<LiveEstate, ProviderError> {
        Ok(LiveEstate::empty(Account::new("123456789012", "eu-west-1")))
    }
    async fn holds_images(&self, _: &str) -> Result<bool, ProviderError> {
        Ok(false)
    }
    async fn roles_trusting(&self, _: &str) -> Result<Vec<Role>, ProviderError> {
        Ok(Vec::new())
    }
    async fn role(&self, _: &str) -> Result<Option<Role>, ProviderError> {
        Ok(None)
    }
    async fn apply(&self, op: &Operation) -> Result<(), ProviderError> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(5)).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        let k = key(op);
        {
            let mut transient = self.transient.lock().unwrap();
            if let Some(pos) = transient.iter().position(|t| *t == k) {
                transient.remove(pos);
                return Err(ProviderError::Transport("connection reset".into()));
            }
            let mut refused = self.refused_once.lock().unwrap();
            if let Some(pos) = refused.iter().position(|(t, _)| *t == k) {
                let (_, code) = refused.remove(pos);
                self.calls.lock().unwrap().push(format!("{k} refused"));
                return Err(ProviderError::Api {
                    operation: "Test".into(),
                    code: code.into(),
                    message: "refused".into(),
                });
            }
        }
        self.calls.lock().unwrap().push(k.clone());
        if self.fail.contains(&k) {
            return Err(ProviderError::Api {
                operation: "Test".into(),
                code: "Invalid".into(),
                message: k,
            });
        }
        Ok(())
    }
}

fn repo(name: &str) -> Resource {
    Resource::Repository(Repository {
        name: name.into(),
        image_tag_mutability: TagMutability::Mutable,
        image_tag_mutability_exclusion_filters: Vec::new(),
        scan_on_push: false,
        encryption: Encryption::Aes256,
        tags: Tags::new(),
    })
}

fn home() -> Registry {
    Registry::new("123456789012", "eu-west-1")
}

fn change(name: &str, action: Action, deps: &[&str]) -> Change {
    change_in(&home(), name, action, deps)
}

fn change_in(registry: &Registry, name: &str, action: Action, deps: &[&str]) -> Change {
    let scope = Scope::Registry(registry.clone());
    let at = |n: &str| {
        Address::new(Kind::Repository, scope.clone())
            .in_module("m")
            .indexed(n)
    };
    Change {
        address: at(name),
        id: ObjectId::new(Kind::Repository, scope.clone(), name),
        action,
        before: matches!(action, Action::Delete | Action::Adopt | Action::Update)
            .then(|| repo(name)),
        after: (action != Action::Delete).then(|| repo(name)),
        replace_because: Vec::new(),
        force: false,
        depends_on: deps.iter().map(|d| at(d)).collect(),
    }
}

fn plan(changes: Vec<Change>) -> Plan {
    Plan {
        format_version: PLAN_FORMAT_VERSION,
        estate: "default".into(),
        account: Account::new("123456789012", "eu-west-1"),
        registries: vec![home()],
        config_hash: String::new(),
        config_dir: None,
        targets: Vec::new(),
        fingerprints: Default::default(),
        changes,
        notes: Vec::new(),
        configuration: Default::default(),
    }
}

async fn run(plan: &Plan, provider: Arc<Recorder>, options: ExecOptions) -> (Outcome, Vec<Event>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    let (_tx, rx) = watch::channel(false);
    let outcome = execute(
        plan,
        &Providers::single(home(), provider),
        &options,
        rx,
        Arc::new(move |e: &Event| sink.lock().unwrap().push(e.clone())),
    )
    .await;
    let events = events.lock().unwrap().clone();
    (outcome, events)
}

#[tokio::test]
async fn dependencies_finish_first() {
    let p = plan(vec![
        change("c", Action::Create, &["b"]),
        change("b", Action::Create, &["a"]),
        change("a", Action::Create, &[]),
    ]);
    let rec = Arc::new(Recorder::default());
    let (outcome, _) = run(&p, rec.clone(), ExecOptions::default()).await;
    assert!(outcome.is_complete());
    assert_eq!(
        *rec.calls.lock().unwrap(),
        ["create a", "create b", "create c"]
    );
}

#[tokio::test]
async fn failure_skips_dependents_and_independent_work_goes_on() {
    let p = plan(vec![
        change("a", Action::Create, &[]),
        change("b", Action::Create, &["a"]),
        change("c", Action::Create, &["b"]),
        change("x", Action::Create, &[]),
    ]);
    let rec = Arc::new(Recorder {
        fail: vec!["create a".into()],
        ..Default::default()
    });
    let (outcome, _) = run(&p, rec.clone(), ExecOptions::default()).await;
    assert_eq!(outcome.done.len(), 1, "{outcome:?}");
    assert_eq!(outcome.done[0].index.as_deref(), Some("x"));
    assert_eq!(outcome.failed.len(), 1);
    let skipped: Vec<_> = outcome
        .skipped
        .iter()
        .map(|(a, _)| a.index.clone().unwrap())
        .collect();
    assert_eq!(skipped, ["b", "c"]);
    assert!(
        !rec.calls
            .lock()
            .unwrap()
            .iter()
            .any(|c| c.ends_with(" b") || c.ends_with(" c"))
    );
}

#[tokio::test]
async fn parallelism_is_bounded() {
    let changes = (0..40)
        .map(|i| change(&format!("r{i}"), Action::Create, &[]))
        .collect();
    let rec = Arc::new(Recorder::default());
    let options = ExecOptions {
        parallelism: 4,
        ..Default::default()
    };
    let (outcome, _) = run(&plan(changes), rec.clone(), options).await;
    assert_eq!(outcome.done.len(), 40);
    let max = rec.max_in_flight.load(Ordering::SeqCst);
    assert!((2..=4).contains(&max), "max in flight {max}");
}

#[tokio::test]
async fn adopt_needs_the_flag() {
    let p = plan(vec![
        change("a", Action::Adopt, &[]),
        change("b", Action::Update, &["a"]),
    ]);
    let rec = Arc::new(Recorder::default());
    let (outcome, _) = run(&p, rec.clone(), ExecOptions::default()).await;
    assert_eq!(outcome.skipped.len(), 2);
    assert!(rec.calls.lock().unwrap().is_empty());

    let rec = Arc::new(Recorder::default());
    let options = ExecOptions {
        adopt: true,
        ..Default::default()
    };
    let (outcome, _) = run(&p, rec.clone(), options).await;
    assert!(outcome.is_complete(), "{outcome:?}");
    // Tagging an untagged live repository adds the ownership tags; the desired side has none
    // here, so the adoption also updates it back.
    assert_eq!(rec.calls.lock().unwrap()[0], "tag a");
}

#[tokio::test]
async fn transport_errors_are_retried_with_events() {
    let p = plan(vec![change("a", Action::Create, &[])]);
    let rec = Arc::new(Recorder {
        transient: Mutex::new(vec!["create a".into()]),
        ..Default::default()
    });
    let (outcome, events) = run(&p, rec, ExecOptions::default()).await;
    assert!(outcome.is_complete());
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Retried { attempt: 2, .. })),
        "{events:?}"
    );
}

#[tokio::test]
async fn cancel_lets_in_flight_finish_and_starts_nothing_new() {
    let changes = (0..20)
        .map(|i| change(&format!("r{i}"), Action::Create, &[]))
        .collect();
    let p = plan(changes);
    let rec = Arc::new(Recorder::default());
    let (tx, rx) = watch::channel(false);
    let tx = Arc::new(tx);
    let stop = Arc::clone(&tx);
    let options = ExecOptions {
        parallelism: 2,
        ..Default::default()
    };
    let sink: EventSink = Arc::new(move |e: &Event| {
        if matches!(e, Event::Done { .. }) {
            let _ = stop.send(true);
        }
    });
    let providers = Providers::single(home(), rec.clone());
    let outcome = execute(&p, &providers, &options, rx, sink).await;
    assert!(outcome.interrupted);
    assert_eq!(outcome.done.len() + outcome.skipped.len(), 20);
    assert!(outcome.done.len() <= 2, "{}", outcome.done.len());
    assert_eq!(rec.calls.lock().unwrap().len(), outcome.done.len());
}

/// An object's dependents run as soon as it is done, before independent objects still waiting:
/// under per-operation quotas every operation then has work from the start, and an interrupted
/// apply leaves whole objects rather than a thousand repositories without their policies.
#[tokio::test]
async fn dependents_run_before_objects_still_waiting() {
    let p = plan(vec![
        change("a", Action::Create, &[]),
        change("b", Action::Create, &[]),
        change("a-policy", Action::Create, &["a"]),
        change("a-lifecycle", Action::Create, &["a"]),
        change("b-policy", Action::Create, &["b"]),
    ]);
    let rec = Arc::new(Recorder::default());
    let options = ExecOptions {
        parallelism: 1,
        ..ExecOptions::default()
    };
    let (outcome, _) = run(&p, rec.clone(), options).await;
    assert!(outcome.is_complete());
    assert_eq!(
        *rec.calls.lock().unwrap(),
        [
            "create a",
            "create a-policy",
            "create a-lifecycle",
            "create b",
            "create b-policy"
        ]
    );
}

/// Throttling that outlasted the SDK's retries did nothing, so the change is tried again; an
/// error that is not throttling (IAM's `LimitExceeded` is a quota on objects) is not.
#[tokio::test]
async fn a_throttled_change_is_tried_again_and_other_refusals_are_not() {
    let p = plan(vec![
        change("a", Action::Create, &[]),
        change("b", Action::Create, &[]),
    ]);
    let rec = Arc::new(Recorder {
        refused_once: Mutex::new(vec![
            ("create a".into(), "ThrottlingException"),
            ("create b".into(), "LimitExceeded"),
        ]),
        ..Default::default()
    });
    let (outcome, events) = run(&p, rec.clone(), ExecOptions::default()).await;
    let calls = rec.calls.lock().unwrap().clone();
    assert!(calls.contains(&"create a".to_owned()), "{calls:?}");
    assert!(!calls.contains(&"create b".to_owned()), "{calls:?}");
    assert_eq!(outcome.done.len(), 1);
    assert_eq!(outcome.failed.len(), 1);
    assert!(
        events.iter().any(
            |e| matches!(e, Event::Retried { error, .. } if error.contains("ThrottlingException"))
        ),
        "{events:?}"
    );
}

#[tokio::test]
async fn each_change_goes_to_the_provider_of_its_registry() {
    let dr = Registry::new("210987654321", "eu-west-2");
    let elsewhere = Registry::new("999999999999", "us-east-1");
    let here = Arc::new(Recorder::default());
    let there = Arc::new(Recorder::default());
    let mut providers = Providers::single(home(), here.clone());
    providers.insert(dr.clone(), there.clone());
    let mut p = plan(vec![
        change("a", Action::Create, &[]),
        change_in(&dr, "a", Action::Create, &[]),
        change_in(&elsewhere, "b", Action::Create, &[]),
    ]);
    p.registries = vec![home(), dr, elsewhere];
    let (_tx, rx) = watch::channel(false);
    let outcome = execute(
        &p,
        &providers,
        &ExecOptions::default(),
        rx,
        Arc::new(|_: &Event| {}),
    )
    .await;
    assert_eq!(*here.calls.lock().unwrap(), ["create a"]);
    assert_eq!(*there.calls.lock().unwrap(), ["create a"]);
    assert_eq!(outcome.done.len(), 2);
    assert_eq!(outcome.skipped.len(), 1, "{:?}", outcome.skipped);
    assert!(
        outcome.skipped[0]
            .1
            .contains("no provider reaches registry 999999999999 in us-east-1"),
        "{:?}",
        outcome.skipped
    );
}
