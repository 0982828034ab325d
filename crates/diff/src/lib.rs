//! Desired plus live estate to a [`Plan`]: the dependency graph, the semantic diff, the checker
//! pass and the drift report.
//!
//! Planning is pure and synchronous: the refresh happens before [`plan`] and the executor
//! after it, so a plan can be made, tested and reviewed without a network. The one loop that
//! reads — refresh, plan, the extra reads the plan asks for, plan again — is
//! [`refresh_and_plan`], on the [`ecrplan_model::Provider`] trait, so every front end plans the
//! same way.

mod attributes;
mod check;
mod compare;
mod drift;
mod error;
mod graph;
mod live_index;
mod planner;
mod reads;
mod registry;
mod replication;

pub use attributes::{AttributeChange, attribute_changes, is_document_attribute, unified_diff};
pub use check::check;
pub use drift::{
    ChangeDrift, DRIFT_FORMAT_VERSION, Drift, DriftedObject, MissingObject, OldAccessKey, Origin,
    UndeclaredObject, UnmanagedObject, drift, plan_drift,
};
pub use error::PlanError;
pub use graph::graph_dot;
pub use planner::plan;
pub use reads::{ReadError, refresh, refresh_and_plan, snapshot};

#[doc(no_inline)]
pub use ecrplan_model::Plan;
