//! Where the objects of an estate are declared, so reports about a plan (SARIF for code
//! scanning) can point at the lines that cause a finding, not just name an address.

use std::collections::BTreeMap;
use std::sync::Arc;

use ecrplan_model::Section;

use crate::diag::{Location, SourceFile};
use crate::registry_block::RegistryDeclared;
use crate::value::At;

/// The declarations of a loaded directory by what they declare: the estate's name, module
/// blocks, the repository names and role names inside them, and each provider's `replication`
/// block and `registry` block with its sections, pull-through cache rules and creation
/// templates.
#[derive(Clone, Debug, Default)]
pub struct Locations {
    estate: Option<Location>,
    modules: BTreeMap<String, Location>,
    repositories: BTreeMap<(String, String), Location>,
    roles: BTreeMap<String, Location>,
    /// By the alias of the block's provider, `None` for the default one (first in order).
    replications: BTreeMap<Option<String>, Location>,
    registries: BTreeMap<Option<String>, RegistryLocations>,
}

/// Where one `registry` block and its parts are written.
#[derive(Clone, Debug)]
pub struct RegistryLocations {
    block: Location,
    sections: BTreeMap<Section, Location>,
    cache_rules: BTreeMap<String, Location>,
    templates: BTreeMap<String, Location>,
}

impl RegistryLocations {
    /// The `registry` keyword.
    pub fn block(&self) -> &Location {
        &self.block
    }

    /// Where a section is written: its attribute (`policy` or `replication_from`,
    /// `account_settings`, `pull_time_update_exclusions`) or its first block.
    pub fn section(&self, section: Section) -> Option<&Location> {
        self.sections.get(&section)
    }

    /// The label of `pull_through_cache "PREFIX"`.
    pub fn pull_through_cache_rule(&self, prefix: &str) -> Option<&Location> {
        self.cache_rules.get(prefix)
    }

    /// The label of `creation_template "PREFIX"`.
    pub fn creation_template(&self, prefix: &str) -> Option<&Location> {
        self.templates.get(prefix)
    }
}

impl Locations {
    /// The value of `ecrplan { estate = … }`: where an estate object that nothing declares
    /// belongs. `None` when the estate is named from outside (`--estate`) or not at all.
    pub fn estate(&self) -> Option<&Location> {
        self.estate.as_ref()
    }

    /// The label of `module "NAME"`.
    pub fn module(&self, name: &str) -> Option<&Location> {
        self.modules.get(name)
    }

    /// Where a module lists a repository name.
    pub fn repository(&self, module: &str, repository: &str) -> Option<&Location> {
        self.repositories
            .get(&(module.to_owned(), repository.to_owned()))
    }

    /// Where a role name is written (or the input it is made from).
    pub fn role(&self, name: &str) -> Option<&Location> {
        self.roles.get(name)
    }

    /// The `replication` block of the default provider, else the first by alias: the one a
    /// finding that names no provider most likely comes from.
    pub fn replication(&self) -> Option<&Location> {
        self.replications.values().next()
    }

    /// The `replication` block of provider `alias` (`None`: the default provider).
    pub fn replication_of(&self, alias: Option<&str>) -> Option<&Location> {
        self.replications.get(&alias.map(str::to_owned))
    }

    /// The `registry` block of provider `alias` (`None`: the default provider).
    pub fn registry_of(&self, alias: Option<&str>) -> Option<&RegistryLocations> {
        self.registries.get(&alias.map(str::to_owned))
    }

    /// The `registry` block of the default provider, else the first by alias (as
    /// [`Self::replication`]).
    pub fn registry(&self) -> Option<&Location> {
        self.first_registry().map(RegistryLocations::block)
    }

    /// A section of the `registry` block [`Self::registry`] names.
    pub fn registry_section(&self, section: Section) -> Option<&Location> {
        self.first_registry()?.section(section)
    }

    /// A `pull_through_cache "PREFIX"` label of the `registry` block [`Self::registry`] names.
    pub fn pull_through_cache_rule(&self, prefix: &str) -> Option<&Location> {
        self.first_registry()?.pull_through_cache_rule(prefix)
    }

    /// A `creation_template "PREFIX"` label of the `registry` block [`Self::registry`] names.
    pub fn creation_template(&self, prefix: &str) -> Option<&Location> {
        self.first_registry()?.creation_template(prefix)
    }

    fn first_registry(&self) -> Option<&RegistryLocations> {
        self.registries.values().next()
    }

    pub(crate) fn add_estate(&mut self, files: &[Arc<SourceFile>], at: &At) {
        self.estate = locate(files, at);
    }

    pub(crate) fn add_module(&mut self, files: &[Arc<SourceFile>], name: &str, at: &At) {
        if let Some(l) = locate(files, at) {
            self.modules.entry(name.to_owned()).or_insert(l);
        }
    }

    pub(crate) fn add_repository(
        &mut self,
        files: &[Arc<SourceFile>],
        module: &str,
        repository: &str,
        at: &At,
    ) {
        if let Some(l) = locate(files, at) {
            self.repositories
                .entry((module.to_owned(), repository.to_owned()))
                .or_insert(l);
        }
    }

    pub(crate) fn add_role(&mut self, files: &[Arc<SourceFile>], name: &str, at: &At) {
        if let Some(l) = locate(files, at) {
            self.roles.entry(name.to_owned()).or_insert(l);
        }
    }

    pub(crate) fn add_replication(
        &mut self,
        files: &[Arc<SourceFile>],
        alias: Option<&str>,
        at: &At,
    ) {
        if let Some(l) = locate(files, at) {
            self.replications.insert(alias.map(str::to_owned), l);
        }
    }

    pub(crate) fn add_registry(
        &mut self,
        files: &[Arc<SourceFile>],
        alias: Option<&str>,
        declared: &RegistryDeclared,
    ) {
        let Some(block) = locate(files, &declared.block_at) else {
            return;
        };
        let located = |ats: &[(String, At)]| -> BTreeMap<String, Location> {
            ats.iter()
                .filter_map(|(prefix, at)| Some((prefix.clone(), locate(files, at)?)))
                .collect()
        };
        let registry = RegistryLocations {
            block,
            sections: declared
                .sections
                .iter()
                .filter_map(|(section, at)| Some((*section, locate(files, at)?)))
                .collect(),
            cache_rules: located(&declared.cache_rules),
            templates: located(&declared.templates),
        };
        self.registries.insert(alias.map(str::to_owned), registry);
    }
}

fn locate(files: &[Arc<SourceFile>], at: &At) -> Option<Location> {
    files.get(at.file)?.locate(at.range.clone())
}
