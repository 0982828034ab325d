//! The drift report for audit jobs: how the account differs from the configuration, as data.

use std::collections::{BTreeMap, BTreeSet};

use ecrplan_model::identity::is_declarable;
use ecrplan_model::{
    Account, Action, Address, Change, DesiredEstate, Kind, LiveEstate, LiveObject,
    MAX_KEY_AGE_DAYS, Note, ObjectId, Plan, Reach, Registry, Resource, Scope, Section,
};
use serde::{Deserialize, Serialize};

use crate::attributes::{AttributeChange, attribute_changes};
use crate::error::PlanError;
use crate::live_index::LiveIndex;
use crate::planner::plan;
use crate::registry;

/// The version of the drift report format.
pub const DRIFT_FORMAT_VERSION: u32 = 1;

/// How the account differs from the configuration. Empty lists everywhere mean in sync.
///
/// By default the report is about the estate alone, so that a team's audit job in a shared
/// account is green whatever the other teams hold; the account-wide audit adds what no estate
/// owns and a summary of the other estates. It serialises to ids and addresses; the objects
/// themselves (declared ones for `missing`, live ones for `undeclared`) are there for views
/// that render them in another schema, and are not part of that form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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
    /// Objects of this estate the configuration does not declare: ones it owns by their own
    /// tags, and policies and attachments of its objects, each with what the account tells of
    /// where it came from.
    pub undeclared: Vec<UndeclaredObject>,
    /// Account-wide audits only: objects no estate's tags claim: untagged repositories nobody
    /// declares, hand-made roles that trust an OIDC provider this estate manages, and a
    /// replication configuration this configuration does not declare (replication carries no
    /// tags, so whether another directory declares it cannot be read from the account).
    pub unmanaged: Vec<UnmanagedObject>,
    /// Access keys older than [`MAX_KEY_AGE_DAYS`] on the estate's CI users: not a
    /// difference from the configuration, but the audit static keys need.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub old_access_keys: Vec<OldAccessKey>,
    /// True for the account-wide audit (`drift --account-wide`).
    #[serde(default)]
    pub account_wide: bool,
    /// Account-wide audits only: how many repositories, roles and OIDC providers each other
    /// estate owns (an unnamed estate's objects this configuration does not declare count under
    /// its name, `default`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub other_estates: BTreeMap<String, usize>,
    /// The checker's notes on the plan that would repair the drift.
    pub notes: Vec<Note>,
}

/// An access key past its rotation age.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OldAccessKey {
    /// The user's declaration.
    pub address: Address,
    /// The user.
    pub user: String,
    /// The key id, shortened to its last four characters.
    pub key: String,
    /// `Active` or `Inactive`.
    pub status: String,
    /// Its age in days.
    pub age_days: u64,
}

impl Drift {
    /// True when the estate's objects match the configuration and, in an account-wide audit,
    /// nothing unmanaged is present. Other estates never make a report drift.
    pub fn in_sync(&self) -> bool {
        self.changed.is_empty()
            && self.missing.is_empty()
            && self.undeclared.is_empty()
            && self.unmanaged.is_empty()
            && self.old_access_keys.is_empty()
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

/// A declared object the account does not hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MissingObject {
    /// Where it is declared.
    pub address: Address,
    /// Its AWS identity.
    pub id: ObjectId,
    /// The object as declared: what an audit compares the account against, so a report of a
    /// deleted object can say what should be there.
    #[serde(skip)]
    pub declared: Resource,
}

/// An object of the estate the configuration does not declare.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UndeclaredObject {
    /// Where it was declared, or where it would be (its parent's module).
    pub address: Address,
    /// Its AWS identity.
    pub id: ObjectId,
    /// Whether an earlier configuration made it or somebody did by hand, as far as the account
    /// shows.
    pub origin: Origin,
    /// The object as the account holds it.
    #[serde(skip)]
    pub live: Resource,
}

/// Where an undeclared object came from, as far as the account can tell. ecrplan keeps no
/// state file, so what a configuration declared in the past is not recorded anywhere; what is
/// recorded is which objects ecrplan's tags mark as an estate's, and the forms ecrplan writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// The estate made (or adopted) it and no longer declares it: it carries the estate's own
    /// ownership tags (a group: its path), which only ecrplan writes, or it is a policy or
    /// attachment of such an object that is itself no longer declared.
    NoLongerDeclared,
    /// Never declared: a policy or attachment of a form ecrplan never writes (a managed policy
    /// on a user or a group, an inline policy on a user, a managed policy other than the
    /// AWS-managed ECR ones on a role, an inline policy under another name than ecrplan's), or
    /// one of an object that carries no ecrplan tags (being adopted), which ecrplan never wrote
    /// anything to.
    ByHand,
    /// A policy or attachment of a declared object, of a form ecrplan writes, that the
    /// configuration does not declare: an earlier configuration or a person made it, and
    /// without a state file the two look the same.
    Undetermined,
}

/// An object in the account that no estate manages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmanagedObject {
    /// Its AWS identity.
    pub id: ObjectId,
    /// Why it is reported, in one sentence.
    pub reason: String,
}

/// What one planned change says of drift: the plan and the drift report read each change
/// through this one classification, so `plan --format json`'s `resource_drift` and `drift`'s
/// list the same objects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangeDrift<'a> {
    /// A declared object that exists but differs: the attributes that differ (a plan updates,
    /// replaces or adopts it).
    Changed(Vec<AttributeChange>),
    /// A declared object the account does not hold, as declared (a plan creates it).
    Missing(&'a Resource),
    /// An object of the estate the configuration does not declare, as the account holds it (a
    /// plan deletes it).
    Undeclared(&'a Resource),
}

impl ChangeDrift<'_> {
    /// How `change` shows as drift; `None` when it does not. ecrplan keeps no state file, so a
    /// declared object not created yet is missing like one deleted out of band.
    pub fn of(change: &Change) -> Option<ChangeDrift<'_>> {
        match (change.action, &change.before, &change.after) {
            (Action::Create, None, Some(declared)) => Some(ChangeDrift::Missing(declared)),
            (Action::Delete, Some(live), _) => Some(ChangeDrift::Undeclared(live)),
            // A policy created again with its replaced repository exists; the replace is the
            // drift. (A create always carries its declared object, a delete its live one.)
            (Action::Create | Action::NoOp | Action::Delete, _, _) => None,
            (Action::Update | Action::Replace | Action::Adopt, before, after) => {
                Some(ChangeDrift::Changed(match (before, after) {
                    (Some(b), Some(a)) => attribute_changes(b, a),
                    _ => Vec::new(),
                }))
            }
        }
    }
}

/// The drift a plan reports (`plan --format json`'s `resource_drift`), which, unlike the
/// drift report, has only the plan to go by, as a saved plan shown later does. Without a state
/// file, a declared object the account lacks may simply not be made yet, and an object of the
/// estate the configuration no longer declares was dropped from the configuration: both are
/// the plan's own changes, not changes made outside it. What is drift: a declared object that
/// differs, and a policy, attachment or membership the configuration does not declare on an
/// object that stays (attached by hand, or left by an earlier configuration — the two look the
/// same without a state file). The registry's sections are left out: an estate that stops
/// declaring one clears it, a change of its configuration.
pub fn plan_drift(plan: &Plan) -> impl Iterator<Item = (&Address, ChangeDrift<'_>)> {
    let staying: BTreeSet<&ObjectId> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::Delete)
        .map(|c| &c.id)
        .collect();
    plan.changes
        .iter()
        .filter_map(move |c| match ChangeDrift::of(c)? {
            ChangeDrift::Missing(_) => None,
            ChangeDrift::Undeclared(live) => {
                let parent = live.parent_in(&c.id.scope)?;
                (parent.kind != Kind::RegistryOwner && staying.contains(&parent))
                    .then_some((&c.address, ChangeDrift::Undeclared(live)))
            }
            changed @ ChangeDrift::Changed(_) => Some((&c.address, changed)),
        })
}

/// Compares the configuration with the account the way [`plan`] does, and classifies the
/// differences for an audit job; `account_wide` adds what no estate owns and the other estates'
/// summary (the refresh must then have read the whole account).
pub fn drift(
    desired: &DesiredEstate,
    live: &LiveEstate,
    account_wide: bool,
) -> Result<Drift, PlanError> {
    let plan = plan(desired, live, "")?;
    let index = LiveIndex::new(live);
    let declared: BTreeSet<&ObjectId> = plan
        .changes
        .iter()
        .filter(|c| c.after.is_some())
        .map(|c| &c.id)
        .collect();
    let reach = live.reach();
    let sections: BTreeMap<Registry, BTreeSet<Section>> = desired
        .registries
        .iter()
        .map(|r| {
            let registry = reach.account(r.provider.as_deref()).registry();
            (registry, r.value.sections())
        })
        .collect();
    let mut report = Drift {
        format_version: DRIFT_FORMAT_VERSION,
        estate: desired.name.clone(),
        account: live.account.clone(),
        changed: Vec::new(),
        missing: Vec::new(),
        undeclared: Vec::new(),
        unmanaged: Vec::new(),
        old_access_keys: Vec::new(),
        account_wide,
        other_estates: BTreeMap::new(),
        notes: plan.notes.clone(),
    };
    for c in &plan.changes {
        match ChangeDrift::of(c) {
            Some(ChangeDrift::Missing(declared)) => report.missing.push(MissingObject {
                address: c.address.clone(),
                id: c.id.clone(),
                declared: declared.clone(),
            }),
            Some(ChangeDrift::Undeclared(live)) => report.undeclared.push(UndeclaredObject {
                address: c.address.clone(),
                id: c.id.clone(),
                origin: origin(c, live, &index, &declared, &sections),
                live: live.clone(),
            }),
            Some(ChangeDrift::Changed(attributes)) => report.changed.push(DriftedObject {
                address: c.address.clone(),
                id: c.id.clone(),
                action: c.action,
                attributes,
            }),
            None => {}
        }
    }
    // Every audit, not only the account-wide one: the keys are this estate's.
    for c in plan
        .changes
        .iter()
        .filter(|c| c.id.kind == Kind::User && c.action != Action::Delete)
    {
        let keys = index.get(&c.id).map(|o| o.access_keys.as_slice());
        for key in keys
            .unwrap_or_default()
            .iter()
            .filter(|k| k.age_days > MAX_KEY_AGE_DAYS)
        {
            report.old_access_keys.push(OldAccessKey {
                address: c.address.clone(),
                user: c.id.key.clone(),
                key: key.short_id(),
                status: key.status.clone(),
                age_days: key.age_days,
            });
        }
    }
    if !account_wide {
        return Ok(report);
    }
    let planned: BTreeSet<&ObjectId> = plan.changes.iter().map(|c| &c.id).collect();
    let providers = managed_providers(&plan.changes, &index, &desired.name);
    for (id, object) in index.iter() {
        if planned.contains(id) {
            continue;
        }
        if let Some(owner) = &object.owner
            && object.resource.parent_key().is_none()
            && (desired.anonymous || owner.estate != desired.name)
        {
            *report
                .other_estates
                .entry(owner.estate.clone())
                .or_default() += 1;
        }
        if let Some(reason) = unmanaged(
            object,
            &index.registry_of(object),
            &reach,
            desired,
            &providers,
        )
        .or_else(|| registry::unmanaged(object, &index))
        {
            report.unmanaged.push(UnmanagedObject {
                id: id.clone(),
                reason,
            });
        }
    }
    Ok(report)
}

/// Where an undeclared object of the estate came from (see [`Origin`]): an object with marks of
/// its own is the estate's; a policy or attachment of a form ecrplan never writes, or of an
/// object without ecrplan's tags, was made by hand; one of a declared object (for the
/// registry's settings: of a declared section) may be either; one of an object no longer
/// declared goes with it.
fn origin(
    change: &Change,
    live: &Resource,
    index: &LiveIndex<'_>,
    declared: &BTreeSet<&ObjectId>,
    sections: &BTreeMap<Registry, BTreeSet<Section>>,
) -> Origin {
    let Some(parent) = live.parent_in(&change.id.scope) else {
        return Origin::NoLongerDeclared;
    };
    let parent_object = index.get(&parent);
    let trust = parent_object.and_then(|o| {
        if let Resource::Role(r) = &o.resource {
            Some(&r.trust)
        } else {
            None
        }
    });
    if !is_declarable(live, trust) || parent_object.is_some_and(|o| o.owner.is_none()) {
        return Origin::ByHand;
    }
    let parent_declared = match Section::of(change.id.kind) {
        Some(section) => match &change.id.scope {
            Scope::Registry(r) => sections.get(r).is_some_and(|s| s.contains(&section)),
            Scope::Account(_) => false,
        },
        None => declared.contains(&parent),
    };
    if parent_declared {
        Origin::Undetermined
    } else {
        Origin::NoLongerDeclared
    }
}

/// Why an object no estate declares is worth an audit's attention, if it is: a repository
/// nobody owns, an unowned role that trusts a provider this estate manages, replication this
/// configuration does not declare. Other objects go with their parents or are nobody's business.
fn unmanaged(
    object: &LiveObject,
    registry: &Registry,
    reach: &Reach,
    desired: &DesiredEstate,
    providers: &BTreeSet<String>,
) -> Option<String> {
    if let Resource::Repository(r) = &object.resource
        && object.owner.is_none()
    {
        return Some(format!(
            "repository {} is not declared and has no owner",
            r.name
        ));
    }
    if let Resource::Role(r) = &object.resource
        && object.owner.is_none()
    {
        let trusted: Vec<String> = r
            .trust
            .federated_providers()
            .into_iter()
            .filter(|url| providers.contains(url))
            .collect();
        return (!trusted.is_empty()).then(|| {
            format!(
                "role {} (path {}) trusts the OIDC provider {} this estate manages, but no \
                 estate owns the role: CI tokens can assume it unseen",
                r.name,
                r.path,
                trusted.join(", ")
            )
        });
    }
    if let Resource::Replication(r) = &object.resource
        && !desired
            .replications
            .iter()
            .any(|d| reach.account(d.provider.as_deref()).registry() == *registry)
        && !r.rules.is_empty()
    {
        return Some(format!(
            "the registry replicates with {} rule(s) that this configuration does not declare; \
             replication carries no owner tags, so whether another estate's directory declares \
             it cannot be read from the account",
            r.rules.len()
        ));
    }
    None
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
