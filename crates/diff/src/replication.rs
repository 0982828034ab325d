//! Replication that works: AWS accepts a rule whose destination is another account and copies
//! nothing until that registry's policy lets the source account in, and it never replicates a
//! repository's lifecycle or policies. Neither shows in the source registry, so the plan says
//! so: a destination this configuration owns gets the statement planned (`replication_from`,
//! in the model); one it can read but does not own is checked; one it cannot read is a warning.

use ecrplan_model::{
    Account, DesiredEstate, Kind, Note, ObjectId, Reach, Registry, Replication, Resource, Rule,
    Scope, Severity, statements, strings,
};

use crate::live_index::LiveIndex;

/// The notes on every declared replication's destinations.
pub(crate) fn notes(desired: &DesiredEstate, index: &LiveIndex<'_>) -> Vec<Note> {
    let reach = index.reach();
    let mut out = Vec::new();
    for block in &desired.replications {
        let source = reach.account(block.provider.as_deref());
        let address = reach.address(source.address(Kind::Replication));
        for destination in destinations(&block.value) {
            if destination.account != source.id
                && let Some(note) = policy_note(desired, index, &reach, source, &destination)
            {
                out.push(Note {
                    address: Some(address.clone()),
                    ..note
                });
            }
            if let Some(message) =
                template_note(desired, &reach, source, &block.value, &destination)
            {
                out.push(Note {
                    severity: Severity::Warning,
                    rule: Rule::ReplicationWithoutTemplate,
                    address: Some(address.clone()),
                    message,
                });
            }
        }
    }
    out
}

/// Every registry a replication copies into, each once.
fn destinations(replication: &Replication) -> Vec<Registry> {
    let mut out: Vec<Registry> = replication
        .rules
        .iter()
        .flat_map(|r| &r.destinations)
        .map(|d| Registry::new(d.registry_id.clone(), d.region.clone()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Whether `destination`'s registry policy lets `source` replicate into it, as far as this run
/// can tell; `None` when it does or this configuration plans it.
fn policy_note(
    desired: &DesiredEstate,
    index: &LiveIndex<'_>,
    reach: &Reach,
    source: &Account,
    destination: &Registry,
) -> Option<Note> {
    let owned = desired
        .registries
        .iter()
        .any(|r| reach.account(r.provider.as_deref()).registry() == *destination);
    if owned {
        return None;
    }
    let statement = format!(
        "{{\"Sid\": \"ReplicationFrom{account}\", \"Effect\": \"Allow\", \"Principal\": {{\"AWS\": \
         \"arn:{partition}:iam::{account}:root\"}}, \"Action\": [\"ecr:CreateRepository\", \
         \"ecr:ReplicateImage\"], \"Resource\": \"arn:{partition}:ecr:{region}:{id}:repository/*\"}}",
        account = source.id,
        partition = source.partition,
        region = destination.region,
        id = destination.account,
    );
    if reach.account_of(destination).is_none() {
        return Some(Note {
            severity: Severity::Warning,
            rule: Rule::ReplicationDestinationUnread,
            address: None,
            message: format!(
                "replication copies into registry {destination}, which no provider of this \
                 configuration reaches, so its registry policy cannot be checked: AWS copies \
                 nothing unless it allows account {} (add {statement}), or declare a provider \
                 for it",
                source.id
            ),
        });
    }
    let id = ObjectId::new(
        Kind::RegistryPolicy,
        Scope::Registry(destination.clone()),
        "registry",
    );
    let allows = index.get(&id).is_some_and(|o| {
        if let Resource::RegistryPolicy(p) = &o.resource {
            allows_replication(&p.document, &source.id)
        } else {
            false
        }
    });
    (!allows).then(|| Note {
        severity: Severity::Error,
        rule: Rule::ReplicationDestinationPolicy,
        address: None,
        message: format!(
            "replication copies into registry {destination}, whose registry policy does not let \
             account {} replicate (ecr:CreateRepository and ecr:ReplicateImage): AWS accepts the \
             rule and copies nothing; add {statement} to that registry's policy, or manage it \
             here with a `registry` block for that provider",
            source.id
        ),
    })
}

/// Whether a registry policy allows account `source` both replication actions.
fn allows_replication(document: &serde_json::Value, source: &str) -> bool {
    let granted = |action: &str| {
        statements(document).into_iter().any(|s| {
            s.get("Effect").and_then(|e| e.as_str()) == Some("Allow")
                && principals(s).iter().any(|p| names_account(p, source))
                && strings(s.get("Action")).iter().any(|a| {
                    let a = a.to_ascii_lowercase();
                    a == "*" || a == "ecr:*" || a == action.to_ascii_lowercase()
                })
        })
    };
    granted("ecr:ReplicateImage") && granted("ecr:CreateRepository")
}

/// The AWS principals of a statement (`"*"` included).
fn principals(statement: &serde_json::Value) -> Vec<&str> {
    match statement.get("Principal") {
        Some(serde_json::Value::String(s)) => vec![s.as_str()],
        Some(p) => strings(p.get("AWS")),
        None => Vec::new(),
    }
}

/// Whether a principal names account `account` (its id, its root, or anyone).
fn names_account(principal: &str, account: &str) -> bool {
    principal == "*"
        || principal == account
        || principal
            .strip_prefix("arn:")
            .and_then(|rest| rest.split(':').nth(3))
            .is_some_and(|id| id == account)
}

/// Why replicated repositories arrive bare, when they do: AWS replicates images, not lifecycle
/// or repository policies, and a REPLICATION creation template is what gives the destination
/// repositories theirs.
fn template_note(
    desired: &DesiredEstate,
    reach: &Reach,
    source: &Account,
    replication: &Replication,
    destination: &Registry,
) -> Option<String> {
    let templated = desired
        .registries
        .iter()
        .filter(|r| reach.account(r.provider.as_deref()).registry() == *destination)
        .flat_map(|r| r.value.creation_templates.iter().flatten())
        .any(|t| t.applied_for.iter().any(|a| a == "REPLICATION"));
    if templated {
        return None;
    }
    let modules: Vec<&str> = desired
        .modules
        .iter()
        .filter(|m| reach.account(m.provider.as_deref()).registry() == source.registry())
        .filter(|m| m.settings.lifecycle.is_some() || !m.account_access.is_empty())
        .filter(|m| {
            m.repositories.iter().any(|name| {
                replication.rules.iter().any(|rule| {
                    rule.destinations.iter().any(|d| {
                        d.registry_id == destination.account && d.region == destination.region
                    }) && (rule.repository_prefixes.is_empty()
                        || rule.repository_prefixes.iter().any(|p| name.starts_with(p)))
                })
            })
        })
        .map(|m| m.name.as_str())
        .collect();
    if modules.is_empty() {
        return None;
    }
    Some(format!(
        "module(s) {} declare lifecycle or repository policies, which AWS does not replicate to \
         registry {destination}: declare a creation template with applied_for = \
         [\"REPLICATION\"] in that registry's `registry` block so replicated repositories get \
         them",
        modules.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_policy_allows_replication_only_with_both_actions_for_the_source() {
        let policy = |principal: serde_json::Value, actions: serde_json::Value| json!({"Statement": [{"Effect": "Allow", "Principal": principal, "Action": actions}]});
        let both = json!(["ecr:CreateRepository", "ecr:ReplicateImage"]);
        assert!(allows_replication(
            &policy(
                json!({"AWS": "arn:aws:iam::111111111111:root"}),
                both.clone()
            ),
            "111111111111"
        ));
        assert!(allows_replication(
            &policy(json!({"AWS": ["111111111111"]}), json!("ecr:*")),
            "111111111111"
        ));
        assert!(!allows_replication(
            &policy(
                json!({"AWS": "arn:aws:iam::111111111111:root"}),
                json!("ecr:ReplicateImage")
            ),
            "111111111111"
        ));
        assert!(!allows_replication(
            &policy(json!({"AWS": "arn:aws:iam::999999999999:root"}), both),
            "111111111111"
        ));
    }
}
