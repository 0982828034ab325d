//! The top-level `registry { … }` block: the settings of the registry itself (DESIGN.md "The
//! registry"), read into [`RegistrySettings`] and checked against what ECR refuses, each rule
//! cited in its diagnostic's `help:`. One file per section (`policy`, `scanning`, `cache`,
//! `template`, `signing`); the rules themselves are the leaf `rules`. This file reads the block,
//! the account settings, `replication_from` and the pull-time update exclusions.

mod cache;
mod policy;
pub(crate) mod rules;
mod scanning;
mod signing;
mod template;

use std::collections::BTreeMap;

use ecrplan_model::{ACCOUNT_SETTINGS, RegistrySettings, Section, check_account_id};
use hcl_edit::structure::Block;

use crate::decode::{BodyFields, quote_list, suggest};
use crate::eval::{Evaluator, span_of};
use crate::value::{At, FileId, Value};
use rules::{
    ACCOUNT_SETTING_VALUES, FilterShape, PRINCIPAL_ARN_PATTERN, PrefixShape, is_repository_prefix,
    principal_arn,
};

/// The attributes of a `registry` block.
const ATTRS: &[&str] = &[
    "provider",
    "policy",
    "replication_from",
    "account_settings",
    "pull_time_update_exclusions",
];

/// Its blocks.
const BLOCKS: &[&str] = &[
    "scanning",
    "pull_through_cache",
    "creation_template",
    "signing",
];

/// A `registry` block, read: the settings, and where the block, its sections and its labelled
/// blocks are written (for SARIF locations).
pub(crate) struct RegistryDeclared {
    /// What the block declares.
    pub(crate) settings: RegistrySettings,
    /// The block's `registry` keyword.
    pub(crate) block_at: At,
    /// Where each declared section is written: its attribute's name or its (first) block.
    pub(crate) sections: Vec<(Section, At)>,
    /// The label of each `pull_through_cache` block, by prefix.
    pub(crate) cache_rules: Vec<(String, At)>,
    /// The label of each `creation_template` block, by prefix.
    pub(crate) templates: Vec<(String, At)>,
}

impl Evaluator<'_> {
    /// Reads a `registry` block, checked against the registry of its provider (`provider` is read
    /// first, by `block_provider`, into `self.registry`). Invalid parts are reported and left
    /// out, so the load fails and nothing reaches AWS.
    pub(crate) fn registry_block(&mut self, file: FileId, block: &Block) -> RegistryDeclared {
        let fields = self.body_fields(file, &block.body, ATTRS, BLOCKS, "the `registry` block");
        let mut declared = RegistryDeclared {
            settings: RegistrySettings::default(),
            block_at: At::new(file, span_of(&block.ident)),
            sections: Vec::new(),
            cache_rules: Vec::new(),
            templates: Vec::new(),
        };
        for (name, section) in [
            ("policy", Section::Policy),
            ("replication_from", Section::Policy),
            ("account_settings", Section::AccountSettings),
            (
                "pull_time_update_exclusions",
                Section::PullTimeUpdateExclusions,
            ),
        ] {
            if let Some(attr) = fields.get(name)
                && !declared.sections.iter().any(|(s, _)| *s == section)
            {
                declared.sections.push((section, attr.key_at.clone()));
            }
        }

        let account_settings = self.account_settings(&fields);
        // The scope a declared `registry_policy_scope` sets decides what the policy may grant;
        // an undeclared one is read from the account, and checked, at plan time by the planner.
        let scope = account_settings
            .get("REGISTRY_POLICY_SCOPE")
            .map(String::as_str);
        let policy = self.registry_policy(&fields, scope);
        declared.settings.replication_from = self.replication_from(&fields);
        declared.settings.policy = policy;
        declared.settings.account_settings = account_settings;
        self.merged_policy_size(&fields, &declared.settings);
        declared.settings.pull_time_update_exclusions = self.pull_time_update_exclusions(&fields);

        let mut scanning = Vec::new();
        let mut cache = Vec::new();
        let mut templates = Vec::new();
        let mut signing = Vec::new();
        for inner in &fields.blocks {
            let (section, labels, list) = match inner.ident.value().as_str() {
                "scanning" => (Section::Scanning, 0, &mut scanning),
                "pull_through_cache" => (Section::PullThroughCache, 1, &mut cache),
                "creation_template" => (Section::CreationTemplate, 1, &mut templates),
                _ => (Section::Signing, 0, &mut signing),
            };
            if !declared.sections.iter().any(|(s, _)| *s == section) {
                declared
                    .sections
                    .push((section, At::new(file, span_of(&inner.ident))));
            }
            if self.block_labels(file, inner, labels) {
                list.push(*inner);
            }
        }
        if let Some(first) = scanning.first() {
            self.once(file, &scanning, "scanning");
            declared.settings.scanning = Some(self.scanning_block(file, first));
        }
        if let Some(first) = signing.first() {
            self.once(file, &signing, "signing");
            declared.settings.signing = Some(self.signing_block(file, first));
        }
        if !cache.is_empty() {
            // At most fifty rules, each prefix once.
            let (rules, ats) =
                self.labelled_blocks(file, &cache, &rules::CACHE_PREFIX, |ev, b, p, at| {
                    ev.cache_rule(file, b, p, at)
                });
            declared.settings.pull_through_cache = Some(rules);
            declared.cache_rules = ats;
        }
        if !templates.is_empty() {
            let (read, ats) =
                self.labelled_blocks(file, &templates, &rules::TEMPLATE_PREFIX, |ev, b, p, at| {
                    ev.creation_template(file, b, p, at)
                });
            declared.settings.creation_templates = Some(read);
            declared.templates = ats;
        }
        declared.sections.sort_by_key(|(section, _)| *section);
        declared
    }

    /// Whether `block` has `n` labels, reporting it when not.
    fn block_labels(&mut self, file: FileId, block: &Block, n: usize) -> bool {
        if block.labels.len() == n {
            return true;
        }
        let ident = block.ident.value().as_str();
        let d = self
            .diag(
                &At::new(file, span_of(&block.ident)),
                format!(
                    "a `{ident}` block takes {} label{}, not {}",
                    n,
                    if n == 1 { "" } else { "s" },
                    block.labels.len()
                ),
                "this block",
            )
            .help(if n == 1 {
                format!("write `{ident} \"PREFIX\" {{ … }}`: the label is the ECR repository prefix, or \"ROOT\"")
            } else {
                format!("write `{ident} {{ … }}` without labels")
            });
        self.sink.push(d);
        false
    }

    /// Reports every block of `blocks` after the first: the section is one block.
    fn once(&mut self, file: FileId, blocks: &[&Block], ident: &str) {
        let first = At::new(file, span_of(&blocks[0].ident));
        for again in &blocks[1..] {
            let d = self
                .diag(
                    &At::new(file, span_of(&again.ident)),
                    format!("the `registry` block declares `{ident}` twice"),
                    "declared again here",
                )
                .label(first.range.clone(), "first declared here")
                .help(format!(
                    "a registry has one {ident} configuration: put every `rule` in one `{ident}` block"
                ));
            self.sink.push(d);
        }
    }

    /// A string that must be one of `allowed`, the values of the service model's enum `shape`.
    fn enum_value(
        &mut self,
        v: &Value,
        what: &str,
        allowed: &[&str],
        shape: &str,
    ) -> Option<String> {
        let s = self.string(v, what)?;
        self.enum_text(&s, &v.at, what, allowed, shape).then_some(s)
    }

    /// Whether `text`, written at `at`, is one of `allowed`; reported when not.
    fn enum_text(
        &mut self,
        text: &str,
        at: &At,
        what: &str,
        allowed: &[&str],
        shape: &str,
    ) -> bool {
        if allowed.contains(&text) {
            return true;
        }
        let close = suggest(text, allowed)
            .map(|c| format!("did you mean \"{c}\"? "))
            .unwrap_or_default();
        let quoted: Vec<String> = allowed.iter().map(|a| format!("\"{a}\"")).collect();
        let d = self
            .diag(
                at,
                format!(
                    "`{what}` is \"{}\", which ECR does not know",
                    text.escape_debug()
                ),
                "not a value ECR knows",
            )
            .help(format!(
                "{close}ECR's {shape} is one of {} (ECR API reference)",
                quoted.join(", ")
            ));
        self.sink.push(d);
        false
    }

    /// A list of repository filters of at most `max`, each `valid`: 1 to `longest` characters
    /// of the service model's `shape`, quoted with `pattern` in the help. The invalid ones are
    /// reported and left out.
    fn repository_filters(
        &mut self,
        v: &Value,
        what: &str,
        max: usize,
        shape: FilterShape,
    ) -> Vec<String> {
        let FilterShape {
            valid,
            name: shape,
            pattern,
            longest,
        } = shape;
        let Some(filters) = self.strings(v, what) else {
            return Vec::new();
        };
        if filters.len() > max {
            let d = self
                .diag(
                    &v.at,
                    format!("`{what}` has {} filters", filters.len()),
                    "too many filters",
                )
                .help(format!(
                    "ECR takes at most {max} filters a rule (ECR API reference, {shape} list); write fewer, with wildcards"
                ));
            self.sink.push(d);
        }
        let mut out = Vec::new();
        for (filter, at) in filters {
            if valid(&filter) {
                out.push(filter);
                continue;
            }
            let d = self
                .diag(
                    &at,
                    format!("`{}` is not a repository filter ECR accepts", filter.escape_debug()),
                    "not a filter ECR accepts",
                )
                .help(format!(
                    "a filter is 1 to {longest} lower-case letters, digits and wildcards `*`, joined by single `.`, `_`, `-` or `/` (ECR API reference, {shape}: {pattern})"
                ));
            self.sink.push(d);
        }
        out
    }

    /// The blocks of a labelled section (`pull_through_cache`, `creation_template`), each read
    /// by `read`: each label a repository prefix of `shape`, each prefix once (ECR treats a
    /// prefix and the prefix with a trailing `/` as one: "There is always an assumed / applied
    /// to the end of the prefix"), at most `shape.max` blocks. The objects read, with where each
    /// one's label is.
    fn labelled_blocks<T>(
        &mut self,
        file: FileId,
        blocks: &[&Block],
        shape: &PrefixShape,
        mut read: impl FnMut(&mut Self, &Block, String, &At) -> Option<T>,
    ) -> (Vec<T>, Vec<(String, At)>) {
        let mut out = Vec::new();
        let mut ats = Vec::new();
        let mut seen: Vec<(String, At)> = Vec::new();
        for (i, block) in blocks.iter().enumerate() {
            let prefix = block.labels[0].as_str().to_owned();
            let label_at = At::new(file, span_of(&block.labels[0]));
            if let Some((max, source)) = shape.max
                && i == max
            {
                let d = self
                    .diag(
                        &label_at,
                        format!("the registry declares {} {}s", blocks.len(), shape.object),
                        "one too many",
                    )
                    .help(format!(
                        "ECR allows {max} {}s per registry, {source}",
                        shape.object
                    ));
                self.sink.push(d);
            }
            let prefix_ok = is_repository_prefix(&prefix, shape.length);
            if !prefix_ok {
                self.bad_prefix(&label_at, &prefix, shape.what, shape.length, shape.help);
            }
            let key = prefix.trim_end_matches('/').to_owned();
            if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
                let first = first.clone();
                self.listed_twice(
                    format!("the {} `{key}` is declared twice", shape.object),
                    &first,
                    &label_at,
                    &format!(
                        "a prefix has one {} (a trailing `/` makes no other prefix: ECR always assumes one); remove one, or change its prefix",
                        shape.object
                    ),
                );
                continue;
            }
            seen.push((key, label_at.clone()));
            if let Some(object) = read(self, block, prefix.clone(), &label_at)
                && prefix_ok
            {
                ats.push((prefix, label_at));
                out.push(object);
            }
        }
        (out, ats)
    }

    /// The `rule` blocks of a section (`scanning`, `signing`), each with where it is: at most
    /// `max` (`help` says why), none labelled.
    fn rule_blocks<'b>(
        &mut self,
        file: FileId,
        blocks: &[&'b Block],
        section: &str,
        max: usize,
        help: &str,
    ) -> Vec<(&'b Block, At)> {
        let mut out = Vec::new();
        for (i, rule) in blocks.iter().enumerate() {
            let rule_at = At::new(file, span_of(&rule.ident));
            if i == max {
                let d = self
                    .diag(
                        &rule_at,
                        format!("`{section}` has {} rules", blocks.len()),
                        "one rule too many",
                    )
                    .help(help);
                self.sink.push(d);
            }
            if self.block_labels(file, rule, 0) {
                out.push((*rule, rule_at));
            }
        }
        out
    }

    /// Reports a repository prefix ECR refuses: its length when that is what is wrong, its
    /// characters otherwise.
    fn bad_prefix(
        &mut self,
        at: &At,
        prefix: &str,
        what: &str,
        (min, max): (usize, usize),
        help: &str,
    ) {
        let length = prefix.chars().count();
        let shown = prefix.escape_debug();
        let message = if length < min {
            format!("`{shown}` is {length} characters long, too short for {what}")
        } else if length > max {
            format!("`{shown}` is {length} characters long, too long for {what}")
        } else {
            format!("`{shown}` is not {what} ECR accepts")
        };
        let d = self.diag(at, message, &format!("not {what}")).help(help);
        self.sink.push(d);
    }

    /// Reports a value listed or declared again, labelled beside the first one (or related to
    /// it when a variable's value puts it in another file).
    fn listed_twice(&mut self, message: impl Into<String>, first: &At, again: &At, help: &str) {
        let mut d = self.diag(again, message, "again here");
        d = if first.file == again.file {
            d.label(first.range.clone(), "first here")
        } else {
            d.related(self.note(first, "first written here", "first here"))
        };
        self.sink.push(d.help(help));
    }

    /// `account_settings = { name = "VALUE" }`, by API name: the names ECR knows
    /// ([`ACCOUNT_SETTINGS`]), each with a value PutAccountSetting takes today.
    fn account_settings(&mut self, fields: &BodyFields<'_>) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let Some(v) = self.attr_value(fields, "account_settings") else {
            return out;
        };
        let Some(entries) = self.string_map(&v, "account_settings") else {
            return out;
        };
        let names: Vec<&str> = ACCOUNT_SETTINGS.iter().map(|(name, _, _)| *name).collect();
        for (key, key_at, value, value_at) in entries {
            let Some(&(_, api, _)) = ACCOUNT_SETTINGS.iter().find(|(name, _, _)| *name == key)
            else {
                let mut d = self.diag(
                    &key_at,
                    format!("unknown account setting `{key}`"),
                    "not an ECR account setting",
                );
                d = match suggest(&key, &names) {
                    Some(s) => d.help(format!("did you mean `{s}`?")),
                    None => d.help(format!(
                        "ECR's account settings (PutAccountSetting) are {}",
                        quote_list(&names)
                    )),
                };
                self.sink.push(d);
                continue;
            };
            let Some(&(_, settable, read_only)) = ACCOUNT_SETTING_VALUES
                .iter()
                .find(|(name, _, _)| *name == api)
            else {
                continue;
            };
            if settable.contains(&value.as_str()) {
                out.insert(api.to_owned(), value);
                continue;
            }
            let quoted: Vec<String> = settable.iter().map(|s| format!("\"{s}\"")).collect();
            let takes = quoted.join(" or ");
            let d = if read_only.contains(&value.as_str()) {
                self.diag(
                    &value_at,
                    format!("`{key} = \"{value}\"` can be read on older registries but no longer set"),
                    "cannot be set",
                )
                .help(format!(
                    "PutAccountSetting takes {takes} for {api} today (ECR API reference, PutAccountSetting); write {takes}, or leave `{key}` out to keep the registry's value"
                ))
            } else {
                let close = settable
                    .iter()
                    .find(|s| s.eq_ignore_ascii_case(&value))
                    .map(|s| format!("did you mean \"{s}\"? "))
                    .unwrap_or_default();
                self.diag(
                    &value_at,
                    format!("`{}` is not a value of {api}", value.escape_debug()),
                    "not a value ECR takes",
                )
                .help(format!(
                    "{close}PutAccountSetting takes {takes} for {api} (ECR API reference, PutAccountSetting)"
                ))
            };
            self.sink.push(d);
        }
        out
    }

    /// `replication_from = ["ACCOUNT", …]`: 12-digit account ids, each once, none the registry's
    /// own (when the provider names it).
    fn replication_from(&mut self, fields: &BodyFields<'_>) -> Vec<String> {
        let mut out = Vec::new();
        let Some(v) = self.attr_value(fields, "replication_from") else {
            return out;
        };
        let Some(ids) = self.strings(&v, "replication_from") else {
            return out;
        };
        let mut seen: Vec<(String, At)> = Vec::new();
        for (id, at) in ids {
            if let Err(e) = check_account_id(&id) {
                let d = self
                    .diag(&at, e.to_string(), "not a 12-digit account id")
                    .help("list the 12-digit ids of the accounts whose registries replicate into this one");
                self.sink.push(d);
                continue;
            }
            if let Some((_, first)) = seen.iter().find(|(s, _)| *s == id) {
                let first = first.clone();
                self.listed_twice(
                    format!("`replication_from` lists {id} twice"),
                    &first,
                    &at,
                    "list each source account once",
                );
                continue;
            }
            if self.registry.account_id.as_deref() == Some(id.as_str()) {
                let d = self
                    .diag(
                        &at,
                        format!("{id} is this registry's own account"),
                        "the registry itself",
                    )
                    .help("`replication_from` lets other accounts replicate into this registry (ecr:ReplicateImage and ecr:CreateRepository in the registry policy); an account needs no policy to replicate across its own regions: remove it");
                self.sink.push(d);
                continue;
            }
            seen.push((id.clone(), at));
            out.push(id);
        }
        out
    }

    /// `pull_time_update_exclusions = [ARN, …]`: IAM role or user ARNs
    /// (RegisterPullTimeUpdateExclusion `principalArn`), each once; `None` when not written.
    fn pull_time_update_exclusions(&mut self, fields: &BodyFields<'_>) -> Option<Vec<String>> {
        let v = self.attr_value(fields, "pull_time_update_exclusions")?;
        let arns = self.strings(&v, "pull_time_update_exclusions")?;
        let mut out: Vec<String> = Vec::new();
        let mut seen: Vec<(String, At)> = Vec::new();
        for (arn, at) in arns {
            if principal_arn(&arn).is_none() {
                let d = self
                    .diag(
                        &at,
                        format!("`{}` is not an IAM role or user ARN", arn.escape_debug()),
                        "not a role or user ARN",
                    )
                    .help(format!(
                        "ECR excludes IAM roles and users only: arn:aws:iam::123456789012:role/NAME or :user/NAME, at most 200 characters (RegisterPullTimeUpdateExclusion principalArn: {PRINCIPAL_ARN_PATTERN})"
                    ));
                self.sink.push(d);
                continue;
            }
            if let Some((_, first)) = seen.iter().find(|(s, _)| *s == arn) {
                let first = first.clone();
                self.listed_twice(
                    "`pull_time_update_exclusions` lists this principal twice",
                    &first,
                    &at,
                    "list each principal once: an exclusion is registered once (RegisterPullTimeUpdateExclusion fails with ExclusionAlreadyExistsException)",
                );
                continue;
            }
            seen.push((arn.clone(), at));
            out.push(arn);
        }
        Some(out)
    }
}
