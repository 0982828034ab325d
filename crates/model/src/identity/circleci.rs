//! `circleci_access`: CircleCI through OIDC. Each organisation is its own issuer,
//! `oidc.circleci.com/org/<organisation id>`, whose tokens carry the organisation id as `aud`
//! and `org/<organisation id>/project/<project id>/user/<user id>` as `sub` (CircleCI docs,
//! "Using OpenID Connect tokens in jobs").

use serde::{Deserialize, Serialize};

use super::context::ModuleContext;
use super::role::{Grant, IdentityRole, serves};
use crate::JsonDocument;
use crate::declared::Declared;
use crate::policy::web_identity_trust;

/// The host of CircleCI's issuers; an organisation's issuer is `<host>/org/<id>`.
pub const ISSUER_HOST: &str = "oidc.circleci.com";

/// The CircleCI organisation a Cloud Platform module's role would trust when no
/// `circleci_organisation_id` is given: `validate` warns about it, and `plan` and `apply` refuse
/// it, so no provider for this organisation is ever made in a real account.
pub const CIRCLECI_ORG_PLACEHOLDER: &str = "00000000-0000-0000-0000-000000000000";

/// True for a CircleCI organisation's issuer (without scheme), the ones ecrplan declares.
pub fn is_issuer(url: &str) -> bool {
    url.strip_prefix(ISSUER_HOST)
        .is_some_and(|path| path.starts_with("/org/"))
}

/// CircleCI access, from `circleci_access`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CircleciAccess {
    /// The role CI assumes.
    pub role_name: String,
    /// The CircleCI organisation id (a UUID); also the token audience.
    pub organisation_id: String,
    /// Project ids whose jobs may push.
    pub project_ids: Vec<String>,
}

impl CircleciAccess {
    /// The issuer, without scheme.
    pub fn issuer(&self) -> String {
        format!("{ISSUER_HOST}/org/{}", self.organisation_id)
    }

    /// The trust of the role: the organisation's tokens, from the declared projects' jobs.
    fn trust(&self, module: &ModuleContext) -> JsonDocument {
        let subjects: Vec<String> = self
            .project_ids
            .iter()
            .map(|p| format!("org/{}/project/{p}/user/*", self.organisation_id))
            .collect();
        web_identity_trust(
            module.account,
            &self.issuer(),
            &self.organisation_id,
            &subjects,
        )
    }

    /// Declares the organisation's OIDC provider and the role, which pushes with the module's
    /// push policy.
    pub(super) fn declare(&self, module: &ModuleContext, out: &mut Declared) {
        out.provider(
            module.account,
            module.oidc_provider(
                &self.issuer(),
                vec![self.organisation_id.clone()],
                Vec::new(),
            ),
        );
        IdentityRole {
            identity: serves::CIRCLECI,
            role_name: &self.role_name,
            trust: self.trust(module),
            tags: &module.role_tags,
            grant: Grant::Inline(module.push_policy()),
        }
        .declare(module, out);
    }
}
