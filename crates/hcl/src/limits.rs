//! What AWS refuses at apply time that can be known offline, as plain rules: the sizes of the
//! documents ecrplan generates, tag text, key ARNs, identifiers and filters. Each rule cites the
//! AWS page it applies. This module imports nothing of its siblings; `checks` turns the rules
//! into diagnostics, and the decoders call the predicates directly.

/// ECR: `lifecyclePolicyText` is at most 30,720 characters
/// (<https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutLifecyclePolicy.html>).
pub(crate) const LIFECYCLE_POLICY_MAX: usize = 30_720;

/// ECR: `policyText` of a repository policy is at most 10,240 characters
/// (<https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_SetRepositoryPolicy.html>).
pub(crate) const REPOSITORY_POLICY_MAX: usize = 10_240;

/// IAM: "Role trust policy length: 2,048 characters", adjustable up to 4,096, counted without
/// whitespace (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html>).
pub(crate) const TRUST_POLICY_DEFAULT: usize = 2_048;

/// IAM: the most the trust policy quota can be raised to (same page).
pub(crate) const TRUST_POLICY_MAX: usize = 4_096;

/// IAM: "Role policy size cannot exceed 10,240 characters" — the aggregate of a role's inline
/// policies, whitespace not counted (same page).
pub(crate) const ROLE_INLINE_POLICY_MAX: usize = 10_240;

/// ECR service quotas: "Destinations per replication rule: 25"
/// (<https://docs.aws.amazon.com/AmazonECR/latest/userguide/service-quotas.html>).
pub(crate) const REPLICATION_DESTINATIONS_MAX: usize = 25;

/// ECR service quotas: "Filters per replication rule: 100" (same page; the API reference of
/// `ReplicationRule.repositoryFilters` says the same).
pub(crate) const REPLICATION_FILTERS_MAX: usize = 100;

/// AWS's limit of tags per repository and per role, ecrplan's own included.
pub(crate) const MAX_TAGS: usize = 50;

/// The tags ecrplan adds to every repository and role (`managed-by`, `ecrplan:estate`,
/// `ecrplan:module`), which count against [`MAX_TAGS`].
pub(crate) const OWNERSHIP_TAGS: usize = 3;

/// Characters as IAM counts them for its policy size quotas: whitespace is not counted.
pub(crate) fn iam_size(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}

/// True when IAM accepts `s` as a tag key or value: `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`
/// (letters as Unicode's Alphabetic property, which also admits a few combining marks).
pub(crate) fn iam_tag_text(s: &str) -> bool {
    s.chars().all(|c| {
        c.is_alphabetic()
            || c.is_numeric()
            || (c.is_whitespace() && !c.is_control())
            || "_.:/=+-@".contains(c)
    })
}

/// True for `arn:<partition>:kms:<region>:<12-digit account>:key/<id>`: the form ECR reports
/// for a repository's key, so the only form a plan can compare.
pub(crate) fn is_kms_key_arn(s: &str) -> bool {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    let name = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    match parts[..] {
        ["arn", partition, "kms", region, account, resource] => {
            name(partition)
                && name(region)
                && account.len() == 12
                && account.bytes().all(|b| b.is_ascii_digit())
                && resource.strip_prefix("key/").is_some_and(|id| {
                    !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                })
        }
        _ => false,
    }
}

/// True for a UUID written as 8-4-4-4-12 hex digits (a CircleCI organisation id).
pub(crate) fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// True when ECR accepts `filter` as a replication repository filter: 2 to 256 characters of
/// `^(?:[a-z0-9]+(?:[._-][a-z0-9]*)*/)*[a-z0-9]*(?:[._-][a-z0-9]*)*$`
/// (<https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_RepositoryFilter.html>):
/// lower-case letters, digits and `._-/`, each part before a `/` starting with a letter or digit.
pub(crate) fn is_replication_filter(filter: &str) -> bool {
    let len = filter.chars().count();
    if !(2..=256).contains(&len) {
        return false;
    }
    let allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b);
    let parts: Vec<&str> = filter.split('/').collect();
    let (last, leading) = parts.split_last().unwrap_or((&"", &[]));
    leading.iter().all(|p| {
        p.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            && p.bytes().all(allowed)
    }) && last.bytes().all(allowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replication_filters_follow_ecr_pattern() {
        assert!(is_replication_filter("team-a/"));
        assert!(is_replication_filter("prod"));
        assert!(is_replication_filter("a/b/c-"));
        assert!(!is_replication_filter("UPPER CASE*"));
        assert!(!is_replication_filter("a"));
        assert!(!is_replication_filter("/abs"));
        assert!(!is_replication_filter("a//b"));
        assert!(!is_replication_filter("prod*"));
    }

    #[test]
    fn iam_does_not_count_whitespace() {
        assert_eq!(iam_size("{ \"a\" : 1 }\n"), 7);
    }

    #[test]
    fn iam_tag_characters() {
        assert!(iam_tag_text("Team A: web/app_1=+-@.é"));
        assert!(iam_tag_text(""));
        assert!(!iam_tag_text("a,b"));
        assert!(!iam_tag_text("(x)"));
        assert!(!iam_tag_text("tab\there"));
    }

    #[test]
    fn kms_key_must_be_a_key_arn() {
        assert!(is_kms_key_arn(
            "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        ));
        assert!(is_kms_key_arn(
            "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/mrk-1234abcd"
        ));
        assert!(!is_kms_key_arn("alias/ecr"));
        assert!(!is_kms_key_arn("1234abcd-12ab-34cd-56ef-1234567890ab"));
        assert!(!is_kms_key_arn(
            "arn:aws:kms:eu-west-1:123456789012:alias/ecr"
        ));
        assert!(!is_kms_key_arn("arn:aws:kms:eu-west-1:1234:key/abc"));
    }

    #[test]
    fn uuids() {
        assert!(is_uuid("5bd1e4d8-1c2e-4f7b-9a59-2f1b9d1c0c11"));
        assert!(!is_uuid("not-a-uuid"));
    }
}
