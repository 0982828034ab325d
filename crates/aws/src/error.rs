//! Turning SDK errors into [`ProviderError`]s: the AWS error code and message, never the request
//! (which carries signed headers); and the errors ecrplan itself raises about a change it cannot
//! make. A leaf: it imports nothing of the crate, so every module can use it.

use aws_sdk_ecr::error::{ProvideErrorMetadata, SdkError};
use ecrplan_model::{Kind, ObjectId, ProviderError, Resource};

/// Error codes that mean "the object is not there", across ECR, IAM and SSM.
const NOT_FOUND: &[&str] = &[
    "RepositoryNotFoundException",
    "RepositoryPolicyNotFoundException",
    "LifecyclePolicyNotFoundException",
    "NoSuchEntity",
    "NoSuchEntityException",
    "RegistryPolicyNotFoundException",
    "PullThroughCacheRuleNotFoundException",
    "TemplateNotFoundException",
    "SigningConfigurationNotFoundException",
    "ExclusionNotFoundException",
    "ParameterNotFound",
];

/// Error codes that mean "the object exists already".
const ALREADY_EXISTS: &[&str] = &[
    "RepositoryAlreadyExistsException",
    "EntityAlreadyExists",
    "PullThroughCacheRuleAlreadyExistsException",
    "TemplateAlreadyExistsException",
    "ExclusionAlreadyExistsException",
    "ParameterAlreadyExists",
];

/// The error as the API reported it; transport failures carry the SDK's explanation.
pub(crate) fn api<E, R>(operation: &str, err: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    match err.code() {
        Some(code) => ProviderError::Api {
            operation: operation.to_owned(),
            code: code.to_owned(),
            message: err.message().unwrap_or_default().to_owned(),
        },
        // No answer at all: the request never reached a server (DNS, a refused connection)
        // or none came back in time.
        None if matches!(
            err,
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_)
        ) =>
        {
            ProviderError::Unreachable(format!("{operation}: {}", causes(&err)))
        }
        None => ProviderError::Transport(format!("{operation}: {}", causes(&err))),
    }
}

/// The error and its sources, one after the other: the SDK's own rendering ends with a debug
/// dump of the whole error, which helps nobody at a terminal.
fn causes(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = cause.source();
    }
    out
}

/// Like [`api`], but with the domain errors the plan reacts to: missing and duplicate objects,
/// and repositories that still hold images.
pub(crate) fn on<E, R>(operation: &str, id: &ObjectId, err: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    classify(api(operation, err), id)
}

/// Maps an API error about `id` onto the domain errors.
pub(crate) fn classify(err: ProviderError, id: &ObjectId) -> ProviderError {
    match &err {
        ProviderError::Api { code, .. } if NOT_FOUND.contains(&code.as_str()) => {
            ProviderError::NotFound(id.clone())
        }
        ProviderError::Api { code, .. } if ALREADY_EXISTS.contains(&code.as_str()) => {
            ProviderError::AlreadyExists(id.clone())
        }
        ProviderError::Api { code, .. } if code == "RepositoryNotEmptyException" => {
            ProviderError::RepositoryNotEmpty(id.key.clone())
        }
        _ => err,
    }
}

/// Error codes that mean "these credentials or this endpoint may not make that call": the
/// caller lacks the IAM permission, or the service is not offered there.
const MAY_NOT_CALL: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnrecognizedClientException",
    "UnknownOperationException",
    "InvalidAction",
    "NotImplemented",
];

/// Whether an error says the caller may not make the call at all (rather than that it failed),
/// so a slower way to the same answer is worth taking.
pub(crate) fn may_not_call(err: &ProviderError) -> bool {
    matches!(err, ProviderError::Api { code, .. } if MAY_NOT_CALL.contains(&code.as_str()))
}

/// Whether an error code says the object is absent (a read that finds nothing).
pub(crate) fn is_not_found(err: &ProviderError) -> bool {
    matches!(err, ProviderError::Api { code, .. } if NOT_FOUND.contains(&code.as_str()))
}

/// IAM and ECR errors that a just-created principal, provider or repository causes until the
/// change has propagated; they are retried for a bounded time.
pub(crate) fn is_propagation_delay(err: &ProviderError) -> bool {
    match err {
        ProviderError::Api { code, message, .. } => {
            (code == "MalformedPolicyDocument" && message.contains("Invalid principal"))
                || (code == "InvalidParameterException"
                    && message.contains("Invalid repository policy provided"))
                || code == "RepositoryNotFoundException"
                || code == "NoSuchEntity"
        }
        _ => false,
    }
}

/// Drops a NoSuchEntity answer: the object was deleted between the listing and this read.
pub(crate) fn unless_gone<T>(result: Result<T, ProviderError>) -> Result<Option<T>, ProviderError> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A request that cannot be built: a bug or bad input, never worth retrying as a network error.
pub(crate) fn invalid(e: impl std::fmt::Display) -> ProviderError {
    ProviderError::Api {
        operation: "BuildRequest".into(),
        code: "InvalidRequest".into(),
        message: format!("cannot build the request: {e}"),
    }
}

/// A document AWS answered that is not JSON: the answer is wrong, so asking again will not help.
pub(crate) fn not_json(operation: &str, e: impl std::fmt::Display) -> ProviderError {
    ProviderError::Api {
        operation: operation.to_owned(),
        code: "InvalidDocument".into(),
        message: format!("the document is not JSON: {e}"),
    }
}

/// An attribute that AWS fixes at creation: the plan must replace the object instead.
pub(crate) fn requires_replacement(id: &ObjectId, attribute: &str) -> ProviderError {
    ProviderError::Api {
        operation: "Update".into(),
        code: "RequiresReplacement".into(),
        message: format!("the {attribute} of {id} cannot change in place"),
    }
}

/// An update the server answered with success but did not take: it still holds `held` for
/// `attribute`. Not retried: asking again gets the same answer.
pub(crate) fn not_taken(
    id: &ObjectId,
    operation: &str,
    attribute: &str,
    held: impl std::fmt::Display,
) -> ProviderError {
    ProviderError::Api {
        operation: operation.to_owned(),
        code: "ChangeNotTaken".into(),
        message: format!(
            "the server answered with success but kept {attribute} = {held} on {id}; \
             the change did not take effect"
        ),
    }
}

/// Checks what a write answered that AWS now holds (`held`, converted as a read converts it)
/// against what was written: a server can answer with success and hold something else (a
/// default it filled in, a value it did not take), and reporting success then would show the
/// same change on every plan. Compared in canonical form, as a plan compares; the first
/// attribute that differs is named with the value held.
pub(crate) fn converged(
    id: &ObjectId,
    operation: &str,
    wanted: &Resource,
    held: &Resource,
) -> Result<(), ProviderError> {
    let (wanted, held) = (wanted.canonical(), held.canonical());
    if wanted == held {
        return Ok(());
    }
    let json = |r: &Resource| serde_json::to_value(r).unwrap_or_default();
    let (wanted, held) = (json(&wanted), json(&held));
    let differing = wanted
        .as_object()
        .zip(held.as_object())
        .and_then(|(w, h)| w.keys().chain(h.keys()).find(|k| w.get(*k) != h.get(*k)));
    let attribute = differing.map_or("the object", String::as_str);
    let value = differing
        .and_then(|k| held.get(k))
        .map_or_else(|| "nothing".to_owned(), ToString::to_string);
    Err(not_taken(id, operation, attribute, value))
}

/// A kind that carries no tags was asked to take some; `why` says where its ownership lives.
pub(crate) fn cannot_tag(id: &ObjectId, why: &str) -> ProviderError {
    ProviderError::Api {
        operation: "Tag".into(),
        code: "InvalidParameter".into(),
        message: format!("{id} cannot carry tags: {why}"),
    }
}

/// A kind with nothing to change in place was asked to change; `why` says what it is.
pub(crate) fn cannot_update(id: &ObjectId, why: &str) -> ProviderError {
    invalid(format!("{id} cannot be updated: {why}"))
}

/// A handler was given an object of another kind: the dispatch is wrong, not AWS.
pub(crate) fn mismatch(expected: Kind, got: Kind) -> ProviderError {
    invalid(format!(
        "the {} handler was given an {}",
        expected.terraform_type(),
        got.terraform_type()
    ))
}

#[cfg(test)]
mod tests {
    use ecrplan_model::{Registry, Scope};

    use super::*;

    fn api_err(code: &str, message: &str) -> ProviderError {
        ProviderError::Api {
            operation: "Op".into(),
            code: code.into(),
            message: message.into(),
        }
    }

    #[test]
    fn codes_become_domain_errors() {
        let registry = Registry::new("123456789012", "eu-west-1");
        let id = ObjectId::new(Kind::Repository, Scope::Registry(registry), "app");
        assert!(matches!(
            classify(api_err("RepositoryNotFoundException", ""), &id),
            ProviderError::NotFound(_)
        ));
        assert!(matches!(
            classify(api_err("EntityAlreadyExists", ""), &id),
            ProviderError::AlreadyExists(_)
        ));
        assert!(matches!(
            classify(api_err("RepositoryNotEmptyException", ""), &id),
            ProviderError::RepositoryNotEmpty(name) if name == "app"
        ));
        assert!(matches!(
            classify(api_err("AccessDenied", "no"), &id),
            ProviderError::Api { .. }
        ));
    }

    #[test]
    fn only_propagation_errors_are_retried() {
        assert!(is_propagation_delay(&api_err(
            "MalformedPolicyDocument",
            "Invalid principal in policy: \"Federated\""
        )));
        assert!(is_propagation_delay(&api_err(
            "InvalidParameterException",
            "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided'"
        )));
        assert!(!is_propagation_delay(&api_err(
            "MalformedPolicyDocument",
            "Syntax errors in policy"
        )));
        assert!(!is_propagation_delay(&ProviderError::Transport("x".into())));
    }

    #[test]
    fn registry_setting_codes_become_domain_errors() {
        let registry = Registry::new("123456789012", "eu-west-1");
        let id = ObjectId::new(
            Kind::PullThroughCacheRule,
            Scope::Registry(registry),
            "docker-hub",
        );
        for code in [
            "RegistryPolicyNotFoundException",
            "PullThroughCacheRuleNotFoundException",
            "TemplateNotFoundException",
            "SigningConfigurationNotFoundException",
            "ExclusionNotFoundException",
            "ParameterNotFound",
        ] {
            assert!(
                matches!(classify(api_err(code, ""), &id), ProviderError::NotFound(_)),
                "{code}"
            );
        }
        for code in [
            "PullThroughCacheRuleAlreadyExistsException",
            "TemplateAlreadyExistsException",
            "ExclusionAlreadyExistsException",
            "ParameterAlreadyExists",
        ] {
            assert!(
                matches!(
                    classify(api_err(code, ""), &id),
                    ProviderError::AlreadyExists(_)
                ),
                "{code}"
            );
        }
    }

    #[test]
    fn a_write_answered_with_another_value_names_the_attribute_kept() {
        use ecrplan_model::{ScanningConfiguration, ScanningRule};
        let registry = Registry::new("123456789012", "eu-west-1");
        let id = ObjectId::new(
            Kind::ScanningConfiguration,
            Scope::Registry(registry),
            "registry",
        );
        let wanted = Resource::ScanningConfiguration(ScanningConfiguration {
            scan_type: "ENHANCED".into(),
            rules: vec![ScanningRule {
                scan_frequency: "CONTINUOUS_SCAN".into(),
                filters: vec!["b*".into(), "a*".into()],
            }],
        });
        let mut reordered = wanted.clone();
        if let Resource::ScanningConfiguration(c) = &mut reordered {
            c.rules[0].filters.reverse();
        }
        assert!(converged(&id, "PutRegistryScanningConfiguration", &wanted, &reordered).is_ok());
        let basic = Resource::ScanningConfiguration(ScanningConfiguration::basic());
        let err = converged(&id, "PutRegistryScanningConfiguration", &wanted, &basic)
            .expect_err("kept BASIC");
        let text = err.to_string();
        assert!(text.contains("ChangeNotTaken"), "{text}");
        assert!(text.contains("scan_type = \"BASIC\""), "{text}");
    }

    #[test]
    fn a_request_that_cannot_be_built_is_not_a_retried_transport_error() {
        let err = invalid("missing field");
        assert!(
            matches!(&err, ProviderError::Api { code, .. } if code == "InvalidRequest"),
            "{err:?}"
        );
    }
}
