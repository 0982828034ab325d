//! GitHub trust hardening: what IAM itself refuses for roles trusting
//! `token.actions.githubusercontent.com` is refused at validate, and `job_workflow_refs` pins
//! the reusable workflow a role serves.

use ecrplan_model::identity::github::scoped_to_all;

use crate::decode::optional;
use crate::eval::Evaluator;
use crate::value::Value;

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
