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

/// ECR: `policyText` of a registry policy is at most 10,240 characters
/// (<https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutRegistryPolicy.html>).
pub(crate) const REGISTRY_POLICY_MAX: usize = 10_240;

/// IAM: "Role trust policy length: 2,048 characters", adjustable up to 4,096, counted without
/// whitespace (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html>).
pub(crate) const TRUST_POLICY_DEFAULT: usize = 2_048;

/// IAM: the most the trust policy quota can be raised to (same page).
pub(crate) const TRUST_POLICY_MAX: usize = 4_096;

/// IAM: "Role policy size cannot exceed 10,240 characters" — the aggregate of a role's inline
/// policies, whitespace not counted (same page).
pub(crate) const ROLE_INLINE_POLICY_MAX: usize = 10_240;

/// ECR: "The replication configuration for a private registry may contain up to 25 unique
/// destinations across all rules, with a maximum of 10 rules total. Each rule may contain up to
/// 100 filters." (ECR User Guide, "Considerations for private image replication",
/// <https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication.html>). Destinations are
/// counted once across the whole configuration, not per rule; the service model's list shapes
/// (25 rules, 100 destinations a rule) only bound the request.
pub(crate) const REPLICATION_DESTINATIONS_MAX: usize = 25;

/// ECR: "with a maximum of 10 rules total" (the sentence quoted at
/// [`REPLICATION_DESTINATIONS_MAX`]).
pub(crate) const REPLICATION_RULES_MAX: usize = 10;

/// ECR: "Each rule may contain up to 100 filters" (the same sentence; the service model's
/// `RepositoryFilterList` has max 100 too).
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

/// Tag keys are 1 to 128 characters on every object ecrplan tags: IAM's `tagKeyType` (min 1,
/// max 128) and ECR's `Tag` ("Tag keys can have a maximum character length of 128
/// characters") in the service models (botocore 1.44.18, `iam/2010-05-08` and
/// `ecr/2015-09-21`; <https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_Tag.html>,
/// <https://docs.aws.amazon.com/IAM/latest/APIReference/API_Tag.html>).
pub(crate) const TAG_KEY_MAX: usize = 128;

/// Tag values are at most 256 characters: IAM's `tagValueType` (max 256) and ECR's `Tag` ("tag
/// values can have a maximum length of 256 characters"), same models and pages.
pub(crate) const TAG_VALUE_MAX: usize = 256;

/// IAM's `tagKeyType` and `tagValueType` pattern (same model). ECR's model gives its tags no
/// pattern; AWS's tagging guide names these characters as the ones generally allowed across
/// services ("letters, numbers, spaces representable in UTF-8, and `_ . : / = + - @`",
/// <https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html>), and a module's tags
/// reach its repositories, roles and users alike, so ecrplan checks every object against it.
pub(crate) const TAG_PATTERN: &str = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*";

/// True when `s` is tag text under [`TAG_PATTERN`] (letters as Unicode's Alphabetic property,
/// which also admits a few combining marks).
pub(crate) fn tag_text(s: &str) -> bool {
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

/// STS AssumeRole, `ExternalId`: "Length Constraints: Minimum length of 2. Maximum length of
/// 1224. Pattern: `[\w+=,.@:\/-]*`"
/// (<https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html>). A trust policy's
/// `sts:ExternalId` condition (`assume_role_access`) and a provider's `assume_role` send the
/// same parameter.
pub(crate) const EXTERNAL_ID_LENGTH: (usize, usize) = (2, 1_224);

/// STS AssumeRole, `RoleSessionName`: "Length Constraints: Minimum length of 2. Maximum length
/// of 64. Pattern: `[\w+=,.@-]*`" (the page cited at [`EXTERNAL_ID_LENGTH`]).
pub(crate) const SESSION_NAME_LENGTH: (usize, usize) = (2, 64);

/// The punctuation of STS's `ExternalId` alphabet, `[\w+=,.@:\/-]` (`\w` as Java reads it:
/// ASCII letters, digits and `_`).
pub(crate) const EXTERNAL_ID_PUNCTUATION: &str = "_+=,.@:/-";

/// The punctuation of STS's `RoleSessionName` alphabet, `[\w+=,.@-]`.
pub(crate) const SESSION_NAME_PUNCTUATION: &str = "_+=,.@-";

/// True for an STS external id: [`EXTERNAL_ID_LENGTH`] characters of its alphabet.
pub(crate) fn is_external_id(s: &str) -> bool {
    sts_problem(s, EXTERNAL_ID_LENGTH, EXTERNAL_ID_PUNCTUATION).is_none()
}

/// Why STS refuses `s` as a parameter of `min..=max` characters, each an ASCII letter or digit
/// or one of `punctuation`: its length, or its first character outside the alphabet.
pub(crate) fn sts_problem(
    s: &str,
    (min, max): (usize, usize),
    punctuation: &str,
) -> Option<String> {
    let n = s.chars().count();
    if !(min..=max).contains(&n) {
        return Some(format!("is {n} character{}", if n == 1 { "" } else { "s" }));
    }
    s.chars()
        .find(|c| !c.is_ascii_alphanumeric() && !punctuation.contains(*c))
        .map(|c| format!("holds {c:?}"))
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
    fn tag_characters() {
        assert!(tag_text("Team A: web/app_1=+-@.é"));
        assert!(tag_text(""));
        assert!(!tag_text("a,b"));
        assert!(!tag_text("(x)"));
        assert!(!tag_text("tab\there"));
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
    fn sts_parameters() {
        assert!(is_external_id("a1:b/c-d_e+f=g,h.i@j"));
        assert!(!is_external_id("x"));
        assert!(!is_external_id(&"x".repeat(1_225)));
        assert!(is_external_id(&"x".repeat(1_224)));
        assert_eq!(
            sts_problem("has space", EXTERNAL_ID_LENGTH, EXTERNAL_ID_PUNCTUATION),
            Some("holds ' '".to_owned())
        );
        let session = |s: &str| sts_problem(s, SESSION_NAME_LENGTH, SESSION_NAME_PUNCTUATION);
        assert_eq!(session("terraform"), None);
        assert_eq!(session("a:b"), Some("holds ':'".to_owned()));
        assert_eq!(
            session(&"s".repeat(65)),
            Some("is 65 characters".to_owned())
        );
        assert_eq!(session("é"), Some("is 1 character".to_owned()));
        assert_eq!(session("é1"), Some("holds 'é'".to_owned()));
    }

    #[test]
    fn uuids() {
        assert!(is_uuid("5bd1e4d8-1c2e-4f7b-9a59-2f1b9d1c0c11"));
        assert!(!is_uuid("not-a-uuid"));
    }
}
