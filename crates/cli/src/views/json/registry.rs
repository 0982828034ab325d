//! The registry's settings under the AWS provider's schema for their types, so that tools
//! written for `terraform show -json` (checkov's `aws_ecr_*` checks) read them.

use ecrplan_model::{
    Account, AccountSetting, CreationTemplate, JsonDocument, PullThroughCacheRule,
    PullTimeUpdateExclusion, RegistryOwner, RegistryPolicy, ScanningConfiguration,
    SigningConfiguration,
};
use serde_json::{Value, json};

/// A policy document as the provider holds it: a JSON string, or null when there is none.
fn policy_string(document: Option<&JsonDocument>) -> Value {
    document.map_or(Value::Null, |d| Value::String(d.to_compact()))
}

/// Wildcard filters as the provider's `repository_filter` blocks.
fn filters(filters: &[String], filter_type: &str) -> Vec<Value> {
    filters
        .iter()
        .map(|f| json!({"filter": f, "filter_type": filter_type}))
        .collect()
}

pub(super) fn owner_values(o: &RegistryOwner, account: &Account) -> Value {
    json!({
        "arn": format!(
            "arn:{}:ssm:{}:{}:parameter{}",
            account.partition, account.region, account.id, RegistryOwner::PARAMETER
        ),
        "id": RegistryOwner::PARAMETER,
        "name": RegistryOwner::PARAMETER,
        "tier": "Standard",
        "type": "String",
        "value": o.to_value(),
    })
}

pub(super) fn registry_policy_values(p: &RegistryPolicy, account: &Account) -> Value {
    json!({
        "id": account.id,
        "policy": policy_string(Some(&p.document)),
        "registry_id": account.id,
    })
}

pub(super) fn account_setting_values(s: &AccountSetting) -> Value {
    json!({"id": s.name, "name": s.name, "value": s.value})
}

pub(super) fn scanning_values(c: &ScanningConfiguration, account: &Account) -> Value {
    let rules: Vec<Value> = c
        .rules
        .iter()
        .map(|r| {
            json!({
                "repository_filter": filters(&r.filters, "WILDCARD"),
                "scan_frequency": r.scan_frequency,
            })
        })
        .collect();
    json!({
        "id": account.id,
        "registry_id": account.id,
        "rule": rules,
        "scan_type": c.scan_type,
    })
}

pub(super) fn pull_through_cache_values(r: &PullThroughCacheRule, account: &Account) -> Value {
    json!({
        "credential_arn": r.credential_arn,
        "custom_role_arn": r.custom_role_arn,
        "ecr_repository_prefix": r.prefix,
        "id": r.prefix,
        "registry_id": account.id,
        "upstream_registry_url": r.upstream_registry_url,
        "upstream_repository_prefix": r.upstream_repository_prefix.as_deref().unwrap_or("ROOT"),
    })
}

pub(super) fn creation_template_values(t: &CreationTemplate, account: &Account) -> Value {
    json!({
        "applied_for": t.applied_for,
        "custom_role_arn": t.custom_role_arn,
        "description": t.description,
        "encryption_configuration": [{
            "encryption_type": t.encryption.encryption_type,
            "kms_key": t.encryption.kms_key.clone().unwrap_or_default(),
        }],
        "id": t.prefix,
        "image_tag_mutability": t.image_tag_mutability.as_str(),
        "image_tag_mutability_exclusion_filter":
            filters(&t.image_tag_mutability_exclusion_filters, "WILDCARD"),
        "lifecycle_policy": policy_string(t.lifecycle_policy.as_ref()),
        "prefix": t.prefix,
        "registry_id": account.id,
        "repository_policy": policy_string(t.repository_policy.as_ref()),
        "resource_tags": t.resource_tags,
    })
}

pub(super) fn signing_values(c: &SigningConfiguration, account: &Account) -> Value {
    let rules: Vec<Value> = c
        .rules
        .iter()
        .map(|r| {
            json!({
                "repository_filter": filters(&r.filters, "WILDCARD_MATCH"),
                "signing_profile_arn": r.signing_profile_arn,
            })
        })
        .collect();
    json!({"id": account.id, "registry_id": account.id, "rule": rules})
}

pub(super) fn exclusion_values(e: &PullTimeUpdateExclusion) -> Value {
    json!({"id": e.principal_arn, "principal_arn": e.principal_arn})
}
