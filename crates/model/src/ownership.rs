//! How ecrplan marks what it owns, with no state file: ownership tags on taggable objects and
//! IAM paths (`/ecrplan/<estate>/…`) on the rest, and the [`Owner`] read back from either. A
//! leaf: resources, the live estate, refresh scopes and the desired estate all read it.

use serde::{Deserialize, Serialize};

pub use tags::Tags;

/// The tag names that carry ownership. The account is the state: these tags are how a later
/// run knows what it made. A leaf under this module (it defines [`Tags`] too), so the owner
/// below reads it without the two importing each other.
pub mod tags {
    use std::collections::BTreeMap;

    /// Tags as a map: order never matters to AWS, so it never shows up as a diff.
    pub type Tags = BTreeMap<String, String>;

    /// Marks every object ecrplan created or adopted.
    pub const MANAGED_BY: &str = "managed-by";
    /// The value of [`MANAGED_BY`].
    pub const MANAGED_BY_VALUE: &str = "ecrplan";
    /// The estate (configuration directory) that owns the object.
    pub const ESTATE: &str = "ecrplan:estate";
    /// The module block the object came from.
    pub const MODULE: &str = "ecrplan:module";
    /// On IAM objects (global): the region of the run that made them, so that the same estate
    /// planned in another region never deletes or rewrites them.
    pub const REGION: &str = "ecrplan:region";
    /// Set on repositories declared with `force_delete = true`, so that the permission to
    /// delete images survives the removal of the declaration (there is no state file).
    pub const FORCE_DELETE: &str = "ecrplan:force-delete";

    /// The tags that mark an object as owned by `estate` (and declared in `module`).
    pub fn ownership(estate: &str, module: Option<&str>) -> Tags {
        let mut t = Tags::new();
        t.insert(MANAGED_BY.into(), MANAGED_BY_VALUE.into());
        t.insert(ESTATE.into(), estate.into());
        if let Some(m) = module {
            t.insert(MODULE.into(), m.into());
        }
        t
    }

    /// Set on GitHub roles declared with `allow_any_organisation = true`: the checker reads the
    /// opt-in from the role itself, so a deliberately open trust is a warning, not an error.
    pub const ALLOW_ANY_ORGANISATION: &str = "ecrplan:allow-any-organisation";

    /// True for tags AWS reserves (`aws:` prefix), which no API call may add or remove.
    pub fn is_system(key: &str) -> bool {
        key.starts_with("aws:")
    }

    /// True for the tags ecrplan itself writes, which users may not set by hand.
    pub fn is_reserved(key: &str) -> bool {
        key == MANAGED_BY || key.starts_with("ecrplan:")
    }
}

/// The estate name of a configuration that names none. Objects it creates carry it, and so did
/// everything made before estates could be named from outside the files.
pub const ANONYMOUS_ESTATE: &str = "default";

/// Who owns an object, read from its ownership tags (or its parent's, for policies).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    /// The owning estate.
    pub estate: String,
    /// The module that declared it, when known.
    pub module: Option<String>,
    /// For global (IAM) objects: the region whose run made it. IAM is one namespace for every
    /// region, so the estate alone cannot tell an eu-west-1 role from an eu-west-2 one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

impl Owner {
    /// The owner the tags name, or `None` for an object ecrplan does not manage.
    pub fn from_tags(tags: &Tags) -> Option<Owner> {
        if tags.get(tags::MANAGED_BY).map(String::as_str) != Some(tags::MANAGED_BY_VALUE) {
            return None;
        }
        Some(Owner {
            estate: tags
                .get(tags::ESTATE)
                .cloned()
                .unwrap_or_else(|| ANONYMOUS_ESTATE.into()),
            module: tags.get(tags::MODULE).cloned(),
            region: tags.get(tags::REGION).cloned(),
        })
    }

    /// The owner a group's path names (see [`group_path`]), or `None` for a path ecrplan did
    /// not make: groups take no tags, so their path is where the owner is written.
    pub(crate) fn from_group_path(path: &str) -> Option<Owner> {
        let inner = path.strip_prefix(ROLE_PATH)?.strip_suffix('/')?;
        let parts: Vec<&str> = inner.split('/').collect();
        let [estate, region, module] = parts[..] else {
            return None;
        };
        if [estate, region, module].iter().any(|s| s.is_empty()) {
            return None;
        }
        Some(Owner {
            estate: unsegment(estate)?,
            module: Some(unsegment(module)?),
            region: Some(unsegment(region)?),
        })
    }
}

/// The IAM path under which ecrplan creates roles. Roles made before estate-scoped paths live
/// directly under it and keep working; new ones go under [`role_path`].
pub const ROLE_PATH: &str = "/ecrplan/";

/// The IAM path of the roles estate `estate` creates, `/ecrplan/<estate>/`: one `ListRoles`
/// with this prefix finds exactly that estate's roles, whatever else the account holds.
///
/// IAM paths allow only `!` to `~` (no space) and use `/` as the separator
/// (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_Role.html>), while estate names may
/// hold spaces and slashes; both are percent-encoded (`%20`, `%2F`). `%` cannot appear in an
/// estate name, so the mapping is one-to-one, and no estate's path is a prefix of another's.
/// 128 characters at most three bytes each stay far within IAM's 512-character path limit.
/// An estate without a name keeps the old path.
pub fn role_path(estate: &str) -> String {
    if estate.is_empty() {
        return ROLE_PATH.to_owned();
    }
    let mut segment = String::with_capacity(estate.len());
    for c in estate.chars() {
        match c {
            '!'..='~' if c != '/' && c != '%' => segment.push(c),
            _ => {
                let mut buf = [0; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    segment.push_str(&format!("%{b:02X}"));
                }
            }
        }
    }
    format!("{ROLE_PATH}{segment}/")
}

/// One IAM path segment for `s`, percent-encoded as [`role_path`] encodes estate names, so
/// that spaces and slashes never break the path apart.
fn segment(s: &str) -> String {
    role_path(s)[ROLE_PATH.len()..]
        .trim_end_matches('/')
        .to_owned()
}

/// The inverse of [`segment`]; `None` for text that is not percent-encoded UTF-8.
fn unsegment(s: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(s.len());
    let mut rest = s.bytes();
    while let Some(b) = rest.next() {
        if b == b'%' {
            let hex = [rest.next()?, rest.next()?];
            bytes.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
        } else {
            bytes.push(b);
        }
    }
    String::from_utf8(bytes).ok()
}

/// The path of a group ecrplan creates: the estate's path ([`role_path`]) followed by the
/// region and the module, `/ecrplan/<estate>/<region>/<module>/`. IAM groups take no tags, so
/// the path is where their owner is written.
pub fn group_path(estate: &str, region: &str, module: &str) -> String {
    format!(
        "{}{}/{}/",
        role_path(estate),
        segment(region),
        segment(module)
    )
}

#[cfg(test)]
mod tests {
    use super::role_path;

    #[test]
    fn role_paths_are_one_valid_iam_segment_per_estate() {
        assert_eq!(role_path("koa"), "/ecrplan/koa/");
        assert_eq!(
            role_path("namespaces/live/abundance"),
            "/ecrplan/namespaces%2Flive%2Fabundance/"
        );
        assert_eq!(role_path("team a"), "/ecrplan/team%20a/");
        // Neither estate's path may be a prefix of the other's, or one ListRoles would find both.
        assert!(!role_path("a/b").starts_with(&role_path("a")));
        let longest = role_path(&"/".repeat(128));
        assert!(longest.len() <= 512, "{}", longest.len());
        assert!(longest.chars().all(|c| ('!'..='~').contains(&c)));
    }
}
