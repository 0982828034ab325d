//! The trait every view implements, in a leaf module so that the views implementing it and
//! `views` choosing among them do not import each other.

use ecrplan_diff::Drift;
use ecrplan_model::Plan;

/// A way of showing plans and drift reports. Views return the whole document so commands can
/// write it to stdout in one piece.
pub trait View {
    /// Renders a plan.
    fn plan(&self, plan: &Plan) -> String;
    /// Renders a drift report.
    fn drift(&self, drift: &Drift) -> String;
}
