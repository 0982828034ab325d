//! The top-level blocks other than modules: `provider`, `ecrplan`, `replication`.

use std::collections::BTreeSet;

use ecrplan_model::{
    ProviderSettings, Replication, ReplicationDestination, ReplicationRule, check_account_id,
};
use hcl_edit::structure::Block;

use crate::eval::{Evaluator, span_of};
use crate::limits::{
    REPLICATION_DESTINATIONS_MAX, REPLICATION_FILTERS_MAX, REPLICATION_RULES_MAX,
    is_replication_filter,
};
use crate::value::{At, FileId};

/// Arguments of Terraform's AWS provider that ecrplan accepts in `provider "aws"` and does not
/// use, so that an existing Terraform directory loads.
const TERRAFORM_AWS_PROVIDER_ARGS: &[&str] = &[
    "alias",
    "access_key",
    "secret_key",
    "token",
    "allowed_account_ids",
    "forbidden_account_ids",
    "default_tags",
    "ignore_tags",
    "max_retries",
    "retry_mode",
    "shared_config_files",
    "shared_credentials_files",
    "skip_credentials_validation",
    "skip_metadata_api_check",
    "skip_region_validation",
    "skip_requesting_account_id",
    "s3_use_path_style",
    "sts_region",
    "insecure",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "custom_ca_bundle",
    "ec2_metadata_service_endpoint",
    "ec2_metadata_service_endpoint_mode",
    "use_dualstack_endpoint",
    "use_fips_endpoint",
];

/// Blocks of Terraform's AWS provider accepted and not used.
const TERRAFORM_AWS_PROVIDER_BLOCKS: &[&str] = &[
    "default_tags",
    "ignore_tags",
    "assume_role",
    "assume_role_with_web_identity",
    "endpoints",
];

impl Evaluator<'_> {
    fn opt_string(
        &mut self,
        fields: &crate::decode::BodyFields<'_>,
        name: &str,
        what: &str,
    ) -> Option<String> {
        let v = self.attr_value(fields, name)?;
        self.string(&v, &format!("{what}.{name}"))
    }

    /// `provider "aws" { region, account_id, endpoint, profile, assume_role_arn }`.
    pub(crate) fn aws_provider(&mut self, file: FileId, block: &Block) -> ProviderSettings {
        const OWN: &[&str] = &[
            "region",
            "account_id",
            "endpoint",
            "profile",
            "assume_role_arn",
        ];
        let known: Vec<&str> = OWN
            .iter()
            .chain(TERRAFORM_AWS_PROVIDER_ARGS)
            .copied()
            .collect();
        let fields = self.body_fields(
            file,
            &block.body,
            &known,
            TERRAFORM_AWS_PROVIDER_BLOCKS,
            "provider \"aws\"",
        );
        let region = self.opt_string(&fields, "region", "provider");
        let account_id = match self.attr_value(&fields, "account_id") {
            Some(v) => match self.string(&v, "provider.account_id") {
                Some(id) => match check_account_id(&id) {
                    Ok(()) => Some(id),
                    Err(e) => {
                        let d = self
                            .diag(&v.at, e.to_string(), "not a 12-digit account id")
                            .help("the guard compares this with the account the credentials resolve to");
                        self.sink.push(d);
                        None
                    }
                },
                None => None,
            },
            None => None,
        };
        let endpoint = self.opt_string(&fields, "endpoint", "provider");
        let profile = self.opt_string(&fields, "profile", "provider");
        let assume_role_arn = self.opt_string(&fields, "assume_role_arn", "provider");
        if let Some(region) = &region
            && !is_region(region)
        {
            let v = self.attr_value(&fields, "region");
            if let Some(v) = v {
                let d = self
                    .diag(
                        &v.at,
                        format!("`{region}` is not an AWS region"),
                        "not a region",
                    )
                    .help("regions look like eu-west-1");
                self.sink.push(d);
            }
        }
        ProviderSettings::Aws {
            region,
            account_id,
            endpoint,
            profile,
            assume_role_arn,
        }
    }

    /// `provider "sandbox" { path }`.
    pub(crate) fn sandbox_provider(&mut self, file: FileId, block: &Block) -> ProviderSettings {
        let fields = self.body_fields(file, &block.body, &["path"], &[], "provider \"sandbox\"");
        let path = self.opt_string(&fields, "path", "provider");
        ProviderSettings::Sandbox { path }
    }

    /// `ecrplan { estate = "…" }`: the estate name. A name also given from outside (`--estate`,
    /// `ECRPLAN_ESTATE`) must be the same: silently preferring either would hand the estate's
    /// objects to another one.
    pub(crate) fn ecrplan_block(
        &mut self,
        file: FileId,
        block: &Block,
        outside: Option<&str>,
    ) -> Option<String> {
        let fields = self.body_fields(file, &block.body, &["estate"], &[], "the `ecrplan` block");
        let v = self.attr_value(&fields, "estate")?;
        let estate = self.string(&v, "estate")?;
        if let Some(outside) = outside.filter(|o| *o != estate) {
            let d = self
                .diag(
                    &v.at,
                    format!(
                        "the estate is named `{estate}` here but `{outside}` by --estate or ECRPLAN_ESTATE"
                    ),
                    "the estate named in the files",
                )
                .help("name the estate in one place: drop --estate/ECRPLAN_ESTATE for this directory, or make them agree");
            self.sink.push(d);
            return None;
        }
        if !is_estate_name(&estate) {
            let d = self
                .diag(
                    &v.at,
                    format!("`{estate}` cannot be an estate name"),
                    "this estate name",
                )
                .help(
                    "the estate name becomes a tag value: 1 to 128 letters, digits and `_.:/=+@-`",
                );
            self.sink.push(d);
            return None;
        }
        Some(estate)
    }

    /// `replication { rule { destination { region, registry_id } filter { prefix } } }`.
    pub(crate) fn replication_block(&mut self, file: FileId, block: &Block) -> Replication {
        let fields = self.body_fields(file, &block.body, &[], &["rule"], "the `replication` block");
        let mut rules = Vec::new();
        // ECR counts each destination once across all rules; the first one past the limit is
        // where the configuration breaks it.
        let mut unique: BTreeSet<ReplicationDestination> = BTreeSet::new();
        let mut past_limit: Option<At> = None;
        for rule_block in &fields.blocks {
            let rule_fields = self.body_fields(
                file,
                &rule_block.body,
                &[],
                &["destination", "filter"],
                "a replication `rule`",
            );
            let mut rule = ReplicationRule {
                destinations: Vec::new(),
                repository_prefixes: Vec::new(),
            };
            // A `destination` block that fails to read is reported where it is wrong; the rule
            // itself lacks a destination only when none is written.
            let mut destination_written = false;
            for inner in &rule_fields.blocks {
                match inner.ident.value().as_str() {
                    "destination" => {
                        destination_written = true;
                        let f = self.body_fields(
                            file,
                            &inner.body,
                            &["region", "registry_id"],
                            &[],
                            "a replication `destination`",
                        );
                        let at = At::new(file, span_of(&inner.ident));
                        let region = self.attr_value(&f, "region");
                        let registry = self.attr_value(&f, "registry_id");
                        if region.is_none() {
                            self.missing(&at, "region", "a replication `destination`");
                        }
                        if registry.is_none() {
                            self.missing(&at, "registry_id", "a replication `destination`");
                        }
                        let (Some(region_v), Some(registry_v)) = (region, registry) else {
                            continue;
                        };
                        let region = self.string(&region_v, "destination.region");
                        let registry_id = self.string(&registry_v, "destination.registry_id");
                        if let Some(r) = &region
                            && !is_region(r)
                        {
                            let d = self
                                .diag(
                                    &region_v.at,
                                    format!("`{r}` is not an AWS region"),
                                    "not a region",
                                )
                                .help("regions look like eu-west-1");
                            self.sink.push(d);
                        }
                        if let Some(id) = &registry_id
                            && let Err(e) = check_account_id(id)
                        {
                            let d = self
                                .diag(&registry_v.at, e.to_string(), "not a 12-digit account id")
                                .help("the registry id is the destination's 12-digit account id");
                            self.sink.push(d);
                        }
                        if let (Some(region), Some(registry_id)) = (region, registry_id) {
                            if self.registry.region.as_deref() == Some(region.as_str())
                                && self.registry.account_id.as_deref() == Some(registry_id.as_str())
                            {
                                let d = self
                                    .diag(
                                        &At::new(file, span_of(&inner.ident)),
                                        format!("this destination is the registry itself ({registry_id} in {region})"),
                                        "replicates to its own source",
                                    )
                                    .help("ECR refuses a replication destination that is the source registry's own region and account (PutReplicationConfiguration); name another region or account");
                                self.sink.push(d);
                            }
                            let destination = ReplicationDestination {
                                region,
                                registry_id,
                            };
                            if unique.insert(destination.clone())
                                && unique.len() == REPLICATION_DESTINATIONS_MAX + 1
                            {
                                past_limit = Some(At::new(file, span_of(&inner.ident)));
                            }
                            rule.destinations.push(destination);
                        }
                    }
                    _ => {
                        let f = self.body_fields(
                            file,
                            &inner.body,
                            &["prefix"],
                            &[],
                            "a replication `filter`",
                        );
                        let at = At::new(file, span_of(&inner.ident));
                        match self.attr_value(&f, "prefix") {
                            Some(v) => {
                                if let Some(p) = self.string(&v, "filter.prefix") {
                                    if !is_replication_filter(&p) {
                                        let d = self
                                            .diag(
                                                &v.at,
                                                format!("`{}` is not a repository prefix ECR accepts", p.escape_debug()),
                                                "can never match a repository name",
                                            )
                                            .help("ECR: a replication filter is 2 to 256 characters of lower-case letters, digits and `._-/` (repository names are lower-case), each part before a `/` starting with a letter or digit; it matches by prefix, without wildcards");
                                        self.sink.push(d);
                                    } else {
                                        rule.repository_prefixes.push(p);
                                    }
                                }
                            }
                            None => self.missing(&at, "prefix", "a replication `filter`"),
                        }
                    }
                }
            }
            if rule.repository_prefixes.len() > REPLICATION_FILTERS_MAX {
                let d = self
                    .diag(
                        &At::new(file, span_of(&rule_block.ident)),
                        format!(
                            "this replication rule has {} filters",
                            rule.repository_prefixes.len()
                        ),
                        "too many",
                    )
                    .help(format!(
                        "ECR: \"Each rule may contain up to {REPLICATION_FILTERS_MAX} filters\"; split them over several rules (at most {REPLICATION_RULES_MAX})"
                    ));
                self.sink.push(d);
            }
            if !destination_written {
                let at = At::new(file, span_of(&rule_block.ident));
                let d = self
                    .diag(
                        &at,
                        "a replication rule needs at least one `destination`",
                        "no destination in this rule",
                    )
                    .help("add `destination { region = \"…\" registry_id = \"…\" }`");
                self.sink.push(d);
            }
            rules.push(rule);
        }
        if let Some(at) = past_limit {
            let d = self
                .diag(
                    &at,
                    format!(
                        "the replication configuration has {} unique destinations across its rules",
                        unique.len()
                    ),
                    &format!("unique destination {}", REPLICATION_DESTINATIONS_MAX + 1),
                )
                .help(format!(
                    "ECR: \"up to {REPLICATION_DESTINATIONS_MAX} unique destinations across all rules\" (a destination in several rules counts once); replicate to fewer registries"
                ));
            self.sink.push(d);
        }
        if rules.len() > REPLICATION_RULES_MAX {
            let d = self
                .diag(
                    &At::new(file, span_of(&block.ident)),
                    format!(
                        "ECR allows at most {REPLICATION_RULES_MAX} replication rules, not {}",
                        rules.len()
                    ),
                    "too many rules",
                )
                .help(format!(
                    "ECR: \"a maximum of {REPLICATION_RULES_MAX} rules total\"; merge rules with the same destinations (a rule takes up to {REPLICATION_FILTERS_MAX} filters)"
                ));
            self.sink.push(d);
        }
        Replication { rules }
    }
}

fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[0].len() >= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether `s` can name an estate: it becomes the `ecrplan:estate` tag value, so 1 to 128 of the
/// characters ECR and IAM tag values allow
/// (<https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_Tag.html>).
pub fn is_estate_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars().count() <= 128
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.:/=+@- ".contains(c))
}
