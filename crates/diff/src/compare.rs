//! Whether a declared object differs from the live one: the one comparison every planner of
//! the crate makes. A leaf.

use ecrplan_model::{Action, Resource};

/// `NoOp` when `before` already is `after` in AWS's eyes, `Update` otherwise.
pub(crate) fn compare(before: &Resource, after: &Resource) -> Action {
    // Equal values are equal canonically; AWS mostly hands back what was sent, so the cheap
    // test settles most objects of a large estate.
    if before == after || before.canonical() == after.canonical() {
        Action::NoOp
    } else {
        Action::Update
    }
}
