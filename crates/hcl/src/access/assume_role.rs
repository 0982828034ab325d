//! `assume_role_access = { role_name, principals, external_id, access | managed_policy }`:
//! a role another AWS principal assumes (seed 002, Codefresh's "IAM role integration").

use ecrplan_model::identity::{AssumeRoleAccess, ManagedPolicy, RoleGrant};
use ecrplan_model::{Access, check_account_id};

use crate::decode::optional;
use crate::eval::Evaluator;
use crate::limits::is_external_id;
use crate::value::{At, Value};

impl Evaluator<'_> {
    pub(super) fn assume_role_access(
        &mut self,
        v: &Value,
        roles: &mut Vec<(String, At)>,
    ) -> Option<AssumeRoleAccess> {
        const KEYS: &[&str] = &[
            "role_name",
            "principals",
            "external_id",
            "access",
            "managed_policy",
        ];
        let obj = self.object(v, "assume_role_access", KEYS)?;
        let ctx = "`assume_role_access`";
        let role_value = self.required(obj, "role_name", ctx);
        let principals_value = self.required(obj, "principals", ctx);
        let role_name = role_value
            .and_then(|r| self.identity_role_name(r, "assume_role_access.role_name", roles));
        let principals = principals_value.and_then(|p| self.principals(p));
        let external_id = match optional(obj, "external_id") {
            Some(e) => Some(self.external_id(e)?),
            None => None,
        };
        let grant = match (optional(obj, "access"), optional(obj, "managed_policy")) {
            (Some(a), Some(m)) => {
                let d = self
                    .diag(
                        &m.at,
                        "`assume_role_access` sets both `access` and `managed_policy`",
                        "second grant",
                    )
                    .label(a.at.range.clone(), "first grant")
                    .help("keep one: `access` (ecrplan's policy, scoped to the module's repositories) or `managed_policy` (an AWS-managed policy, every repository)");
                self.sink.push(d);
                None
            }
            (Some(a), None) => self
                .access(a, "assume_role_access.access")
                .map(RoleGrant::Access),
            (None, Some(m)) => self.managed_policy(m).map(RoleGrant::Managed),
            (None, None) => Some(RoleGrant::Access(Access::Push)),
        };
        Some(AssumeRoleAccess {
            role_name: role_name?,
            principals: principals?,
            external_id,
            grant: grant?,
        })
    }

    /// Account ids and IAM ARNs: what a trust policy's `Principal.AWS` takes. A wildcard would
    /// let any AWS account assume the role, so it is refused.
    fn principals(&mut self, v: &Value) -> Option<Vec<String>> {
        let items = self.strings(v, "assume_role_access.principals")?;
        if items.is_empty() {
            self.error(
                &v.at,
                "`assume_role_access.principals` is empty: nobody could assume the role",
                "empty list",
            );
            return None;
        }
        let mut ok = true;
        let mut out = Vec::new();
        for (p, at) in items {
            if check_account_id(&p).is_ok() || is_iam_principal_arn(&p) {
                out.push(p);
            } else {
                let d = self
                    .diag(
                        &at,
                        format!("`{p}` is not an AWS account id or IAM principal ARN"),
                        "not a principal",
                    )
                    .help("give a 12-digit account id or an ARN such as arn:aws:iam::123456789012:role/NAME (wildcards would let any account assume the role)");
                self.sink.push(d);
                ok = false;
            }
        }
        ok.then_some(out)
    }

    /// STS's rule for `ExternalId` ([`is_external_id`]).
    fn external_id(&mut self, v: &Value) -> Option<String> {
        let id = self.string(v, "assume_role_access.external_id")?;
        if is_external_id(&id) {
            return Some(id);
        }
        let d = self
            .diag(
                &v.at,
                "`external_id` is not a valid STS external id",
                "refused by STS",
            )
            .help("STS takes 2 to 1224 letters, digits and `_+=,.@:/-` (AssumeRole, ExternalId)");
        self.sink.push(d);
        None
    }

    fn managed_policy(&mut self, v: &Value) -> Option<ManagedPolicy> {
        let name = self.string(v, "assume_role_access.managed_policy")?;
        let parsed = ManagedPolicy::parse(&name);
        if parsed.is_none() {
            let names: Vec<&str> = ManagedPolicy::ALL.iter().map(|p| p.name()).collect();
            let d = self
                .diag(
                    &v.at,
                    format!("`{name}` is not one of the AWS-managed ECR policies"),
                    "unknown policy",
                )
                .help(match crate::decode::suggest(&name, &names) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("use one of {}", crate::decode::quote_list(&names)),
                });
            self.sink.push(d);
        }
        parsed
    }
}

/// `arn:<partition>:iam::<account>:root`, `…:role/…` or `…:user/…`.
fn is_iam_principal_arn(s: &str) -> bool {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    match parts[..] {
        ["arn", partition, "iam", "", account, resource] => {
            !partition.is_empty()
                && check_account_id(account).is_ok()
                && (resource == "root"
                    || resource
                        .strip_prefix("role/")
                        .or_else(|| resource.strip_prefix("user/"))
                        .is_some_and(|rest| !rest.is_empty() && !rest.contains(['*', '?'])))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_arns() {
        assert!(is_iam_principal_arn(
            "arn:aws:iam::123456789012:role/eksctl-awscluster-ServiceRole-X"
        ));
        assert!(is_iam_principal_arn("arn:aws:iam::123456789012:root"));
        assert!(is_iam_principal_arn(
            "arn:aws:iam::123456789012:user/ci/codefresh"
        ));
        assert!(!is_iam_principal_arn("arn:aws:iam::123456789012:role/*"));
        assert!(!is_iam_principal_arn("arn:aws:iam::1234:root"));
        assert!(!is_iam_principal_arn("*"));
        assert!(!is_iam_principal_arn("arn:aws:s3:::bucket"));
    }
}
