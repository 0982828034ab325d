//! The module kinds ecrplan reads, each reduced to an [`ecrplan_model::Module`].
//!
//! - the `ecr-repos` kind of seed 003, recognised by its `ecr-repositories` attribute;
//! - the Cloud Platform kind (`cloud-platform-terraform-ecr-credentials`), desugared into the
//!   same shape (see the crate README for the naming rules).

use ecrplan_model::{
    AccountAccess, CiOutputs, CircleciAccess, Encryption, GithubAccess, GithubRepository,
    JsonDocument, LifecycleSpec, Module, RepositorySettings, TagMutability, Tags, check_account_id,
    check_repository_name, check_role_name, tags,
};
use sha2::{Digest, Sha256};

use crate::decode::{BodyFields, optional, quote_list};
use crate::diag::Diagnostic;
use crate::eval::Evaluator;
use crate::lifecycle;
use crate::limits::DocumentAts;
use crate::value::{At, Value};

/// A module read from the configuration, with where its names were written (for duplicate
/// checks across the directory).
pub(crate) struct Declared {
    pub(crate) module: Module,
    /// Where the module's label was written.
    pub(crate) label_at: At,
    /// Where each repository name was written, parallel to `module.repositories`.
    pub(crate) repositories: Vec<At>,
    /// Each role name and where it was written (or what it was made from).
    pub(crate) roles: Vec<(String, At)>,
    /// Inputs accepted but not managed by ecrplan (`providers`, `enable_irsa`, …).
    pub(crate) unmanaged: Vec<&'static str>,
    /// A Cloud Platform module (its CircleCI organisation comes from a variable).
    pub(crate) cloud_platform: bool,
}

/// The `source` prefix of the Cloud Platform module.
pub(crate) const CLOUD_PLATFORM_SOURCE: &str =
    "github.com/ministryofjustice/cloud-platform-terraform-ecr-credentials";

/// True when `source` names the Cloud Platform module, at any `?ref=`.
pub(crate) fn is_cloud_platform(source: &str) -> bool {
    source
        .strip_prefix(CLOUD_PLATFORM_SOURCE)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with("?ref="))
}

/// The attributes of the `ecr-repos` kind.
pub(crate) const ECR_REPOS_ATTRS: &[&str] = &[
    "source",
    "version",
    "ecr-repositories",
    "account_access",
    "github_access",
    "circleci_access",
    "image_tag_mutability",
    "image_tag_mutability_exclusion_filters",
    "scan_on_push",
    "encryption",
    "lifecycle_policy",
    "lifecycle",
    "tags",
    "force_delete",
    "providers",
    "depends_on",
];

/// The inputs of the Cloud Platform kind that ecrplan reads, and those it accepts without
/// managing what they do.
pub(crate) const CLOUD_PLATFORM_ATTRS: &[&str] = &[
    "source",
    "version",
    "team_name",
    "repo_name",
    "oidc_providers",
    "github_repositories",
    "github_environments",
    "github_actions_prefix",
    "lifecycle_policy",
    "deletion_protection",
    "scan_on_push",
    "business_unit",
    "application",
    "is_production",
    "namespace",
    "environment_name",
    "infrastructure_support",
    "providers",
    "enable_irsa",
    "github_actions_secret_ecr_name",
    "github_actions_secret_ecr_url",
    "github_actions_secret_ecr_access_key",
    "github_actions_secret_ecr_secret_key",
    "depends_on",
];

/// The ECR actions a Cloud Platform CI role gets on its repository (`ecr:GetAuthorizationToken`
/// on `*` is added by the model).
pub(crate) const CLOUD_PLATFORM_PUSH_ACTIONS: &[&str] = &[
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchDeleteImage",
    "ecr:BatchGetImage",
    "ecr:CompleteLayerUpload",
    "ecr:DescribeImages",
    "ecr:GetDownloadUrlForLayer",
    "ecr:InitiateLayerUpload",
    "ecr:ListImages",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
];

/// The GitHub organisation of every Cloud Platform `github_repositories` entry.
pub(crate) const CLOUD_PLATFORM_GITHUB_ORG: &str = "ministryofjustice";

/// The variable that gives the CircleCI organisation id of Cloud Platform modules.
pub(crate) const CIRCLECI_ORG_VARIABLE: &str = "circleci_organisation_id";

/// Stands in for the CircleCI organisation id when no `circleci_organisation_id` is given;
/// a warning says so.
pub(crate) const CIRCLECI_ORG_PLACEHOLDER: &str = "00000000-0000-0000-0000-000000000000";

impl Evaluator<'_> {
    fn repository_name(&mut self, name: &str, at: &At) -> bool {
        match check_repository_name(name) {
            Ok(()) => true,
            Err(e) => {
                let d = self
                    .diag(at, e.to_string(), "not a valid ECR repository name")
                    .help(
                        "use lower-case letters, digits and single `.`, `_`, `-` or `/` between them",
                    );
                self.sink.push(d);
                false
            }
        }
    }

    fn role_name(&mut self, name: &str, at: &At) -> bool {
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
    fn lifecycle_policy(&mut self, v: &Value, what: &str) -> Option<LifecycleSpec> {
        let text = self.string(v, what)?;
        match lifecycle::check(&text) {
            Ok(doc) => Some(LifecycleSpec::Document(JsonDocument(doc))),
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

    /// The source position of `line`:`column` (one-based) of `text`, when `text` is the
    /// literal content of the string or heredoc written at `at` (indented heredocs included):
    /// each line of `text` must end a line of the source, in order.
    fn position_in_literal(&self, at: &At, text: &str, line: usize, column: usize) -> Option<At> {
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

    /// User tags; `on_role` when they also go on an IAM role, whose tag characters are fewer.
    fn user_tags(&mut self, v: &Value, what: &str, on_role: bool) -> Option<Tags> {
        let entries = self.string_map(v, what)?;
        let mut out = Tags::new();
        let mut ok = true;
        // IAM tag keys are unique regardless of case (`CostCenter` and `costcenter` cannot both
        // be on a role): https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html
        let mut seen: Vec<(String, String)> = Vec::new();
        for (key, at, value) in entries {
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
            } else if key.is_empty() || key.chars().count() > 128 {
                self.error(
                    &at,
                    "a tag key must be 1 to 128 characters long",
                    "this key",
                );
                ok = false;
            } else if value.chars().count() > 256 {
                self.error(
                    &at,
                    "a tag value must be at most 256 characters long",
                    "this tag",
                );
                ok = false;
            } else if on_role && !(iam_tag_text(&key) && iam_tag_text(&value)) {
                self.iam_tag_error(&at, &key);
                ok = false;
            } else {
                out.insert(key, value);
            }
        }
        ok.then_some(out)
    }

    fn iam_tag_error(&mut self, at: &At, key: &str) {
        let d = self
            .diag(
                at,
                format!("the tag `{key}` also goes on an IAM role, and IAM refuses its characters"),
                "not an IAM tag",
            )
            .help(
                "IAM tag keys and values take letters, digits, spaces and `_ . : / = + - @` only",
            );
        self.sink.push(d);
    }

    /// Reports user tags that, with the `extra` tags ecrplan adds to one of the module's objects,
    /// would pass AWS's limit of [`MAX_TAGS`] per object.
    fn tag_count(&mut self, v: &Value, user: usize, extra: usize) {
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

    /// `image_tag_mutability_exclusion_filters`, checked as ECR checks them (API reference,
    /// ImageTagMutabilityExclusionFilter and CreateRepository): 1 to 5 WILDCARD filters of 1 to
    /// 128 characters matching `^[0-9a-zA-Z._*-]{1,128}$`, required by the `*_WITH_EXCLUSION`
    /// kinds ("ImageTagMutabilityExclusionFilters can't be null") and refused by the others.
    fn exclusion_filters(
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
            .is_some_and(|v| !matches!(v.kind, crate::value::Kind::Null));
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

    /// Reads a module of the `ecr-repos` kind.
    pub(crate) fn ecr_repos_module(
        &mut self,
        name: &str,
        source: String,
        label_at: At,
        fields: &BodyFields<'_>,
    ) -> Option<Declared> {
        let ctx = format!("module `{name}`");
        let label_ok = self.module_label(name, &label_at);
        let mut ats = DocumentAts::default();
        let mut repositories = Vec::new();
        let mut repository_ats = Vec::new();
        if let Some(v) = self.required_attr_value(fields, "ecr-repositories", &label_at, &ctx)
            && let Some(names) = self.strings(&v, "ecr-repositories")
        {
            ats.repositories = Some(v.at.clone());
            if names.is_empty() {
                self.error(
                    &v.at,
                    format!("{ctx} declares no repositories"),
                    "empty list",
                );
            }
            for (repo, at) in names {
                if self.repository_name(&repo, &at) {
                    repositories.push(repo);
                    repository_ats.push(at);
                }
            }
        }

        let mut account_access = Vec::new();
        if let Some(v) = self.attr_value(fields, "account_access")
            && let Some(items) = self.list(&v, "account_access", "objects")
        {
            ats.account_access = Some(v.at.clone());
            for item in items {
                if let Some(access) = self.account_access(item) {
                    account_access.push(access);
                }
            }
        }

        let mut roles = Vec::new();
        let github = match self.attr_value(fields, "github_access") {
            Some(v) => self.github_access(&v, &mut roles, &mut ats),
            None => None,
        };
        let circleci = match self.attr_value(fields, "circleci_access") {
            Some(v) => self.circleci_access(&v, &mut roles, &mut ats),
            None => None,
        };

        let mut settings = RepositorySettings::default();
        let mut mutability_at = None;
        if let Some(v) = self.attr_value(fields, "image_tag_mutability")
            && let Some(s) = self.string(&v, "image_tag_mutability")
        {
            match TagMutability::parse(&s) {
                Some(m) => {
                    settings.image_tag_mutability = m;
                    mutability_at = Some(v.at.clone());
                }
                None => {
                    let d = self
                            .diag(
                                &v.at,
                                format!("unknown image_tag_mutability `{s}`"),
                                "not a tag mutability",
                            )
                            .help("use MUTABLE, IMMUTABLE, MUTABLE_WITH_EXCLUSION or IMMUTABLE_WITH_EXCLUSION");
                    self.sink.push(d);
                }
            }
        }
        settings.image_tag_mutability_exclusion_filters = self.exclusion_filters(
            fields,
            settings.image_tag_mutability,
            mutability_at.as_ref(),
        );
        if let Some(v) = self.attr_value(fields, "scan_on_push") {
            settings.scan_on_push = self.bool(&v, "scan_on_push").unwrap_or_default();
        }
        if let Some(v) = self.attr_value(fields, "force_delete") {
            settings.force_delete = self.bool(&v, "force_delete").unwrap_or_default();
        }
        if let Some(v) = self.attr_value(fields, "encryption")
            && let Some(e) = self.encryption(&v)
        {
            settings.encryption = e;
        }
        if let Some(v) = self.attr_value(fields, "tags") {
            let on_role = github.is_some() || circleci.is_some();
            settings.tags = self.user_tags(&v, "tags", on_role).unwrap_or_default();
            let allow_any = github.as_ref().is_some_and(|g| g.allow_any_organisation);
            // Roles also carry `ecrplan:region` (IAM is global).
            let on_roles = usize::from(on_role) + usize::from(allow_any);
            let own = usize::from(settings.force_delete).max(on_roles);
            self.tag_count(&v, settings.tags.len(), OWNERSHIP_TAGS + own);
        }
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
            }
            (Some(p), None) => {
                ats.lifecycle = Some(p.at.clone());
                settings.lifecycle = self.lifecycle_policy(&p, "lifecycle_policy");
            }
            (None, Some(g)) => settings.lifecycle = self.generated_lifecycle(&g),
            (None, None) => {}
        }

        let module = Module {
            name: name.to_owned(),
            source,
            repositories,
            settings,
            account_access,
            github,
            circleci,
            push_actions: Module::default_push_actions(),
            ci_outputs: CiOutputs::default(),
        };
        self.document_sizes(&module, &ats);
        label_ok.then_some(Declared {
            module,
            label_at,
            repositories: repository_ats,
            roles,
            unmanaged: Vec::new(),
            cloud_platform: false,
        })
    }

    fn account_access(&mut self, item: &Value) -> Option<AccountAccess> {
        const KEYS: &[&str] = &["description", "account_id", "can_write"];
        let obj = self.object(item, "account_access", KEYS)?;
        let ctx = "an `account_access` entry";
        let description = match optional(obj, "description") {
            Some(v) => self.string(v, "account_access.description")?,
            None => String::new(),
        };
        let id_value = self.required(obj, "account_id", ctx)?;
        let account_id = self.string(id_value, "account_access.account_id")?;
        if let Err(e) = check_account_id(&account_id) {
            let at = id_value.at.clone();
            let d = self
                .diag(&at, e.to_string(), "not a 12-digit account id")
                .help("an AWS account id is exactly 12 digits, written as a string to keep leading zeros");
            self.sink.push(d);
            return None;
        }
        let can_write = match optional(obj, "can_write") {
            Some(v) => self.bool(v, "account_access.can_write")?,
            None => false,
        };
        Some(AccountAccess {
            description,
            account_id,
            can_write,
        })
    }

    fn github_access(
        &mut self,
        v: &Value,
        roles: &mut Vec<(String, At)>,
        ats: &mut DocumentAts,
    ) -> Option<GithubAccess> {
        const KEYS: &[&str] = &[
            "role_name",
            "github_repositories",
            "environments",
            "refs",
            "allow_any_organisation",
        ];
        let obj = self.object(v, "github_access", KEYS)?;
        let ctx = "`github_access`";
        let role_value = self.required(obj, "role_name", ctx);
        let repos_value = self.required(obj, "github_repositories", ctx);
        let allow_any = match optional(obj, "allow_any_organisation") {
            Some(v) => self.bool(v, "github_access.allow_any_organisation"),
            None => Some(false),
        };
        let mut ok = allow_any.is_some();
        let role_name = role_value.and_then(|r| self.string(r, "github_access.role_name"));
        let role_ok = match (&role_name, role_value) {
            (Some(name), Some(r)) => self.role_name(name, &r.at),
            _ => false,
        };
        ok &= role_ok;
        let mut repositories: Vec<GithubRepository> = Vec::new();
        if let Some(items) =
            repos_value.and_then(|r| self.list(r, "github_access.github_repositories", "objects"))
        {
            ats.github = repos_value.map(|r| r.at.clone());
            if items.is_empty() {
                let at = repos_value.map_or(v.at.clone(), |r| r.at.clone());
                self.error(
                    &at,
                    "`github_access.github_repositories` is empty: no workflow could assume the role",
                    "empty list",
                );
                ok = false;
            }
            for item in items {
                match self.github_repository(item, allow_any.unwrap_or(false)) {
                    Some(r) => {
                        self.same_but_case(&repositories, &r, &item.at);
                        repositories.push(r);
                    }
                    None => ok = false,
                }
            }
        } else {
            ok = false;
        }
        let mut environments = Vec::new();
        if let Some(v) = optional(obj, "environments") {
            for (env, at) in self.strings(v, "github_access.environments")? {
                ok &= self.trust_value(&env, &at, "environments");
                environments.push(env);
            }
        }
        let mut refs = Vec::new();
        if let Some(v) = optional(obj, "refs") {
            for (r, at) in self.strings(v, "github_access.refs")? {
                ok &= self.trust_value(&r, &at, "refs") && self.git_ref(&r, &at);
                refs.push(r);
            }
        }
        let role_name = role_name?;
        if let (true, Some(r)) = (role_ok, role_value) {
            roles.push((role_name.clone(), r.at.clone()));
        }
        ok.then_some(GithubAccess {
            role_name,
            repositories,
            environments,
            refs,
            allow_any_organisation: allow_any.unwrap_or(false),
        })
    }

    fn github_repository(&mut self, item: &Value, allow_any: bool) -> Option<GithubRepository> {
        const KEYS: &[&str] = &["organisation", "repository"];
        let what = "github_access.github_repositories";
        let obj = self.object(item, what, KEYS)?;
        let ctx = "a `github_repositories` entry";
        let org_value = self.required(obj, "organisation", ctx);
        let repo_value = self.required(obj, "repository", ctx);
        let org_value = org_value?;
        let organisation = self.string(org_value, "organisation")?;
        let repository = self.string(repo_value?, "repository")?;
        // The trust condition is `StringLike` on `repo:<organisation>/<repository>:…`: a `*` or
        // `?` anywhere in the organisation matches other organisations, and a `/` or `:` moves
        // the boundaries of the subject.
        if organisation.contains(['*', '?']) && !allow_any {
            let message = if organisation == "*" {
                "`organisation = \"*\"` would let any GitHub organisation push".to_owned()
            } else {
                format!(
                    "`organisation = \"{organisation}\"` is a wildcard pattern: every GitHub organisation matching it could push"
                )
            };
            let d = self
                .diag(&org_value.at, message, "any organisation")
                .help("name the organisation, or set `allow_any_organisation = true` in `github_access` if you really mean it");
            self.sink.push(d);
            return None;
        }
        let mut separators = false;
        for (name, text, value) in [
            ("organisation", &organisation, org_value),
            ("repository", &repository, repo_value?),
        ] {
            if text.contains(['/', ':']) {
                let d = self
                    .diag(
                        &value.at,
                        format!("`{name} = \"{text}\"` contains `/` or `:`"),
                        "not a plain name",
                    )
                    .help("`/` and `:` separate the parts of the GitHub token's subject; give the organisation and the repository separately");
                self.sink.push(d);
                separators = true;
            }
        }
        if separators {
            return None;
        }
        let org_ok = organisation.is_empty()
            || (self.trust_value(&organisation, &org_value.at, "organisation")
                && self.github_name(&organisation, &org_value.at, "organisation"));
        let repo_ok = repository.is_empty()
            || repo_value.is_none_or(|r| {
                self.trust_value(&repository, &r.at, "repository")
                    && self.github_name(&repository, &r.at, "repository")
            });
        if !(org_ok && repo_ok) {
            return None;
        }
        if organisation.is_empty() || repository.is_empty() {
            self.error(
                &item.at,
                "`organisation` and `repository` must not be empty",
                "empty name",
            );
            return None;
        }
        Some(GithubRepository {
            organisation,
            repository,
        })
    }

    /// A ref in `sub` is the full name (`ref:refs/heads/main`): a bare branch name can never
    /// match. A leading wildcard is left alone.
    fn git_ref(&mut self, r: &str, at: &At) -> bool {
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
    fn same_but_case(&mut self, listed: &[GithubRepository], r: &GithubRepository, at: &At) {
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

    fn circleci_access(
        &mut self,
        v: &Value,
        roles: &mut Vec<(String, At)>,
        ats: &mut DocumentAts,
    ) -> Option<CircleciAccess> {
        const KEYS: &[&str] = &["role_name", "organisation_id", "project_ids"];
        let obj = self.object(v, "circleci_access", KEYS)?;
        let ctx = "`circleci_access`";
        let role_value = self.required(obj, "role_name", ctx);
        let org_value = self.required(obj, "organisation_id", ctx);
        let projects_value = self.required(obj, "project_ids", ctx);
        let role_value = role_value?;
        let role_name = self.string(role_value, "circleci_access.role_name")?;
        let role_ok = self.role_name(&role_name, &role_value.at);
        if role_ok {
            roles.push((role_name.clone(), role_value.at.clone()));
        }
        let org_value = org_value?;
        let organisation_id = self.string(org_value, "circleci_access.organisation_id")?;
        if !is_uuid(&organisation_id) {
            let d = self
                .diag(
                    &org_value.at,
                    format!("`{organisation_id}` is not a CircleCI organisation id"),
                    "expected a UUID",
                )
                .help("the organisation id is the UUID under Organization Settings → Overview in CircleCI");
            self.sink.push(d);
            return None;
        }
        let projects_value = projects_value?;
        ats.circleci = Some(projects_value.at.clone());
        let mut project_ids = Vec::new();
        let mut projects_ok = true;
        for (id, at) in self.strings(projects_value, "circleci_access.project_ids")? {
            if id != "*" && !is_uuid(&id) {
                let d = self
                    .diag(
                        &at,
                        format!("`{}` is not a CircleCI project id", id.escape_debug()),
                        "expected a UUID or \"*\"",
                    )
                    .help("the role trusts `sub` = org/<organisation>/project/<project id>/user/*: a project id is the UUID under Project Settings → Overview in CircleCI (or \"*\" for every project of the organisation); anything else can never match, or moves the boundaries of `sub`");
                self.sink.push(d);
                projects_ok = false;
            }
            project_ids.push(id);
        }
        if !projects_ok {
            return None;
        }
        if project_ids.is_empty() {
            self.error(
                &projects_value.at,
                "`circleci_access.project_ids` is empty: no job could assume the role",
                "empty list",
            );
            return None;
        }
        role_ok.then_some(CircleciAccess {
            role_name,
            organisation_id,
            project_ids,
        })
    }

    fn encryption(&mut self, v: &Value) -> Option<Encryption> {
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
            ("KMS", Some((kms_key, at))) => {
                let key_region = kms_key.split(':').nth(3).unwrap_or_default();
                if let Some(region) = self.registry.region.clone()
                    && key_region != region
                {
                    let d = self
                        .diag(
                            &at,
                            format!("the KMS key is in {key_region}, but the registry is in {region}"),
                            "key in another region",
                        )
                        .help("ECR encrypts a repository only with a KMS key in the repository's own region (CreateRepository fails otherwise); use a key, or a multi-Region replica key, in that region");
                    self.sink.push(d);
                    return None;
                }
                Some(Encryption::Kms { kms_key })
            }
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

    fn generated_lifecycle(&mut self, v: &Value) -> Option<LifecycleSpec> {
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

    fn positive(&mut self, v: &Value, what: &str) -> Option<u32> {
        let n = self.u32(v, what)?;
        if n == 0 {
            self.error(&v.at, format!("`{what}` must be at least 1"), "zero");
            return None;
        }
        Some(n)
    }

    /// Reads a Cloud Platform module and desugars it.
    pub(crate) fn cloud_platform_module(
        &mut self,
        name: &str,
        source: String,
        label_at: At,
        fields: &BodyFields<'_>,
        circleci_org: &str,
    ) -> Option<Declared> {
        let ctx = format!("module `{name}`");
        let label_ok = self.module_label(name, &label_at);
        let mut ats = DocumentAts::default();
        let team = self.required_attr_value(fields, "team_name", &label_at, &ctx);
        let repo = self.required_attr_value(fields, "repo_name", &label_at, &ctx);
        let team_name = team.as_ref().and_then(|v| self.string(v, "team_name"));
        let repo_name = repo.as_ref().and_then(|v| self.string(v, "repo_name"));

        let mut repositories = Vec::new();
        let mut repository_ats = Vec::new();
        let mut role_base = None;
        if let (Some(team_name), Some(repo_name), Some(team), Some(repo)) =
            (&team_name, &repo_name, &team, &repo)
        {
            let full = format!("{team_name}/{repo_name}");
            let at = repo.at.clone();
            match check_repository_name(&full) {
                Ok(()) => {
                    repositories.push(full);
                    repository_ats.push(at);
                    role_base = Some((team_name.clone(), repo_name.clone()));
                }
                Err(e) => {
                    let mut d = self
                        .diag(&at, e.to_string(), "the repository is `team_name/repo_name`")
                        .help("use lower-case letters, digits and single `.`, `_` or `-` between them");
                    if team.at.file == at.file && team.at.range != at.range {
                        d = d.label(team.at.range.clone(), "team_name");
                    } else if team.at.file != at.file {
                        d = d.related(self.note(
                            &team.at,
                            format!("team_name is `{team_name}`"),
                            "team_name",
                        ));
                    }
                    self.sink.push(d);
                }
            }
        }

        let mut providers: Vec<(String, At)> = Vec::new();
        if let Some(v) = self.attr_value(fields, "oidc_providers")
            && let Some(list) = self.strings(&v, "oidc_providers")
        {
            for (p, at) in list {
                if p != "github" && p != "circleci" {
                    let d = self
                        .diag(
                            &at,
                            format!("unknown OIDC provider `{p}`"),
                            "not a provider",
                        )
                        .help("oidc_providers takes \"github\" and \"circleci\"");
                    self.sink.push(d);
                } else if !providers.iter().any(|(q, _)| *q == p) {
                    providers.push((p, at));
                }
            }
        }
        let github_repositories: Vec<(String, At)> =
            match self.attr_value(fields, "github_repositories") {
                Some(v) => {
                    ats.github = Some(v.at.clone());
                    self.strings(&v, "github_repositories").unwrap_or_default()
                }
                None => Vec::new(),
            };
        for (r, at) in &github_repositories {
            if r.is_empty() || r.contains('/') || r.contains(':') {
                let d = self
                    .diag(at, format!("`{r}` is not a GitHub repository name"), "not a repository name")
                    .help("give the repository name only: the organisation is always ministryofjustice");
                self.sink.push(d);
            } else if self.trust_value(r, at, "repository") {
                self.github_name(r, at, "repository");
            }
        }
        let environments: Vec<String> = match self.attr_value(fields, "github_environments") {
            Some(v) => self
                .strings(&v, "github_environments")
                .unwrap_or_default()
                .into_iter()
                .map(|(s, _)| s)
                .collect(),
            None => Vec::new(),
        };
        let prefix = match self.attr_value(fields, "github_actions_prefix") {
            Some(v) => self
                .string(&v, "github_actions_prefix")
                .filter(|s| !s.is_empty())
                .map(|s| s.to_uppercase()),
            None => None,
        };

        let mut settings = RepositorySettings {
            scan_on_push: true,
            ..RepositorySettings::default()
        };
        if let Some(v) = self.attr_value(fields, "scan_on_push") {
            settings.scan_on_push = self.bool(&v, "scan_on_push").unwrap_or(true);
        }
        if let Some(v) = self.attr_value(fields, "deletion_protection") {
            settings.force_delete = !self.bool(&v, "deletion_protection").unwrap_or(true);
        }
        if let Some(v) = self.attr_value(fields, "lifecycle_policy") {
            ats.lifecycle = Some(v.at.clone());
            settings.lifecycle = self.lifecycle_policy(&v, "lifecycle_policy");
        }
        if let Some(team_name) = &team_name {
            settings.tags.insert("owner".into(), team_name.clone());
        }
        for (input, tag) in [
            ("business_unit", "business-unit"),
            ("application", "application"),
            ("is_production", "is-production"),
            ("namespace", "namespace"),
            ("environment_name", "environment-name"),
            ("infrastructure_support", "infrastructure-support"),
        ] {
            if let Some(v) = self.attr_value(fields, input)
                && let Some(s) = self.string(&v, input)
            {
                if s.chars().count() > 256 {
                    self.error(
                        &v.at,
                        format!("`{input}` becomes a tag value, at most 256 characters"),
                        "too long",
                    );
                } else if !providers.is_empty() && !iam_tag_text(&s) {
                    self.iam_tag_error(&v.at, tag);
                } else {
                    settings.tags.insert(tag.into(), s);
                }
            }
        }

        let mut unmanaged = Vec::new();
        if fields.get("providers").is_some() {
            unmanaged.push("providers");
        }
        if let Some(v) = self.attr_value(fields, "enable_irsa") {
            self.bool(&v, "enable_irsa");
            unmanaged.push("enable_irsa");
        }
        for input in [
            "github_actions_secret_ecr_name",
            "github_actions_secret_ecr_url",
            "github_actions_secret_ecr_access_key",
            "github_actions_secret_ecr_secret_key",
        ] {
            if let Some(v) = self.attr_value(fields, input) {
                self.string(&v, input);
                if !unmanaged.contains(&"github_actions_secret_*") {
                    unmanaged.push("github_actions_secret_*");
                }
            }
        }

        let mut roles = Vec::new();
        let mut github = None;
        let mut circleci = None;
        for (provider, at) in &providers {
            let Some((team_name, repo_name)) = &role_base else {
                continue;
            };
            let role_name = cloud_platform_role_name(team_name, repo_name, provider);
            if !self.role_name(&role_name, at) {
                continue;
            }
            roles.push((role_name.clone(), at.clone()));
            if provider == "github" {
                if github_repositories.is_empty() {
                    roles.pop();
                    let d = Diagnostic::warning(format!(
                        "{ctx} asks for a GitHub role but lists no `github_repositories`: no role is made"
                    ))
                    .in_file(&self.files[at.file])
                    .label(at.range.clone(), "no repository could assume it")
                    .help("add `github_repositories = [\"…\"]`, or remove \"github\" from oidc_providers");
                    self.sink.push(d);
                    continue;
                }
                github = Some(GithubAccess {
                    role_name,
                    repositories: github_repositories
                        .iter()
                        .map(|(r, _)| GithubRepository {
                            organisation: CLOUD_PLATFORM_GITHUB_ORG.to_owned(),
                            repository: r.clone(),
                        })
                        .collect(),
                    environments: Vec::new(),
                    allow_any_organisation: false,
                    refs: Vec::new(),
                });
            } else {
                circleci = Some(CircleciAccess {
                    role_name,
                    organisation_id: circleci_org.to_owned(),
                    project_ids: vec!["*".to_owned()],
                });
            }
        }

        let module = Module {
            name: name.to_owned(),
            source,
            repositories,
            settings,
            account_access: Vec::new(),
            github,
            circleci,
            push_actions: CLOUD_PLATFORM_PUSH_ACTIONS
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            ci_outputs: CiOutputs {
                prefix,
                environments,
            },
        };
        self.document_sizes(&module, &ats);
        label_ok.then_some(Declared {
            module,
            label_at,
            repositories: repository_ats,
            roles,
            unmanaged,
            cloud_platform: true,
        })
    }
}

/// AWS's limit of tags per repository and per role, ecrplan's own included.
const MAX_TAGS: usize = 50;

/// `managed-by`, `ecrplan:estate` and `ecrplan:module`, on every repository and role.
const OWNERSHIP_TAGS: usize = 3;

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

/// The role name of a Cloud Platform module's CI role: `cp-ecr-<team>-<repo>-<provider>`
/// (`/` in names becomes `-`); when that is longer than IAM's 64 characters, the
/// `<team>-<repo>` part is cut and followed by `-` and the first 8 hex digits of the SHA-256 of
/// `<team>/<repo>`, so the name stays unique and fits.
pub fn cloud_platform_role_name(team: &str, repo: &str, provider: &str) -> String {
    let middle = format!("{team}-{repo}").replace('/', "-");
    let suffix = format!("-{provider}");
    let full = format!("cp-ecr-{middle}{suffix}");
    if full.len() <= 64 {
        return full;
    }
    let digest = Sha256::digest(format!("{team}/{repo}").as_bytes());
    let hash: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    let room = 64 - "cp-ecr-".len() - 1 - hash.len() - suffix.len();
    let cut: String = middle.chars().take(room).collect();
    let cut = cut.trim_end_matches(['-', '.', '_']);
    format!("cp-ecr-{cut}-{hash}{suffix}")
}

/// True for `arn:<partition>:kms:<region>:<12-digit account>:key/<id>`: the form ECR reports
/// for a repository's key, so the only form a plan can compare.
fn is_kms_key_arn(s: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_fit_and_are_stable() {
        assert_eq!(
            cloud_platform_role_name("webops", "app-ecr", "github"),
            "cp-ecr-webops-app-ecr-github"
        );
        let long = cloud_platform_role_name(
            "hmpps-prisoner-communication-team",
            "hmpps-prisoner-communication-service-ecr",
            "circleci",
        );
        assert!(long.len() <= 64, "{long}");
        assert!(long.starts_with("cp-ecr-hmpps-prisoner-communication-team-"));
        assert!(long.ends_with("-circleci"));
        assert!(check_role_name(&long).is_ok());
        assert_eq!(
            long,
            cloud_platform_role_name(
                "hmpps-prisoner-communication-team",
                "hmpps-prisoner-communication-service-ecr",
                "circleci",
            )
        );
        let other = cloud_platform_role_name(
            "hmpps-prisoner-communication-team",
            "hmpps-prisoner-communication-service-ecr2",
            "circleci",
        );
        assert_ne!(long, other);
    }

    #[test]
    fn recognises_the_cloud_platform_source() {
        assert!(is_cloud_platform(
            "github.com/ministryofjustice/cloud-platform-terraform-ecr-credentials?ref=7.1.0"
        ));
        assert!(is_cloud_platform(CLOUD_PLATFORM_SOURCE));
        assert!(!is_cloud_platform(
            "github.com/ministryofjustice/cloud-platform-terraform-ecr-credentials-x"
        ));
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
