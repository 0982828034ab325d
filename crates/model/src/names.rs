//! Name rules AWS enforces, checked before any call so bad input never reaches AWS.

use thiserror::Error;

/// Why a name is not acceptable to AWS. The text is shown to users as the diagnostic.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NameError {
    /// Wrong length.
    #[error("{what} must be {min} to {max} characters long, not {len}")]
    Length {
        /// What was being named.
        what: &'static str,
        /// Minimum length.
        min: usize,
        /// Maximum length.
        max: usize,
        /// Actual length.
        len: usize,
    },
    /// Does not match the pattern.
    #[error("{what} `{name}` does not match {pattern}")]
    Pattern {
        /// What was being named.
        what: &'static str,
        /// The name.
        name: String,
        /// The rule it breaks, in words users recognise from the AWS error.
        pattern: &'static str,
    },
}

/// The pattern ECR's own validation message quotes.
pub const REPOSITORY_PATTERN: &str =
    "(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*";

/// Checks an ECR repository name: 2–256 characters of
/// `(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*`.
pub fn check_repository_name(name: &str) -> Result<(), NameError> {
    let len = name.chars().count();
    if !(2..=256).contains(&len) {
        return Err(NameError::Length {
            what: "a repository name",
            min: 2,
            max: 256,
            len,
        });
    }
    let component_ok = |c: &str| {
        // Runs of [a-z0-9] separated by single `.`, `_` or `-`.
        !c.is_empty()
            && c.split(['.', '_', '-']).all(|run| {
                !run.is_empty()
                    && run
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            })
    };
    if name.split('/').all(component_ok) {
        Ok(())
    } else {
        Err(NameError::Pattern {
            what: "repository name",
            name: name.to_owned(),
            pattern: REPOSITORY_PATTERN,
        })
    }
}

/// Checks an IAM role name: 1–64 characters of `[\w+=,.@-]`.
pub fn check_role_name(name: &str) -> Result<(), NameError> {
    let len = name.chars().count();
    if !(1..=64).contains(&len) {
        return Err(NameError::Length {
            what: "an IAM role name",
            min: 1,
            max: 64,
            len,
        });
    }
    if name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
    {
        Ok(())
    } else {
        Err(NameError::Pattern {
            what: "IAM role name",
            name: name.to_owned(),
            pattern: "[\\w+=,.@-]+ (letters, digits and _+=,.@-)",
        })
    }
}

/// Checks an IAM user name: 1–64 characters of `[\w+=,.@-]` (IAM API reference, CreateUser).
pub fn check_user_name(name: &str) -> Result<(), NameError> {
    check_iam_name(name, "an IAM user name", "IAM user name", 64)
}

/// Checks an IAM group name: 1–128 characters of `[\w+=,.@-]` (IAM API reference,
/// CreateGroup).
pub fn check_group_name(name: &str) -> Result<(), NameError> {
    check_iam_name(name, "an IAM group name", "IAM group name", 128)
}

fn check_iam_name(
    name: &str,
    length_what: &'static str,
    what: &'static str,
    max: usize,
) -> Result<(), NameError> {
    let len = name.chars().count();
    if !(1..=max).contains(&len) {
        return Err(NameError::Length {
            what: length_what,
            min: 1,
            max,
            len,
        });
    }
    if name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
    {
        Ok(())
    } else {
        Err(NameError::Pattern {
            what,
            name: name.to_owned(),
            pattern: "[\\w+=,.@-]+ (letters, digits and _+=,.@-)",
        })
    }
}

/// Checks an AWS account id: exactly 12 digits.
pub fn check_account_id(id: &str) -> Result<(), NameError> {
    if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(NameError::Pattern {
            what: "account id",
            name: id.to_owned(),
            pattern: "12 digits",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_names() {
        for ok in ["giftcard-service", "team/repo_name", "a.b-c_d/e1", "ab"] {
            assert!(check_repository_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "a",
            "Upper",
            "double--dash",
            "-lead",
            "trail-",
            "a//b",
            "/a",
            "a/",
            "sp ace",
        ] {
            assert!(check_repository_name(bad).is_err(), "{bad}");
        }
        assert!(check_repository_name(&"a".repeat(257)).is_err());
        assert!(check_repository_name(&"a".repeat(256)).is_ok());
    }

    #[test]
    fn role_names_and_accounts() {
        assert!(check_role_name("koa-github-ecr-access").is_ok());
        assert!(check_role_name("bad/role").is_err());
        assert!(check_role_name(&"r".repeat(65)).is_err());
        assert!(check_account_id("931827427725").is_ok());
        assert!(check_account_id("93182742772").is_err());
        assert!(check_account_id("93182742772x").is_err());
        assert!(check_user_name("ECRCIUser").is_ok());
        assert!(check_user_name(&"u".repeat(65)).is_err());
        assert!(check_group_name(&"g".repeat(128)).is_ok());
        assert!(check_group_name("ECR Users").is_err());
    }
}
