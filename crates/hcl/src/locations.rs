//! Where the objects of an estate are declared, so reports about a plan (SARIF for code
//! scanning) can point at the lines that cause a finding, not just name an address.

use std::collections::BTreeMap;
use std::sync::Arc;

use ecrplan_model::Section;

use crate::diag::{Location, SourceFile};
use crate::registry_block::RegistryDeclared;
use crate::value::At;

/// The declarations of a loaded directory by what they declare: module blocks, the repository
/// names and role names inside them, the `replication` block, and the `registry` block with its
/// sections, pull-through cache rules and creation templates.
#[derive(Clone, Debug, Default)]
pub struct Locations {
    modules: BTreeMap<String, Location>,
    repositories: BTreeMap<(String, String), Location>,
    roles: BTreeMap<String, Location>,
    replication: Option<Location>,
    registry: Option<Location>,
    registry_sections: BTreeMap<Section, Location>,
    cache_rules: BTreeMap<String, Location>,
    templates: BTreeMap<String, Location>,
}

impl Locations {
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

    /// The `replication` block.
    pub fn replication(&self) -> Option<&Location> {
        self.replication.as_ref()
    }

    /// The `registry` block.
    pub fn registry(&self) -> Option<&Location> {
        self.registry.as_ref()
    }

    /// Where a section of the `registry` block is written: its attribute (`policy` or
    /// `replication_from`, `account_settings`, `pull_time_update_exclusions`) or its first block.
    pub fn registry_section(&self, section: Section) -> Option<&Location> {
        self.registry_sections.get(&section)
    }

    /// The label of `pull_through_cache "PREFIX"`.
    pub fn pull_through_cache_rule(&self, prefix: &str) -> Option<&Location> {
        self.cache_rules.get(prefix)
    }

    /// The label of `creation_template "PREFIX"`.
    pub fn creation_template(&self, prefix: &str) -> Option<&Location> {
        self.templates.get(prefix)
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

    pub(crate) fn set_replication(&mut self, files: &[Arc<SourceFile>], at: &At) {
        self.replication = locate(files, at);
    }

    pub(crate) fn set_registry(&mut self, files: &[Arc<SourceFile>], declared: &RegistryDeclared) {
        self.registry = locate(files, &declared.block_at);
        for (section, at) in &declared.sections {
            if let Some(l) = locate(files, at) {
                self.registry_sections.insert(*section, l);
            }
        }
        for (prefix, at) in &declared.cache_rules {
            if let Some(l) = locate(files, at) {
                self.cache_rules.insert(prefix.clone(), l);
            }
        }
        for (prefix, at) in &declared.templates {
            if let Some(l) = locate(files, at) {
                self.templates.insert(prefix.clone(), l);
            }
        }
    }
}

fn locate(files: &[Arc<SourceFile>], at: &At) -> Option<Location> {
    files.get(at.file)?.locate(at.range.clone())
}
