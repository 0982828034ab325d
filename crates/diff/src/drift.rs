//! The drift report for audit jobs: how the account differs from the configuration, as data.

use std::collections::BTreeSet;

use ecrplan_model::{
    Account, Action, Address, DesiredEstate, Kind, LiveEstate, Note, ObjectId, Resource,
};
use serde::{Deserialize, Serialize};

use crate::attributes::{AttributeChange, attribute_changes};
use crate::planner::LiveIndex;
use crate::{PlanError, plan};

/// The version of the drift report format.
pub const DRIFT_FORMAT_VERSION: u32 = 1;

/// How the account differs from the configuration. Empty lists everywhere mean in sync.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drift {
    /// [`DRIFT_FORMAT_VERSION`] when written.
    pub format_version: u32,
    /// The estate compared.
    pub estate: String,
    /// The account and region read.
    pub account: Account,
    /// Declared objects that exist but differ (including ones that exist without ownership
    /// tags, which a plan would adopt).
    pub changed: Vec<DriftedObject>,
    /// Declared objects that do not exist.
    pub missing: Vec<MissingObject>,
    /// Objects this estate owns that are no longer declared.
    pub undeclared: Vec<MissingObject>,
    /// Objects no estate manages: untagged repositories nobody declares, hand-made roles that
    /// trust an OIDC provider this estate manages, and a replication configuration that exists
    /// while the estate does not declare one.
    pub unmanaged: Vec<UnmanagedObject>,
    /// The checker's notes on the plan that would repair the drift.
    pub notes: Vec<Note>,
}

impl Drift {
    /// True when the account matches the configuration and nothing unmanaged is present.
    pub fn in_sync(&self) -> bool {
        self.changed.is_empty()
            && self.missing.is_empty()
            && self.undeclared.is_empty()
            && self.unmanaged.is_empty()
    }
}

/// A declared object whose live version differs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftedObject {
    /// Where it is declared.
    pub address: Address,
    /// Its AWS identity.
    pub id: ObjectId,
    /// What a plan would do about it: update, replace or adopt.
    pub action: Action,
    /// The attributes that differ, live value first.
    pub attributes: Vec<AttributeChange>,
}

/// An object on one side only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingObject {
    /// Where it is (or was) declared.
    pub address: Address,
    /// Its AWS identity.
    pub id: ObjectId,
}

/// An object in the account that no estate manages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmanagedObject {
    /// Its AWS identity.
    pub id: ObjectId,
    /// Why it is reported, in one sentence.
    pub reason: String,
}

/// Compares the configuration with the account the way [`plan`] does, and classifies the
/// differences for an audit job.
pub fn drift(desired: &DesiredEstate, live: &LiveEstate) -> Result<Drift, PlanError> {
    let plan = plan(desired, live, "")?;
    let mut report = Drift {
        format_version: DRIFT_FORMAT_VERSION,
        estate: desired.name.clone(),
        account: live.account.clone(),
        changed: Vec::new(),
        missing: Vec::new(),
        undeclared: Vec::new(),
        unmanaged: Vec::new(),
        notes: plan.notes.clone(),
    };
    for c in &plan.changes {
        let entry = || MissingObject {
            address: c.address.clone(),
            id: c.id.clone(),
        };
        match c.action {
            Action::Create if c.before.is_none() => report.missing.push(entry()),
            // A policy created again with its replaced repository exists; the replace is the
            // drift.
            Action::Create | Action::NoOp => {}
            Action::Delete => report.undeclared.push(entry()),
            Action::Update | Action::Replace | Action::Adopt => {
                let attributes = match (&c.before, &c.after) {
                    (Some(b), Some(a)) => attribute_changes(b, a),
                    _ => Vec::new(),
                };
                report.changed.push(DriftedObject {
                    address: c.address.clone(),
                    id: c.id.clone(),
                    action: c.action,
                    attributes,
                });
            }
        }
    }
    let declared: BTreeSet<&ObjectId> = plan.changes.iter().map(|c| &c.id).collect();
    let index = LiveIndex::new(live);
    let providers = managed_providers(&plan.changes, &index, &desired.name);
    for (id, object) in index.iter() {
        if declared.contains(id) {
            continue;
        }
        match &object.resource {
            Resource::Repository(r) if object.owner.is_none() => {
                report.unmanaged.push(UnmanagedObject {
                    id: id.clone(),
                    reason: format!("repository {} is not declared and has no owner", r.name),
                });
            }
            Resource::Role(r) if object.owner.is_none() => {
                let trusted: Vec<String> = r
                    .trust
                    .federated_providers()
                    .into_iter()
                    .filter(|url| providers.contains(url))
                    .collect();
                if !trusted.is_empty() {
                    report.unmanaged.push(UnmanagedObject {
                        id: id.clone(),
                        reason: format!(
                            "role {} (path {}) trusts the OIDC provider {} this estate manages, \
                             but no estate owns the role: CI tokens can assume it unseen",
                            r.name,
                            r.path,
                            trusted.join(", ")
                        ),
                    });
                }
            }
            Resource::Replication(r) if desired.replication.is_none() && !r.rules.is_empty() => {
                report.unmanaged.push(UnmanagedObject {
                    id: id.clone(),
                    reason: format!(
                        "the registry replicates with {} rule(s), but no configuration declares \
                         `replication`",
                        r.rules.len()
                    ),
                });
            }
            _ => {}
        }
    }
    Ok(report)
}

/// The OIDC providers this estate manages: declared ones, and live ones it owns. A role that
/// trusts one of them lets the estate's CI in, whoever made the role.
fn managed_providers(
    changes: &[ecrplan_model::Change],
    index: &LiveIndex<'_>,
    estate: &str,
) -> BTreeSet<String> {
    let declared = changes
        .iter()
        .filter(|c| c.id.kind == Kind::OidcProvider && c.after.is_some())
        .map(|c| c.id.key.clone());
    let owned = index
        .iter()
        .filter(|(id, o)| {
            id.kind == Kind::OidcProvider && o.owner.as_ref().is_some_and(|w| w.estate == estate)
        })
        .map(|(id, _)| id.key.clone());
    declared.chain(owned).collect()
}
