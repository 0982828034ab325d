//! Tag mutability, as repositories and creation templates both declare it. A leaf.

use serde::{Deserialize, Serialize};

/// Whether tags on images in a repository may be overwritten.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TagMutability {
    /// Tags may move (the AWS default).
    #[default]
    Mutable,
    /// A pushed tag can never point elsewhere.
    Immutable,
    /// Mutable except for tags matching exclusion filters.
    MutableWithExclusion,
    /// Immutable except for tags matching exclusion filters.
    ImmutableWithExclusion,
}

impl TagMutability {
    /// The API's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TagMutability::Mutable => "MUTABLE",
            TagMutability::Immutable => "IMMUTABLE",
            TagMutability::MutableWithExclusion => "MUTABLE_WITH_EXCLUSION",
            TagMutability::ImmutableWithExclusion => "IMMUTABLE_WITH_EXCLUSION",
        }
    }

    /// True for the kinds that take exclusion filters, which ECR then requires.
    pub fn has_exclusions(self) -> bool {
        matches!(
            self,
            TagMutability::MutableWithExclusion | TagMutability::ImmutableWithExclusion
        )
    }

    /// Parses the API's spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "MUTABLE" => TagMutability::Mutable,
            "IMMUTABLE" => TagMutability::Immutable,
            "MUTABLE_WITH_EXCLUSION" => TagMutability::MutableWithExclusion,
            "IMMUTABLE_WITH_EXCLUSION" => TagMutability::ImmutableWithExclusion,
            _ => return None,
        })
    }
}
