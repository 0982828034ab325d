//! The diagnostics for the AWS rules of `limits`: each check measures or matches a value with
//! a rule from `limits` and, when AWS would refuse it, reports where it was written with the
//! rule quoted as `help:`.

use ecrplan_model::{DesiredEstate, JsonDocument, Module, Reach, Resource};

use crate::diag::Diagnostic;
use crate::eval::Evaluator;
use crate::limits::{
    LIFECYCLE_POLICY_MAX, REPOSITORY_POLICY_MAX, ROLE_INLINE_POLICY_MAX, TAG_PATTERN,
    TAG_VALUE_MAX, TRUST_POLICY_DEFAULT, TRUST_POLICY_MAX, iam_size, tag_text,
};
use crate::policy_grammar::{self, PolicyError, PolicyType};
use crate::value::{At, Value};

/// Where the inputs that make each generated document were written, to point at the one that
/// makes a document too large.
#[derive(Default)]
pub(crate) struct DocumentAts {
    /// `lifecycle_policy` or `lifecycle`.
    pub(crate) lifecycle: Option<At>,
    /// `account_access`: the repository policy.
    pub(crate) account_access: Option<At>,
    /// `github_repositories`: the GitHub role's trust policy.
    pub(crate) github: Option<At>,
    /// `project_ids`: the CircleCI role's trust policy.
    pub(crate) circleci: Option<At>,
    /// The repositories: the resources of the roles' inline policy.
    pub(crate) repositories: Option<At>,
}

impl Evaluator<'_> {
    /// Module labels become the value of the `ecrplan:module` tag on every repository and role:
    /// at most [`TAG_VALUE_MAX`] characters of [`TAG_PATTERN`].
    pub(crate) fn module_label(&mut self, name: &str, at: &At) -> bool {
        let problem = if name.chars().count() > TAG_VALUE_MAX {
            Some(format!(
                "the module label is {} characters long",
                name.chars().count()
            ))
        } else if !tag_text(name) {
            let bad: String = name
                .chars()
                .filter(|c| !tag_text(&c.to_string()))
                .take(5)
                .collect();
            Some(format!(
                "the module label `{}` holds characters a tag value cannot: {bad:?}",
                name.escape_debug()
            ))
        } else {
            None
        };
        let Some(problem) = problem else {
            return true;
        };
        let d = self
            .diag(at, format!("{problem}; it becomes the `ecrplan:module` tag value"), "module label")
            .help(format!("AWS tag values are at most {TAG_VALUE_MAX} characters of letters, digits, spaces and `_ . : / = + - @` ({TAG_PATTERN}); rename the module"));
        self.sink.push(d);
        false
    }

    /// The documents a module generates, measured as AWS measures them, against AWS's limits.
    pub(crate) fn document_sizes(&mut self, module: &Module, ats: &DocumentAts) {
        let reach = Reach::single(self.registry.account());
        let estate = DesiredEstate {
            modules: vec![module.clone()],
            ..DesiredEstate::default()
        };
        let mut lifecycle_done = false;
        let mut policy_done = false;
        for object in estate.objects(&reach) {
            // Only the kinds that carry a document AWS limits; others have nothing to measure.
            let resource = &object.resource;
            if let Resource::LifecyclePolicy(p) = resource
                && !lifecycle_done
            {
                lifecycle_done = true;
                let size = p.document.to_compact().chars().count();
                if size > LIFECYCLE_POLICY_MAX {
                    self.too_large(
                            ats.lifecycle.as_ref(),
                            format!("the lifecycle policy is {size} characters as sent to ECR"),
                            format!("ECR: a lifecycle policy is at most {LIFECYCLE_POLICY_MAX} characters (PutLifecyclePolicy); remove rules or shorten descriptions"),
                        );
                }
            } else if let Resource::RepositoryPolicy(p) = resource
                && !policy_done
            {
                policy_done = true;
                let size = p.document.to_compact().chars().count();
                if size > REPOSITORY_POLICY_MAX {
                    self.too_large(
                            ats.account_access.as_ref(),
                            format!("the repository policy `account_access` makes is {size} characters"),
                            format!("ECR: a repository policy is at most {REPOSITORY_POLICY_MAX} characters (SetRepositoryPolicy); give access to fewer accounts, e.g. through an AWS Organizations condition set outside ecrplan"),
                        );
                }
            } else if let Resource::Role(role) = resource {
                let github = module
                    .github
                    .as_ref()
                    .is_some_and(|g| g.role_name == role.name);
                let at = if github { &ats.github } else { &ats.circleci };
                let size = iam_size(&role.trust.to_compact());
                let what = format!(
                    "the trust policy of role `{}` is {size} characters (whitespace not counted)",
                    role.name
                );
                if size > TRUST_POLICY_MAX {
                    self.too_large(
                            at.as_ref(),
                            what,
                            format!("IAM: a role trust policy is at most {TRUST_POLICY_DEFAULT} characters, and the quota can be raised to {TRUST_POLICY_MAX} at most; split the repositories over several modules (roles)"),
                        );
                } else if size > TRUST_POLICY_DEFAULT {
                    self.large_trust(at.as_ref(), what);
                }
            } else if let Resource::RolePolicy(p) = resource {
                let size = iam_size(&p.document.to_compact());
                if size > ROLE_INLINE_POLICY_MAX {
                    self.too_large(
                            ats.repositories.as_ref(),
                            format!("the inline policy of role `{}` is {size} characters (whitespace not counted)", p.role),
                            format!("IAM: the inline policies of a role are at most {ROLE_INLINE_POLICY_MAX} characters in all; split the repositories over several modules"),
                        );
                }
            }
        }
    }

    /// A policy document as written (`jsonencode(…)`, `file(…)` or a heredoc): JSON that IAM's
    /// policy grammar accepts as a policy of `kind`. Each error is its own diagnostic at the
    /// value, as ValidatePolicy lists them; `too_large` adds a way out to the help of a document
    /// over its quota.
    pub(crate) fn policy_document(
        &mut self,
        v: &Value,
        what: &str,
        kind: PolicyType,
        too_large: Option<&str>,
    ) -> Option<JsonDocument> {
        let text = self.string(v, what)?;
        let doc = match JsonDocument::parse(&text) {
            Ok(doc) => doc,
            Err(e) => {
                let d = self
                    .diag(&v.at, format!("`{what}` is not JSON: {e}"), "not JSON")
                    .help("write the policy with jsonencode({ … }) or file(\"policy.json\")");
                self.sink.push(d);
                return None;
            }
        };
        let errors = policy_grammar::check(&doc, kind);
        for e in &errors {
            // A document too large is pointed at, not reprinted.
            let at = match e {
                PolicyError::TooLarge { .. } => self.first_line(&v.at),
                _ => v.at.clone(),
            };
            let mut d = self.diag(&at, format!("`{what}`: {e}"), e.label());
            if let Some(help) = e.help() {
                d = d.help(match (e, too_large) {
                    (PolicyError::TooLarge { .. }, Some(way_out)) => format!("{help}{way_out}"),
                    _ => help,
                });
            }
            self.sink.push(d);
        }
        errors.is_empty().then_some(doc)
    }

    /// `at` cut to its first line: a list of hundreds of entries is pointed at, not reprinted.
    pub(crate) fn first_line(&self, at: &At) -> At {
        let text = &self.files[at.file].text;
        let end = text
            .get(at.range.clone())
            .and_then(|s| s.find('\n'))
            .map_or(at.range.end, |i| at.range.start + i);
        At::new(at.file, at.range.start..end)
    }

    fn too_large(&mut self, at: Option<&At>, message: String, help: String) {
        let at = at.map(|at| self.first_line(at));
        let d = match &at {
            Some(at) => self.diag(at, message, "makes the document too large"),
            None => Diagnostic::error(message),
        };
        self.sink.push(d.help(help));
    }

    /// Over IAM's default trust policy quota but within what it can be raised to: only the
    /// account knows its quota, so a warning — CreateRole fails unless it was raised.
    fn large_trust(&mut self, at: Option<&At>, what: String) {
        let mut d = Diagnostic::warning(format!(
            "{what}: over IAM's default quota of {TRUST_POLICY_DEFAULT}"
        ));
        if let Some(at) = at.map(|at| self.first_line(at)) {
            d = d
                .in_file(&self.files[at.file])
                .label(at.range.clone(), "makes the trust policy large");
        }
        self.sink.push(d.help(format!(
            "IAM: a role trust policy is at most {TRUST_POLICY_DEFAULT} characters unless the account's \"Role trust policy length\" quota is raised (up to {TRUST_POLICY_MAX}); raise it, or split the repositories over several modules"
        )));
    }

    /// A value that goes into a token `sub` pattern: empty, or with whitespace at either end
    /// or a control character, it can never equal what GitHub or CircleCI put in a token.
    pub(crate) fn trust_value(&mut self, text: &str, at: &At, what: &str) -> bool {
        let problem = if text.is_empty() {
            "is empty"
        } else if text.chars().any(char::is_control) {
            "holds a control character (a newline, a tab…)"
        } else if text.trim() != text {
            "has whitespace at its start or end"
        } else {
            return true;
        };
        let d = self
            .diag(
                at,
                format!("the `{what}` value \"{}\" {problem}", text.escape_debug()),
                "can never match",
            )
            .help(format!(
                "the trust policy compares `{what}` with the token's `sub` claim, which never holds such a value; write the name exactly as GitHub or CircleCI shows it"
            ));
        self.sink.push(d);
        false
    }
}

impl Evaluator<'_> {
    /// A GitHub organisation (or user) name is letters, digits and `-`; a repository name also
    /// `_` and `.`. Another character can never appear in a token's `sub`. `*` and `?` are the
    /// trust policy's own wildcards.
    pub(crate) fn github_name(&mut self, text: &str, at: &At, what: &str) -> bool {
        let organisation = what == "organisation";
        let Some(bad) = text.chars().find(|&c| {
            !(c.is_ascii_alphanumeric()
                || c == '-'
                || c == '*'
                || c == '?'
                || (!organisation && (c == '_' || c == '.')))
        }) else {
            return true;
        };
        let rule = if organisation {
            "GitHub organisation and user names are letters, digits and `-`"
        } else {
            "GitHub repository names are letters, digits, `-`, `_` and `.`"
        };
        let d = self
            .diag(
                at,
                format!(
                    "`{what} = \"{}\"` holds {bad:?}, which no GitHub {what} name does",
                    text.escape_debug()
                ),
                "can never match",
            )
            .help(format!(
                "{rule}: the trust policy compares the name with the token's `sub` claim; write it as GitHub shows it"
            ));
        self.sink.push(d);
        false
    }
}
