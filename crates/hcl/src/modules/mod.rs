//! The module kinds ecrplan reads, each reduced to an [`ecrplan_model::Module`], one file per
//! shape; what the shapes share (names, tags, lifecycle, encryption) is here, and each access
//! kind lives in `crate::access`.
//!
//! - the `ecr-repos` kind of seed 003, recognised by its `ecr-repositories` attribute;
//! - the Cloud Platform kind (`cloud-platform-terraform-ecr-credentials`), desugared into the
//!   same shape (see the crate README for the naming rules).

mod cloud_platform;
mod declared;
mod ecr_repos;

pub use cloud_platform::cloud_platform_role_name;
pub(crate) use cloud_platform::{
    CIRCLECI_ORG_PLACEHOLDER, CIRCLECI_ORG_VARIABLE, CLOUD_PLATFORM_ATTRS, is_cloud_platform,
    meant_cloud_platform,
};
pub(crate) use declared::{Declared, IamNames};
pub(crate) use ecr_repos::ECR_REPOS_ATTRS;

use ecrplan_model::{
    Encryption, GithubRepository, JsonDocument, LifecycleSpec, TagMutability, Tags,
    check_repository_name, check_role_name, tags,
};

use crate::decode::{BodyFields, optional, quote_list};
use crate::diag::Diagnostic;
use crate::eval::Evaluator;
use crate::lifecycle;
use crate::limits::{MAX_TAGS, TAG_KEY_MAX, TAG_PATTERN, TAG_VALUE_MAX, is_kms_key_arn, tag_text};
use crate::value::{At, Value};

impl Evaluator<'_> {
    pub(crate) fn repository_name(&mut self, name: &str, at: &At) -> bool {
        match check_repository_name(name) {
            Ok(()) => true,
            Err(e) => {
                let d = self
                    .diag(at, e.to_string(), "not a valid ECR repository name")
                    .help("use lower-case letters and digits joined by `.`, `_`, `__`, runs of `-`, or `/`");
                self.sink.push(d);
                false
            }
        }
    }

    pub(crate) fn role_name(&mut self, name: &str, at: &At) -> bool {
        match check_role_name(name) {
            Ok(()) => true,
            Err(e) => {
                let d = self
                    .diag(at, e.to_string(), "not a valid IAM role name")
                    .help("use at most 64 letters, digits and `_+=,.@-`");
                self.sink.push(d);
                false
            }
        }
    }

    /// A `lifecycle_policy` string, parsed and checked as an ECR lifecycle policy.
    pub(crate) fn lifecycle_policy(&mut self, v: &Value, what: &str) -> Option<LifecycleSpec> {
        let text = self.string(v, what)?;
        match lifecycle::check(&text) {
            Ok(doc) => Some(LifecycleSpec::Document(JsonDocument::new(doc))),
            Err(problems) => {
                let first = problems[0].clone();
                let (at, label) = match lifecycle::syntax_error_position(&text)
                    .and_then(|(line, column)| self.position_in_literal(&v.at, &text, line, column))
                {
                    Some(at) => (at, "JSON error here"),
                    None => (v.at.clone(), "this policy"),
                };
                let mut d = self
                    .diag(
                        &at,
                        format!("`{what}` is not a valid ECR lifecycle policy: {first}"),
                        label,
                    )
                    .help(
                        "each rule needs rulePriority, selection (tagStatus, countType, countNumber) and action.type \"expire\" or \"transition\"",
                    );
                for more in &problems[1..] {
                    d = d.related(self.diag(&v.at, more.clone(), "this policy"));
                }
                self.sink.push(d);
                None
            }
        }
    }

    /// `lifecycle_policy` (a JSON document) or `lifecycle` (the short form), not both: the
    /// policy, and where a raw document is written (a generated one is always small), for the
    /// size check.
    pub(crate) fn lifecycle_of(
        &mut self,
        fields: &BodyFields<'_>,
        ctx: &str,
    ) -> (Option<LifecycleSpec>, Option<At>) {
        let raw_policy = self.attr_value(fields, "lifecycle_policy");
        let generated = self.attr_value(fields, "lifecycle");
        match (raw_policy, generated) {
            (Some(_), Some(_)) => {
                // Labelled at the attribute names, which are in this block's file (a value
                // may come from a variable default in another file), in the order written.
                let mut keys: Vec<&At> = ["lifecycle_policy", "lifecycle"]
                    .iter()
                    .filter_map(|name| fields.get(name).map(|a| &a.key_at))
                    .collect();
                keys.sort_by_key(|at| at.range.start);
                if let [first, second] = keys[..] {
                    let d = self
                        .diag(
                            second,
                            format!("{ctx} sets both `lifecycle_policy` and `lifecycle`"),
                            "second lifecycle",
                        )
                        .label(first.range.clone(), "first lifecycle")
                        .help("keep one: `lifecycle_policy` (a JSON document) or `lifecycle` (the short form)");
                    self.sink.push(d);
                }
                (None, None)
            }
            (Some(p), None) => (
                self.lifecycle_policy(&p, "lifecycle_policy"),
                Some(p.at.clone()),
            ),
            (None, Some(g)) => (self.generated_lifecycle(&g), None),
            (None, None) => (None, None),
        }
    }

    /// The source position of `line`:`column` (one-based) of `text`, when `text` is the
    /// literal content of the string or heredoc written at `at` (indented heredocs included):
    /// each line of `text` must end a line of the source, in order.
    pub(crate) fn position_in_literal(
        &self,
        at: &At,
        text: &str,
        line: usize,
        column: usize,
    ) -> Option<At> {
        let source = &self.files[at.file].text;
        let written = source.get(at.range.clone())?;
        let wanted = text.lines().nth(line.checked_sub(1)?)?;
        // The heredoc body starts on the line after `<<EOF`; a quoted string after its `"`.
        let body_start = if written.starts_with("<<") {
            written.find('\n')? + 1
        } else {
            1
        };
        let body = &written[body_start..];
        let mut source_lines = body.split_inclusive('\n');
        let mut offset = at.range.start + body_start;
        for (i, text_line) in text.lines().enumerate() {
            let source_line = source_lines.next()?;
            let trimmed = source_line.trim_end_matches(['\n', '\r']);
            if !trimmed.ends_with(text_line) {
                return None;
            }
            if i + 1 == line {
                let indent = trimmed.len() - wanted.len();
                let mut col = (column.max(1) - 1).min(wanted.len());
                // serde_json counts bytes: its column may fall inside a multi-byte character.
                while !wanted.is_char_boundary(col) {
                    col -= 1;
                }
                let start = offset + indent + col;
                let end = wanted[col..]
                    .chars()
                    .next()
                    .map_or(start, |c| start + c.len_utf8());
                return Some(At::new(at.file, start..end));
            }
            offset += source_line.len();
        }
        None
    }

    /// User tags, checked against AWS's tag rules for every object they reach; `on_role` when
    /// they also go on IAM roles or users, whose keys are unique regardless of case.
    pub(crate) fn user_tags(&mut self, v: &Value, what: &str, on_role: bool) -> Option<Tags> {
        let entries = self.string_map(v, what)?;
        let mut out = Tags::new();
        let mut ok = true;
        // IAM tag keys are unique regardless of case (`CostCenter` and `costcenter` cannot both
        // be on a role): https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html
        let mut seen: Vec<(String, String)> = Vec::new();
        for (key, at, value, value_at) in entries {
            let lower = key.to_lowercase();
            let same_on_role = on_role
                .then(|| seen.iter().find(|(l, _)| *l == lower))
                .flatten()
                .map(|(_, first)| first.clone());
            seen.push((lower.clone(), key.clone()));
            if lower.starts_with("aws:") {
                let d = self
                    .diag(
                        &at,
                        format!("the tag `{key}` uses the `aws:` prefix, which AWS reserves"),
                        "reserved by AWS",
                    )
                    .help("AWS reserves the `aws:` prefix in any combination of upper and lower case; choose a key that does not start with it");
                self.sink.push(d);
                ok = false;
            } else if on_role && !tags::is_reserved(&key) && tags::is_reserved(&lower) {
                let d = self
                    .diag(
                        &at,
                        format!("the tag `{key}` is ecrplan's `{lower}` in other letter case, and the tags also go on an IAM role"),
                        "reserved tag",
                    )
                    .help("IAM tag keys are case-insensitive: a role cannot carry both `managed-by` and `Managed-By` (CreateRole fails); choose another key");
                self.sink.push(d);
                ok = false;
            } else if let Some(first) = same_on_role {
                let d = self
                    .diag(
                        &at,
                        format!("the tags `{first}` and `{key}` differ only in letter case, and the tags also go on an IAM role"),
                        "same key as an IAM tag",
                    )
                    .help("IAM tag keys are case-insensitive: a role cannot carry both (CreateRole fails); keep one");
                self.sink.push(d);
                ok = false;
            } else if tags::is_reserved(&key) {
                let d = self
                    .diag(
                        &at,
                        format!("the tag `{key}` is reserved for ecrplan's ownership tags"),
                        "reserved tag",
                    )
                    .help("ecrplan sets `managed-by` and `ecrplan:*` itself; choose another key");
                self.sink.push(d);
                ok = false;
            } else if key.is_empty() || key.chars().count() > TAG_KEY_MAX {
                let d = self
                    .diag(
                        &at,
                        format!(
                            "the tag key is {} characters long",
                            key.chars().count()
                        ),
                        "this key",
                    )
                    .help(format!(
                        "AWS tag keys are 1 to {TAG_KEY_MAX} characters on repositories, roles and users (ECR Tag, IAM tagKeyType); shorten it"
                    ));
                self.sink.push(d);
                ok = false;
            } else if value.chars().count() > TAG_VALUE_MAX {
                let d = self
                    .diag(
                        &value_at,
                        format!(
                            "the value of tag `{key}` is {} characters long",
                            value.chars().count()
                        ),
                        "this value",
                    )
                    .help(format!(
                        "AWS tag values are at most {TAG_VALUE_MAX} characters on repositories, roles and users (ECR Tag, IAM tagValueType); shorten it"
                    ));
                self.sink.push(d);
                ok = false;
            } else if !(tag_text(&key) && tag_text(&value)) {
                self.tag_text_error(&at, &key);
                ok = false;
            } else {
                out.insert(key, value);
            }
        }
        ok.then_some(out)
    }

    /// A tag whose key or value holds a character outside [`TAG_PATTERN`].
    pub(crate) fn tag_text_error(&mut self, at: &At, key: &str) {
        let d = self
            .diag(
                at,
                format!("the tag `{key}` holds characters AWS refuses in tags"),
                "not a tag AWS accepts",
            )
            .help(format!(
                "tag keys and values take letters, digits, spaces and `_ . : / = + - @` only ({TAG_PATTERN})"
            ));
        self.sink.push(d);
    }

    /// Reports user tags that, with the `extra` tags ecrplan adds to one of the module's objects,
    /// would pass AWS's limit of [`MAX_TAGS`] per object.
    pub(crate) fn tag_count(&mut self, v: &Value, user: usize, extra: usize) {
        let total = user + extra;
        if total > MAX_TAGS {
            let d = self
                .diag(
                    &v.at,
                    format!(
                        "{user} tags, with the {extra} ecrplan adds, make {total}: AWS allows {MAX_TAGS} per object"
                    ),
                    "too many tags",
                )
                .help(format!(
                    "remove {} of them: ecrplan adds `managed-by`, `ecrplan:estate`, `ecrplan:module`, `ecrplan:region` on roles, and `ecrplan:force-delete` or `ecrplan:allow-any-organisation` when those are set",
                    total - MAX_TAGS
                ));
            self.sink.push(d);
        }
    }

    /// `image_tag_mutability`, MUTABLE when left out, with where a written one is.
    pub(crate) fn tag_mutability(
        &mut self,
        fields: &BodyFields<'_>,
    ) -> (TagMutability, Option<At>) {
        let Some(v) = self.attr_value(fields, "image_tag_mutability") else {
            return (TagMutability::default(), None);
        };
        let Some(s) = self.string(&v, "image_tag_mutability") else {
            return (TagMutability::default(), None);
        };
        if let Some(m) = TagMutability::parse(&s) {
            return (m, Some(v.at));
        }
        let d = self
            .diag(
                &v.at,
                format!("unknown image_tag_mutability `{s}`"),
                "not a tag mutability",
            )
            .help("use MUTABLE, IMMUTABLE, MUTABLE_WITH_EXCLUSION or IMMUTABLE_WITH_EXCLUSION");
        self.sink.push(d);
        (TagMutability::default(), None)
    }

    /// `image_tag_mutability_exclusion_filters`, checked as ECR checks them (API reference,
    /// ImageTagMutabilityExclusionFilter and CreateRepository): 1 to 5 WILDCARD filters of 1 to
    /// 128 characters matching `^[0-9a-zA-Z._*-]{1,128}$`, required by the `*_WITH_EXCLUSION`
    /// kinds ("ImageTagMutabilityExclusionFilters can't be null") and refused by the others.
    pub(crate) fn exclusion_filters(
        &mut self,
        fields: &BodyFields<'_>,
        mutability: TagMutability,
        mutability_at: Option<&At>,
    ) -> Vec<String> {
        const NAME: &str = "image_tag_mutability_exclusion_filters";
        const MAX_FILTERS: usize = 5;
        const MAX_LENGTH: usize = 128;
        let value = self.attr_value(fields, NAME);
        let mut out = Vec::new();
        if let Some(v) = &value
            && let Some(filters) = self.strings(v, NAME)
        {
            if filters.len() > MAX_FILTERS {
                let message = format!("`{NAME}` has {} filters", filters.len());
                let help = format!(
                    "ECR takes at most {MAX_FILTERS} exclusion filters per repository \
                     (CreateRepository, imageTagMutabilityExclusionFilters: 1 to 5 items)"
                );
                let d = self.diag(&v.at, message, "too many filters").help(help);
                self.sink.push(d);
            }
            for (filter, at) in filters {
                let bad = filter
                    .chars()
                    .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '*' | '-')));
                let problem = if filter.is_empty() {
                    Some("is empty".to_owned())
                } else if filter.chars().count() > MAX_LENGTH {
                    Some(format!("is {} characters long", filter.chars().count()))
                } else {
                    bad.map(|c| format!("contains {c:?}"))
                };
                if let Some(problem) = problem {
                    let message = format!("exclusion filter {filter:?} {problem}");
                    let help = format!(
                        "ECR exclusion filters are 1 to {MAX_LENGTH} characters of letters, \
                         digits, `.`, `_`, `-` and the wildcard `*` (pattern \
                         ^[0-9a-zA-Z._*-]{{1,128}}$)"
                    );
                    let d = self
                        .diag(&at, message, "not an ECR exclusion filter")
                        .help(help);
                    self.sink.push(d);
                } else {
                    out.push(filter);
                }
            }
        }
        let declared = value
            .as_ref()
            .is_some_and(|v| !matches!(v.kind, crate::value::ValueType::Null));
        match (mutability.has_exclusions(), declared) {
            // A `*_WITH_EXCLUSION` kind was read from the attribute, so it has a location.
            (true, false) if let Some(at) = mutability_at => {
                let message = format!(
                    "image_tag_mutability {} needs exclusion filters",
                    mutability.as_str()
                );
                let help = format!(
                    "add `{NAME} = [\"release-*\"]` (up to 5 wildcard filters); ECR refuses this \
                     kind without them: \"ImageTagMutabilityExclusionFilters can't be null\""
                );
                let d = self.diag(at, message, "no exclusion filters").help(help);
                self.sink.push(d);
            }
            (false, true) => {
                if let Some(v) = &value {
                    let message = format!(
                        "`{NAME}` applies only to MUTABLE_WITH_EXCLUSION or \
                         IMMUTABLE_WITH_EXCLUSION, not {}",
                        mutability.as_str()
                    );
                    let help = "set image_tag_mutability = \"IMMUTABLE_WITH_EXCLUSION\" (or \
                                MUTABLE_WITH_EXCLUSION), or remove the filters; ECR refuses \
                                filters on the other kinds";
                    let d = self
                        .diag(&v.at, message, "filters without an exclusion kind")
                        .help(help);
                    self.sink.push(d);
                }
            }
            _ => {}
        }
        out
    }

    /// A ref in `sub` is the full name (`ref:refs/heads/main`): a bare branch name can never
    /// match. A leading wildcard is left alone.
    pub(crate) fn git_ref(&mut self, r: &str, at: &At) -> bool {
        if r.starts_with("refs/") || r.starts_with(['*', '?']) {
            return true;
        }
        let d = self
            .diag(
                at,
                format!("`refs = [\"{}\"]` is not a full git ref", r.escape_debug()),
                "can never match",
            )
            .help(format!(
                "GitHub's token names the full ref (`sub` = repo:ORG/REPO:ref:refs/heads/BRANCH): write \"refs/heads/{r}\" or \"refs/tags/{r}\""
            ));
        self.sink.push(d);
        false
    }

    /// Warns when `r` names a repository already listed, in other letter case: GitHub names
    /// are case-insensitive, but the token's `sub` carries one spelling and IAM's `StringLike`
    /// compares case-sensitively, so at most one of the two entries can ever match.
    pub(crate) fn same_but_case(
        &mut self,
        listed: &[GithubRepository],
        r: &GithubRepository,
        at: &At,
    ) {
        let lower =
            |x: &GithubRepository| (x.organisation.to_lowercase(), x.repository.to_lowercase());
        let Some(first) = listed.iter().find(|x| lower(x) == lower(r) && *x != r) else {
            return;
        };
        let d = Diagnostic::warning(format!(
            "`{}/{}` and `{}/{}` differ only in letter case",
            first.organisation, first.repository, r.organisation, r.repository
        ))
        .in_file(&self.files[at.file])
        .label(at.range.clone(), "same repository, other case")
        .help("GitHub names are case-insensitive but a token's `sub` carries one spelling and IAM compares it case-sensitively: keep the entry spelled as GitHub shows it");
        self.sink.push(d);
    }

    pub(crate) fn encryption(&mut self, v: &Value) -> Option<Encryption> {
        const KEYS: &[&str] = &["type", "kms_key"];
        let obj = self.object(v, "encryption", KEYS)?;
        let kind = match optional(obj, "type") {
            Some(t) => {
                let s = self.string(t, "encryption.type")?;
                (s, t.at.clone())
            }
            None => ("AES256".to_owned(), v.at.clone()),
        };
        let key = match optional(obj, "kms_key") {
            Some(k) => Some((self.string(k, "encryption.kms_key")?, k.at.clone())),
            None => None,
        };
        match (kind.0.as_str(), key) {
            ("AES256", None) => Some(Encryption::Aes256),
            ("AES256", Some((_, at))) => {
                let d = self
                    .diag(
                        &at,
                        "`kms_key` only goes with `type = \"KMS\"`",
                        "ignored key",
                    )
                    .help("set `type = \"KMS\"`, or remove `kms_key`");
                self.sink.push(d);
                None
            }
            ("KMS", Some((kms_key, at))) if !is_kms_key_arn(&kms_key) => {
                let d = self
                    .diag(
                        &at,
                        format!("`{kms_key}` is not a KMS key ARN"),
                        "expected arn:<partition>:kms:<region>:<account>:key/<id>",
                    )
                    .help("give the key ARN: ECR reports the resolved key ARN, so an alias or a bare key id would never match it and every plan would replace the repository");
                self.sink.push(d);
                None
            }
            ("KMS", Some((kms_key, at))) => self
                .kms_key_in_region(&kms_key, &at)
                .then_some(Encryption::Kms { kms_key }),
            ("KMS", None) => {
                let d = self
                    .diag(&v.at, "KMS encryption needs a `kms_key`", "no kms_key")
                    .help("add `kms_key = \"arn:aws:kms:…\"` (the key ARN)");
                self.sink.push(d);
                None
            }
            (other, _) => {
                let d = self
                    .diag(
                        &kind.1,
                        format!("unknown encryption type `{other}`"),
                        "not an encryption type",
                    )
                    .help("use \"AES256\" or \"KMS\"");
                self.sink.push(d);
                None
            }
        }
    }

    /// Whether a KMS key ARN is in the registry's region (when the provider names it): ECR
    /// encrypts a repository only with a key of its own region.
    pub(crate) fn kms_key_in_region(&mut self, kms_key: &str, at: &At) -> bool {
        let key_region = kms_key.split(':').nth(3).unwrap_or_default();
        let Some(region) = self.registry.region.clone() else {
            return true;
        };
        if key_region == region {
            return true;
        }
        let d = self
            .diag(
                at,
                format!("the KMS key is in {key_region}, but the registry is in {region}"),
                "key in another region",
            )
            .help("ECR encrypts a repository only with a KMS key in the repository's own region (CreateRepository fails otherwise); use a key, or a multi-Region replica key, in that region");
        self.sink.push(d);
        false
    }

    pub(crate) fn generated_lifecycle(&mut self, v: &Value) -> Option<LifecycleSpec> {
        const KEYS: &[&str] = &["keep_last", "expire_untagged_after_days"];
        let obj = self.object(v, "lifecycle", KEYS)?;
        let keep_last = match optional(obj, "keep_last") {
            Some(n) => Some(self.positive(n, "lifecycle.keep_last")?),
            None => None,
        };
        let expire_untagged_after_days = match optional(obj, "expire_untagged_after_days") {
            Some(n) => Some(self.positive(n, "lifecycle.expire_untagged_after_days")?),
            None => None,
        };
        if keep_last.is_none() && expire_untagged_after_days.is_none() {
            let d = self
                .diag(&v.at, "`lifecycle` sets no rule", "empty lifecycle")
                .help(format!(
                    "set {}",
                    quote_list(&["keep_last", "expire_untagged_after_days"])
                ));
            self.sink.push(d);
            return None;
        }
        Some(LifecycleSpec::Generated {
            keep_last,
            expire_untagged_after_days,
        })
    }

    pub(crate) fn positive(&mut self, v: &Value, what: &str) -> Option<u32> {
        let n = self.u32(v, what)?;
        if n == 0 {
            self.error(&v.at, format!("`{what}` must be at least 1"), "zero");
            return None;
        }
        Some(n)
    }
}
