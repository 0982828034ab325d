//! Conversions between the model's values and the SDKs' (tags, documents). A leaf: it imports
//! nothing of the crate, and its failures are the SDKs' own errors, which callers name.

use aws_sdk_ecr::types::{
    ImageTagMutabilityExclusionFilter, ImageTagMutabilityExclusionFilterType,
};
use aws_smithy_types::error::operation::BuildError;
use ecrplan_model::{JsonDocument, Owner, Tags, tags};

/// Keys to remove and tags to set so that `before` becomes `after`, leaving `aws:` tags alone:
/// AWS owns those, and no call may set or remove them.
pub(crate) fn tag_diff(before: &Tags, after: &Tags) -> (Vec<String>, Tags) {
    let removed = before
        .keys()
        .filter(|k| !tags::is_system(k) && !after.contains_key(*k))
        .cloned()
        .collect();
    let set = after
        .iter()
        .filter(|(k, v)| !tags::is_system(k) && before.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (removed, set)
}

/// Tags as ECR takes them.
pub(crate) fn ecr_tags(tags: &Tags) -> Result<Vec<aws_sdk_ecr::types::Tag>, BuildError> {
    tags.iter()
        .map(|(k, v)| aws_sdk_ecr::types::Tag::builder().key(k).value(v).build())
        .collect()
}

/// Tags as IAM takes them.
pub(crate) fn iam_tags(tags: &Tags) -> Result<Vec<aws_sdk_iam::types::Tag>, BuildError> {
    tags.iter()
        .map(|(k, v)| aws_sdk_iam::types::Tag::builder().key(k).value(v).build())
        .collect()
}

/// Tags as SSM takes them.
pub(crate) fn ssm_tags(tags: &Tags) -> Result<Vec<aws_sdk_ssm::types::Tag>, BuildError> {
    tags.iter()
        .map(|(k, v)| aws_sdk_ssm::types::Tag::builder().key(k).value(v).build())
        .collect()
}

/// Tags as IAM answers them.
pub(crate) fn from_iam_tags(tags: impl IntoIterator<Item = aws_sdk_iam::types::Tag>) -> Tags {
    tags.into_iter().map(|t| (t.key, t.value)).collect()
}

/// Parses a policy document; IAM returns them percent-encoded, ECR as sent.
pub(crate) fn document(text: &str) -> Result<JsonDocument, serde_json::Error> {
    serde_json::from_str(text)
        .or_else(|_| {
            let decoded = percent_encoding::percent_decode_str(text).decode_utf8_lossy();
            serde_json::from_str(&decoded)
        })
        .map(JsonDocument::new)
}

/// Tag mutability exclusion filters as ECR takes them, every one a wildcard; `None` when there
/// are none, since ECR refuses an empty list as much as filters on a mutability without
/// exclusions.
pub(crate) fn mutability_exclusions(
    filters: &[String],
) -> Result<Option<Vec<ImageTagMutabilityExclusionFilter>>, BuildError> {
    if filters.is_empty() {
        return Ok(None);
    }
    filters
        .iter()
        .map(|f| {
            ImageTagMutabilityExclusionFilter::builder()
                .filter_type(ImageTagMutabilityExclusionFilterType::Wildcard)
                .filter(f)
                .build()
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// Tags as ECR answers them.
pub(crate) fn from_ecr_tags(tags: &[aws_sdk_ecr::types::Tag]) -> Tags {
    tags.iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect()
}

/// An optional string as ECR answers it: the registry's APIs report an unset attribute as
/// absent or as empty, and the model knows only absent.
pub(crate) fn given(value: Option<&str>) -> Option<String> {
    value.filter(|v| !v.is_empty()).map(str::to_owned)
}

/// An optional document as ECR answers it (absent or empty: none).
pub(crate) fn optional_document(
    text: Option<&str>,
) -> Result<Option<JsonDocument>, serde_json::Error> {
    given(text).map(|t| document(&t)).transpose()
}

/// Whether the tags say the object is `estate`'s own.
pub(crate) fn owned_by(tags: &Tags, estate: &str) -> bool {
    Owner::from_tags(tags).is_some_and(|o| o.estate == estate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_diff_removes_missing_keys_and_sets_changed_ones() {
        let before: Tags = [("a", "1"), ("b", "2"), ("c", "3")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let after: Tags = [("a", "1"), ("b", "20"), ("d", "4")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let (removed, set) = tag_diff(&before, &after);
        assert_eq!(removed, vec!["c".to_owned()]);
        assert_eq!(set.keys().collect::<Vec<_>>(), vec!["b", "d"]);
    }

    #[test]
    fn tag_diff_leaves_aws_system_tags_alone() {
        let before: Tags = [("aws:cloudformation:stack-name", "s"), ("team", "a")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let after: Tags = [("aws:created-by", "x")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let (removed, set) = tag_diff(&before, &after);
        assert_eq!(removed, vec!["team".to_owned()]);
        assert!(set.is_empty(), "{set:?}");
    }

    #[test]
    fn absent_and_empty_answers_are_both_none() {
        assert_eq!(given(None), None);
        assert_eq!(given(Some("")), None);
        assert_eq!(given(Some("x")).as_deref(), Some("x"));
        assert_eq!(optional_document(Some("")).expect("empty"), None);
        assert!(optional_document(Some("{}")).expect("json").is_some());
        assert!(optional_document(Some("{not json")).is_err());
    }

    #[test]
    fn percent_encoded_documents_are_read_like_plain_ones() {
        let plain = document(r#"{"Version":"2012-10-17"}"#).expect("plain");
        let encoded = document("%7B%22Version%22%3A%222012-10-17%22%7D").expect("encoded");
        assert_eq!(plain, encoded);
        assert!(document("{not json").is_err());
    }
}
