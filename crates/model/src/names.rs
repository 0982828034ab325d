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

/// ECR's repository name pattern, from the `RepositoryName` shape of the service model
/// (botocore 1.44.18, `ecr/2015-09-21/service-2.json`; min 2, max 256), matched as a whole
/// name: the OCI distribution grammar, whose separators are `.`, `_`, `__` or any run of `-`.
pub(crate) const REPOSITORY_PATTERN: &str =
    r"[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*";

/// Shortest repository name (`RepositoryName` min).
pub(crate) const REPOSITORY_NAME_MIN: usize = 2;

/// Longest repository name (`RepositoryName` max).
pub(crate) const REPOSITORY_NAME_MAX: usize = 256;

/// Checks an ECR repository name: 2 to 256 characters matching the service model's
/// `RepositoryName` pattern (`REPOSITORY_PATTERN`) — `/`-separated components, each runs of
/// `[a-z0-9]` joined by `.`, `_`, `__` or one or more `-`. Refusing a name ECR accepts
/// (`a__b`, `a--b`) is as wrong as accepting one it refuses.
pub fn check_repository_name(name: &str) -> Result<(), NameError> {
    let len = name.chars().count();
    if !(REPOSITORY_NAME_MIN..=REPOSITORY_NAME_MAX).contains(&len) {
        return Err(NameError::Length {
            what: "a repository name",
            min: REPOSITORY_NAME_MIN,
            max: REPOSITORY_NAME_MAX,
            len,
        });
    }
    if name.split('/').all(is_name_component) {
        Ok(())
    } else {
        Err(NameError::Pattern {
            what: "repository name",
            name: name.to_owned(),
            pattern: REPOSITORY_PATTERN,
        })
    }
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`: alphanumeric runs, the text between two runs being one
/// of the pattern's separators.
fn is_name_component(component: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let mut rest = component;
    loop {
        // A component starts with a run, and every separator is followed by one.
        let run = rest.find(|c: char| !alnum(c)).unwrap_or(rest.len());
        if run == 0 {
            return false;
        }
        rest = &rest[run..];
        if rest.is_empty() {
            return true;
        }
        let (separator, after) = rest.split_at(rest.find(alnum).unwrap_or(rest.len()));
        if !(matches!(separator, "." | "_" | "__") || separator.bytes().all(|b| b == b'-')) {
            return false;
        }
        rest = after;
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
    fn repository_names_follow_the_service_model_pattern() {
        for ok in [
            "giftcard-service",
            "team/repo_name",
            "a.b-c_d/e1",
            "ab",
            "a__b",
            "a--b",
            "a---b",
            "team/app",
            "a/b/c",
            "0x/1.2",
        ] {
            assert!(check_repository_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "a", "Upper", "a___b", "a..b", "a_.b", "a_-b", "a-_b", "-lead", "trail-", "_lead",
            "trail_", ".lead", "a//b", "/a", "a/", "a/-b", "a-/b", "sp ace", "é1",
        ] {
            assert!(check_repository_name(bad).is_err(), "{bad}");
        }
        assert!(check_repository_name(&"a".repeat(257)).is_err());
        assert!(check_repository_name(&"a".repeat(256)).is_ok());
    }

    /// The hand-written matcher agrees with the service model's pattern, anchored, on every
    /// string of up to six characters over an alphabet that reaches each of its edges.
    #[test]
    fn repository_names_agree_with_the_pattern_exhaustively() {
        let pattern = regex_lite::Regex::new(&format!("^(?:{REPOSITORY_PATTERN})$"))
            .expect("the model's pattern compiles");
        let alphabet = ['a', '1', '.', '_', '-', '/', 'A'];
        let mut names = vec![String::new()];
        for _ in 0..6 {
            names = names
                .iter()
                .flat_map(|n| alphabet.iter().map(move |c| format!("{n}{c}")))
                .collect();
            for name in &names {
                let expected = name.len() >= REPOSITORY_NAME_MIN && pattern.is_match(name);
                assert_eq!(check_repository_name(name).is_ok(), expected, "{name}");
            }
        }
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
