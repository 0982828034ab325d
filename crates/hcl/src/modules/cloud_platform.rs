//! The Cloud Platform module shape (`cloud-platform-terraform-ecr-credentials`), desugared into
//! the same [`ecrplan_model::Module`] as the `ecr-repos` shape (see the crate README for the
//! naming rules).

use ecrplan_model::{
    CiOutputs, CircleciAccess, GithubAccess, GithubRepository, Module, RepositorySettings,
    check_repository_name,
};
use sha2::{Digest, Sha256};

use super::declared::{Declared, IamNames};
use crate::checks::DocumentAts;
use crate::decode::BodyFields;
use crate::diag::Diagnostic;
use crate::eval::Evaluator;
use crate::limits::{TAG_VALUE_MAX, tag_text};
use crate::value::At;

/// The `source` prefix of the Cloud Platform module.
pub(crate) const CLOUD_PLATFORM_SOURCE: &str =
    "github.com/ministryofjustice/cloud-platform-terraform-ecr-credentials";

/// True when `source` names the Cloud Platform module, at any `?ref=`.
pub(crate) fn is_cloud_platform(source: &str) -> bool {
    source
        .strip_prefix(CLOUD_PLATFORM_SOURCE)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with("?ref="))
}

/// The inputs a Cloud Platform module cannot do without: together they name its repository.
pub(crate) const CLOUD_PLATFORM_REQUIRED: [&str; 2] = ["team_name", "repo_name"];

/// At most this many single-character edits (Levenshtein, letter case ignored) turn a `source`
/// into the Cloud Platform module's: a dropped `s` or a swapped pair, never another module of
/// the same family (`cloud-platform-terraform-sqs` is 14 edits away).
const MAX_SOURCE_EDITS: usize = 3;

/// The Cloud Platform source a module that is not read should have had, when the block looks
/// like that module: its `source` (the `?ref=` query left out) is within [`MAX_SOURCE_EDITS`]
/// of the module's, or it sets every input of [`CLOUD_PLATFORM_REQUIRED`]. Skipping such a
/// block would plan its repository, role and OIDC provider for deletion, so it is an error
/// instead. The suggestion keeps the block's own `?ref=`.
pub(crate) fn meant_cloud_platform(source: &str, attrs: &[&str]) -> Option<String> {
    let (path, query) = source.split_at(source.find('?').unwrap_or(source.len()));
    let close =
        strsim::levenshtein(&path.to_lowercase(), CLOUD_PLATFORM_SOURCE) <= MAX_SOURCE_EDITS;
    let inputs = CLOUD_PLATFORM_REQUIRED.iter().all(|r| attrs.contains(r));
    let query = if query.starts_with("?ref=") {
        query
    } else {
        ""
    };
    (close || inputs).then(|| format!("{CLOUD_PLATFORM_SOURCE}{query}"))
}

/// The inputs of the Cloud Platform kind that ecrplan reads, and those it accepts without
/// managing what they do.
pub(crate) const CLOUD_PLATFORM_ATTRS: &[&str] = &[
    "source",
    "version",
    "team_name",
    "repo_name",
    "oidc_providers",
    "github_repositories",
    "github_environments",
    "github_actions_prefix",
    "lifecycle_policy",
    "deletion_protection",
    "scan_on_push",
    "business_unit",
    "application",
    "is_production",
    "namespace",
    "environment_name",
    "infrastructure_support",
    "providers",
    "enable_irsa",
    "github_actions_secret_ecr_name",
    "github_actions_secret_ecr_url",
    "github_actions_secret_ecr_access_key",
    "github_actions_secret_ecr_secret_key",
    "depends_on",
];

/// The ECR actions a Cloud Platform CI role gets on its repository (`ecr:GetAuthorizationToken`
/// on `*` is added by the model).
pub(crate) const CLOUD_PLATFORM_PUSH_ACTIONS: &[&str] = &[
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchDeleteImage",
    "ecr:BatchGetImage",
    "ecr:CompleteLayerUpload",
    "ecr:DescribeImages",
    "ecr:GetDownloadUrlForLayer",
    "ecr:InitiateLayerUpload",
    "ecr:ListImages",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
];

/// The GitHub organisation of every Cloud Platform `github_repositories` entry.
pub(crate) const CLOUD_PLATFORM_GITHUB_ORG: &str = "ministryofjustice";

/// The variable that gives the CircleCI organisation id of Cloud Platform modules.
pub(crate) const CIRCLECI_ORG_VARIABLE: &str = "circleci_organisation_id";

/// Stands in for the CircleCI organisation id when no `circleci_organisation_id` is given;
/// a warning says so.
pub(crate) const CIRCLECI_ORG_PLACEHOLDER: &str = ecrplan_model::CIRCLECI_ORG_PLACEHOLDER;

/// The role name of a Cloud Platform module's CI role: `cp-ecr-<team>-<repo>-<provider>`
/// (`/` in names becomes `-`); when that is longer than IAM's 64 characters, the
/// `<team>-<repo>` part is cut and followed by `-` and the first 8 hex digits of the SHA-256 of
/// `<team>/<repo>`, so the name stays unique and fits.
pub fn cloud_platform_role_name(team: &str, repo: &str, provider: &str) -> String {
    let middle = format!("{team}-{repo}").replace('/', "-");
    let suffix = format!("-{provider}");
    let full = format!("cp-ecr-{middle}{suffix}");
    if full.len() <= 64 {
        return full;
    }
    let digest = Sha256::digest(format!("{team}/{repo}").as_bytes());
    let hash: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    let room = 64 - "cp-ecr-".len() - 1 - hash.len() - suffix.len();
    let cut: String = middle.chars().take(room).collect();
    let cut = cut.trim_end_matches(['-', '.', '_']);
    format!("cp-ecr-{cut}-{hash}{suffix}")
}

impl Evaluator<'_> {
    /// Reads a Cloud Platform module and desugars it.
    pub(crate) fn cloud_platform_module(
        &mut self,
        name: &str,
        source: String,
        label_at: At,
        fields: &BodyFields<'_>,
        circleci_org: &str,
    ) -> Option<Declared> {
        let ctx = format!("module `{name}`");
        let label_ok = self.module_label(name, &label_at);
        let mut ats = DocumentAts::default();
        let [team, repo] = CLOUD_PLATFORM_REQUIRED
            .map(|input| self.required_attr_value(fields, input, &label_at, &ctx));
        let team_name = team.as_ref().and_then(|v| self.string(v, "team_name"));
        let repo_name = repo.as_ref().and_then(|v| self.string(v, "repo_name"));

        let mut repositories = Vec::new();
        let mut repository_ats = Vec::new();
        let mut role_base = None;
        if let (Some(team_name), Some(repo_name), Some(team), Some(repo)) =
            (&team_name, &repo_name, &team, &repo)
        {
            let full = format!("{team_name}/{repo_name}");
            let at = repo.at.clone();
            match check_repository_name(&full) {
                Ok(()) => {
                    repositories.push(full);
                    repository_ats.push(at);
                    role_base = Some((team_name.clone(), repo_name.clone()));
                }
                Err(e) => {
                    let mut d = self
                        .diag(&at, e.to_string(), "the repository is `team_name/repo_name`")
                        .help("use lower-case letters and digits joined by `.`, `_`, `__` or runs of `-`");
                    if team.at.file == at.file && team.at.range != at.range {
                        d = d.label(team.at.range.clone(), "team_name");
                    } else if team.at.file != at.file {
                        d = d.related(self.note(
                            &team.at,
                            format!("team_name is `{team_name}`"),
                            "team_name",
                        ));
                    }
                    self.sink.push(d);
                }
            }
        }

        let mut providers: Vec<(String, At)> = Vec::new();
        if let Some(v) = self.attr_value(fields, "oidc_providers")
            && let Some(list) = self.strings(&v, "oidc_providers")
        {
            for (p, at) in list {
                if p != "github" && p != "circleci" {
                    let d = self
                        .diag(
                            &at,
                            format!("unknown OIDC provider `{p}`"),
                            "not a provider",
                        )
                        .help("oidc_providers takes \"github\" and \"circleci\"");
                    self.sink.push(d);
                } else if !providers.iter().any(|(q, _)| *q == p) {
                    providers.push((p, at));
                }
            }
        }
        let github_repositories: Vec<(String, At)> =
            match self.attr_value(fields, "github_repositories") {
                Some(v) => {
                    ats.github = Some(v.at.clone());
                    self.strings(&v, "github_repositories").unwrap_or_default()
                }
                None => Vec::new(),
            };
        for (r, at) in &github_repositories {
            if r.is_empty() || r.contains('/') || r.contains(':') {
                let d = self
                    .diag(at, format!("`{r}` is not a GitHub repository name"), "not a repository name")
                    .help("give the repository name only: the organisation is always ministryofjustice");
                self.sink.push(d);
            } else if self.trust_value(r, at, "repository") {
                self.github_name(r, at, "repository");
            }
        }
        let environments: Vec<String> = match self.attr_value(fields, "github_environments") {
            Some(v) => self
                .strings(&v, "github_environments")
                .unwrap_or_default()
                .into_iter()
                .map(|(s, _)| s)
                .collect(),
            None => Vec::new(),
        };
        let prefix = match self.attr_value(fields, "github_actions_prefix") {
            Some(v) => self
                .string(&v, "github_actions_prefix")
                .filter(|s| !s.is_empty())
                .map(|s| s.to_uppercase()),
            None => None,
        };

        let mut settings = RepositorySettings {
            scan_on_push: true,
            ..RepositorySettings::default()
        };
        if let Some(v) = self.attr_value(fields, "scan_on_push") {
            settings.scan_on_push = self.bool(&v, "scan_on_push").unwrap_or(true);
        }
        if let Some(v) = self.attr_value(fields, "deletion_protection") {
            settings.force_delete = !self.bool(&v, "deletion_protection").unwrap_or(true);
        }
        if let Some(v) = self.attr_value(fields, "lifecycle_policy") {
            ats.lifecycle = Some(v.at.clone());
            settings.lifecycle = self.lifecycle_policy(&v, "lifecycle_policy");
        }
        if let Some(team_name) = &team_name {
            settings.tags.insert("owner".into(), team_name.clone());
        }
        for (input, tag) in [
            ("business_unit", "business-unit"),
            ("application", "application"),
            ("is_production", "is-production"),
            ("namespace", "namespace"),
            ("environment_name", "environment-name"),
            ("infrastructure_support", "infrastructure-support"),
        ] {
            if let Some(v) = self.attr_value(fields, input)
                && let Some(s) = self.string(&v, input)
            {
                if s.chars().count() > TAG_VALUE_MAX {
                    let d = self
                        .diag(
                            &v.at,
                            format!(
                                "`{input}` becomes the `{tag}` tag value and is {} characters long",
                                s.chars().count()
                            ),
                            "too long",
                        )
                        .help(format!(
                            "AWS tag values are at most {TAG_VALUE_MAX} characters (ECR Tag, IAM tagValueType); shorten it"
                        ));
                    self.sink.push(d);
                } else if !tag_text(&s) {
                    self.tag_text_error(&v.at, tag);
                } else {
                    settings.tags.insert(tag.into(), s);
                }
            }
        }

        let mut unmanaged: Vec<(&'static str, At)> = Vec::new();
        if let Some(v) = self.attr_value(fields, "enable_irsa") {
            self.bool(&v, "enable_irsa");
            if let Some(attr) = fields.get("enable_irsa") {
                unmanaged.push(("enable_irsa", attr.key_at.clone()));
            }
        }
        for input in [
            "github_actions_secret_ecr_name",
            "github_actions_secret_ecr_url",
            "github_actions_secret_ecr_access_key",
            "github_actions_secret_ecr_secret_key",
        ] {
            if let Some(v) = self.attr_value(fields, input) {
                self.string(&v, input);
                if let Some(attr) = fields.get(input)
                    && !unmanaged
                        .iter()
                        .any(|(u, _)| *u == "github_actions_secret_*")
                {
                    unmanaged.push(("github_actions_secret_*", attr.key_at.clone()));
                }
            }
        }

        let mut roles = Vec::new();
        let mut github = None;
        let mut circleci = None;
        for (provider, at) in &providers {
            let Some((team_name, repo_name)) = &role_base else {
                continue;
            };
            let role_name = cloud_platform_role_name(team_name, repo_name, provider);
            if !self.role_name(&role_name, at) {
                continue;
            }
            roles.push((role_name.clone(), at.clone()));
            if provider == "github" {
                if github_repositories.is_empty() {
                    roles.pop();
                    let d = Diagnostic::warning(format!(
                        "{ctx} asks for a GitHub role but lists no `github_repositories`: no role is made"
                    ))
                    .in_file(&self.files[at.file])
                    .label(at.range.clone(), "no repository could assume it")
                    .help("add `github_repositories = [\"…\"]`, or remove \"github\" from oidc_providers");
                    self.sink.push(d);
                    continue;
                }
                github = Some(GithubAccess {
                    role_name,
                    repositories: github_repositories
                        .iter()
                        .map(|(r, _)| GithubRepository {
                            organisation: CLOUD_PLATFORM_GITHUB_ORG.to_owned(),
                            repository: r.clone(),
                        })
                        .collect(),
                    environments: Vec::new(),
                    allow_any_organisation: false,
                    job_workflow_refs: Vec::new(),
                    refs: Vec::new(),
                });
            } else {
                circleci = Some(CircleciAccess {
                    role_name,
                    organisation_id: circleci_org.to_owned(),
                    project_ids: vec!["*".to_owned()],
                });
            }
        }

        let module = Module {
            name: name.to_owned(),
            source,
            repositories,
            settings,
            account_access: Vec::new(),
            github,
            circleci,
            push_actions: CLOUD_PLATFORM_PUSH_ACTIONS
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            ci_outputs: CiOutputs {
                prefix,
                environments,
                prefix_attribute: Some("github_actions_prefix".into()),
            },
            identities: Default::default(),
            // Set by the caller, which reads `providers` before the module.
            provider: None,
        };
        self.document_sizes(&module, &ats);
        label_ok.then_some(Declared {
            module,
            label_at,
            repositories: repository_ats,
            iam: IamNames {
                roles,
                ..IamNames::default()
            },
            unmanaged,
            cloud_platform: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use ecrplan_model::check_role_name;

    use super::*;

    #[test]
    fn role_names_fit_and_are_stable() {
        assert_eq!(
            cloud_platform_role_name("webops", "app-ecr", "github"),
            "cp-ecr-webops-app-ecr-github"
        );
        let long = cloud_platform_role_name(
            "hmpps-prisoner-communication-team",
            "hmpps-prisoner-communication-service-ecr",
            "circleci",
        );
        assert!(long.len() <= 64, "{long}");
        assert!(long.starts_with("cp-ecr-hmpps-prisoner-communication-team-"));
        assert!(long.ends_with("-circleci"));
        assert!(check_role_name(&long).is_ok());
        assert_eq!(
            long,
            cloud_platform_role_name(
                "hmpps-prisoner-communication-team",
                "hmpps-prisoner-communication-service-ecr",
                "circleci",
            )
        );
        let other = cloud_platform_role_name(
            "hmpps-prisoner-communication-team",
            "hmpps-prisoner-communication-service-ecr2",
            "circleci",
        );
        assert_ne!(long, other);
    }

    #[test]
    fn a_near_source_or_the_required_inputs_mean_the_cloud_platform_module() {
        let typo = "github.com/ministryofjustice/cloud-platform-terraform-ecr-credential?ref=7.1.0";
        assert_eq!(
            meant_cloud_platform(typo, &["source"]).as_deref(),
            Some("github.com/ministryofjustice/cloud-platform-terraform-ecr-credentials?ref=7.1.0")
        );
        let fork = "github.com/someone/ecr-module";
        assert_eq!(
            meant_cloud_platform(fork, &["source", "team_name", "repo_name"]).as_deref(),
            Some(CLOUD_PLATFORM_SOURCE)
        );
        for other in [
            "github.com/ministryofjustice/cloud-platform-terraform-sqs?ref=5.0.0",
            "github.com/ministryofjustice/cloud-platform-terraform-serviceaccount?ref=1.1.0",
            "terraform-aws-modules/vpc/aws",
        ] {
            assert_eq!(meant_cloud_platform(other, &["source", "team_name"]), None);
        }
    }

    #[test]
    fn recognises_the_cloud_platform_source() {
        assert!(is_cloud_platform(
            "github.com/ministryofjustice/cloud-platform-terraform-ecr-credentials?ref=7.1.0"
        ));
        assert!(is_cloud_platform(CLOUD_PLATFORM_SOURCE));
        assert!(!is_cloud_platform(
            "github.com/ministryofjustice/cloud-platform-terraform-ecr-credentials-x"
        ));
    }
}
