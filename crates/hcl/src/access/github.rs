//! `github_access = { role_name, github_repositories, environments, refs,
//! allow_any_organisation, job_workflow_refs }`: GitHub Actions through OIDC, hardened as IAM
//! itself now demands — what IAM refuses for roles trusting `token.actions.githubusercontent.com`
//! is refused at validate, and `job_workflow_refs` pins the reusable workflow a role serves.

use ecrplan_model::identity::github::scoped_to_all;
use ecrplan_model::{GithubAccess, GithubRepository};

use crate::checks::DocumentAts;
use crate::decode::optional;
use crate::eval::Evaluator;
use crate::value::{At, Value};

impl Evaluator<'_> {
    pub(crate) fn github_access(
        &mut self,
        v: &Value,
        roles: &mut Vec<(String, At)>,
        ats: &mut DocumentAts,
    ) -> Option<GithubAccess> {
        const KEYS: &[&str] = &[
            "role_name",
            "github_repositories",
            "environments",
            "refs",
            "allow_any_organisation",
            "job_workflow_refs",
        ];
        let obj = self.object(v, "github_access", KEYS)?;
        let ctx = "`github_access`";
        let role_value = self.required(obj, "role_name", ctx);
        let repos_value = self.required(obj, "github_repositories", ctx);
        let allow_any = match optional(obj, "allow_any_organisation") {
            Some(v) => self.bool(v, "github_access.allow_any_organisation"),
            None => Some(false),
        };
        let mut ok = allow_any.is_some();
        let role_name = role_value.and_then(|r| self.string(r, "github_access.role_name"));
        let role_ok = match (&role_name, role_value) {
            (Some(name), Some(r)) => self.role_name(name, &r.at),
            _ => false,
        };
        ok &= role_ok;
        let mut repositories: Vec<GithubRepository> = Vec::new();
        if let Some(items) =
            repos_value.and_then(|r| self.list(r, "github_access.github_repositories", "objects"))
        {
            ats.github = repos_value.map(|r| r.at.clone());
            if items.is_empty() {
                let at = repos_value.map_or(v.at.clone(), |r| r.at.clone());
                self.error(
                    &at,
                    "`github_access.github_repositories` is empty: no workflow could assume the role",
                    "empty list",
                );
                ok = false;
            }
            for item in items {
                match self.github_repository(item, allow_any.unwrap_or(false)) {
                    Some(r) => {
                        self.same_but_case(&repositories, &r, &item.at);
                        repositories.push(r);
                    }
                    None => ok = false,
                }
            }
        } else {
            ok = false;
        }
        let mut environments = Vec::new();
        if let Some(v) = optional(obj, "environments") {
            for (env, at) in self.strings(v, "github_access.environments")? {
                ok &= self.trust_value(&env, &at, "environments");
                environments.push(env);
            }
        }
        let mut refs = Vec::new();
        if let Some(v) = optional(obj, "refs") {
            for (r, at) in self.strings(v, "github_access.refs")? {
                ok &= self.trust_value(&r, &at, "refs") && self.git_ref(&r, &at);
                refs.push(r);
            }
        }
        let job_workflow_refs = self.job_workflow_refs(obj)?;
        let role_name = role_name?;
        if let (true, Some(r)) = (role_ok, role_value) {
            roles.push((role_name.clone(), r.at.clone()));
        }
        let access = GithubAccess {
            role_name,
            repositories,
            environments,
            refs,
            allow_any_organisation: allow_any.unwrap_or(false),
            job_workflow_refs,
        };
        ok &= self.github_subjects_scoped(v, &access.subjects());
        ok.then_some(access)
    }

    pub(crate) fn github_repository(
        &mut self,
        item: &Value,
        allow_any: bool,
    ) -> Option<GithubRepository> {
        const KEYS: &[&str] = &["organisation", "repository"];
        let what = "github_access.github_repositories";
        let obj = self.object(item, what, KEYS)?;
        let ctx = "a `github_repositories` entry";
        let org_value = self.required(obj, "organisation", ctx);
        let repo_value = self.required(obj, "repository", ctx);
        let org_value = org_value?;
        let organisation = self.string(org_value, "organisation")?;
        let repository = self.string(repo_value?, "repository")?;
        // The trust condition is `StringLike` on `repo:<organisation>/<repository>:…`: a `*` or
        // `?` anywhere in the organisation matches other organisations, and a `/` or `:` moves
        // the boundaries of the subject.
        if organisation.contains(['*', '?']) && !allow_any {
            let message = if organisation == "*" {
                "`organisation = \"*\"` would let any GitHub organisation push".to_owned()
            } else {
                format!(
                    "`organisation = \"{organisation}\"` is a wildcard pattern: every GitHub organisation matching it could push"
                )
            };
            let d = self
                .diag(&org_value.at, message, "any organisation")
                .help("name the organisation, or set `allow_any_organisation = true` in `github_access` if you really mean it");
            self.sink.push(d);
            return None;
        }
        let mut separators = false;
        for (name, text, value) in [
            ("organisation", &organisation, org_value),
            ("repository", &repository, repo_value?),
        ] {
            if text.contains(['/', ':']) {
                let d = self
                    .diag(
                        &value.at,
                        format!("`{name} = \"{text}\"` contains `/` or `:`"),
                        "not a plain name",
                    )
                    .help("`/` and `:` separate the parts of the GitHub token's subject; give the organisation and the repository separately");
                self.sink.push(d);
                separators = true;
            }
        }
        if separators {
            return None;
        }
        let org_ok = organisation.is_empty()
            || (self.trust_value(&organisation, &org_value.at, "organisation")
                && self.github_name(&organisation, &org_value.at, "organisation"));
        let repo_ok = repository.is_empty()
            || repo_value.is_none_or(|r| {
                self.trust_value(&repository, &r.at, "repository")
                    && self.github_name(&repository, &r.at, "repository")
            });
        if !(org_ok && repo_ok) {
            return None;
        }
        if organisation.is_empty() || repository.is_empty() {
            self.error(
                &item.at,
                "`organisation` and `repository` must not be empty",
                "empty name",
            );
            return None;
        }
        Some(GithubRepository {
            organisation,
            repository,
        })
    }
}

/// IAM's rule, as its MalformedPolicyDocument error states it.
const IAM_RULE: &str = "IAM would refuse the role: a trust of token.actions.githubusercontent.com \"must evaluate, using StringEquals, StringLike or StringEqualsIgnoreCase, token.actions.githubusercontent.com:sub or …:job_workflow_ref which is not scoped to all\"; name the organisation or the workflow";

impl Evaluator<'_> {
    /// `github_access.job_workflow_refs`: `ORG/REPO/.github/workflows/FILE@REF` patterns.
    pub(crate) fn job_workflow_refs(&mut self, obj: &Value) -> Option<Vec<String>> {
        let Some(v) = optional(obj, "job_workflow_refs") else {
            return Some(Vec::new());
        };
        let mut out = Vec::new();
        let mut ok = true;
        for (r, at) in self.strings(v, "github_access.job_workflow_refs")? {
            let shaped = r.split_once('@').is_some_and(|(path, git_ref)| {
                path.matches('/').count() >= 2 && !git_ref.is_empty()
            });
            if scoped_to_all(&r) {
                let d = self
                    .diag(
                        &at,
                        format!("`job_workflow_ref` `{r}` is scoped to all"),
                        "matches every workflow",
                    )
                    .help(IAM_RULE);
                self.sink.push(d);
                ok = false;
            } else if !shaped {
                let d = self
                    .diag(&at, format!("`{r}` is not a job_workflow_ref"), "expected ORG/REPO/PATH@REF")
                    .help("write it as GitHub's token has it, e.g. \"octo-org/workflows/.github/workflows/push.yml@refs/heads/main\"");
                self.sink.push(d);
                ok = false;
            } else {
                out.push(r);
            }
        }
        ok.then_some(out)
    }

    /// Refuses a trust whose every `sub` would be scoped to all, which IAM would refuse at
    /// apply; `v` is the `github_access` value, for the label.
    pub(crate) fn github_subjects_scoped(&mut self, v: &Value, subjects: &[String]) -> bool {
        if let Some(all) = subjects.iter().find(|s| scoped_to_all(s)) {
            let d = self
                .diag(
                    &v.at,
                    format!("the GitHub trust's `sub` `{all}` is scoped to all"),
                    "every workflow on GitHub",
                )
                .help(IAM_RULE);
            self.sink.push(d);
            return false;
        }
        true
    }
}
