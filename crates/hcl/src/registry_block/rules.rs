//! What ECR refuses in a registry's settings, as plain rules: the limits and patterns of the
//! ECR service model (botocore 1.44's `ecr/2015-09-21/service-2.json`, the shapes named on each
//! item; the API reference pages carry the same shapes), the upstream registries a pull-through
//! cache rule may name, and the account-setting values PutAccountSetting takes. A leaf: it
//! imports nothing of its siblings; the section readers turn the rules into diagnostics.

use ecrplan_model::check_repository_name;

/// "Pull through cache rules per registry: 50", not adjustable (ECR service quotas,
/// <https://docs.aws.amazon.com/AmazonECR/latest/userguide/service-quotas.html>).
pub(crate) const PULL_THROUGH_CACHE_RULES_MAX: usize = 50;

/// `PullThroughCacheRuleRepositoryPrefix`: 2 to 30 characters (the ECR prefix and the upstream
/// prefix alike).
pub(crate) const CACHE_PREFIX_LENGTH: (usize, usize) = (2, 30);

/// `Prefix` of a repository creation template: 1 to 256 characters.
pub(crate) const TEMPLATE_PREFIX_LENGTH: (usize, usize) = (1, 256);

/// `RepositoryTemplateDescription`: at most 256 characters.
pub(crate) const TEMPLATE_DESCRIPTION_MAX: usize = 256;

/// `RCTAppliedFor`: what a creation template applies to.
pub(crate) const APPLIED_FOR: &[&str] = &["REPLICATION", "PULL_THROUGH_CACHE", "CREATE_ON_PUSH"];

/// `EncryptionType` of a creation template.
pub(crate) const TEMPLATE_ENCRYPTION_TYPES: &[&str] = &["AES256", "KMS", "KMS_DSSE"];

/// `KmsKeyForRepositoryCreationTemplate`: at most 2,048 characters.
pub(crate) const TEMPLATE_KMS_KEY_MAX: usize = 2_048;

/// `CustomRoleArn`: at most 2,048 characters.
pub(crate) const CUSTOM_ROLE_ARN_MAX: usize = 2_048;

/// `CredentialArn`: 50 to 612 characters.
pub(crate) const CREDENTIAL_ARN_LENGTH: (usize, usize) = (50, 612);

/// The start of every `CredentialArn` secret name: "The name of the secret begins with
/// `ecr-pullthroughcache/`" (ECR User Guide, "Creating a pull through cache rule").
pub(crate) const CREDENTIAL_SECRET_PREFIX: &str = "ecr-pullthroughcache/";

/// `ScanType`.
pub(crate) const SCAN_TYPES: &[&str] = &["BASIC", "ENHANCED"];

/// `ScanFrequency`.
pub(crate) const SCAN_FREQUENCIES: &[&str] = &["SCAN_ON_PUSH", "CONTINUOUS_SCAN", "MANUAL"];

/// `RegistryScanningRuleList`: at most 2 rules.
pub(crate) const SCANNING_RULES_MAX: usize = 2;

/// `ScanningRepositoryFilterList`: at most 100 filters a rule.
pub(crate) const SCANNING_FILTERS_MAX: usize = 100;

/// `ScanningRepositoryFilterValue`: 1 to 255 characters.
pub(crate) const SCANNING_FILTER_LENGTH: (usize, usize) = (1, 255);

/// `ScanningRepositoryFilterValue`'s pattern, as the help quotes it.
pub(crate) const SCANNING_FILTER_PATTERN: &str = r"^[a-z0-9*](?:[._\-/a-z0-9*]?[a-z0-9*]+)*$";

/// `SigningRuleList`: at most 10 rules.
pub(crate) const SIGNING_RULES_MAX: usize = 10;

/// `SigningRepositoryFilterList`: at most 100 filters a rule.
pub(crate) const SIGNING_FILTERS_MAX: usize = 100;

/// `SigningRepositoryFilterValue`: 1 to 256 characters.
pub(crate) const SIGNING_FILTER_LENGTH: (usize, usize) = (1, 256);

/// `SigningRepositoryFilterValue`'s pattern, as the help quotes it.
pub(crate) const SIGNING_FILTER_PATTERN: &str =
    r"^(?:[a-z0-9*]+(?:[._-][a-z0-9*]+)*/)*[a-z0-9*]+(?:[._-][a-z0-9*]+)*$";

/// `SigningProfileArn`: at most 200 characters.
pub(crate) const SIGNING_PROFILE_ARN_MAX: usize = 200;

/// `SigningProfileArn`'s pattern, as the help quotes it.
pub(crate) const SIGNING_PROFILE_ARN_PATTERN: &str =
    r"^arn:aws(-[a-z]+)*:signer:[a-z0-9-]+:[0-9]{12}:\/signing-profiles\/[a-zA-Z0-9_]{2,}$";

/// `PrincipalArn` (RegisterPullTimeUpdateExclusion): at most 200 characters.
pub(crate) const PRINCIPAL_ARN_MAX: usize = 200;

/// `PrincipalArn`'s pattern, as the help quotes it.
pub(crate) const PRINCIPAL_ARN_PATTERN: &str =
    r"^arn:aws(-[a-z]+)*:iam::[0-9]{12}:(role|user)/[\w+=,.@-]+(/[\w+=,.@-]+)*$";

/// The values PutAccountSetting accepts today, by API name, and the ones a read may still
/// return but a write no longer takes: "Valid value for basic scan type: AWS_NATIVE. Valid
/// values for registry policy scope: V2. Valid values for blob mounting: ENABLED or DISABLED."
/// (the model's `PutAccountSettingRequest.value`).
pub(crate) const ACCOUNT_SETTING_VALUES: &[(&str, &[&str], &[&str])] = &[
    ("BASIC_SCAN_TYPE_VERSION", &["AWS_NATIVE"], &["CLAIR"]),
    ("REGISTRY_POLICY_SCOPE", &["V2"], &["V1"]),
    ("BLOB_MOUNTING", &["ENABLED", "DISABLED"], &[]),
];

/// A repository filter shape of the service model, for the section readers.
#[derive(Clone, Copy)]
pub(crate) struct FilterShape {
    /// The rule.
    pub(crate) valid: fn(&str) -> bool,
    /// The shape's name.
    pub(crate) name: &'static str,
    /// Its pattern, for the help.
    pub(crate) pattern: &'static str,
    /// Its longest filter.
    pub(crate) longest: usize,
}

/// What a labelled section's labels are, for the section readers.
pub(crate) struct PrefixShape {
    /// The object a block declares, e.g. "pull-through cache rule".
    pub(crate) object: &'static str,
    /// The label, with its article, e.g. "a pull-through cache prefix".
    pub(crate) what: &'static str,
    /// Its length range.
    pub(crate) length: (usize, usize),
    /// The rule, for the help of a bad label.
    pub(crate) help: &'static str,
    /// At most this many blocks, and where the limit is stated.
    pub(crate) max: Option<(usize, &'static str)>,
}

/// The labels of `pull_through_cache` blocks.
pub(crate) const CACHE_PREFIX: PrefixShape = PrefixShape {
    object: "pull-through cache rule",
    what: "a pull-through cache prefix",
    length: CACHE_PREFIX_LENGTH,
    help: "the label is the ECR repository prefix: ROOT, or 2 to 30 characters of the repository-name grammar (lower-case letters and digits joined by `.`, `_`, `__`, runs of `-`, or `/`) with an optional trailing `/` (ECR API reference, CreatePullThroughCacheRule: PullThroughCacheRuleRepositoryPrefix)",
    max: Some((
        PULL_THROUGH_CACHE_RULES_MAX,
        "not adjustable (ECR service quotas)",
    )),
};

/// The labels of `creation_template` blocks.
pub(crate) const TEMPLATE_PREFIX: PrefixShape = PrefixShape {
    object: "creation template",
    what: "a template prefix",
    length: TEMPLATE_PREFIX_LENGTH,
    help: "the label is the repository prefix: ROOT, or 1 to 256 characters of the repository-name grammar (lower-case letters and digits joined by `.`, `_`, `__`, runs of `-`, or `/`) with an optional trailing `/` (ECR API reference, CreateRepositoryCreationTemplate: Prefix)",
    max: None,
};

/// `ScanningRepositoryFilterValue`.
pub(crate) const SCANNING_FILTER: FilterShape = FilterShape {
    valid: is_scanning_filter,
    name: "ScanningRepositoryFilter",
    pattern: SCANNING_FILTER_PATTERN,
    longest: SCANNING_FILTER_LENGTH.1,
};

/// `SigningRepositoryFilterValue`.
pub(crate) const SIGNING_FILTER: FilterShape = FilterShape {
    valid: is_signing_filter,
    name: "SigningRepositoryFilter",
    pattern: SIGNING_FILTER_PATTERN,
    longest: SIGNING_FILTER_LENGTH.1,
};

/// How an upstream registry authenticates ECR (ECR User Guide, "Sync an upstream registry with
/// an Amazon ECR private registry",
/// <https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html>).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Auth {
    /// "doesn't require authentication".
    None,
    /// "requires authentication with AWS Secrets Manager secret": `credential_arn`.
    Secret,
    /// "requires authentication with AWS IAM role" when the upstream is in another account:
    /// `custom_role_arn`.
    Role,
}

/// An upstream registry a pull-through cache rule names, from its URL (the model's
/// `CreatePullThroughCacheRuleRequest.upstreamRegistryUrl` lists each one's syntax).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Upstream {
    /// `<account>.dkr.ecr.<region>.amazonaws.com`.
    Ecr { account: String, region: String },
    /// `public.ecr.aws`.
    EcrPublic,
    /// `ecr-premium.aws.com`: needs an `upstreamRoleArn`, which ecrplan does not model.
    EcrPublicPremium,
    /// `registry-1.docker.io`.
    DockerHub,
    /// `ghcr.io`.
    GithubContainerRegistry,
    /// `registry.gitlab.com`.
    GitlabContainerRegistry,
    /// `registry.k8s.io`.
    K8s,
    /// `quay.io`.
    Quay,
    /// `<custom>.azurecr.io`.
    AzureContainerRegistry,
    /// `cgr.dev`.
    Chainguard,
}

/// The hosts of the upstreams with a fixed URL, for the help of an unknown one.
pub(crate) const UPSTREAM_HOSTS: &[&str] = &[
    "public.ecr.aws",
    "registry-1.docker.io",
    "ghcr.io",
    "registry.gitlab.com",
    "registry.k8s.io",
    "quay.io",
    "cgr.dev",
];

impl Upstream {
    /// The upstream a URL names, when ECR supports it.
    pub(crate) fn of(url: &str) -> Option<Upstream> {
        Some(match url {
            "public.ecr.aws" => Upstream::EcrPublic,
            "ecr-premium.aws.com" => Upstream::EcrPublicPremium,
            "registry-1.docker.io" => Upstream::DockerHub,
            "ghcr.io" => Upstream::GithubContainerRegistry,
            "registry.gitlab.com" => Upstream::GitlabContainerRegistry,
            "registry.k8s.io" => Upstream::K8s,
            "quay.io" => Upstream::Quay,
            "cgr.dev" => Upstream::Chainguard,
            _ => {
                if let Some(name) = url.strip_suffix(".azurecr.io") {
                    return (!name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric()))
                        .then_some(Upstream::AzureContainerRegistry);
                }
                let (account, rest) = url.split_once(".dkr.ecr.")?;
                let region = rest.strip_suffix(".amazonaws.com")?;
                let region_ok = !region.is_empty()
                    && region
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
                if !(is_account_id(account) && region_ok) {
                    return None;
                }
                Upstream::Ecr {
                    account: account.to_owned(),
                    region: region.to_owned(),
                }
            }
        })
    }

    /// The model's `UpstreamRegistry` name.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Upstream::Ecr { .. } => "ecr",
            Upstream::EcrPublic => "ecr-public",
            Upstream::EcrPublicPremium => "ecr-public-premium",
            Upstream::DockerHub => "docker-hub",
            Upstream::GithubContainerRegistry => "github-container-registry",
            Upstream::GitlabContainerRegistry => "gitlab-container-registry",
            Upstream::K8s => "k8s",
            Upstream::Quay => "quay",
            Upstream::AzureContainerRegistry => "azure-container-registry",
            Upstream::Chainguard => "chainguard",
        }
    }

    /// How it authenticates ECR.
    pub(crate) fn auth(&self) -> Auth {
        match self {
            Upstream::EcrPublic | Upstream::K8s | Upstream::Quay => Auth::None,
            Upstream::DockerHub
            | Upstream::GithubContainerRegistry
            | Upstream::GitlabContainerRegistry
            | Upstream::AzureContainerRegistry
            | Upstream::Chainguard => Auth::Secret,
            Upstream::Ecr { .. } | Upstream::EcrPublicPremium => Auth::Role,
        }
    }
}

/// A URL written as users often write it but ECR does not take (`https://`, a path, Docker
/// Hub's short names), with the URL meant.
pub(crate) fn meant_upstream(url: &str) -> Option<String> {
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url);
    let host = host.split('/').next().unwrap_or(host).to_ascii_lowercase();
    let host = match host.as_str() {
        "docker.io" | "index.docker.io" | "hub.docker.com" | "registry.hub.docker.com" => {
            "registry-1.docker.io".to_owned()
        }
        "gitlab.com" => "registry.gitlab.com".to_owned(),
        "k8s.gcr.io" => "registry.k8s.io".to_owned(),
        _ => host,
    };
    (host != url && Upstream::of(&host).is_some()).then_some(host)
}

/// A 12-digit account id.
pub(crate) fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `aws`, `aws-cn`, `aws-us-gov`: the partition pattern `aws(-[a-z]+)*` of the ARN shapes.
fn is_partition(s: &str) -> bool {
    s.strip_prefix("aws").is_some_and(|rest| {
        rest.is_empty()
            || rest.strip_prefix('-').is_some_and(|parts| {
                parts
                    .split('-')
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
            })
    })
}

/// True for `ROOT` or a repository prefix of `min..=max` characters: the repository-name
/// grammar with an optional trailing `/` (`PullThroughCacheRuleRepositoryPrefix` and `Prefix`:
/// `^([a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*\/?|ROOT)$`).
pub(crate) fn is_repository_prefix(prefix: &str, (min, max): (usize, usize)) -> bool {
    let len = prefix.chars().count();
    if !(min..=max).contains(&len) {
        return false;
    }
    if prefix == "ROOT" {
        return true;
    }
    let path = prefix.strip_suffix('/').unwrap_or(prefix);
    // The repository-name check also bounds the length (2 to 256); a one-character path is a
    // single letter or digit.
    match path.len() {
        0 => false,
        1 => path
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
        _ => check_repository_name(path).is_ok(),
    }
}

/// True for a scanning filter under [`SCANNING_FILTER_PATTERN`] and [`SCANNING_FILTER_LENGTH`]:
/// lower-case letters, digits and `*`, joined by at most one of `._-/` at a time, starting and
/// ending with a letter, digit or `*`.
pub(crate) fn is_scanning_filter(filter: &str) -> bool {
    let (min, max) = SCANNING_FILTER_LENGTH;
    let word = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'*';
    let bytes = filter.as_bytes();
    (min..=max).contains(&bytes.len())
        && bytes.first().copied().is_some_and(word)
        && bytes.last().copied().is_some_and(word)
        && bytes.iter().all(|&b| word(b) || b"._-/".contains(&b))
        && bytes.windows(2).all(|w| word(w[0]) || word(w[1]))
}

/// True for a signing filter under [`SIGNING_FILTER_PATTERN`] and [`SIGNING_FILTER_LENGTH`]:
/// `/`-separated parts, each lower-case letters, digits and `*` joined by single `._-`.
pub(crate) fn is_signing_filter(filter: &str) -> bool {
    let (min, max) = SIGNING_FILTER_LENGTH;
    let word = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'*';
    (min..=max).contains(&filter.len())
        && filter.split('/').all(|part| {
            let bytes = part.as_bytes();
            bytes.first().copied().is_some_and(word)
                && bytes.last().copied().is_some_and(word)
                && bytes.iter().all(|&b| word(b) || b"._-".contains(&b))
                && bytes.windows(2).all(|w| word(w[0]) || word(w[1]))
        })
}

/// True for an AWS Signer profile ARN under [`SIGNING_PROFILE_ARN_PATTERN`] and
/// [`SIGNING_PROFILE_ARN_MAX`].
pub(crate) fn is_signing_profile_arn(arn: &str) -> bool {
    if arn.len() > SIGNING_PROFILE_ARN_MAX {
        return false;
    }
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts[..] {
        ["arn", partition, "signer", region, account, resource] => {
            is_partition(partition)
                && !region.is_empty()
                && region
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && is_account_id(account)
                && resource
                    .strip_prefix("/signing-profiles/")
                    .is_some_and(|name| {
                        name.len() >= 2
                            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                    })
        }
        _ => false,
    }
}

/// IAM's name characters in a principal path: `[\w+=,.@-]+` (`\w` as Java reads it, ASCII).
fn is_iam_path_part(part: &str) -> bool {
    !part.is_empty()
        && part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
}

/// The kind (`role`, `user`…) and account of an IAM ARN `arn:<partition>:iam::<account>:<kind>/<path>`
/// whose path parts are IAM name characters.
fn iam_arn(arn: &str) -> Option<(&str, &str)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ["arn", partition, "iam", "", account, resource] = parts[..] else {
        return None;
    };
    let (kind, path) = resource.split_once('/')?;
    (is_partition(partition) && is_account_id(account) && path.split('/').all(is_iam_path_part))
        .then_some((kind, account))
}

/// The kind (`role` or `user`) and account of an IAM principal ARN under
/// [`PRINCIPAL_ARN_PATTERN`] and [`PRINCIPAL_ARN_MAX`].
pub(crate) fn principal_arn(arn: &str) -> Option<(&str, &str)> {
    iam_arn(arn)
        .filter(|(kind, _)| arn.len() <= PRINCIPAL_ARN_MAX && matches!(*kind, "role" | "user"))
}

/// The account of an IAM role ARN, for a `custom_role_arn`, which the model bounds only by
/// length ([`CUSTOM_ROLE_ARN_MAX`]): ECR assumes it, so it is a role. A provider's
/// `assume_role` is read by it too: STS AssumeRole's `RoleArn` is 20 to 2,048 characters
/// (<https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html>), the same
/// bound, and a role ARN is never under 20.
pub(crate) fn role_arn_account(arn: &str) -> Option<&str> {
    iam_arn(arn)
        .filter(|(kind, _)| arn.len() <= CUSTOM_ROLE_ARN_MAX && *kind == "role")
        .map(|(_, account)| account)
}

/// The region and account of a Secrets Manager secret ARN whose name starts
/// [`CREDENTIAL_SECRET_PREFIX`] (`CredentialArn`:
/// `^arn:aws(-\w+)*:secretsmanager:[a-zA-Z0-9-:]+:secret:ecr\-pullthroughcache\/[a-zA-Z0-9\/_+=.@-]+$`,
/// [`CREDENTIAL_ARN_LENGTH`]); `None` when the ARN is not of that shape.
pub(crate) fn credential_arn(arn: &str) -> Option<(&str, &str)> {
    let (min, max) = CREDENTIAL_ARN_LENGTH;
    if !(min..=max).contains(&arn.len()) {
        return None;
    }
    let rest = arn.strip_prefix("arn:")?;
    let (partition, rest) = rest.split_once(":secretsmanager:")?;
    let partition_ok = partition.strip_prefix("aws").is_some_and(|p| {
        p.is_empty()
            || p.strip_prefix('-').is_some_and(|p| {
                p.split('-').all(|w| {
                    !w.is_empty() && w.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                })
            })
    });
    // The secret's name holds no `:`, so the last `:secret:` ends the place.
    let at = rest.rfind(":secret:")?;
    let (place, name) = (&rest[..at], &rest[at + ":secret:".len()..]);
    let place_ok = !place.is_empty()
        && place
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b':');
    let name_ok = name
        .strip_prefix(CREDENTIAL_SECRET_PREFIX)
        .is_some_and(|n| {
            !n.is_empty()
                && n.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"/_+=.@-".contains(&b))
        });
    if !(partition_ok && place_ok && name_ok) {
        return None;
    }
    Some(place.split_once(':').unwrap_or((place, "")))
}

/// True for a creation template's KMS key: `arn:aws[a-z0-9-]*:kms:[a-z0-9-]+:[0-9]{12}:key\/[a-z0-9-]+`
/// (`KmsKeyForRepositoryCreationTemplate`, at most [`TEMPLATE_KMS_KEY_MAX`] characters).
pub(crate) fn is_template_kms_key(arn: &str) -> bool {
    let lower = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    arn.len() <= TEMPLATE_KMS_KEY_MAX
        && match parts[..] {
            ["arn", partition, "kms", region, account, resource] => {
                partition
                    .strip_prefix("aws")
                    .is_some_and(|p| p.is_empty() || lower(p))
                    && lower(region)
                    && is_account_id(account)
                    && resource.strip_prefix("key/").is_some_and(lower)
            }
            _ => false,
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        let cache = CACHE_PREFIX_LENGTH;
        assert!(is_repository_prefix("ROOT", cache));
        assert!(is_repository_prefix("docker-hub", cache));
        assert!(is_repository_prefix("docker-hub/", cache));
        assert!(is_repository_prefix("a/b__c", cache));
        assert!(!is_repository_prefix("a", cache));
        assert!(!is_repository_prefix("Docker", cache));
        assert!(!is_repository_prefix("a//b", cache));
        assert!(!is_repository_prefix("ab//", cache));
        assert!(!is_repository_prefix(&"a".repeat(31), cache));
        let template = TEMPLATE_PREFIX_LENGTH;
        assert!(is_repository_prefix("a", template));
        assert!(is_repository_prefix("a/", template));
        assert!(is_repository_prefix("prod/team", template));
        assert!(!is_repository_prefix("", template));
        assert!(!is_repository_prefix("/", template));
        assert!(!is_repository_prefix("prod-", template));
    }

    #[test]
    fn scanning_filters() {
        for ok in ["*", "prod/*", "a.b-c_d/e*", "team-*/app"] {
            assert!(is_scanning_filter(ok), "{ok}");
        }
        for bad in [
            "",
            "Prod",
            "prod/",
            "/prod",
            "a--b",
            "a/-b",
            "a b",
            &"a".repeat(256),
        ] {
            assert!(!is_scanning_filter(bad), "{bad}");
        }
    }

    #[test]
    fn signing_filters() {
        for ok in ["*", "myapp/*", "*/production", "*prod*", "a.b/c-d_e"] {
            assert!(is_signing_filter(ok), "{ok}");
        }
        for bad in ["", "a//b", "a/", "A", "a--b", "-a", &"a".repeat(257)] {
            assert!(!is_signing_filter(bad), "{bad}");
        }
    }

    #[test]
    fn arns() {
        assert!(is_signing_profile_arn(
            "arn:aws:signer:eu-west-1:111122223333:/signing-profiles/prod"
        ));
        assert!(!is_signing_profile_arn(
            "arn:aws:signer:eu-west-1:111122223333:/signing-profiles/p"
        ));
        assert!(!is_signing_profile_arn(
            "arn:aws:signer:eu-west-1:111122223333:signing-profiles/prod"
        ));
        assert_eq!(
            principal_arn("arn:aws:iam::111122223333:role/ci/image-scanner"),
            Some(("role", "111122223333"))
        );
        assert_eq!(
            principal_arn("arn:aws-us-gov:iam::111122223333:user/bot"),
            Some(("user", "111122223333"))
        );
        assert_eq!(principal_arn("arn:aws:iam::111122223333:group/g"), None);
        assert_eq!(principal_arn("arn:aws:iam::111122223333:role/"), None);
        assert_eq!(principal_arn("arn:aws:sts::111122223333:role/r"), None);
        assert_eq!(
            role_arn_account("arn:aws:iam::111122223333:role/ecr-ptc"),
            Some("111122223333")
        );
        assert_eq!(role_arn_account("arn:aws:iam::111122223333:user/u"), None);
        assert_eq!(
            credential_arn(
                "arn:aws:secretsmanager:eu-west-1:111122223333:secret:ecr-pullthroughcache/docker-hub-AbCdEf"
            ),
            Some(("eu-west-1", "111122223333"))
        );
        assert_eq!(
            credential_arn(
                "arn:aws:secretsmanager:eu-west-1:111122223333:secret:dockerhub-credentials-AbCdEf"
            ),
            None
        );
        assert!(is_template_kms_key(
            "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        ));
        assert!(!is_template_kms_key("alias/ecr"));
    }

    /// The model names each upstream for the planner and the views
    /// (`PullThroughCacheRule::upstream`); the configuration, which validates more strictly (the
    /// ECR host's account and region, an Azure registry name), must name every URL the same and
    /// ask credentials of the same ones.
    #[test]
    fn upstreams_agree_with_the_model() {
        let urls = UPSTREAM_HOSTS.iter().map(|h| (*h).to_owned()).chain([
            "myregistry.azurecr.io".to_owned(),
            "111122223333.dkr.ecr.eu-west-1.amazonaws.com".to_owned(),
        ]);
        for url in urls {
            let rule = ecrplan_model::PullThroughCacheRule {
                prefix: "cache".into(),
                upstream_registry_url: url.clone(),
                credential_arn: None,
                custom_role_arn: None,
                upstream_repository_prefix: None,
            };
            let upstream = Upstream::of(&url).unwrap_or_else(|| panic!("{url} is refused"));
            assert_eq!(
                rule.upstream(),
                Some((upstream.name(), upstream.auth() == Auth::Secret)),
                "{url}"
            );
        }
    }

    #[test]
    fn upstreams() {
        assert_eq!(
            Upstream::of("registry-1.docker.io"),
            Some(Upstream::DockerHub)
        );
        assert_eq!(
            Upstream::of("111122223333.dkr.ecr.eu-west-1.amazonaws.com"),
            Some(Upstream::Ecr {
                account: "111122223333".into(),
                region: "eu-west-1".into()
            })
        );
        assert_eq!(
            Upstream::of("myregistry.azurecr.io"),
            Some(Upstream::AzureContainerRegistry)
        );
        assert_eq!(Upstream::of("docker.io"), None);
        assert_eq!(Upstream::of("gcr.io"), None);
        assert_eq!(
            meant_upstream("https://registry-1.docker.io/").as_deref(),
            Some("registry-1.docker.io")
        );
        assert_eq!(
            meant_upstream("docker.io").as_deref(),
            Some("registry-1.docker.io")
        );
        assert_eq!(meant_upstream("gcr.io"), None);
        assert_eq!(Upstream::DockerHub.auth(), Auth::Secret);
        assert_eq!(Upstream::Quay.auth(), Auth::None);
    }
}
