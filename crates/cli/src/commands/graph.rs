//! `ecrplan graph`: the plan's dependency graph as Graphviz DOT.

use miette::Result;

use crate::cli::GraphArgs;
use crate::context;
use crate::exit::ExitStatus;

/// Runs `ecrplan graph`.
pub async fn run(args: GraphArgs) -> Result<ExitStatus> {
    let session = context::open(&args.config, &args.target.modules, &args.account).await?;
    let (plan, _live) = session.plan().await?;
    session.report_stats(args.account.stats);
    print!("{}", ecrplan_diff::graph_dot(&plan));
    Ok(ExitStatus::Success)
}
