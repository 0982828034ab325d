//! `policy` and `replication_from`: the registry policy (`aws_ecr_registry_policy`), a resource
//! policy checked with IAM's grammar, what it may grant under REGISTRY_POLICY_SCOPE, and its
//! size once `replication_from` has added its statement.

use ecrplan_model::{
    JsonDocument, REGISTRY_POLICY_V1_ACTIONS, RegistrySettings, registry_policy_refuses,
    statements, strings,
};

use crate::decode::BodyFields;
use crate::eval::Evaluator;
use crate::limits::REGISTRY_POLICY_MAX;
use crate::policy_grammar;

impl Evaluator<'_> {
    /// The declared `policy`: IAM's grammar for a resource policy (a `Principal` in every
    /// statement) within ECR's size, and only actions ECR takes in a registry policy. What the
    /// actions may be depends on the account's REGISTRY_POLICY_SCOPE: `scope` is the value the
    /// block declares; when it declares none, the planner checks the policy against the value
    /// it reads from the account at plan time, with the same rule
    /// ([`registry_policy_refuses`]). Here, without it, only the actions no scope admits are
    /// refused.
    pub(super) fn registry_policy(
        &mut self,
        fields: &BodyFields<'_>,
        scope: Option<&str>,
    ) -> Option<JsonDocument> {
        let v = self.attr_value(fields, "policy")?;
        let doc = self.policy_document(&v, "registry.policy", policy_grammar::REGISTRY, None)?;
        let mut ok = true;
        let listed = doc
            .get("Statement")
            .is_some_and(serde_json::Value::is_array);
        for (i, statement) in statements(&doc).into_iter().enumerate() {
            let path = if listed {
                format!("Statement[{i}]")
            } else {
                "Statement".to_owned()
            };
            for action in strings(statement.get("Action")) {
                if !registry_policy_refuses(scope, action) {
                    continue;
                }
                ok = false;
                // The scope declared decides; with none, only what no scope admits is here.
                let why = match scope {
                    Some(scope) => format!("REGISTRY_POLICY_SCOPE {scope} does not allow"),
                    None => "no REGISTRY_POLICY_SCOPE allows".to_owned(),
                };
                let message =
                    format!("`registry.policy`: `{path}.Action` grants `{action}`, which {why}");
                let help = format!(
                    "a registry policy grants ECR actions only: under REGISTRY_POLICY_SCOPE V1 {}, under V2 any `ecr:` action (ECR User Guide, \"Private registry permissions\"; PutRegistryPolicy refuses others); grant other services' actions in IAM policies",
                    REGISTRY_POLICY_V1_ACTIONS.join(", ")
                );
                let d = self
                    .diag(&v.at, message, "not a registry action")
                    .help(help);
                self.sink.push(d);
            }
        }
        ok.then_some(doc)
    }

    /// The policy ECR is sent, the declared one with the statement `replication_from` adds, is
    /// at most [`REGISTRY_POLICY_MAX`] characters. The declared document alone was measured
    /// with its grammar; this catches the statement tipping it over.
    pub(super) fn merged_policy_size(
        &mut self,
        fields: &BodyFields<'_>,
        settings: &RegistrySettings,
    ) {
        if settings.replication_from.is_empty() {
            return;
        }
        let Some(document) = settings.registry_policy(&self.registry.account()) else {
            return;
        };
        let size = document.to_compact().chars().count();
        if size <= REGISTRY_POLICY_MAX {
            return;
        }
        let Some(attr) = fields.get("replication_from") else {
            return;
        };
        let at = attr.key_at.clone();
        let d = self
            .diag(
                &at,
                format!(
                    "the registry policy is {size} characters with the statement `replication_from` adds"
                ),
                "makes the registry policy too large",
            )
            .help(format!(
                "ECR: a registry policy is at most {REGISTRY_POLICY_MAX} characters (PutRegistryPolicy policyText); shorten `policy`, or list fewer accounts"
            ));
        self.sink.push(d);
    }
}
