//! Estates of any size, built the way the HCL loader builds them, and applied in dependency
//! order.

use ecrplan_model::{
    AccountAccess, DesiredEstate, DesiredObject, GithubAccess, GithubRepository, LifecycleSpec,
    Module, ObjectId, Operation, Provider, RefreshScope, RepositorySettings, actions,
};
use futures::{StreamExt, stream};

/// An estate `name` of `modules` modules with `repositories` repositories each, every one with
/// a repository policy (pull for one other account) and a lifecycle policy. With `github`,
/// module `i` also gets a GitHub push role `{name}-m{i}-ci`.
pub fn estate(name: &str, modules: usize, repositories: usize, github: bool) -> DesiredEstate {
    DesiredEstate {
        name: name.to_owned(),
        modules: (0..modules)
            .map(|m| Module {
                provider: None,
                name: format!("{name}-m{m}"),
                source: "../modules/ecr-repos".into(),
                repositories: (0..repositories)
                    .map(|r| format!("{name}-m{m}-r{r}"))
                    .collect(),
                settings: RepositorySettings {
                    lifecycle: Some(LifecycleSpec::Generated {
                        keep_last: Some(10),
                        expire_untagged_after_days: Some(7),
                    }),
                    ..RepositorySettings::default()
                },
                account_access: vec![AccountAccess {
                    description: "consumer".into(),
                    account_id: "210987654321".into(),
                    can_write: false,
                }],
                github: github.then(|| GithubAccess {
                    role_name: format!("{name}-m{m}-ci"),
                    repositories: vec![GithubRepository {
                        organisation: "example".into(),
                        repository: format!("{name}-m{m}"),
                    }],
                    environments: Vec::new(),
                    refs: Vec::new(),
                    allow_any_organisation: false,
                    job_workflow_refs: Vec::new(),
                }),
                circleci: None,
                push_actions: actions::PULL
                    .iter()
                    .chain(actions::PUSH)
                    .map(|a| (*a).to_owned())
                    .collect(),
                ci_outputs: Default::default(),
                identities: Default::default(),
            })
            .collect(),
        ..DesiredEstate::default()
    }
}

/// The refresh scope a plan of `estate` uses: the model's, so tests read what plans read.
pub fn scope(estate: &DesiredEstate) -> RefreshScope {
    RefreshScope::for_estate(estate)
}

/// Creates every object of `estate`, kind by kind in dependency order (providers, repositories,
/// their policies, roles, role policies), 16 at a time; returns what it created.
pub async fn apply_estate(provider: &dyn Provider, estate: &DesiredEstate) -> Vec<DesiredObject> {
    let account = match provider.account().await {
        Ok(a) => a,
        Err(e) => panic!("no account: {e}"),
    };
    let mut objects = estate.objects(&ecrplan_model::Reach::single(account.clone()));
    objects.sort_by_key(|o| o.resource.kind());
    let mut start = 0;
    while start < objects.len() {
        let kind = objects[start].resource.kind();
        let end = objects[start..]
            .iter()
            .position(|o| o.resource.kind() != kind)
            .map_or(objects.len(), |n| start + n);
        let results: Vec<(ObjectId, Result<(), ecrplan_model::ProviderError>)> =
            stream::iter(&objects[start..end])
                .map(|o| async move {
                    let op = Operation::Create {
                        resource: o.resource.clone(),
                    };
                    (o.id(), provider.apply(&op).await)
                })
                .buffer_unordered(16)
                .collect()
                .await;
        for (id, result) in results {
            if let Err(e) = result {
                panic!("creating {id} failed: {e}");
            }
        }
        start = end;
    }
    objects
}

/// The configuration a user would write for [`estate`]: the same modules, repositories,
/// policies and roles as HCL, so the benchmark and the reliability suite can run the binary on
/// an estate whose objects the tests can name through [`estate`].
pub fn estate_hcl(name: &str, modules: usize, repositories: usize, github: bool) -> String {
    let mut hcl = format!("ecrplan {{\n  estate = \"{name}\"\n}}\n\nprovider \"aws\" {{}}\n");
    hcl.push_str(&modules_hcl(
        name,
        name,
        modules,
        repositories,
        github,
        None,
    ));
    hcl
}

/// The module blocks of [`estate_hcl`], named `PREFIX-mM` and choosing provider `aws.ALIAS`
/// when `alias` is given: the same repository names `NAME-mM-rR` under two prefixes are the
/// same repositories in two registries (the benchmark's two-registry estate).
pub fn modules_hcl(
    name: &str,
    prefix: &str,
    modules: usize,
    repositories: usize,
    github: bool,
    alias: Option<&str>,
) -> String {
    let mut hcl = String::new();
    for m in 0..modules {
        let repos: Vec<String> = (0..repositories)
            .map(|r| format!("\"{name}-m{m}-r{r}\""))
            .collect();
        hcl.push_str(&format!("\nmodule \"{prefix}-m{m}\" {{\n"));
        if let Some(alias) = alias {
            hcl.push_str(&format!("  providers = {{ aws = aws.{alias} }}\n"));
        }
        hcl.push_str(&format!(
            "  source           = \"../modules/ecr-repos\"\n  \
             ecr-repositories = [{}]\n  lifecycle = {{\n    keep_last                  = 10\n    \
             expire_untagged_after_days = 7\n  }}\n  account_access = [\n    \
             {{ description = \"consumer\", account_id = \"210987654321\", can_write = false }},\n  ]\n",
            repos.join(", ")
        ));
        if github {
            hcl.push_str(&format!(
                "  github_access = {{\n    role_name           = \"{prefix}-m{m}-ci\"\n    \
                 github_repositories = [{{ organisation = \"example\", repository = \"{prefix}-m{m}\" }}]\n  }}\n"
            ));
        }
        hcl.push_str("}\n");
    }
    hcl
}

/// A Cloud Platform `module "ecr"` (one repository, a GitHub role) in the named estate
/// `probate`, with `source` as given: the shape of issue 21's typo scenario.
pub fn cloud_platform_hcl(source: &str) -> String {
    format!(
        r#"ecrplan {{
  estate = "probate"
}}

module "ecr" {{
  source = "{source}"

  team_name           = "probate"
  repo_name           = "court-probate-prod"
  oidc_providers      = ["github"]
  github_repositories = ["probate-frontend"]
}}
"#
    )
}
