//! The access kinds of a module, one file each: its attributes, their checks and diagnostics.
//! A new CI identity is a file here and one in `ecrplan_model::identity`.

mod account;
mod assume_role;
mod ci_user;
mod circleci;
mod github;
mod gitlab;

use ecrplan_model::{Access, Identities};

use crate::decode::BodyFields;
use crate::eval::Evaluator;
use crate::modules::IamNames;
use crate::value::{At, Value};

impl Evaluator<'_> {
    /// Reads `assume_role_access`, `ci_user` and `gitlab_access`; their IAM names go to `iam`
    /// for the directory-wide duplicate check.
    pub(crate) fn identities(&mut self, fields: &BodyFields<'_>, iam: &mut IamNames) -> Identities {
        Identities {
            assume_role: self
                .attr_value(fields, "assume_role_access")
                .and_then(|v| self.assume_role_access(&v, &mut iam.roles)),
            ci_user: self
                .attr_value(fields, "ci_user")
                .and_then(|v| self.ci_user(&v, iam)),
            gitlab: self
                .attr_value(fields, "gitlab_access")
                .and_then(|v| self.gitlab_access(&v, &mut iam.roles)),
        }
    }

    /// `access = "pull" | "push"`.
    fn access(&mut self, v: &Value, what: &str) -> Option<Access> {
        let s = self.string(v, what)?;
        let parsed = Access::parse(&s);
        if parsed.is_none() {
            let d = self
                .diag(&v.at, format!("unknown access `{s}`"), "not an access")
                .help("use \"pull\" or \"push\"");
            self.sink.push(d);
        }
        parsed
    }

    /// A role name, checked against IAM's rules, remembered for the duplicate check.
    fn identity_role_name(
        &mut self,
        v: &Value,
        what: &str,
        roles: &mut Vec<(String, At)>,
    ) -> Option<String> {
        let name = self.string(v, what)?;
        if !self.role_name(&name, &v.at) {
            return None;
        }
        roles.push((name.clone(), v.at.clone()));
        Some(name)
    }
}
