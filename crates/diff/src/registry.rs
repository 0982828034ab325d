//! The registry's settings in a plan. They carry no tags, so who may change them is the owner
//! record's to say: the estate it names holds the sections it lists. A held section converges
//! to the declaration (its set of cache rules, templates and exclusions exactly as declared); a
//! declared section nobody holds takes its existing non-default settings by adoption
//! (`--adopt`), never by silently overwriting them; a held section no longer declared is
//! cleared by a named estate; a section nobody holds is never touched.

use std::collections::{BTreeMap, BTreeSet};

use ecrplan_model::{
    ACCOUNT_SETTINGS, Action, Address, Change, DesiredEstate, Kind, LiveObject, Locator, Note,
    ObjectId, REGISTRY_POLICY_SCOPE, REGISTRY_POLICY_V1_ACTIONS, Reach, Registry, RegistryOwner,
    RegistrySettings, Resource, Rule, ScanningConfiguration, Scope, Section, Severity,
    registry_policy_refuses, statements, strings,
};

use crate::compare::compare;
use crate::error::PlanError;
use crate::live_index::LiveIndex;

/// Which sections of each registry this estate holds, by the owner record each registry holds.
pub(crate) struct Holding<'a> {
    /// The owner records that name this estate, by registry.
    ours: BTreeMap<Registry, &'a RegistryOwner>,
}

impl Holding<'_> {
    fn holds(&self, registry: &Registry, section: Section) -> bool {
        self.ours
            .get(registry)
            .is_some_and(|o| o.sections.contains(&section))
    }
}

/// The registry an object of a registry kind belongs to.
fn registry_of(id: &ObjectId) -> Option<&Registry> {
    if let Scope::Registry(r) = &id.scope {
        Some(r)
    } else {
        None
    }
}

/// The `registry` block of the configuration that is for `registry`, if any.
fn block_for<'d>(
    desired: &'d DesiredEstate,
    reach: &Reach,
    registry: &Registry,
) -> Option<&'d RegistrySettings> {
    desired
        .registries
        .iter()
        .find(|r| reach.account(r.provider.as_deref()).registry() == *registry)
        .map(|r| &r.value)
}

/// The owner record `registry` holds, as the index has it.
fn owner_record<'a>(index: &LiveIndex<'a>, registry: &Registry) -> Option<&'a RegistryOwner> {
    let id = ObjectId::new(
        Kind::RegistryOwner,
        Scope::Registry(registry.clone()),
        "registry",
    );
    index.get(&id).and_then(|o| {
        if let Resource::RegistryOwner(r) = &o.resource {
            Some(r)
        } else {
            None
        }
    })
}

/// Whether `kind` is one of the registry's settings (or its owner record).
pub(crate) fn is_registry_kind(kind: Kind) -> bool {
    kind.spec().located_by == Locator::Registry
}

/// Reads each registry's owner record: a configuration that declares `registry` for a registry
/// another estate owns is refused, naming the owner.
pub(crate) fn holding<'a>(
    desired: &DesiredEstate,
    index: &LiveIndex<'a>,
) -> Result<Holding<'a>, PlanError> {
    let reach = index.reach();
    let mut ours = BTreeMap::new();
    for registry in reach.registries() {
        match owner_record(index, &registry) {
            Some(r)
                if r.estate != desired.name && block_for(desired, &reach, &registry).is_some() =>
            {
                return Err(PlanError::RegistryOwned {
                    registry: registry.to_string(),
                    estate: r.estate.clone(),
                });
            }
            Some(r) if r.estate != desired.name => {}
            Some(r) => {
                ours.insert(registry, r);
            }
            None => {}
        }
    }
    Ok(Holding { ours })
}

/// What AWS holds when nobody set anything: not a setting to adopt or to clear.
pub(crate) fn is_default(resource: &Resource) -> bool {
    if let Resource::ScanningConfiguration(_) = resource {
        return resource.canonical()
            == Resource::ScanningConfiguration(ScanningConfiguration::basic());
    }
    if let Resource::AccountSetting(s) = resource {
        return ACCOUNT_SETTINGS
            .iter()
            .any(|(_, name, default)| *name == s.name && *default == s.value);
    }
    false
}

/// The action for a declared registry setting (or the owner record) found as `found`.
pub(crate) fn action(
    holding: &Holding<'_>,
    after: &Resource,
    found: Option<&LiveObject>,
    change: &mut Change,
) -> Action {
    let Some(object) = found else {
        return Action::Create;
    };
    let Some(section) = Section::of(after.kind()) else {
        return compare(&object.resource, after);
    };
    let held = registry_of(&change.id).is_some_and(|r| holding.holds(r, section));
    if !held && !is_default(&object.resource) {
        return Action::Adopt;
    }
    if let (Resource::PullThroughCacheRule(live), Resource::PullThroughCacheRule(want)) =
        (&object.resource, after)
        && live.identity() != want.identity()
    {
        change.replace_because.push(
            if live.upstream_registry_url == want.upstream_registry_url {
                "upstream_repository_prefix".into()
            } else {
                "upstream_registry_url".into()
            },
        );
        return Action::Replace;
    }
    compare(&object.resource, after)
}

/// The changes that clear what this estate holds and no longer declares, and notes on what
/// stays: a named estate clears its held sections (an account setting has no delete, so it is
/// kept and the plan says so) and, with no `registry` block left, its owner record; an
/// anonymous estate clears nothing, nor does a plan limited to some modules. Objects of a declared section not held yet are kept until
/// an adoption makes the section this estate's.
pub(crate) fn deletions(
    desired: &DesiredEstate,
    holding: &Holding<'_>,
    index: &LiveIndex<'_>,
    declared: &BTreeMap<ObjectId, Address>,
    notes: &mut Vec<Note>,
) -> Vec<Change> {
    let reach = index.reach();
    let mut out = Vec::new();
    if !desired.targets.is_empty() {
        return out;
    }
    for (id, object) in index.iter() {
        if !is_registry_kind(id.kind) || declared.contains_key(id) {
            continue;
        }
        let Some(registry) = registry_of(id) else {
            continue;
        };
        let block = block_for(desired, &reach, registry);
        let address = || deleted_address(&reach, id);
        let Some(section) = Section::of(id.kind) else {
            if holding.ours.contains_key(registry) && block.is_none() && !desired.anonymous {
                out.push(delete(id, object, address()));
            }
            continue;
        };
        if is_default(&object.resource) {
            continue;
        }
        if !holding.holds(registry, section) {
            let declared_sections = block.map(RegistrySettings::sections).unwrap_or_default();
            if declared_sections.contains(&section) {
                notes.push(kept(
                    address(),
                    format!(
                        "{id} exists and is not declared; this estate does not manage the \
                         registry's {section} yet, so it is kept: once apply --adopt takes the \
                         section, the next plan deletes it"
                    ),
                ));
            }
            continue;
        }
        if desired.anonymous {
            continue;
        }
        if let Resource::AccountSetting(s) = &object.resource {
            notes.push(kept(
                address(),
                format!(
                    "account setting {} is no longer declared; AWS has no delete for it, so it \
                     keeps the value {}",
                    s.name, s.value
                ),
            ));
            continue;
        }
        out.push(delete(id, object, address()));
    }
    out
}

/// The change that deletes (or, for scanning, resets) a registry setting.
fn delete(id: &ObjectId, object: &LiveObject, address: Address) -> Change {
    Change {
        address,
        id: id.clone(),
        action: Action::Delete,
        before: Some(object.resource.clone()),
        after: None,
        replace_because: Vec::new(),
        force: false,
        depends_on: Vec::new(),
    }
}

fn kept(address: Address, message: String) -> Note {
    Note {
        severity: Severity::Warning,
        rule: Rule::RegistrySettingKept,
        address: Some(address),
        message,
    }
}

/// The address of a registry setting: no module, keyed by its name unless one per registry,
/// and by its registry's alias when that is not the default provider's.
fn deleted_address(reach: &Reach, id: &ObjectId) -> Address {
    let mut address = Address::new(id.kind, id.scope.clone());
    if !id.kind.spec().singleton {
        address = address.indexed(&id.key);
    }
    reach.address(address)
}

/// What the registry policy grants beyond the policy scope in force: the declared scope, or
/// the one the account holds when the configuration declares none. The hcl reader checks a
/// declared scope; this checks against the account's.
pub(crate) fn scope_notes(desired: &DesiredEstate, index: &LiveIndex<'_>) -> Vec<Note> {
    let reach = index.reach();
    reach
        .registries()
        .iter()
        .filter_map(|registry| {
            let block = block_for(desired, &reach, registry)?;
            scope_note(block, registry, &reach, index)
        })
        .collect()
}

/// [`scope_notes`] for the `registry` block of one registry.
fn scope_note(
    registry: &RegistrySettings,
    at: &Registry,
    reach: &Reach,
    index: &LiveIndex<'_>,
) -> Option<Note> {
    if registry
        .account_settings
        .contains_key(REGISTRY_POLICY_SCOPE)
    {
        return None;
    }
    let policy = registry.policy.as_ref()?;
    let id = ObjectId::new(
        Kind::AccountSetting,
        Scope::Registry(at.clone()),
        REGISTRY_POLICY_SCOPE,
    );
    let scope = index.get(&id).and_then(|o| {
        if let Resource::AccountSetting(s) = &o.resource {
            Some(s.value.as_str())
        } else {
            None
        }
    });
    if scope != Some("V1") {
        return None;
    }
    let refused: BTreeSet<&str> = statements(policy)
        .into_iter()
        .flat_map(|s| strings(s.get("Action")))
        .filter(|a| registry_policy_refuses(Some("V1"), a))
        .collect();
    if refused.is_empty() {
        return None;
    }
    let refused: Vec<&str> = refused.into_iter().collect();
    Some(Note {
        severity: Severity::Error,
        rule: Rule::RegistryPolicyScope,
        address: Some(deleted_address(
            reach,
            &ObjectId::new(
                Kind::RegistryPolicy,
                Scope::Registry(at.clone()),
                "registry",
            ),
        )),
        message: format!(
            "the registry's policy scope is V1, which lets a registry policy grant only {}; \
             this policy grants {} too: set account_settings = {{ registry_policy_scope = \
             \"V2\" }} or drop those actions",
            REGISTRY_POLICY_V1_ACTIONS.join(", "),
            refused.join(", ")
        ),
    })
}

/// Why a registry setting is worth the account-wide audit's attention: it is set, and no
/// estate's owner record says it manages its section.
pub(crate) fn unmanaged(object: &LiveObject, index: &LiveIndex<'_>) -> Option<String> {
    let section = Section::of(object.resource.kind())?;
    if is_default(&object.resource) {
        return None;
    }
    let registry = index.registry_of(object);
    let held = owner_record(index, &registry).is_some_and(|r| r.sections.contains(&section));
    (!held).then(|| {
        format!(
            "the registry's {section} is set ({}) but no estate manages it: declare it in a \
             `registry` block to manage it",
            object.resource.key()
        )
    })
}
