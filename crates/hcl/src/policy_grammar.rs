//! The grammar of the IAM policy documents users write (a CI user's `policy`, the registry
//! policy, a creation template's repository policy), checked offline as IAM Access Analyzer's
//! ValidatePolicy would report errors, so that IAM's MalformedPolicyDocument (or ECR's "Invalid
//! registry policy provided") never reaches apply. Each list or limit is a constant citing its
//! AWS page. A leaf: it imports nothing of its siblings but the size rules in `limits`.

use std::collections::BTreeSet;

use serde_json::{Map, Value as Json};

use crate::limits::{REGISTRY_POLICY_MAX, REPOSITORY_POLICY_MAX, iam_size};

/// The policy language versions IAM accepts (IAM JSON policy element reference, "Version":
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html>).
/// Leaving `Version` out is allowed (ValidatePolicy only warns), so only a present other value
/// is an error.
pub(crate) const POLICY_VERSIONS: &[&str] = &["2012-10-17", "2008-10-17"];

/// The condition operators IAM knows (IAM JSON policy element reference, "Condition operators":
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>).
/// Each may be prefixed by a [`CONDITION_SET_PREFIXES`] entry and suffixed [`IF_EXISTS`].
pub(crate) const CONDITION_OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];

/// Set operators for multivalued keys (IAM User Guide, "Set operators for multivalued context
/// keys": <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html>).
pub(crate) const CONDITION_SET_PREFIXES: &[&str] = &["ForAllValues:", "ForAnyValue:"];

/// "…IfExists" makes any operator but `Null` pass when the key is absent ("Condition operators"
/// page above).
pub(crate) const IF_EXISTS: &str = "IfExists";

/// IAM: "Group policy size cannot exceed 5,120 characters" — the aggregate of a group's inline
/// policies, whitespace not counted (IAM and AWS STS quotas:
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html>). A CI user's
/// `policy` is its group's only inline policy.
pub(crate) const GROUP_INLINE_POLICY_MAX: usize = 5_120;

/// What a document is attached to: whether it must name principals, and its size quota.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PolicyType {
    /// A resource policy (repository, registry) names its principals; an identity policy (user,
    /// group, role inline) applies to what it is attached to and must not.
    pub(crate) resource: bool,
    /// The quota, in characters: as IAM counts them ([`iam_size`]), or every character of the
    /// compact JSON sent when `whitespace_counted` (ECR's `policyText` lengths).
    pub(crate) max_chars: usize,
    /// Whether the quota counts whitespace: ECR's do, IAM's do not.
    pub(crate) whitespace_counted: bool,
    /// The quota's name on its AWS page, for the help text.
    pub(crate) quota: &'static str,
}

/// A group's inline policy, which a CI user's `policy` becomes.
pub(crate) const GROUP_INLINE: PolicyType = PolicyType {
    resource: false,
    max_chars: GROUP_INLINE_POLICY_MAX,
    whitespace_counted: false,
    quota: "IAM and AWS STS quotas: group policy size",
};

/// A registry policy: a resource policy of at most [`REGISTRY_POLICY_MAX`] characters.
pub(crate) const REGISTRY: PolicyType = PolicyType {
    resource: true,
    max_chars: REGISTRY_POLICY_MAX,
    whitespace_counted: true,
    quota: "ECR PutRegistryPolicy: policyText is at most 10,240 characters",
};

/// A repository policy (a creation template's `repository_policy`): a resource policy of at
/// most [`REPOSITORY_POLICY_MAX`] characters.
pub(crate) const REPOSITORY: PolicyType = PolicyType {
    resource: true,
    max_chars: REPOSITORY_POLICY_MAX,
    whitespace_counted: true,
    quota: "ECR: a repository policy is at most 10,240 characters",
};

/// One thing ValidatePolicy reports as an error, in domain words; `path` names the element
/// (`Statement[1].Effect`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PolicyError {
    #[error("the policy is not a JSON object")]
    NotAnObject,
    #[error("`Version` is {found}; IAM knows only \"2012-10-17\" and \"2008-10-17\"")]
    Version { found: String },
    #[error("the policy has no `Statement`")]
    NoStatement,
    #[error("`{path}` must be a statement object or a non-empty list of them")]
    StatementShape { path: String },
    #[error("`{path}.Effect` is {found}; IAM accepts exactly \"Allow\" or \"Deny\"")]
    Effect { path: String, found: String },
    #[error("`{path}` has neither `Action` nor `NotAction`")]
    NoAction { path: String },
    #[error("`{path}` has both `{key}` and `Not{key}`")]
    Both { path: String, key: &'static str },
    #[error("`{path}` is {found}, not `service:Action` or `*`")]
    Action { path: String, found: String },
    #[error("`{path}` has neither `Resource` nor `NotResource`")]
    NoResource { path: String },
    #[error(
        "`{path}` is {found}, not `*` or an ARN (arn:partition:service:region:account:resource)"
    )]
    Resource { path: String, found: String },
    #[error("`{path}` names a `{key}`, which an identity policy must not")]
    PrincipalInIdentityPolicy { path: String, key: &'static str },
    #[error("`{path}` has neither `Principal` nor `NotPrincipal`")]
    NoPrincipal { path: String },
    #[error("`{path}.Sid` is {found}; a Sid is letters and digits only")]
    Sid { path: String, found: String },
    #[error("Sid \"{sid}\" is used by more than one statement")]
    DuplicateSid { sid: String },
    #[error("`{path}.Condition` must be an object of operators, each an object of keys")]
    ConditionShape { path: String },
    #[error("`{path}.Condition` uses the unknown operator \"{found}\"")]
    ConditionOperator {
        path: String,
        found: String,
        suggestion: Option<String>,
    },
    #[error("the policy is {size} characters ({counted}); the quota is {max}")]
    TooLarge {
        size: usize,
        max: usize,
        counted: &'static str,
        quota: &'static str,
    },
}

impl PolicyError {
    /// What the label at the document says.
    pub(crate) fn label(&self) -> &'static str {
        match self {
            PolicyError::TooLarge { .. } => "too large",
            _ => "not a valid IAM policy",
        }
    }

    /// The fix, when one is known, as a `help:` line.
    pub(crate) fn help(&self) -> Option<String> {
        Some(match self {
            PolicyError::NotAnObject | PolicyError::NoStatement => {
                "give an IAM policy document: {\"Version\": \"2012-10-17\", \"Statement\": [...]}"
                    .into()
            }
            PolicyError::Version { .. } => "write \"Version\": \"2012-10-17\"".into(),
            PolicyError::StatementShape { .. } => {
                "write \"Statement\": [{\"Effect\": \"Allow\", \"Action\": [...], \"Resource\": [...]}]".into()
            }
            PolicyError::Effect { found, .. } => match found.trim_matches('"').to_lowercase() {
                e if e == "allow" => "write \"Allow\": IAM is case-sensitive here".into(),
                e if e == "deny" => "write \"Deny\": IAM is case-sensitive here".into(),
                _ => "write \"Effect\": \"Allow\" or \"Effect\": \"Deny\"".into(),
            },
            PolicyError::NoAction { .. } => {
                "list the actions, e.g. \"Action\": [\"ecr:BatchGetImage\"]".into()
            }
            PolicyError::Both { key, .. } => format!("keep one of `{key}` and `Not{key}`"),
            PolicyError::Action { .. } => {
                "write each action as service:Action, e.g. \"ecr:BatchGetImage\" or \"ecr:Describe*\"".into()
            }
            PolicyError::NoResource { .. } | PolicyError::Resource { .. } => {
                "give \"*\" or an ARN, e.g. \"arn:aws:ecr:eu-west-2:123456789012:repository/app\"".into()
            }
            PolicyError::PrincipalInIdentityPolicy { key, .. } => {
                format!("remove `{key}`: the policy applies to the user or group it is attached to")
            }
            PolicyError::NoPrincipal { .. } => {
                "name who is allowed, e.g. \"Principal\": {\"AWS\": \"arn:aws:iam::123456789012:root\"}".into()
            }
            PolicyError::Sid { .. } => "use only letters and digits, e.g. \"PushImages\"".into(),
            PolicyError::DuplicateSid { .. } => "give each statement its own Sid".into(),
            PolicyError::ConditionShape { .. } => {
                "write \"Condition\": {\"StringEquals\": {\"aws:PrincipalAccount\": \"123456789012\"}}".into()
            }
            PolicyError::ConditionOperator { suggestion, .. } => match suggestion {
                Some(s) => format!("did you mean \"{s}\"?"),
                None => return None,
            },
            PolicyError::TooLarge { quota, .. } => format!("shorten it ({quota})"),
        })
    }
}

/// Every error in `doc` as a policy of type `kind`, in document order; none for a valid one.
pub(crate) fn check(doc: &Json, kind: PolicyType) -> Vec<PolicyError> {
    let mut errors = Vec::new();
    let Some(obj) = doc.as_object() else {
        return vec![PolicyError::NotAnObject];
    };
    if let Some(v) = obj.get("Version")
        && !v.as_str().is_some_and(|s| POLICY_VERSIONS.contains(&s))
    {
        errors.push(PolicyError::Version {
            found: v.to_string(),
        });
    }
    match obj.get("Statement") {
        None => errors.push(PolicyError::NoStatement),
        Some(Json::Object(s)) => statement(s, "Statement", kind, &mut errors),
        Some(Json::Array(list)) if !list.is_empty() => {
            for (i, s) in list.iter().enumerate() {
                let path = format!("Statement[{i}]");
                match s.as_object() {
                    Some(s) => statement(s, &path, kind, &mut errors),
                    None => errors.push(PolicyError::StatementShape { path }),
                }
            }
        }
        Some(_) => errors.push(PolicyError::StatementShape {
            path: "Statement".into(),
        }),
    }
    let mut seen = BTreeSet::new();
    for sid in statements(doc).filter_map(|s| s.get("Sid")?.as_str()) {
        if !seen.insert(sid) {
            errors.push(PolicyError::DuplicateSid { sid: sid.into() });
        }
    }
    let text = doc.to_string();
    let (size, counted) = if kind.whitespace_counted {
        (text.chars().count(), "as sent")
    } else {
        (iam_size(&text), "whitespace not counted")
    };
    if size > kind.max_chars {
        errors.push(PolicyError::TooLarge {
            size,
            max: kind.max_chars,
            counted,
            quota: kind.quota,
        });
    }
    errors
}

/// The statement objects of a document, whether `Statement` is one or a list.
fn statements(doc: &Json) -> impl Iterator<Item = &Map<String, Json>> {
    let all: Vec<&Json> = match doc.get("Statement") {
        Some(Json::Array(list)) => list.iter().collect(),
        Some(s) => vec![s],
        None => Vec::new(),
    };
    all.into_iter().filter_map(Json::as_object)
}

fn statement(s: &Map<String, Json>, path: &str, kind: PolicyType, errors: &mut Vec<PolicyError>) {
    if let Some(sid) = s.get("Sid")
        && !sid
            .as_str()
            .is_some_and(|t| t.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        errors.push(PolicyError::Sid {
            path: path.into(),
            found: sid.to_string(),
        });
    }
    match s.get("Effect").and_then(Json::as_str) {
        Some("Allow" | "Deny") => {}
        other => errors.push(PolicyError::Effect {
            path: path.into(),
            found: other.map_or_else(|| "missing".into(), |e| format!("\"{e}\"")),
        }),
    }
    match one_of(s, "Action", path, errors) {
        Some((key, v)) => each_string(
            v,
            &format!("{path}.{key}"),
            is_action,
            errors,
            |path, found| PolicyError::Action { path, found },
        ),
        None => errors.push(PolicyError::NoAction { path: path.into() }),
    }
    match one_of(s, "Resource", path, errors) {
        Some((key, v)) => {
            each_string(
                v,
                &format!("{path}.{key}"),
                is_resource,
                errors,
                |path, found| PolicyError::Resource { path, found },
            );
        }
        // Resource policies name their resource by where they are attached.
        None if !kind.resource => errors.push(PolicyError::NoResource { path: path.into() }),
        None => {}
    }
    match (one_of(s, "Principal", path, errors), kind.resource) {
        (Some((key, _)), false) => errors.push(PolicyError::PrincipalInIdentityPolicy {
            path: path.into(),
            key,
        }),
        (None, true) => errors.push(PolicyError::NoPrincipal { path: path.into() }),
        _ => {}
    }
    if let Some(c) = s.get("Condition") {
        condition(c, path, errors);
    }
}

/// The element `key` or `Not{key}` of a statement, with the one found; both is an error.
fn one_of<'a>(
    s: &'a Map<String, Json>,
    key: &'static str,
    path: &str,
    errors: &mut Vec<PolicyError>,
) -> Option<(&'static str, &'a Json)> {
    let not_key: &'static str = match key {
        "Action" => "NotAction",
        "Resource" => "NotResource",
        _ => "NotPrincipal",
    };
    match (s.get(key), s.get(not_key)) {
        (Some(v), None) => Some((key, v)),
        (None, Some(v)) => Some((not_key, v)),
        (Some(v), Some(_)) => {
            errors.push(PolicyError::Both {
                path: path.into(),
                key,
            });
            Some((key, v))
        }
        (None, None) => None,
    }
}

/// Checks a string-or-list element item by item with `valid`, reporting each bad item.
fn each_string(
    v: &Json,
    path: &str,
    valid: fn(&str) -> bool,
    errors: &mut Vec<PolicyError>,
    error: fn(String, String) -> PolicyError,
) {
    let items: Vec<(String, &Json)> = match v {
        Json::Array(list) if !list.is_empty() => list
            .iter()
            .enumerate()
            .map(|(i, item)| (format!("{path}[{i}]"), item))
            .collect(),
        _ => vec![(path.to_owned(), v)],
    };
    for (path, item) in items {
        if !item.as_str().is_some_and(valid) {
            errors.push(error(path, item.to_string()));
        }
    }
}

/// `*` or `service:Action`. IAM's "Action" page: the service prefix and action name are case
/// insensitive, and names may use `*` and `?` wildcards
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html>).
pub(crate) fn is_action(a: &str) -> bool {
    if a == "*" {
        return true;
    }
    a.split_once(':').is_some_and(|(service, action)| {
        !service.is_empty()
            && service
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !action.is_empty()
            && action
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'*' || b == b'?')
    })
}

/// `*` or `arn:partition:service:region:account:resource`, any part may hold wildcards and
/// region and account may be empty (IAM's "Resource" page,
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html>).
pub(crate) fn is_resource(r: &str) -> bool {
    if r == "*" {
        return true;
    }
    match r.splitn(6, ':').collect::<Vec<_>>()[..] {
        ["arn", partition, service, _region, _account, resource] => {
            !partition.is_empty() && !service.is_empty() && !resource.is_empty()
        }
        _ => false,
    }
}

/// True for an operator of [`CONDITION_OPERATORS`], with its optional set prefix and `IfExists`.
pub(crate) fn is_condition_operator(op: &str) -> bool {
    let op = CONDITION_SET_PREFIXES
        .iter()
        .find_map(|p| op.strip_prefix(p))
        .unwrap_or(op);
    let base = op.strip_suffix(IF_EXISTS).unwrap_or(op);
    CONDITION_OPERATORS.contains(&base) && !(base == "Null" && base != op)
}

fn condition(c: &Json, path: &str, errors: &mut Vec<PolicyError>) {
    let Some(ops) = c.as_object() else {
        errors.push(PolicyError::ConditionShape { path: path.into() });
        return;
    };
    for (op, keys) in ops {
        if !is_condition_operator(op) {
            let suggestion = CONDITION_OPERATORS
                .iter()
                .map(|known| {
                    (
                        strsim::levenshtein(&op.to_lowercase(), &known.to_lowercase()),
                        known,
                    )
                })
                .filter(|(d, _)| *d <= 3)
                .min()
                .map(|(_, known)| (*known).to_owned());
            errors.push(PolicyError::ConditionOperator {
                path: path.into(),
                found: op.clone(),
                suggestion,
            });
        } else if !keys.is_object() {
            errors.push(PolicyError::ConditionShape { path: path.into() });
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn errors(statement: Json) -> Vec<PolicyError> {
        check(
            &json!({"Version": "2012-10-17", "Statement": statement}),
            GROUP_INLINE,
        )
    }

    fn push() -> Json {
        json!({"Sid": "Push", "Effect": "Allow", "Action": ["ecr:PutImage", "ecr:Batch*"], "Resource": "*"})
    }

    #[test]
    fn valid_documents_pass() {
        let example: Json =
            serde_json::from_str(include_str!("../../../examples/gitlab-ci/ecr-access.json"))
                .unwrap();
        assert_eq!(check(&example, GROUP_INLINE), vec![]);
        assert_eq!(errors(push()), vec![]);
        // One statement, no Version, NotAction/NotResource, a condition with prefix and suffix.
        let doc = json!({"Statement": {"Effect": "Deny", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::bucket/*",
            "Condition": {"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": ["a*"]}}}});
        assert_eq!(check(&doc, GROUP_INLINE), vec![]);
        let repo = json!({"Version": "2008-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "ecr:BatchGetImage"}]});
        assert_eq!(check(&repo, REPOSITORY), vec![]);
    }

    #[test]
    fn version_must_be_known_when_present() {
        let doc = json!({"Version": "2012-10-18", "Statement": push()});
        assert_eq!(
            check(&doc, GROUP_INLINE),
            vec![PolicyError::Version {
                found: "\"2012-10-18\"".into()
            }]
        );
    }

    #[test]
    fn statement_shape() {
        assert_eq!(
            check(&json!([]), GROUP_INLINE),
            vec![PolicyError::NotAnObject]
        );
        assert_eq!(
            check(&json!({"Version": "2012-10-17"}), GROUP_INLINE),
            vec![PolicyError::NoStatement]
        );
        assert_eq!(
            errors(json!([])),
            vec![PolicyError::StatementShape {
                path: "Statement".into()
            }]
        );
        assert_eq!(
            errors(json!([push(), "x"])),
            vec![PolicyError::StatementShape {
                path: "Statement[1]".into()
            }]
        );
    }

    #[test]
    fn effect_is_case_sensitive() {
        let e = errors(json!({"Effect": "allow", "Action": "ecr:*", "Resource": "*"}));
        assert_eq!(e.len(), 1);
        assert_eq!(
            e[0].help().unwrap(),
            "write \"Allow\": IAM is case-sensitive here"
        );
        let e = errors(json!({"Action": "ecr:*", "Resource": "*"}));
        assert!(matches!(&e[..], [PolicyError::Effect { found, .. }] if found == "missing"));
    }

    #[test]
    fn actions() {
        assert!(is_action("*"));
        assert!(is_action("ecr:Get*"));
        assert!(is_action("ECR:getauthorizationtoken"));
        assert!(is_action("elastic-inference:Connect"));
        assert!(is_action("s3:Get?bject"));
        assert!(!is_action("ecr"));
        assert!(!is_action("ecr:"));
        assert!(!is_action("ecr:Get Image"));
        assert!(!is_action(":GetImage"));
        assert!(!is_action("ecr:Batch:Get"));
        let e = errors(
            json!({"Effect": "Allow", "Action": ["ecr:PutImage", "PutImage", 1], "Resource": "*"}),
        );
        assert_eq!(
            e,
            vec![
                PolicyError::Action {
                    path: "Statement.Action[1]".into(),
                    found: "\"PutImage\"".into()
                },
                PolicyError::Action {
                    path: "Statement.Action[2]".into(),
                    found: "1".into()
                },
            ]
        );
        let e = errors(
            json!({"Effect": "Allow", "Action": "ecr:*", "NotAction": "ecr:Put*", "Resource": "*"}),
        );
        assert!(matches!(&e[..], [PolicyError::Both { key: "Action", .. }]));
        let e = errors(json!({"Effect": "Allow", "Resource": "*"}));
        assert!(matches!(&e[..], [PolicyError::NoAction { .. }]));
        let e = errors(json!({"Effect": "Allow", "Action": [], "Resource": "*"}));
        assert!(matches!(&e[..], [PolicyError::Action { .. }]));
    }

    #[test]
    fn resources() {
        assert!(is_resource("*"));
        assert!(is_resource("arn:aws:ecr:*:*:repository/team/*"));
        assert!(is_resource("arn:aws:s3:::bucket"));
        assert!(is_resource(
            "arn:aws:iam::123456789012:user/${aws:username}"
        ));
        assert!(!is_resource("repository/app"));
        assert!(!is_resource("arn:aws:ecr:eu-west-2:123456789012"));
        assert!(!is_resource(
            "arn::ecr:eu-west-2:123456789012:repository/app"
        ));
        let e = errors(json!({"Effect": "Allow", "Action": "ecr:*"}));
        assert!(matches!(&e[..], [PolicyError::NoResource { .. }]));
        let e = errors(json!({"Effect": "Allow", "Action": "ecr:*", "Resource": "app"}));
        assert!(matches!(&e[..], [PolicyError::Resource { .. }]));
    }

    #[test]
    fn principals_belong_to_resource_policies_only() {
        let mut s = push();
        s["Principal"] = json!("*");
        assert!(matches!(
            &errors(s)[..],
            [PolicyError::PrincipalInIdentityPolicy {
                key: "Principal",
                ..
            }]
        ));
        let doc = json!({"Statement": {"Effect": "Allow", "Action": "ecr:BatchGetImage"}});
        assert!(matches!(
            &check(&doc, REPOSITORY)[..],
            [PolicyError::NoPrincipal { .. }]
        ));
    }

    #[test]
    fn sids_are_alphanumeric_and_unique() {
        let mut bad = push();
        bad["Sid"] = json!("push-images");
        assert!(matches!(&errors(bad)[..], [PolicyError::Sid { .. }]));
        assert_eq!(
            errors(json!([push(), push()])),
            vec![PolicyError::DuplicateSid { sid: "Push".into() }]
        );
    }

    #[test]
    fn condition_operators() {
        assert!(is_condition_operator("StringEquals"));
        assert!(is_condition_operator("ForAllValues:StringLike"));
        assert!(is_condition_operator("ArnLikeIfExists"));
        assert!(is_condition_operator("Null"));
        assert!(!is_condition_operator("NullIfExists"));
        assert!(!is_condition_operator("StringEqual"));
        assert!(!is_condition_operator("ForAllValues:"));
        let mut s = push();
        s["Condition"] = json!({"StringEqual": {"aws:PrincipalAccount": "123456789012"}});
        let e = errors(s);
        assert_eq!(e[0].help().unwrap(), "did you mean \"StringEquals\"?");
        let mut s = push();
        s["Condition"] = json!({"StringEquals": "x"});
        assert!(matches!(
            &errors(s)[..],
            [PolicyError::ConditionShape { .. }]
        ));
    }

    #[test]
    fn size_counts_without_whitespace() {
        let actions: Vec<String> = (0..400).map(|i| format!("ecr:Action{i:04}")).collect();
        let doc = json!({"Statement": {"Effect": "Allow", "Action": actions, "Resource": "*"}});
        assert!(matches!(
            &check(&doc, GROUP_INLINE)[..],
            [PolicyError::TooLarge { max: 5_120, .. }]
        ));
        // Within the repository quota: only the missing Principal.
        assert!(matches!(
            &check(&doc, REPOSITORY)[..],
            [PolicyError::NoPrincipal { .. }]
        ));
    }
}
