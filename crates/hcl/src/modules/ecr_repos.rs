//! The `ecr-repos` module shape of seed 003, recognised by its `ecr-repositories` attribute.

use ecrplan_model::{CiOutputs, Module, RepositorySettings};

use super::declared::{Declared, IamNames};
use crate::checks::DocumentAts;
use crate::decode::BodyFields;
use crate::eval::Evaluator;
use crate::limits::OWNERSHIP_TAGS;
use crate::value::At;

/// The attributes of the `ecr-repos` kind.
pub(crate) const ECR_REPOS_ATTRS: &[&str] = &[
    "source",
    "version",
    "ecr-repositories",
    "account_access",
    "github_access",
    "circleci_access",
    "image_tag_mutability",
    "image_tag_mutability_exclusion_filters",
    "scan_on_push",
    "encryption",
    "lifecycle_policy",
    "lifecycle",
    "tags",
    "force_delete",
    "providers",
    "depends_on",
    "assume_role_access",
    "ci_user",
    "gitlab_access",
];

impl Evaluator<'_> {
    /// Reads a module of the `ecr-repos` kind.
    pub(crate) fn ecr_repos_module(
        &mut self,
        name: &str,
        source: String,
        label_at: At,
        fields: &BodyFields<'_>,
    ) -> Option<Declared> {
        let ctx = format!("module `{name}`");
        let label_ok = self.module_label(name, &label_at);
        let mut ats = DocumentAts::default();
        let mut repositories = Vec::new();
        let mut repository_ats = Vec::new();
        if let Some(v) = self.required_attr_value(fields, "ecr-repositories", &label_at, &ctx)
            && let Some(names) = self.strings(&v, "ecr-repositories")
        {
            ats.repositories = Some(v.at.clone());
            if names.is_empty() {
                self.error(
                    &v.at,
                    format!("{ctx} declares no repositories"),
                    "empty list",
                );
            }
            for (repo, at) in names {
                if self.repository_name(&repo, &at) {
                    repositories.push(repo);
                    repository_ats.push(at);
                }
            }
        }

        let mut account_access = Vec::new();
        if let Some(v) = self.attr_value(fields, "account_access")
            && let Some(items) = self.list(&v, "account_access", "objects")
        {
            ats.account_access = Some(v.at.clone());
            for item in items {
                if let Some(access) = self.account_access(item) {
                    account_access.push(access);
                }
            }
        }

        let mut iam = IamNames::default();
        let github = match self.attr_value(fields, "github_access") {
            Some(v) => self.github_access(&v, &mut iam.roles, &mut ats),
            None => None,
        };
        let circleci = match self.attr_value(fields, "circleci_access") {
            Some(v) => self.circleci_access(&v, &mut iam.roles, &mut ats),
            None => None,
        };
        let identities = self.identities(fields, &mut iam);

        let mut settings = RepositorySettings::default();
        let (mutability, mutability_at) = self.tag_mutability(fields);
        settings.image_tag_mutability = mutability;
        settings.image_tag_mutability_exclusion_filters = self.exclusion_filters(
            fields,
            settings.image_tag_mutability,
            mutability_at.as_ref(),
        );
        if let Some(v) = self.attr_value(fields, "scan_on_push") {
            settings.scan_on_push = self.bool(&v, "scan_on_push").unwrap_or_default();
        }
        if let Some(v) = self.attr_value(fields, "force_delete") {
            settings.force_delete = self.bool(&v, "force_delete").unwrap_or_default();
        }
        if let Some(v) = self.attr_value(fields, "encryption")
            && let Some(e) = self.encryption(&v)
        {
            settings.encryption = e;
        }
        if let Some(v) = self.attr_value(fields, "tags") {
            let on_role = github.is_some()
                || circleci.is_some()
                || identities.assume_role.is_some()
                || identities.gitlab.is_some()
                || identities.ci_user.is_some();
            settings.tags = self.user_tags(&v, "tags", on_role).unwrap_or_default();
            let allow_any = github.as_ref().is_some_and(|g| g.allow_any_organisation);
            // Roles also carry `ecrplan:region` (IAM is global).
            let on_roles = usize::from(on_role) + usize::from(allow_any);
            let own = usize::from(settings.force_delete).max(on_roles);
            self.tag_count(&v, settings.tags.len(), OWNERSHIP_TAGS + own);
        }
        let (lifecycle, lifecycle_at) = self.lifecycle_of(fields, &ctx);
        settings.lifecycle = lifecycle;
        ats.lifecycle = lifecycle_at;

        let module = Module {
            name: name.to_owned(),
            source,
            repositories,
            settings,
            account_access,
            github,
            circleci,
            push_actions: Module::default_push_actions(),
            ci_outputs: CiOutputs::default(),
            identities,
            // Set by the caller, which reads `providers` before the module.
            provider: None,
        };
        self.document_sizes(&module, &ats);
        label_ok.then_some(Declared {
            module,
            label_at,
            repositories: repository_ats,
            iam,
            unmanaged: Vec::new(),
            cloud_platform: false,
        })
    }
}
