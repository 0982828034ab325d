//! `ci_user = { user_name, group_name, access, policy, force_delete }`: a static-key CI user in
//! a group (seeds 004, 002 and 001). ecrplan never makes or reads the key.

use ecrplan_model::identity::CiUser;
use ecrplan_model::{Access, check_group_name, check_user_name};

use crate::decode::optional;
use crate::eval::Evaluator;
use crate::modules::IamNames;
use crate::policy_grammar;
use crate::value::Value;

impl Evaluator<'_> {
    pub(super) fn ci_user(&mut self, v: &Value, iam: &mut IamNames) -> Option<CiUser> {
        const KEYS: &[&str] = &[
            "user_name",
            "group_name",
            "access",
            "policy",
            "force_delete",
        ];
        let obj = self.object(v, "ci_user", KEYS)?;
        let ctx = "`ci_user`";
        let user_value = self.required(obj, "user_name", ctx);
        let group_value = self.required(obj, "group_name", ctx);
        let user_name = user_value.and_then(|u| {
            let name = self.string(u, "ci_user.user_name")?;
            self.iam_name(
                u,
                &name,
                check_user_name(&name),
                "not a valid IAM user name",
                64,
            )
        });
        let group_name = group_value.and_then(|g| {
            let name = self.string(g, "ci_user.group_name")?;
            self.iam_name(
                g,
                &name,
                check_group_name(&name),
                "not a valid IAM group name",
                128,
            )
        });
        if let (Some(name), Some(u)) = (&user_name, user_value) {
            iam.users.push((name.clone(), u.at.clone()));
        }
        if let (Some(name), Some(g)) = (&group_name, group_value) {
            iam.groups.push((name.clone(), g.at.clone()));
        }
        let access = match optional(obj, "access") {
            Some(a) => self.access(a, "ci_user.access"),
            None => Some(Access::Push),
        };
        let policy = match optional(obj, "policy") {
            Some(p) => Some(self.policy_document(
                p,
                "ci_user.policy",
                policy_grammar::GROUP_INLINE,
                Some(", or grant with `access` instead"),
            )?),
            None => None,
        };
        let force_delete = match optional(obj, "force_delete") {
            Some(f) => self.bool(f, "ci_user.force_delete")?,
            None => false,
        };
        Some(CiUser {
            user_name: user_name?,
            group_name: group_name?,
            access: access?,
            policy,
            force_delete,
        })
    }

    fn iam_name(
        &mut self,
        v: &Value,
        name: &str,
        checked: Result<(), ecrplan_model::NameError>,
        label: &str,
        max: usize,
    ) -> Option<String> {
        match checked {
            Ok(()) => Some(name.to_owned()),
            Err(e) => {
                let d = self
                    .diag(&v.at, e.to_string(), label)
                    .help(format!("use at most {max} letters, digits and `_+=,.@-`"));
                self.sink.push(d);
                None
            }
        }
    }
}
