//! `ecrplan apply`: show the plan, ask, carry it out, say what happened.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

use ecrplan_exec::{Event, ExecOptions, Outcome};
use ecrplan_model::{Action, Address, Plan, Scope};
use indicatif::{ProgressBar, ProgressStyle};
use miette::{IntoDiagnostic, Result, miette};
use tokio::sync::watch;

use crate::cli::{ApplyArgs, ConfigArgs, ViewFormat};
use crate::context::{self, Session};
use crate::exit::ExitStatus;
use crate::views;

/// Plans larger than this get a progress bar on a terminal.
const PROGRESS_BAR_THRESHOLD: usize = 20;

/// Runs `ecrplan apply`.
pub async fn run(args: ApplyArgs) -> Result<ExitStatus> {
    let (session, plan) = if is_saved_plan(&args.config.dir) {
        saved_plan(&args).await?
    } else {
        let session = context::open(&args.config, &args.target.modules, &args.account).await?;
        let (plan, _) = session.plan().await?;
        (session, plan)
    };
    print!(
        "{}",
        views::view(ViewFormat::Text, context::color_enabled(), None).plan(&plan)
    );
    if plan.is_empty() {
        session.report_stats(args.account.stats);
        return Ok(ExitStatus::Success);
    }
    if !plan.is_applyable() {
        return Err(miette!(
            "the plan has errors (see the notes above); nothing was applied"
        ));
    }
    if !args.auto_approve && !confirm()? {
        eprintln!("Apply cancelled; nothing was changed.");
        return Ok(ExitStatus::Failure);
    }
    let outcome = execute(&session, &plan, &args).await;
    print_summary(&plan, &outcome);
    session.report_stats(args.account.stats);
    Ok(if outcome.is_complete() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

fn is_saved_plan(path: &Path) -> bool {
    path.is_file()
}

/// Reads a saved plan and refuses it, changing nothing, when the configuration or any live
/// object it read has changed since.
async fn saved_plan(args: &ApplyArgs) -> Result<(Session, Plan)> {
    let path = &args.config.dir;
    if !args.target.modules.is_empty() {
        return Err(miette!(
            help = "make a plan with `plan --module … --out PLAN.json` and apply that",
            "a saved plan records its own targets; --module cannot change them"
        ));
    }
    let plan = super::show::read_saved(path)?;
    let dir = plan.config_dir.clone().ok_or_else(|| {
        miette!(
            help = "make it again with `ecrplan plan --out`",
            "the plan names no configuration directory"
        )
    })?;
    // The estate named from outside is part of the configuration hash, so a plan made with
    // --estate is stale when applied without it.
    let config = ConfigArgs {
        dir: dir.into(),
        vars: args.config.vars.clone(),
        var_files: args.config.var_files.clone(),
        estate: args.config.estate.clone(),
    };
    let session = context::open(&config, &plan.targets, &args.account).await?;
    if session.loaded.config_hash != plan.config_hash {
        return Err(miette!(
            help = "run plan again",
            "plan is stale: the configuration in {} changed since the plan was made",
            config.dir.display()
        ));
    }
    if session.account != plan.account {
        return Err(miette!(
            "plan is stale: it was made for account {} in {}, but the credentials reach account {} in {}",
            plan.account.id,
            plan.account.region,
            session.account.id,
            session.account.region
        ));
    }
    let providers = session.providers();
    if let Some(unreached) = plan.registries.iter().find(|r| {
        providers
            .for_scope(&Scope::Registry((*r).clone()))
            .is_none()
    }) {
        return Err(miette!(
            help =
                "run apply with credentials and providers that reach every registry the plan spans",
            "plan is stale: it spans registry {unreached}, which this run does not reach"
        ));
    }
    let (fresh, _) = session.plan().await?;
    if let Some(what) = first_difference(&plan, &fresh) {
        return Err(miette!(
            help = "run plan again",
            "plan is stale: {what} changed since the plan was made"
        ));
    }
    Ok((session, plan))
}

/// The first object the saved plan touches that looks different now, named by its address:
/// a changed fingerprint, an object that appeared or vanished, or a change the fresh plan has
/// and the saved one lacks. Objects the plan does not touch (another team's repositories in a
/// shared account) do not make it stale.
fn first_difference(saved: &Plan, fresh: &Plan) -> Option<String> {
    for change in &saved.changes {
        let key = change.id.qualified();
        if saved.fingerprints.get(&key) != fresh.fingerprints.get(&key) {
            return Some(change.address.to_string());
        }
    }
    fresh
        .changes
        .iter()
        .find(|f| !saved.changes.iter().any(|c| c.id == f.id))
        .map(|f| f.address.to_string())
}

/// Asks for `yes` on the terminal; refuses when nobody is there to answer.
fn confirm() -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        return Err(miette!(
            help = "pass --auto-approve to apply without a prompt",
            "refusing to apply: standard input is not a terminal, so nobody can confirm"
        ));
    }
    print!(
        "\nDo you want to perform these actions?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: "
    );
    std::io::stdout().flush().into_diagnostic()?;
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .into_diagnostic()?;
    Ok(answer.trim() == "yes")
}

async fn execute(session: &Session, plan: &Plan, args: &ApplyArgs) -> Outcome {
    let (stop_tx, stop_rx) = watch::channel(false);
    let interrupt = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!(
                "\nInterrupt received: letting changes in flight finish, starting nothing new."
            );
            let _ = stop_tx.send(true);
        }
    });
    let total = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .count();
    let bar = (std::io::stderr().is_terminal() && total > PROGRESS_BAR_THRESHOLD).then(|| {
        let bar = ProgressBar::new(total as u64);
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} changes {msg}") {
            bar.set_style(style);
        }
        bar
    });
    let printer = Arc::new(Mutex::new(bar.clone()));
    let sink = Arc::new(move |event: &Event| {
        let line = progress_line(event);
        let guard = printer.lock().unwrap_or_else(|e| e.into_inner());
        match guard.as_ref() {
            Some(bar) => {
                if matches!(
                    event,
                    Event::Done { .. } | Event::Failed { .. } | Event::Skipped { .. }
                ) {
                    bar.inc(1);
                }
                bar.suspend(|| println!("{line}"));
            }
            None => println!("{line}"),
        }
    });
    let options = ExecOptions {
        parallelism: usize::from(args.account.parallelism),
        adopt: args.adopt,
        ..ExecOptions::default()
    };
    let outcome = ecrplan_exec::execute(plan, &session.providers(), &options, stop_rx, sink).await;
    interrupt.abort();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    outcome
}

fn progress_line(event: &Event) -> String {
    match event {
        Event::Started { address, action } => format!("{address}: {}...", verb(*action).0),
        Event::Done { address, action } => format!("{address}: {} complete", verb(*action).1),
        Event::Retried {
            address,
            attempt,
            error,
        } => {
            format!("{address}: retrying (attempt {attempt}) after: {error}")
        }
        Event::Failed { address, error } => format!("{address}: failed: {error}"),
        Event::Skipped { address, reason } => format!("{address}: skipped: {reason}"),
    }
}

fn verb(action: Action) -> (&'static str, &'static str) {
    match action {
        Action::Create => ("Creating", "Creation"),
        Action::Update => ("Modifying", "Modifications"),
        Action::Replace => ("Replacing", "Replacement"),
        Action::Delete => ("Destroying", "Destruction"),
        Action::Adopt => ("Adopting", "Adoption"),
        Action::NoOp => ("Checking", "Check"),
    }
}

fn print_summary(plan: &Plan, outcome: &Outcome) {
    // A map, not a search per address: the summary of 30,000 changes was quadratic.
    let actions: std::collections::HashMap<&Address, Action> = plan
        .changes
        .iter()
        .map(|c| (&c.address, c.action))
        .collect();
    let action_of = |a: &Address| actions.get(a).copied();
    let count = |wanted: &[Action]| {
        outcome
            .done
            .iter()
            .filter(|a| action_of(a).is_some_and(|x| wanted.contains(&x)))
            .count()
    };
    let added = count(&[Action::Create, Action::Replace]);
    let changed = count(&[Action::Update]);
    let destroyed = count(&[Action::Delete, Action::Replace]);
    let adopted = count(&[Action::Adopt]);
    println!();
    if outcome.is_complete() {
        println!(
            "Apply complete! Resources: {added} added, {changed} changed, {destroyed} destroyed, {adopted} adopted."
        );
        return;
    }
    let headline = if outcome.interrupted {
        "Apply interrupted"
    } else {
        "Apply incomplete"
    };
    println!(
        "{headline}: {} done, {} failed, {} skipped.",
        outcome.done.len(),
        outcome.failed.len(),
        outcome.skipped.len()
    );
    for (address, error) in &outcome.failed {
        println!("  failed  {address}: {error}");
    }
    for (address, reason) in &outcome.skipped {
        println!("  skipped {address}: {reason}");
    }
    if outcome.skipped.iter().any(|(_, r)| r.contains("--adopt")) {
        println!(
            "help: objects exist without ownership tags or belong to the unnamed estate; review \
             them and run apply --adopt"
        );
    }
    println!("Run `ecrplan plan` to see what is left; applying again converges.");
}
