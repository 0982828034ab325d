//! `gitlab_access = { role_name, projects, issuer, audience, allow_any_group }`: GitLab CI
//! through OIDC. The claim names are GitLab's ("OpenID Connect (OIDC) Authentication Using ID
//! Tokens": `sub` = `project_path:{group}/{project}:ref_type:{type}:ref:{branch_name}`).

use ecrplan_model::identity::gitlab::GITLAB_ISSUER;
use ecrplan_model::identity::{GitlabAccess, GitlabProject};

use crate::decode::optional;
use crate::eval::Evaluator;
use crate::value::{At, Value};

impl Evaluator<'_> {
    pub(super) fn gitlab_access(
        &mut self,
        v: &Value,
        roles: &mut Vec<(String, At)>,
    ) -> Option<GitlabAccess> {
        const KEYS: &[&str] = &[
            "role_name",
            "projects",
            "issuer",
            "audience",
            "allow_any_group",
        ];
        let obj = self.object(v, "gitlab_access", KEYS)?;
        let ctx = "`gitlab_access`";
        let role_value = self.required(obj, "role_name", ctx);
        let projects_value = self.required(obj, "projects", ctx);
        let role_name =
            role_value.and_then(|r| self.identity_role_name(r, "gitlab_access.role_name", roles));
        let allow_any_group = match optional(obj, "allow_any_group") {
            Some(a) => self.bool(a, "gitlab_access.allow_any_group")?,
            None => false,
        };
        let issuer = match optional(obj, "issuer") {
            Some(i) => self.issuer(i)?,
            None => GITLAB_ISSUER.to_owned(),
        };
        let audience = match optional(obj, "audience") {
            Some(a) => {
                let s = self.string(a, "gitlab_access.audience")?;
                if s.is_empty() {
                    self.error(&a.at, "`gitlab_access.audience` is empty", "empty");
                    return None;
                }
                s
            }
            None => format!("https://{issuer}"),
        };
        let mut projects = Vec::new();
        let mut ok = true;
        if let Some(pv) = projects_value
            && let Some(items) = self.list(pv, "gitlab_access.projects", "objects")
        {
            if items.is_empty() {
                self.error(
                    &pv.at,
                    "`gitlab_access.projects` is empty: no pipeline could assume the role",
                    "empty list",
                );
                ok = false;
            }
            for item in items {
                match self.gitlab_project(item, allow_any_group) {
                    Some(p) => projects.push(p),
                    None => ok = false,
                }
            }
        } else {
            ok = false;
        }
        let role_name = role_name?;
        ok.then_some(GitlabAccess {
            role_name,
            issuer,
            audience,
            projects,
            allow_any_group,
        })
    }

    /// The instance host: IAM names OIDC providers by their URL without `https://`.
    fn issuer(&mut self, v: &Value) -> Option<String> {
        let s = self.string(v, "gitlab_access.issuer")?;
        let host_ok = !s.is_empty()
            && !s.contains("://")
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-./:_".contains(&b));
        if host_ok {
            return Some(s.trim_end_matches('/').to_owned());
        }
        let d = self
            .diag(
                &v.at,
                format!("`{s}` is not a GitLab instance host"),
                "expected a host such as gitlab.example.com",
            )
            .help("give the host without `https://`, e.g. issuer = \"gitlab.example.com\"");
        self.sink.push(d);
        None
    }

    fn gitlab_project(&mut self, item: &Value, allow_any_group: bool) -> Option<GitlabProject> {
        const KEYS: &[&str] = &["path", "ref_type", "ref"];
        let obj = self.object(item, "gitlab_access.projects", KEYS)?;
        let path_value = self.required(obj, "path", "a `projects` entry")?;
        let path = self.string(path_value, "gitlab_access.projects.path")?;
        let group = path.split('/').next().unwrap_or_default();
        if !path.contains('/') || path.contains(':') || path.starts_with('/') || path.ends_with('/')
        {
            let d = self
                .diag(
                    &path_value.at,
                    format!("`{path}` is not a GitLab project path"),
                    "expected group/project",
                )
                .help("write the project's full path, e.g. \"mygroup/myproject\" or \"mygroup/sub/myproject\"");
            self.sink.push(d);
            return None;
        }
        // The trust condition is `StringLike` on `project_path:<group>/…`: a wildcard in the
        // group matches every group on the instance.
        if group.contains(['*', '?']) && !allow_any_group {
            let d = self
                .diag(
                    &path_value.at,
                    format!("`path = \"{path}\"` would let any GitLab group's pipelines push"),
                    "any group",
                )
                .help("name the group, or set `allow_any_group = true` in `gitlab_access` if you really mean it");
            self.sink.push(d);
            return None;
        }
        let ref_type = match optional(obj, "ref_type") {
            Some(t) => {
                let s = self.string(t, "gitlab_access.projects.ref_type")?;
                if s != "branch" && s != "tag" {
                    let d = self
                        .diag(&t.at, format!("unknown ref_type `{s}`"), "not a ref type")
                        .help("GitLab's `ref_type` claim is \"branch\" or \"tag\"");
                    self.sink.push(d);
                    return None;
                }
                Some(s)
            }
            None => None,
        };
        let git_ref = match optional(obj, "ref") {
            Some(r) => {
                let s = self.string(r, "gitlab_access.projects.ref")?;
                if s.is_empty() || s.contains(':') || s.starts_with("refs/") {
                    let d = self
                        .diag(&r.at, format!("`{s}` is not a GitLab ref name"), "not a ref")
                        .help("give the branch or tag name as GitLab's `ref` claim has it, e.g. \"main\" (no refs/heads/)");
                    self.sink.push(d);
                    return None;
                }
                Some(s)
            }
            None => None,
        };
        Some(GitlabProject {
            path,
            ref_type,
            git_ref,
        })
    }
}
