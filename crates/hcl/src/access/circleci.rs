//! `circleci_access = { role_name, organisation_id, project_ids }`: CircleCI through OIDC.

use ecrplan_model::CircleciAccess;

use crate::checks::DocumentAts;
use crate::eval::Evaluator;
use crate::limits::is_uuid;
use crate::value::{At, Value};

impl Evaluator<'_> {
    pub(crate) fn circleci_access(
        &mut self,
        v: &Value,
        roles: &mut Vec<(String, At)>,
        ats: &mut DocumentAts,
    ) -> Option<CircleciAccess> {
        const KEYS: &[&str] = &["role_name", "organisation_id", "project_ids"];
        let obj = self.object(v, "circleci_access", KEYS)?;
        let ctx = "`circleci_access`";
        let role_value = self.required(obj, "role_name", ctx);
        let org_value = self.required(obj, "organisation_id", ctx);
        let projects_value = self.required(obj, "project_ids", ctx);
        let role_value = role_value?;
        let role_name = self.string(role_value, "circleci_access.role_name")?;
        let role_ok = self.role_name(&role_name, &role_value.at);
        if role_ok {
            roles.push((role_name.clone(), role_value.at.clone()));
        }
        let org_value = org_value?;
        let organisation_id = self.string(org_value, "circleci_access.organisation_id")?;
        if !is_uuid(&organisation_id) {
            let d = self
                .diag(
                    &org_value.at,
                    format!("`{organisation_id}` is not a CircleCI organisation id"),
                    "expected a UUID",
                )
                .help("the organisation id is the UUID under Organization Settings → Overview in CircleCI");
            self.sink.push(d);
            return None;
        }
        let projects_value = projects_value?;
        ats.circleci = Some(projects_value.at.clone());
        let mut project_ids = Vec::new();
        let mut projects_ok = true;
        for (id, at) in self.strings(projects_value, "circleci_access.project_ids")? {
            if id != "*" && !is_uuid(&id) {
                let d = self
                    .diag(
                        &at,
                        format!("`{}` is not a CircleCI project id", id.escape_debug()),
                        "expected a UUID or \"*\"",
                    )
                    .help("the role trusts `sub` = org/<organisation>/project/<project id>/user/*: a project id is the UUID under Project Settings → Overview in CircleCI (or \"*\" for every project of the organisation); anything else can never match, or moves the boundaries of `sub`");
                self.sink.push(d);
                projects_ok = false;
            }
            project_ids.push(id);
        }
        if !projects_ok {
            return None;
        }
        if project_ids.is_empty() {
            self.error(
                &projects_value.at,
                "`circleci_access.project_ids` is empty: no job could assume the role",
                "empty list",
            );
            return None;
        }
        role_ok.then_some(CircleciAccess {
            role_name,
            organisation_id,
            project_ids,
        })
    }
}
