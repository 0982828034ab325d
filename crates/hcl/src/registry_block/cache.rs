//! `pull_through_cache "PREFIX" { upstream_registry_url, credential_arn, custom_role_arn,
//! upstream_repository_prefix }`: the registry's pull-through cache rules
//! (`aws_ecr_pull_through_cache_rule`, CreatePullThroughCacheRule).

use ecrplan_model::PullThroughCacheRule;
use hcl_edit::structure::Block;

use super::rules::{
    Auth, CACHE_PREFIX_LENGTH, CREDENTIAL_SECRET_PREFIX, UPSTREAM_HOSTS, Upstream, credential_arn,
    is_repository_prefix, meant_upstream, role_arn_account,
};
use crate::eval::Evaluator;
use crate::value::{At, FileId, Value};

/// The attributes of a `pull_through_cache` block, Terraform's names.
const ATTRS: &[&str] = &[
    "upstream_registry_url",
    "credential_arn",
    "custom_role_arn",
    "upstream_repository_prefix",
];

impl Evaluator<'_> {
    /// A `pull_through_cache` block whose label is `prefix`: its upstream from the URL, the
    /// credentials or role that upstream needs, an upstream prefix only for ECR.
    pub(super) fn cache_rule(
        &mut self,
        file: FileId,
        block: &Block,
        prefix: String,
        label_at: &At,
    ) -> Option<PullThroughCacheRule> {
        let ctx = format!("pull_through_cache \"{prefix}\"");
        let f = self.body_fields(file, &block.body, ATTRS, &[], &ctx);
        let url_value = self.required_attr_value(&f, "upstream_registry_url", label_at, &ctx);
        let credential = self.attr_value(&f, "credential_arn");
        let role = self.attr_value(&f, "custom_role_arn");
        let upstream_prefix = self.attr_value(&f, "upstream_repository_prefix");

        // Written but invalid is reported where it is written, not again as missing.
        let credential_written = credential.is_some();
        let role_written = role.is_some();
        let credential_arn = credential.and_then(|v| self.credential(&v));
        let custom_role_arn = role.and_then(|v| self.custom_role(&v, "custom_role_arn"));
        let upstream_repository_prefix = upstream_prefix
            .as_ref()
            .and_then(|v| self.string(v, "upstream_repository_prefix"));
        let url_value = url_value?;
        let url = self.string(&url_value, "upstream_registry_url")?;
        let upstream = self.upstream(&url, &url_value)?;

        let mut ok = true;
        if upstream.auth() == Auth::Secret && !credential_written {
            ok = false;
            let d = self
                .diag(
                    label_at,
                    format!("the {} upstream {url} needs a `credential_arn`", upstream.name()),
                    "no credentials for the upstream",
                )
                .help(format!(
                    "Docker Hub, GitHub, GitLab, Azure and Chainguard upstreams require authentication with a Secrets Manager secret whose name starts `{CREDENTIAL_SECRET_PREFIX}` (ECR User Guide, \"Sync an upstream registry with an Amazon ECR private registry\"): add credential_arn = \"arn:aws:secretsmanager:REGION:ACCOUNT:secret:{CREDENTIAL_SECRET_PREFIX}NAME\""
                ));
            self.sink.push(d);
        }
        if let Upstream::Ecr { account, .. } = &upstream
            && !role_written
            && self.registry.account_id.as_deref() != Some(account.as_str())
        {
            ok = false;
            let whose = if self.registry.account_id.is_some() {
                "is in another account".to_owned()
            } else {
                "may be in another account (the provider names no `account_id`)".to_owned()
            };
            let d = self
                .diag(
                    label_at,
                    format!("the ECR upstream {url} {whose}: the rule needs a `custom_role_arn`"),
                    "no role for the upstream",
                )
                .help("\"For Amazon ECR, you must create an IAM role if the upstream and downstream Amazon ECR registries belong to different AWS accounts\" (ECR User Guide, \"Sync an upstream registry with an Amazon ECR private registry\"): add custom_role_arn = \"arn:aws:iam::ACCOUNT:role/NAME\", a role in this registry's account");
            self.sink.push(d);
        }
        if let (Some(v), Some(p)) = (&upstream_prefix, &upstream_repository_prefix) {
            if !matches!(upstream, Upstream::Ecr { .. }) {
                ok = false;
                let d = self
                    .diag(
                        &v.at,
                        format!("`upstream_repository_prefix` is for an ECR upstream, not {}", upstream.name()),
                        "not an ECR upstream",
                    )
                    .help("ECR matches an upstream repository prefix only in an ECR private registry upstream (CreatePullThroughCacheRule upstreamRepositoryPrefix; Terraform's aws_ecr_pull_through_cache_rule): remove it");
                self.sink.push(d);
            } else if !is_repository_prefix(p, CACHE_PREFIX_LENGTH) {
                ok = false;
                self.bad_prefix(
                    &v.at,
                    p,
                    "an upstream repository prefix",
                    CACHE_PREFIX_LENGTH,
                    "an upstream repository prefix is ROOT, or 2 to 30 characters of the repository-name grammar (lower-case letters and digits joined by `.`, `_`, `__`, runs of `-`, or `/`) with an optional trailing `/` (ECR API reference, CreatePullThroughCacheRule: PullThroughCacheRuleRepositoryPrefix)",
                );
            }
        }
        ok.then_some(PullThroughCacheRule {
            prefix,
            upstream_registry_url: url,
            credential_arn,
            custom_role_arn,
            upstream_repository_prefix,
        })
    }

    /// The upstream registry `url` names, or a diagnostic with the URL meant.
    fn upstream(&mut self, url: &str, v: &Value) -> Option<Upstream> {
        match Upstream::of(url) {
            Some(Upstream::EcrPublicPremium) => {
                let d = self
                    .diag(
                        &v.at,
                        "ecrplan cannot manage an ECR Public Premium upstream yet",
                        "ECR Public Premium",
                    )
                    .help("CreatePullThroughCacheRule needs an upstreamRoleArn with this upstream, which ecrplan does not model: create this rule outside ecrplan, in a registry whose pull-through cache rules no estate manages");
                self.sink.push(d);
                None
            }
            Some(upstream) => Some(upstream),
            None => {
                let meant = meant_upstream(url)
                    .map(|m| format!("did you mean \"{m}\"? "))
                    .unwrap_or_default();
                let d = self
                    .diag(
                        &v.at,
                        format!("`{}` is not an upstream registry ECR can cache", url.escape_debug()),
                        "not a supported upstream",
                    )
                    .help(format!(
                        "{meant}ECR caches {}, <account>.dkr.ecr.<region>.amazonaws.com and <name>.azurecr.io, written as the host alone (ECR API reference, CreatePullThroughCacheRule upstreamRegistryUrl)",
                        UPSTREAM_HOSTS.join(", ")
                    ));
                self.sink.push(d);
                None
            }
        }
    }

    /// A `credential_arn`: a Secrets Manager secret named `ecr-pullthroughcache/…` in the
    /// registry's own account and region.
    fn credential(&mut self, v: &Value) -> Option<String> {
        let arn = self.string(v, "credential_arn")?;
        let Some((region, account)) = credential_arn(&arn) else {
            let d = self
                .diag(
                    &v.at,
                    format!("`{}` is not a pull-through cache secret ARN", arn.escape_debug()),
                    "not an ecr-pullthroughcache/ secret",
                )
                .help(format!(
                    "ECR takes a Secrets Manager secret whose name starts `{CREDENTIAL_SECRET_PREFIX}`: arn:aws:secretsmanager:REGION:ACCOUNT:secret:{CREDENTIAL_SECRET_PREFIX}NAME, 50 to 612 characters (ECR API reference, CreatePullThroughCacheRule credentialArn)"
                ));
            self.sink.push(d);
            return None;
        };
        let mut elsewhere = Vec::new();
        if let Some(own) = self.registry.region.as_deref()
            && own != region
        {
            elsewhere.push(format!("region {region}, not {own}"));
        }
        if let Some(own) = self.registry.account_id.as_deref()
            && own != account
        {
            elsewhere.push(format!("account {account}, not {own}"));
        }
        if elsewhere.is_empty() {
            return Some(arn);
        }
        let d = self
            .diag(
                &v.at,
                format!("the secret is in {}", elsewhere.join(" and ")),
                "secret of another registry",
            )
            .help("\"The account and Region that the secret is in must match the account and Region that the pull through cache rule is in\" (ECR User Guide, \"Creating a pull through cache rule\"): use a secret of this registry's account and region");
        self.sink.push(d);
        None
    }

    /// A `custom_role_arn`: an IAM role of the registry's own account ("This role must be in
    /// the same account as the registry that you are configuring", the model's
    /// `customRoleArn`).
    pub(super) fn custom_role(&mut self, v: &Value, what: &str) -> Option<String> {
        let arn = self.string(v, what)?;
        let Some(account) = role_arn_account(&arn) else {
            let d = self
                .diag(
                    &v.at,
                    format!("`{}` is not an IAM role ARN", arn.escape_debug()),
                    "not a role ARN",
                )
                .help("ECR assumes this role: write arn:aws:iam::ACCOUNT:role/NAME, at most 2,048 characters (ECR API reference, customRoleArn)");
            self.sink.push(d);
            return None;
        };
        if let Some(own) = self.registry.account_id.clone()
            && own != account
        {
            let d = self
                .diag(
                    &v.at,
                    format!("the role is in account {account}, not the registry's {own}"),
                    "role of another account",
                )
                .help("\"This role must be in the same account as the registry that you are configuring\" (ECR API reference, customRoleArn): use a role of this account");
            self.sink.push(d);
            return None;
        }
        Some(arn)
    }
}
