//! The registry's own settings as objects: one type per kind, what AWS fills in when nobody
//! set one, and what AWS refuses that a configuration cannot see (a registry policy's actions
//! under its scope). A leaf: resources hold these, the `registry` block builds them.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{JsonDocument, Kind, TagMutability, Tags};

/// The parts of a registry's settings an estate manages, each as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// `policy` and `replication_from`: the registry policy.
    Policy,
    /// `account_settings`.
    AccountSettings,
    /// `scanning { … }`.
    Scanning,
    /// `pull_through_cache "PREFIX" { … }` blocks.
    PullThroughCache,
    /// `creation_template "PREFIX" { … }` blocks.
    CreationTemplate,
    /// `signing { … }`.
    Signing,
    /// `pull_time_update_exclusions`.
    PullTimeUpdateExclusions,
}

impl Section {
    /// Every section, in the order plans list them.
    pub const ALL: [Section; 7] = [
        Section::Policy,
        Section::AccountSettings,
        Section::Scanning,
        Section::PullThroughCache,
        Section::CreationTemplate,
        Section::Signing,
        Section::PullTimeUpdateExclusions,
    ];

    /// The section's kind of object.
    pub const fn kind(self) -> Kind {
        match self {
            Section::Policy => Kind::RegistryPolicy,
            Section::AccountSettings => Kind::AccountSetting,
            Section::Scanning => Kind::ScanningConfiguration,
            Section::PullThroughCache => Kind::PullThroughCacheRule,
            Section::CreationTemplate => Kind::CreationTemplate,
            Section::Signing => Kind::SigningConfiguration,
            Section::PullTimeUpdateExclusions => Kind::PullTimeUpdateExclusion,
        }
    }

    /// The section an object of `kind` belongs to, for the registry's kinds.
    pub fn of(kind: Kind) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.kind() == kind)
    }

    /// The name the configuration and the owner record use.
    pub const fn as_str(self) -> &'static str {
        match self {
            Section::Policy => "policy",
            Section::AccountSettings => "account_settings",
            Section::Scanning => "scanning",
            Section::PullThroughCache => "pull_through_cache",
            Section::CreationTemplate => "creation_template",
            Section::Signing => "signing",
            Section::PullTimeUpdateExclusions => "pull_time_update_exclusions",
        }
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which estate manages a registry's settings, and which sections: kept in the account (an SSM
/// parameter, [`RegistryOwner::PARAMETER`]) because the settings themselves take no tags. It is
/// created with a create-if-absent write, so two estates racing for one registry cannot both
/// win, and tagged with its estate's ownership tags, so the tag search every estate makes for
/// its own objects finds it without a call of its own.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryOwner {
    /// The owning estate.
    pub estate: String,
    /// The sections it manages.
    pub sections: BTreeSet<Section>,
}

impl RegistryOwner {
    /// The SSM parameter (one per account and region, SSM being regional) holding the record.
    pub const PARAMETER: &str = "/ecrplan/registry-owner";

    /// The record as the parameter's value.
    pub fn to_value(&self) -> String {
        serde_json::to_string(self).expect("an owner record always serialises")
    }

    /// The record a parameter value holds; `None` for a value ecrplan did not write.
    pub fn from_value(value: &str) -> Option<RegistryOwner> {
        serde_json::from_str(value).ok()
    }
}

/// The registry policy (`aws_ecr_registry_policy`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryPolicy {
    /// The policy document.
    pub document: JsonDocument,
}

/// One account setting (`aws_ecr_account_setting`). There is no delete: removing it from the
/// configuration leaves the value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSetting {
    /// The API's name, e.g. `REGISTRY_POLICY_SCOPE`.
    pub name: String,
    /// The value, e.g. `V2`.
    pub value: String,
}

/// The account settings ECR knows: the configuration's name, the API's, and the value a
/// registry has when nobody set one (what a read returns then, so it is never a difference).
pub const ACCOUNT_SETTINGS: [(&str, &str, &str); 3] = [
    (
        "basic_scan_type_version",
        "BASIC_SCAN_TYPE_VERSION",
        "AWS_NATIVE",
    ),
    ("registry_policy_scope", "REGISTRY_POLICY_SCOPE", "V2"),
    ("blob_mounting", "BLOB_MOUNTING", "DISABLED"),
];

/// What a registry policy may grant while the account setting REGISTRY_POLICY_SCOPE is `V1`:
/// "For version 1, Amazon ECR only enforces the following permissions at the private registry
/// level" (ECR User Guide, "Private registry permissions",
/// <https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry-permissions.html>); under
/// `V2` any ECR action goes. The configuration checks what it can know offline (a declared
/// scope, and the actions no scope admits); the planner checks an undeclared scope against the
/// value it reads from the account, both with [`registry_policy_refuses`].
pub const REGISTRY_POLICY_V1_ACTIONS: [&str; 3] = [
    "ecr:BatchImportUpstreamImage",
    "ecr:CreateRepository",
    "ecr:ReplicateImage",
];

/// Whether PutRegistryPolicy refuses a statement's `action` under the REGISTRY_POLICY_SCOPE
/// `scope` (`None` when the scope is not known): an action of another service than `ecr` in
/// any scope, and under `V1` one that grants none of [`REGISTRY_POLICY_V1_ACTIONS`]. Actions
/// compare without case and may hold IAM's `*` and `?` wildcards (the guide notes that `ecr:*`
/// may be added); `*` alone counts as ECR's, since it grants ECR's actions too.
pub fn registry_policy_refuses(scope: Option<&str>, action: &str) -> bool {
    let action = action.to_ascii_lowercase();
    if action == "*" {
        return false;
    }
    if action.split_once(':').map(|(service, _)| service) != Some("ecr") {
        return true;
    }
    scope == Some("V1")
        && !REGISTRY_POLICY_V1_ACTIONS
            .iter()
            .any(|allowed| wildcard_match(&action, &allowed.to_ascii_lowercase()))
}

/// IAM's action wildcards: `*` any run of characters, `?` one character (row by row, so a
/// pattern of many stars costs its length times the text's, never more).
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let text: Vec<char> = text.chars().collect();
    // `row[j]`: the pattern so far matches the first `j` characters of the text.
    let mut row = vec![false; text.len() + 1];
    row[0] = true;
    for p in pattern.chars() {
        let mut next = vec![false; text.len() + 1];
        if p == '*' {
            let mut reached = false;
            for (j, matched) in row.iter().enumerate() {
                reached |= *matched;
                next[j] = reached;
            }
        } else {
            for (j, t) in text.iter().enumerate() {
                next[j + 1] = row[j] && (p == '?' || p == *t);
            }
        }
        row = next;
    }
    row[text.len()]
}

/// The registry's scanning configuration (`aws_ecr_registry_scanning_configuration`). There is
/// no delete: "none" is [`ScanningConfiguration::basic`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanningConfiguration {
    /// `BASIC` or `ENHANCED`.
    pub scan_type: String,
    /// At most two rules.
    pub rules: Vec<ScanningRule>,
}

impl ScanningConfiguration {
    /// What a registry has when nobody configured scanning, and what clearing it writes.
    pub fn basic() -> Self {
        Self {
            scan_type: "BASIC".into(),
            rules: Vec::new(),
        }
    }
}

/// One scanning rule.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ScanningRule {
    /// `SCAN_ON_PUSH`, `CONTINUOUS_SCAN` or `MANUAL`.
    pub scan_frequency: String,
    /// Repository-name wildcard filters.
    pub filters: Vec<String>,
}

/// A pull-through cache rule (`aws_ecr_pull_through_cache_rule`), keyed by its prefix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullThroughCacheRule {
    /// The ECR repository prefix, or `ROOT`.
    pub prefix: String,
    /// The upstream registry's host, e.g. `registry-1.docker.io`.
    pub upstream_registry_url: String,
    /// The Secrets Manager secret holding the upstream's credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_arn: Option<String>,
    /// The role ECR assumes for an ECR upstream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_role_arn: Option<String>,
    /// The upstream repository prefix (ECR upstreams), `ROOT` when none is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream_repository_prefix: Option<String>,
}

/// The upstream registries a pull-through cache rule may name, as ECR's `upstreamRegistry`
/// enum spells them, by the URL that selects them, and whether ECR needs credentials for them
/// (a Secrets Manager secret, `credentialArn`)
/// (<https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-creating-rule.html>).
pub const UPSTREAMS: [(&str, &str, bool); 9] = [
    ("docker-hub", "registry-1.docker.io", true),
    ("ecr-public", "public.ecr.aws", false),
    ("quay", "quay.io", false),
    ("k8s", "registry.k8s.io", false),
    ("github-container-registry", "ghcr.io", true),
    ("gitlab-container-registry", "registry.gitlab.com", true),
    ("azure-container-registry", ".azurecr.io", true),
    ("chainguard", "cgr.dev", true),
    ("ecr", ".amazonaws.com", false),
];

impl PullThroughCacheRule {
    /// The upstream registry the URL names (`docker-hub`, `ecr`, …) and whether ECR needs
    /// credentials for it; `None` for a URL ECR does not cache from. Azure and private ECR
    /// upstreams are matched by their host's suffix.
    pub fn upstream(&self) -> Option<(&'static str, bool)> {
        let url = self.upstream_registry_url.as_str();
        UPSTREAMS
            .iter()
            .find(|(_, host, _)| {
                if host.starts_with('.') {
                    url.ends_with(host) && url.len() > host.len()
                } else {
                    url == *host
                }
            })
            .map(|(name, _, credentials)| (*name, *credentials))
    }

    /// The attributes AWS cannot change in place: a change to one replaces the rule.
    pub fn identity(&self) -> (&str, &str, &str) {
        (
            &self.prefix,
            &self.upstream_registry_url,
            self.upstream_repository_prefix.as_deref().unwrap_or("ROOT"),
        )
    }
}

/// How repositories a template creates are encrypted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateEncryption {
    /// `AES256`, `KMS` or `KMS_DSSE`.
    pub encryption_type: String,
    /// The KMS key, for the KMS types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
}

/// A repository creation template (`aws_ecr_repository_creation_template`), keyed by prefix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreationTemplate {
    /// The repository prefix, or `ROOT`.
    pub prefix: String,
    /// A description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When it applies: `REPLICATION`, `PULL_THROUGH_CACHE`, `CREATE_ON_PUSH`.
    pub applied_for: Vec<String>,
    /// Tag mutability of the repositories it creates.
    pub image_tag_mutability: TagMutability,
    /// The exceptions to `image_tag_mutability`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_tag_mutability_exclusion_filters: Vec<String>,
    /// Encryption of the repositories it creates.
    pub encryption: TemplateEncryption,
    /// Their lifecycle policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle_policy: Option<JsonDocument>,
    /// Their repository policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_policy: Option<JsonDocument>,
    /// Their tags.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub resource_tags: Tags,
    /// The role ECR uses to create them (required with tags or KMS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_role_arn: Option<String>,
}

/// The registry's signing configuration (`aws_ecr_signing_configuration`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningConfiguration {
    /// At most ten rules.
    pub rules: Vec<SigningRule>,
}

/// One signing rule.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SigningRule {
    /// The AWS Signer profile ARN.
    pub signing_profile_arn: String,
    /// Repository-name wildcard filters; empty signs every repository.
    pub filters: Vec<String>,
}

/// A principal exempt from pull-time updates (`aws_ecr_pull_time_update_exclusion`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullTimeUpdateExclusion {
    /// The IAM role or user ARN.
    pub principal_arn: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_policy_actions_by_scope() {
        // No scope takes another service's actions.
        assert!(registry_policy_refuses(None, "s3:GetObject"));
        assert!(registry_policy_refuses(Some("V2"), "iam:PassRole"));
        assert!(registry_policy_refuses(None, "ReplicateImage"));
        // V2 takes any ECR action, V1 only its three, or a wildcard granting one of them.
        assert!(!registry_policy_refuses(Some("V2"), "ecr:BatchGetImage"));
        assert!(registry_policy_refuses(Some("V1"), "ecr:BatchGetImage"));
        assert!(!registry_policy_refuses(Some("V1"), "ECR:replicateimage"));
        assert!(!registry_policy_refuses(Some("V1"), "ecr:*"));
        assert!(!registry_policy_refuses(Some("V1"), "ecr:Create*"));
        assert!(registry_policy_refuses(Some("V1"), "ecr:Get*"));
        assert!(!registry_policy_refuses(Some("V1"), "*"));
        assert!(!registry_policy_refuses(None, "ecr:BatchGetImage"));
    }

    #[test]
    fn every_section_has_its_own_kind() {
        for section in Section::ALL {
            assert_eq!(Section::of(section.kind()), Some(section));
        }
        assert_eq!(Section::of(Kind::Repository), None);
    }
}
