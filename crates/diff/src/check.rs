//! The checker pass over a finished plan (omicron's blippy): findings that do not change what
//! the plan does but decide whether it should be applied.

use std::collections::BTreeSet;

use ecrplan_model::identity::ManagedPolicy;
use ecrplan_model::{
    ANONYMOUS_ESTATE, Action, Change, Kind, LiveEstate, MAX_KEY_AGE_DAYS, Note, Plan, Resource,
    Rule, Scope, Severity, actions, statements, strings, tags,
};
use serde_json::Value;

use crate::live_index::{LiveIndex, roles_trusting};

/// Notes about a plan made against `live`: dangerous repository deletes, trust wider than one
/// organisation, cross-account write access, OIDC providers deleted while roles trust them, and
/// deletes by a directory that names its estate `default`, the name unnamed ones share.
pub fn check(plan: &Plan, live: &LiveEstate) -> Vec<Note> {
    let index = LiveIndex::new(live);
    let mut notes = Vec::new();
    for change in &plan.changes {
        let removes = matches!(change.action, Action::Delete | Action::Replace);
        // A change's before and after are of one kind; deletes have only a before.
        let Some(resource) = change.after.as_ref().or(change.before.as_ref()) else {
            continue;
        };
        // Kinds without a risk of their own need no note: one finding per kind below.
        if let Resource::Repository(r) = resource
            && removes
            && !change.force
        {
            let holds = index
                .get(&change.id)
                .and_then(|o| o.holds_images)
                .unwrap_or(false);
            if holds {
                notes.push(note(
                    Severity::Error,
                    Rule::RepositoryDeleteHoldsImages,
                    change,
                    format!(
                        "repository {} holds images and would be deleted; set \
                             force_delete = true (and apply once) to allow it",
                        r.name
                    ),
                ));
            }
        } else if let Resource::User(u) = resource
            && removes
            && !change.force
        {
            let keys = index
                .get(&change.id)
                .map(|o| o.access_keys.len())
                .unwrap_or(0);
            if keys > 0 {
                notes.push(note(
                    Severity::Error,
                    Rule::UserDeleteHoldsKeys,
                    change,
                    format!(
                        "user {} holds {keys} access key(s) and would be deleted with them; \
                             set force_delete = true in its ci_user (and apply once) to allow it",
                        u.name
                    ),
                ));
            }
        } else if let Resource::RolePolicyAttachment(a) = resource
            && matches!(change.action, Action::Create | Action::Adopt)
            && ManagedPolicy::is_managed_ecr_arn(&a.policy_arn)
        {
            notes.push(note(
                Severity::Warning,
                Rule::AccountWideManagedPolicy,
                change,
                format!(
                    "role {} gets the AWS-managed policy {}, which reaches every repository \
                         in the account, not only this module's; `access = \"pull\"` or \
                         `\"push\"` scopes it to the module",
                    a.role, a.policy_arn
                ),
            ));
        } else if let Resource::Role(role) = resource
            && change.action != Action::Delete
        {
            // An explicit `allow_any_organisation = true` travels on the role as a tag;
            // with it, the open trust is the user's stated intent and only worth a warning.
            let allowed = role
                .tags
                .get(tags::ALLOW_ANY_ORGANISATION)
                .map(String::as_str)
                == Some("true");
            let (severity, why) = if allowed {
                (
                    Severity::Warning,
                    " (allowed by allow_any_organisation = true)",
                )
            } else {
                (Severity::Error, "")
            };
            for problem in wide_trust(&role.trust) {
                notes.push(note(
                    severity,
                    Rule::WideOidcTrust,
                    change,
                    format!("role {} trusts {problem}{why}", role.name),
                ));
            }
        }
        // Only a change that writes the policy is news; repeating the warning for every
        // unchanged policy would drown the rest of a large plan.
        else if let Resource::RepositoryPolicy(p) = resource
            && matches!(
                change.action,
                Action::Create | Action::Update | Action::Adopt
            )
        {
            let others = cross_account_writers(&p.document, &plan.account.id);
            if !others.is_empty() {
                notes.push(note(
                    Severity::Warning,
                    Rule::CrossAccountPush,
                    change,
                    format!(
                        "repository {} lets other accounts push: {}",
                        p.repository,
                        others.join(", ")
                    ),
                ));
            }
        }
    }
    notes.extend(registry_notes(plan));
    notes.extend(old_access_keys(plan, &index));
    notes.extend(wildcard_trust(plan));
    notes.extend(replication_to_itself(plan));
    notes.extend(trusted_provider_deletes(plan, &index));
    notes.extend(shared_name_deletes(plan));
    notes
}

/// Where a registry the plan leaves in place is weaker than it should be: a policy granting to
/// anyone, BASIC scanning with no rule (nothing is scanned), a cache whose upstream needs
/// credentials it does not have (every pull through it fails).
fn registry_notes(plan: &Plan) -> Vec<Note> {
    let mut out = Vec::new();
    for change in plan.changes.iter().filter(|c| c.action != Action::Delete) {
        let Some(resource) = &change.after else {
            continue;
        };
        if let Resource::RegistryPolicy(p) = resource
            && statements(&p.document).into_iter().any(|s| {
                s.get("Effect").and_then(Value::as_str) == Some("Allow")
                    && grants_anyone(s.get("Principal"))
            })
        {
            out.push(note(
                Severity::Warning,
                Rule::RegistryPolicyPublic,
                change,
                "the registry policy grants to anyone (`*`): every AWS account may use what it \
                 allows; name the accounts instead"
                    .into(),
            ));
        }
        if let Resource::ScanningConfiguration(c) = resource
            && c.scan_type == "BASIC"
            && c.rules.is_empty()
        {
            out.push(note(
                Severity::Warning,
                Rule::BasicScanningWithoutRule,
                change,
                "the registry scans with BASIC and no rule, so pushed images are never scanned; \
                 add `rule { scan_frequency = \"SCAN_ON_PUSH\", filters = [\"*\"] }`"
                    .into(),
            ));
        }
        if let Resource::PullThroughCacheRule(r) = resource
            && r.credential_arn.is_none()
            && let Some((upstream, true)) = r.upstream()
        {
            out.push(note(
                Severity::Warning,
                Rule::CacheWithoutCredentials,
                change,
                format!(
                    "pull-through cache rule {} caches {upstream} without credentials, which \
                     ECR needs for that upstream: set credential_arn to a Secrets Manager secret \
                     named ecr-pullthroughcache/…",
                    r.prefix
                ),
            ));
        }
    }
    out
}

/// Whether a policy principal is anyone: `*`, or `{"AWS": "*"}` (alone or in a list).
fn grants_anyone(principal: Option<&Value>) -> bool {
    match principal {
        Some(Value::String(s)) => s == "*",
        Some(Value::Object(o)) => o.values().any(|v| strings(Some(v)).contains(&"*")),
        _ => false,
    }
}

/// Access keys older than [`MAX_KEY_AGE_DAYS`] on the users the plan keeps: static keys are
/// the credential the seeds' authors set up once and never rotated.
fn old_access_keys(plan: &Plan, index: &LiveIndex<'_>) -> Vec<Note> {
    let mut out = Vec::new();
    for change in &plan.changes {
        if change.id.kind != Kind::User || change.action == Action::Delete {
            continue;
        }
        let Some(object) = index.get(&change.id) else {
            continue;
        };
        for key in object
            .access_keys
            .iter()
            .filter(|k| k.age_days > MAX_KEY_AGE_DAYS)
        {
            out.push(note(
                Severity::Warning,
                Rule::OldAccessKey,
                change,
                format!(
                    "user {} holds {} access key {}, {} days old (more than {MAX_KEY_AGE_DAYS}): \
                     rotate it, or move the pipeline to OIDC",
                    change.id.key,
                    key.status.to_lowercase(),
                    key.short_id(),
                    key.age_days
                ),
            ));
        }
    }
    out
}

/// A directory that names its estate `default` explicitly owns what every unnamed directory
/// makes, so the repositories, roles and providers it deletes may be theirs. (Anonymous estates
/// delete none of those.)
fn shared_name_deletes(plan: &Plan) -> Option<Note> {
    let deletes = plan
        .changes
        .iter()
        .filter(|c| {
            c.action == Action::Delete
                && matches!(
                    c.id.kind,
                    Kind::Repository | Kind::Role | Kind::OidcProvider
                )
        })
        .count();
    (plan.estate == ANONYMOUS_ESTATE && deletes > 0).then(|| Note {
        severity: Severity::Warning,
        rule: Rule::DefaultEstateDelete,
        address: None,
        message: format!(
            "this plan deletes {deletes} object{} of the estate \"{ANONYMOUS_ESTATE}\", the name \
             every directory without an estate shares; if such a directory uses this account, \
             they may be its objects — give this directory its own estate name",
            if deletes == 1 { "" } else { "s" }
        ),
    })
}

fn note(severity: Severity, rule: Rule, change: &Change, message: String) -> Note {
    Note {
        severity,
        rule,
        address: Some(change.address.clone()),
        message,
    }
}

/// Why a web-identity trust admits more than one organisation's workflows, if it does.
fn wide_trust(trust: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for s in statements(trust) {
        if s.get("Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        let federated = s
            .get("Principal")
            .map(|p| strings(p.get("Federated")))
            .unwrap_or_default();
        if federated.is_empty() {
            continue;
        }
        let subs: Vec<&str> = s
            .get("Condition")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|c| c.values())
            .filter_map(Value::as_object)
            .flat_map(|keys| keys.iter())
            .filter(|(k, _)| k.ends_with(":sub"))
            .flat_map(|(_, v)| strings(Some(v)))
            .collect();
        if subs.is_empty() {
            out.push("any token its OIDC provider issues (no `sub` condition)".to_owned());
        }
        for sub in subs {
            if wider_than_one_organisation(sub) {
                out.push(format!(
                    "`sub` = `{sub}`, which matches more than one organisation"
                ));
            }
        }
    }
    out
}

/// Trust that stays within one organisation but is wide there, as the configuration allows:
/// `repository = "*"`, `environments = ["*"]`, `project_ids = ["*"]`. Allowed, so a warning,
/// and only on a change that writes the role: every unchanged role repeating it would drown
/// the rest of a plan.
fn wildcard_trust(plan: &Plan) -> Vec<Note> {
    let mut notes = Vec::new();
    for change in &plan.changes {
        let Some(Resource::Role(role)) = &change.after else {
            continue;
        };
        if !matches!(
            change.action,
            Action::Create | Action::Update | Action::Adopt | Action::Replace
        ) {
            continue;
        }
        let mut wide: Vec<String> = Vec::new();
        for s in statements(&role.trust) {
            let subs = s
                .get("Condition")
                .and_then(Value::as_object)
                .into_iter()
                .flat_map(|c| c.values())
                .filter_map(Value::as_object)
                .flat_map(|keys| keys.iter())
                .filter(|(k, _)| k.ends_with(":sub"))
                .flat_map(|(_, v)| strings(Some(v)));
            for sub in subs {
                if wider_than_one_organisation(sub) {
                    continue;
                }
                if let Some(what) = wildcard_scope(sub) {
                    let line = format!("`{sub}` ({what})");
                    if !wide.contains(&line) {
                        wide.push(line);
                    }
                }
            }
        }
        if !wide.is_empty() {
            notes.push(note(
                Severity::Warning,
                Rule::WideOidcTrust,
                change,
                format!(
                    "role {} trusts wildcards within one organisation: {}",
                    role.name,
                    wide.join(", ")
                ),
            ));
        }
    }
    notes
}

/// A replication destination that is the registry the rule is written in (its account and
/// region): ECR refuses it at PutReplicationConfiguration. `validate` catches it when the
/// provider blocks name both; otherwise the account is known only once connected. Each
/// registry's configuration is checked against its own registry, not the run's home one.
fn replication_to_itself(plan: &Plan) -> Vec<Note> {
    plan.changes
        .iter()
        .filter(|change| matches!(change.action, Action::Create | Action::Update))
        .filter_map(|change| {
            let Some(Resource::Replication(r)) = &change.after else {
                return None;
            };
            let Scope::Registry(registry) = &change.id.scope else {
                return None;
            };
            let own = r
                .rules
                .iter()
                .flat_map(|rule| &rule.destinations)
                .any(|d| d.registry_id == registry.account && d.region == registry.region);
            own.then(|| {
                note(
                    Severity::Error,
                    Rule::ReplicationToItself,
                    change,
                    format!(
                        "replication names the registry itself ({registry}) as a destination; \
                         ECR refuses that — name another region or account"
                    ),
                )
            })
        })
        .collect()
}

/// What a wildcard in one organisation's `sub` pattern admits, if it has one beyond the
/// `:*` that ends a GitHub repository's pattern and the `user/*` of CircleCI's.
fn wildcard_scope(sub: &str) -> Option<&'static str> {
    let wild = |s: &str| s.contains(['*', '?']);
    if let Some(rest) = sub.strip_prefix("repo:") {
        let (repo, context) = rest.split_once(':').unwrap_or((rest, ""));
        let repository = repo.split_once('/').map_or("", |(_, r)| r);
        if wild(repository) {
            return Some("any repository of the organisation matching it");
        }
        if let Some(env) = context.strip_prefix("environment:")
            && wild(env)
        {
            return Some("any environment matching it");
        }
        return None;
    }
    let rest = sub.strip_prefix("org/")?;
    let project = rest.split('/').nth(2)?;
    wild(project).then_some("any project of the organisation")
}

/// `repo:ORG/…` (GitHub), `org/ORG/…` (CircleCI) and `project_path:GROUP/…` (GitLab) are
/// scoped to one organisation unless the organisation part has a wildcard; anything else with
/// a wildcard before it is open.
fn wider_than_one_organisation(sub: &str) -> bool {
    let org = if let Some(rest) = sub.strip_prefix("repo:") {
        rest.split(['/', ':']).next()
    } else if let Some(rest) = sub.strip_prefix("org/") {
        rest.split('/').next()
    } else if let Some(rest) = sub.strip_prefix("project_path:") {
        rest.split(['/', ':']).next()
    } else {
        None
    };
    match org {
        Some(org) => org.is_empty() || org.contains(['*', '?']),
        None => sub.contains(['*', '?']),
    }
}

/// The principals other than `own` account that a policy lets push.
fn cross_account_writers(doc: &Value, own: &str) -> Vec<String> {
    let mut out = BTreeSet::new();
    for s in statements(doc) {
        if s.get("Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        let grants_push = strings(s.get("Action")).into_iter().any(|a| {
            a == "*" || a == "ecr:*" || actions::PUSH.iter().any(|p| p.eq_ignore_ascii_case(a))
        });
        if !grants_push {
            continue;
        }
        let principals: Vec<&str> = match s.get("Principal") {
            Some(Value::String(star)) => vec![star.as_str()],
            Some(p) => strings(p.get("AWS")),
            None => Vec::new(),
        };
        for p in principals {
            let account = if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
                Some(p)
            } else {
                p.split(':').nth(4).filter(|a| !a.is_empty())
            };
            if account != Some(own) {
                out.insert(p.to_owned());
            }
        }
    }
    out.into_iter().collect()
}

/// Provider deletes while a role that stays trusts it.
fn trusted_provider_deletes(plan: &Plan, index: &LiveIndex<'_>) -> Vec<Note> {
    let changes: Vec<&Change> = plan.changes.iter().collect();
    plan.changes
        .iter()
        .filter(|c| c.action == Action::Delete && c.id.kind == Kind::OidcProvider)
        .filter_map(|c| {
            let roles = roles_trusting(&c.id, &changes, index);
            (!roles.is_empty()).then(|| {
                note(
                    Severity::Error,
                    Rule::TrustedOidcProvider,
                    c,
                    format!(
                        "OIDC provider {} would be deleted while role(s) {} still trust it",
                        c.id.key,
                        roles.join(", ")
                    ),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn organisation_wildcards() {
        assert!(!wider_than_one_organisation(
            "repo:JPPOL-KOA/GiftCardService:*"
        ));
        assert!(!wider_than_one_organisation("repo:JPPOL-KOA/*"));
        assert!(wider_than_one_organisation("repo:*/GiftCardService:*"));
        assert!(wider_than_one_organisation("*"));
        assert!(!wider_than_one_organisation("org/abc/project/p/user/*"));
        assert!(wider_than_one_organisation("org/*/project/p/user/*"));
        assert!(!wider_than_one_organisation(
            "project_path:grp/proj:ref_type:*:ref:*"
        ));
        assert!(wider_than_one_organisation(
            "project_path:*/proj:ref_type:branch:ref:main"
        ));
    }

    #[test]
    fn wildcards_within_one_organisation_are_named() {
        assert!(wildcard_scope("repo:acme/*:*").is_some());
        assert!(wildcard_scope("repo:acme/app:environment:*").is_some());
        assert!(wildcard_scope("org/5bd1/project/*/user/*").is_some());
        assert_eq!(wildcard_scope("repo:acme/app:*"), None);
        assert_eq!(wildcard_scope("repo:acme/app:environment:prod"), None);
        assert_eq!(wildcard_scope("repo:acme/app:ref:refs/heads/*"), None);
        assert_eq!(wildcard_scope("org/5bd1/project/0c9a/user/*"), None);
    }

    #[test]
    fn push_to_other_accounts_is_found() {
        let doc = json!({"Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::222222222222:root",
              "arn:aws:iam::111111111111:root"]}, "Action": ["ecr:PutImage"]},
            {"Effect": "Allow", "Principal": {"AWS": "333333333333"}, "Action": "ecr:BatchGetImage"}
        ]});
        assert_eq!(
            cross_account_writers(&doc, "111111111111"),
            vec!["arn:aws:iam::222222222222:root".to_owned()]
        );
    }
}
