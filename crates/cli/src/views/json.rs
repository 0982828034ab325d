//! The machine view: Terraform's JSON output format (`terraform show -json`, format_version
//! 1.2) with the AWS provider's attribute names, so checkov, conftest/OPA policies and jq
//! one-liners written for Terraform plans read ecrplan plans as their own. What Terraform has
//! no word for stays under the `ecrplan` key. docs/plan-json.md documents every key.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use ecrplan_diff::{AttributeChange, ChangeDrift, Drift};
use ecrplan_model::{
    Account, Action, Address, Change, Encryption, JsonDocument, LifecyclePolicy, Note,
    OidcProvider, Plan, PlanConfiguration, ProviderSettings, Replication, Repository,
    RepositoryPolicy, Resource, Role, RolePolicy, RolePolicyAttachment, Tags, tags,
};
use ecrplan_model::{
    Group, GroupMembership, GroupPolicy, GroupPolicyAttachment, User, UserPolicy,
    UserPolicyAttachment,
};
use serde_json::{Map, Value, json};

mod registry;

use super::contract::View;
use super::render::Summary;

/// Terraform's JSON output format version these documents follow.
pub const JSON_FORMAT_VERSION: &str = "1.2";

/// `terraform_version`: the Terraform release whose `show -json` output these documents match,
/// with ecrplan's own version as semver build metadata. Tools key on the field's presence
/// (checkov reads a file as a plan only when it has one) and some compare it as a version.
fn terraform_version() -> String {
    format!("1.9.0+ecrplan.{}", env!("CARGO_PKG_VERSION"))
}

/// The provider every resource belongs to, as Terraform names it in plans.
const PROVIDER: &str = "registry.terraform.io/hashicorp/aws";

/// Terraform's JSON plan format, plus the `ecrplan` key.
pub struct JsonView {
    /// AWS call counts, under `ecrplan.stats`, when `--stats` asked for them.
    pub stats: Option<Value>,
}

/// The Terraform absolute address: `module.M.aws_ecr_repository.repository["R"]`.
pub fn terraform_address(a: &Address) -> String {
    let mut s = String::new();
    if let Some(module) = &a.module {
        s.push_str(&format!("module.{module}."));
    }
    s.push_str(&resource_address(a));
    s
}

/// The address inside its module, `aws_ecr_repository.repository["R"]`.
fn resource_address(a: &Address) -> String {
    let mut s = format!("{}.{}", a.kind.terraform_type(), a.name);
    if let Some(index) = &a.index {
        s.push_str(&format!("[{index:?}]"));
    }
    s
}

/// The resource's attributes under the AWS provider's schema for its type. One function per
/// kind, so a new kind is one more arm.
fn values(resource: &Resource, account: &Account) -> Value {
    match resource {
        Resource::Repository(r) => repository_values(r, account),
        Resource::RepositoryPolicy(p) => repository_policy_values(p, account),
        Resource::LifecyclePolicy(p) => lifecycle_policy_values(p, account),
        Resource::OidcProvider(p) => oidc_provider_values(p, account),
        Resource::Role(r) => role_values(r, account),
        Resource::RolePolicy(p) => role_policy_values(p),
        Resource::RolePolicyAttachment(a) => role_policy_attachment_values(a),
        Resource::Replication(r) => replication_values(r, account),
        Resource::User(u) => user_values(u, account),
        Resource::Group(g) => group_values(g, account),
        Resource::GroupMembership(m) => group_membership_values(m),
        Resource::GroupPolicy(p) => group_policy_values(p),
        Resource::UserPolicy(p) => user_policy_values(p),
        Resource::UserPolicyAttachment(a) => user_policy_attachment_values(a),
        Resource::GroupPolicyAttachment(a) => group_policy_attachment_values(a),
        Resource::RegistryOwner(o) => registry::owner_values(o, account),
        Resource::RegistryPolicy(p) => registry::registry_policy_values(p, account),
        Resource::AccountSetting(s) => registry::account_setting_values(s),
        Resource::ScanningConfiguration(c) => registry::scanning_values(c, account),
        Resource::PullThroughCacheRule(r) => registry::pull_through_cache_values(r, account),
        Resource::CreationTemplate(t) => registry::creation_template_values(t, account),
        Resource::SigningConfiguration(c) => registry::signing_values(c, account),
        Resource::PullTimeUpdateExclusion(e) => registry::exclusion_values(e),
    }
}

/// `tags` is what the configuration declares (null when nothing), `tags_all` every tag the
/// object carries: ecrplan's ownership tags play the part of the provider's `default_tags`.
fn tag_values(all: &Tags) -> (Value, Value) {
    let declared: Tags = all
        .iter()
        .filter(|(k, _)| !tags::is_reserved(k) && !tags::is_system(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let declared = if declared.is_empty() {
        Value::Null
    } else {
        json!(declared)
    };
    (declared, json!(all))
}

/// A policy document as the provider holds it: a JSON string.
fn policy_string(document: &JsonDocument) -> Value {
    Value::String(document.to_compact())
}

fn repository_values(r: &Repository, account: &Account) -> Value {
    let (encryption_type, kms_key) = match &r.encryption {
        Encryption::Aes256 => ("AES256", String::new()),
        Encryption::Kms { kms_key } => ("KMS", kms_key.clone()),
    };
    let (tags, tags_all) = tag_values(&r.tags);
    json!({
        "arn": account.repository_arn(&r.name),
        "encryption_configuration": [{"encryption_type": encryption_type, "kms_key": kms_key}],
        "force_delete": r.tags.get(tags::FORCE_DELETE).is_some_and(|v| v == "true"),
        "id": r.name,
        "image_scanning_configuration": [{"scan_on_push": r.scan_on_push}],
        "image_tag_mutability": r.image_tag_mutability.as_str(),
        "image_tag_mutability_exclusion_filter": r
            .image_tag_mutability_exclusion_filters
            .iter()
            .map(|f| json!({"filter": f, "filter_type": "WILDCARD"}))
            .collect::<Vec<_>>(),
        "name": r.name,
        "registry_id": account.id,
        "repository_url": account.repository_uri(&r.name),
        "tags": tags,
        "tags_all": tags_all,
    })
}

fn repository_policy_values(p: &RepositoryPolicy, account: &Account) -> Value {
    json!({
        "id": p.repository,
        "policy": policy_string(&p.document),
        "registry_id": account.id,
        "repository": p.repository,
    })
}

fn lifecycle_policy_values(p: &LifecyclePolicy, account: &Account) -> Value {
    json!({
        "id": p.repository,
        "policy": policy_string(&p.document),
        "registry_id": account.id,
        "repository": p.repository,
    })
}

fn oidc_provider_values(p: &OidcProvider, account: &Account) -> Value {
    let (tags, tags_all) = tag_values(&p.tags);
    let arn = account.oidc_provider_arn(&p.url);
    json!({
        "arn": arn,
        "client_id_list": p.client_ids,
        "id": arn,
        "tags": tags,
        "tags_all": tags_all,
        "thumbprint_list": p.thumbprints,
        "url": format!("https://{}", p.url),
    })
}

fn role_values(r: &Role, account: &Account) -> Value {
    let (tags, tags_all) = tag_values(&r.tags);
    json!({
        "arn": account.role_arn(&r.path, &r.name),
        "assume_role_policy": policy_string(&r.trust),
        "id": r.name,
        "name": r.name,
        "path": r.path,
        "tags": tags,
        "tags_all": tags_all,
    })
}

fn role_policy_values(p: &RolePolicy) -> Value {
    json!({
        "id": format!("{}:{}", p.role, p.name),
        "name": p.name,
        "policy": policy_string(&p.document),
        "role": p.role,
    })
}

fn role_policy_attachment_values(a: &RolePolicyAttachment) -> Value {
    json!({
        "id": format!("{}/{}", a.role, a.policy_arn),
        "policy_arn": a.policy_arn,
        "role": a.role,
    })
}

fn user_values(u: &User, account: &Account) -> Value {
    let (tags, tags_all) = tag_values(&u.tags);
    json!({
        "arn": format!("arn:{}:iam::{}:user{}{}", account.partition, account.id, u.path, u.name),
        "force_destroy": u.tags.get(tags::FORCE_DELETE).is_some_and(|v| v == "true"),
        "id": u.name,
        "name": u.name,
        "path": u.path,
        "tags": tags,
        "tags_all": tags_all,
    })
}

fn group_values(g: &Group, account: &Account) -> Value {
    json!({
        "arn": format!("arn:{}:iam::{}:group{}{}", account.partition, account.id, g.path, g.name),
        "id": g.name,
        "name": g.name,
        "path": g.path,
    })
}

/// The provider's `aws_iam_user_group_membership` lists a user's groups; ecrplan manages one
/// membership per object, so the list has one entry.
fn group_membership_values(m: &GroupMembership) -> Value {
    json!({
        "groups": [m.group],
        "id": format!("{}:{}", m.group, m.user),
        "user": m.user,
    })
}

fn group_policy_values(p: &GroupPolicy) -> Value {
    json!({
        "group": p.group,
        "id": format!("{}:{}", p.group, p.name),
        "name": p.name,
        "policy": policy_string(&p.document),
    })
}

fn user_policy_values(p: &UserPolicy) -> Value {
    json!({
        "id": format!("{}:{}", p.user, p.name),
        "name": p.name,
        "policy": policy_string(&p.document),
        "user": p.user,
    })
}

fn user_policy_attachment_values(a: &UserPolicyAttachment) -> Value {
    json!({
        "id": format!("{}/{}", a.user, a.policy_arn),
        "policy_arn": a.policy_arn,
        "user": a.user,
    })
}

fn group_policy_attachment_values(a: &GroupPolicyAttachment) -> Value {
    json!({
        "group": a.group,
        "id": format!("{}/{}", a.group, a.policy_arn),
        "policy_arn": a.policy_arn,
    })
}

fn replication_values(r: &Replication, account: &Account) -> Value {
    let rules: Vec<Value> = r
        .rules
        .iter()
        .map(|rule| {
            let filters: Vec<Value> = rule
                .repository_prefixes
                .iter()
                .map(|p| json!({"filter": p, "filter_type": "PREFIX_MATCH"}))
                .collect();
            json!({
                "destination": rule
                    .destinations
                    .iter()
                    .map(|d| json!({"region": d.region, "registry_id": d.registry_id}))
                    .collect::<Vec<_>>(),
                "repository_filter": filters,
            })
        })
        .collect();
    json!({
        "id": account.id,
        "registry_id": account.id,
        "replication_configuration": [{"rule": rules}],
    })
}

/// The keys every resource entry starts with.
fn resource_head(a: &Address) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("address".into(), json!(terraform_address(a)));
    if let Some(module) = a.module_address() {
        m.insert("module_address".into(), json!(module));
    }
    m.insert("mode".into(), json!("managed"));
    m.insert("type".into(), json!(a.kind.terraform_type()));
    m.insert("name".into(), json!(a.name));
    if let Some(index) = &a.index {
        m.insert("index".into(), json!(index));
    }
    m.insert("provider_name".into(), json!(PROVIDER));
    m
}

/// Terraform's `*_sensitive` value: `false` for an absent object, else an object with no
/// sensitive attribute (ecrplan manages none).
fn sensitivity(v: &Value) -> Value {
    if v.is_null() { json!(false) } else { json!({}) }
}

/// A change representation (`actions`, `before`, `after`, …).
fn change_body(actions: &[&str], before: Value, after: Value) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("actions".into(), json!(actions));
    m.insert("before_sensitive".into(), sensitivity(&before));
    m.insert("after_sensitive".into(), sensitivity(&after));
    m.insert("before".into(), before);
    m.insert("after".into(), after);
    m.insert("after_unknown".into(), json!({}));
    m
}

fn resource_change(c: &Change, account: &Account) -> Value {
    let before = c
        .before
        .as_ref()
        .map_or(Value::Null, |r| values(r, account));
    let after = c.after.as_ref().map_or(Value::Null, |r| values(r, account));
    let mut change = change_body(c.action.terraform_actions(), before, after);
    if !c.replace_because.is_empty() {
        let paths: Vec<Value> = c
            .replace_because
            .iter()
            .map(|a| json!(replace_path(a)))
            .collect();
        change.insert("replace_paths".into(), Value::Array(paths));
    }
    let mut m = resource_head(&c.address);
    m.insert("change".into(), Value::Object(change));
    if c.action == Action::Replace {
        m.insert(
            "action_reason".into(),
            json!("replace_because_cannot_update"),
        );
    }
    Value::Object(m)
}

/// The provider attribute path that forces a replace, for an ecrplan attribute name.
fn replace_path(attribute: &str) -> Vec<Value> {
    match attribute {
        "encryption" => vec![json!("encryption_configuration")],
        other => vec![json!(other)],
    }
}

/// Terraform's `resource_drift`, for the plan and the drift report alike: every difference
/// that makes drift, with `before` as the configuration declares the object and `after` as the
/// account holds it — the differing attributes of a changed object (`update`), a declared
/// object the account lacks (`delete`, the declared object before), an object of the estate
/// nothing declares (`create`, the live object after). Changed objects first, then missing,
/// then undeclared, each in the order given.
fn resource_drift<'a>(
    drifted: impl Iterator<Item = (&'a Address, ChangeDrift<'a>)>,
    account: &Account,
) -> Vec<Value> {
    let mut entries: Vec<(u8, Value)> = drifted
        .map(|(address, drift)| {
            let (rank, action, before, after) = match drift {
                ChangeDrift::Changed(attributes) => {
                    let side = |value: fn(&AttributeChange) -> &Value| {
                        let provider = attributes
                            .iter()
                            .flat_map(|a| provider_attribute(&a.attribute, value(a)));
                        Value::Object(provider.collect())
                    };
                    (0, "update", side(|a| &a.after), side(|a| &a.before))
                }
                ChangeDrift::Missing(declared) => {
                    (1, "delete", values(declared, account), Value::Null)
                }
                ChangeDrift::Undeclared(live) => (2, "create", Value::Null, values(live, account)),
            };
            let mut m = resource_head(address);
            let change = change_body(&[action], before, after);
            m.insert("change".into(), Value::Object(change));
            (rank, Value::Object(m))
        })
        .collect();
    entries.sort_by_key(|(rank, _)| *rank);
    entries.into_iter().map(|(_, entry)| entry).collect()
}

/// A values representation (`root_module` with `resources` and `child_modules`) of objects
/// with their addresses.
fn module_tree<'a>(
    objects: impl Iterator<Item = (&'a Address, &'a Resource)>,
    account: &Account,
) -> Value {
    let mut root = Vec::new();
    let mut children: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (address, resource) in objects {
        let mut m = resource_head(address);
        m.shift_remove("module_address");
        m.insert("schema_version".into(), json!(0));
        m.insert("values".into(), values(resource, account));
        m.insert("sensitive_values".into(), json!({}));
        match address.module_address() {
            Some(module) => children.entry(module).or_default().push(Value::Object(m)),
            None => root.push(Value::Object(m)),
        }
    }
    let child_modules: Vec<Value> = children
        .into_iter()
        .map(|(address, resources)| json!({"address": address, "resources": resources}))
        .collect();
    json!({"resources": root, "child_modules": child_modules})
}

/// The values CI reads (what `ecrplan output` prints) for a set of objects.
fn outputs<'a>(
    objects: impl Iterator<Item = &'a Resource>,
    account: &Account,
) -> BTreeMap<&'static str, Value> {
    let mut repositories = BTreeMap::new();
    let mut roles = BTreeMap::new();
    for resource in objects {
        if let Resource::Repository(r) = resource {
            repositories.insert(r.name.clone(), account.repository_uri(&r.name));
        } else if let Resource::Role(r) = resource {
            roles.insert(r.name.clone(), account.role_arn(&r.path, &r.name));
        }
    }
    BTreeMap::from([
        ("registry_url", json!(account.registry_url())),
        ("repository_urls", json!(repositories)),
        ("role_arns", json!(roles)),
    ])
}

fn output_changes(plan: &Plan) -> Value {
    let before = outputs(
        plan.changes.iter().filter_map(|c| c.before.as_ref()),
        &plan.account,
    );
    let after = outputs(
        plan.changes.iter().filter_map(|c| c.after.as_ref()),
        &plan.account,
    );
    let mut m = Map::new();
    for (name, after) in after {
        let before = before.get(name).cloned().unwrap_or(Value::Null);
        let action = if before == after { "no-op" } else { "update" };
        m.insert(
            name.into(),
            json!({
                "actions": [action],
                "before": before,
                "after": after,
                "after_unknown": false,
                "before_sensitive": false,
                "after_sensitive": false,
            }),
        );
    }
    Value::Object(m)
}

/// `configuration`: the provider block and the module calls with their evaluated inputs.
fn configuration(plan: &Plan) -> Value {
    let config: &PlanConfiguration = &plan.configuration;
    let mut provider_config = Map::new();
    if let Some(config) = provider_block(&config.provider, None) {
        provider_config.insert("aws".into(), config);
    }
    for (alias, settings) in &config.providers {
        if let Some(config) = provider_block(settings, Some(alias)) {
            provider_config.insert(format!("aws.{alias}"), config);
        }
    }
    // The provider each module's resources use, as Terraform keys it: the root's `aws` or
    // `aws.NAME` the module call passes.
    let module_keys: BTreeMap<&str, String> = config
        .modules
        .iter()
        .map(|m| (m.name.as_str(), provider_key(m.provider.as_deref())))
        .collect();
    // The resources each module declares, once per (type, name), as configuration lists them.
    let mut declared: BTreeMap<Option<String>, Vec<Value>> = BTreeMap::new();
    for c in &plan.changes {
        let config_address = format!("{}.{}", c.address.kind.terraform_type(), c.address.name);
        let list = declared.entry(c.address.module.clone()).or_default();
        if !list.iter().any(|r| r["address"] == config_address) {
            list.push(json!({
                "address": config_address,
                "mode": "managed",
                "type": c.address.kind.terraform_type(),
                "name": c.address.name,
                "provider_config_key": match &c.address.module {
                    Some(m) => module_keys.get(m.as_str()).cloned().unwrap_or_else(|| provider_key(None)),
                    None => provider_key(root_alias(&c.address, config)),
                },
                "expressions": {},
                "schema_version": 0,
            }));
        }
    }
    let mut module_calls = Map::new();
    for call in &config.modules {
        let expressions: Map<String, Value> = call
            .inputs
            .as_object()
            .map(|inputs| {
                inputs
                    .iter()
                    .map(|(k, v)| (k.clone(), json!({ "constant_value": v })))
                    .collect()
            })
            .unwrap_or_default();
        let resources = declared
            .remove(&Some(call.name.clone()))
            .unwrap_or_default();
        module_calls.insert(
            call.name.clone(),
            json!({
                "source": call.source,
                "expressions": expressions,
                "module": {"resources": resources},
            }),
        );
    }
    json!({
        "provider_config": provider_config,
        "root_module": {
            "resources": declared.remove(&None).unwrap_or_default(),
            "module_calls": module_calls,
        },
    })
}

/// `aws` or `aws.NAME`: the key of a provider block in Terraform's `provider_config`.
fn provider_key(alias: Option<&str>) -> String {
    alias.map_or_else(|| "aws".to_owned(), |a| format!("aws.{a}"))
}

/// The alias an object outside modules is keyed by (`replication_configuration["dr"]`,
/// `oidc_provider["dr/…"]`), when it names a declared alias: its registry is that provider's.
fn root_alias<'c>(address: &Address, config: &'c PlanConfiguration) -> Option<&'c str> {
    let index = address.index.as_deref()?;
    let alias = index.split_once('/').map_or(index, |(alias, _)| alias);
    config
        .providers
        .keys()
        .find(|a| a.as_str() == alias)
        .map(String::as_str)
}

/// One `provider "aws"` block as Terraform's JSON plan writes it: its name, full name, alias and
/// constant expressions. `None` for the sandbox, which is no Terraform provider.
fn provider_block(settings: &ProviderSettings, alias: Option<&str>) -> Option<Value> {
    let ProviderSettings::Aws {
        region,
        account_id,
        endpoint,
        profile,
        assume_role_arn,
        external_id,
        session_name,
    } = settings
    else {
        return None;
    };
    let mut expressions = Map::new();
    let constant = |v: Value| json!({ "constant_value": v });
    if let Some(region) = region {
        expressions.insert("region".into(), constant(json!(region)));
    }
    if let Some(id) = account_id {
        expressions.insert("allowed_account_ids".into(), constant(json!([id])));
    }
    if let Some(profile) = profile {
        expressions.insert("profile".into(), constant(json!(profile)));
    }
    if let Some(endpoint) = endpoint {
        expressions.insert(
            "endpoints".into(),
            json!([{"ecr": {"constant_value": endpoint}, "iam": {"constant_value": endpoint}, "sts": {"constant_value": endpoint}}]),
        );
    }
    if let Some(arn) = assume_role_arn {
        let mut assume = Map::new();
        assume.insert("role_arn".into(), constant(json!(arn)));
        if let Some(id) = external_id {
            assume.insert("external_id".into(), constant(json!(id)));
        }
        if let Some(name) = session_name {
            assume.insert("session_name".into(), constant(json!(name)));
        }
        expressions.insert("assume_role".into(), json!([assume]));
    }
    let mut block = json!({"name": "aws", "full_name": PROVIDER, "expressions": expressions});
    if let Some(alias) = alias {
        block["alias"] = json!(alias);
    }
    Some(block)
}

fn ecrplan_change(c: &Change) -> Value {
    json!({
        "address": terraform_address(&c.address),
        "ecrplan_address": c.address.to_string(),
        "id": c.id.key,
        "action": c.action.to_string(),
        "replace_because": c.replace_because,
        "force": c.force,
        "depends_on": c.depends_on.iter().map(terraform_address).collect::<Vec<_>>(),
    })
}

fn note(n: &Note) -> Value {
    json!({
        "severity": n.severity,
        "rule": n.rule,
        "address": n.address.as_ref().map(terraform_address),
        "ecrplan_address": n.address.as_ref().map(ToString::to_string),
        "message": n.message,
    })
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// Now, in RFC 3339 UTC with seconds (`2026-11-30T20:05:26Z`), as Terraform's `timestamp`.
fn timestamp() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or_default();
    let rem = secs % 86_400;
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The `prior_state` of a plan: every object the refresh read that the plan is about.
fn prior_state(plan: &Plan) -> Value {
    let mut seen = std::collections::BTreeSet::new();
    let objects = plan
        .changes
        .iter()
        .filter_map(|c| c.before.as_ref().map(|b| (c, b)))
        .filter(|(c, _)| seen.insert(&c.id))
        .map(|(c, b)| (&c.address, b));
    json!({
        "format_version": "1.0",
        "terraform_version": terraform_version(),
        "values": {"root_module": module_tree(objects, &plan.account)},
    })
}

impl View for JsonView {
    fn plan(&self, plan: &Plan) -> String {
        let s = Summary::of(plan);
        let account = &plan.account;
        let planned = plan
            .changes
            .iter()
            .filter_map(|c| c.after.as_ref().map(|a| (&c.address, a)));
        let mut planned_values = Map::new();
        let mut planned_outputs = Map::new();
        for (name, value) in outputs(
            plan.changes.iter().filter_map(|c| c.after.as_ref()),
            account,
        ) {
            planned_outputs.insert(name.into(), json!({"sensitive": false, "value": value}));
        }
        planned_values.insert("outputs".into(), Value::Object(planned_outputs));
        planned_values.insert("root_module".into(), module_tree(planned, account));
        let variables: Map<String, Value> = plan
            .configuration
            .variables
            .iter()
            .map(|(k, v)| (k.clone(), json!({ "value": v })))
            .collect();
        pretty(&json!({
            "format_version": JSON_FORMAT_VERSION,
            "terraform_version": terraform_version(),
            "variables": variables,
            "planned_values": planned_values,
            "resource_drift": resource_drift(ecrplan_diff::plan_drift(plan), account),
            "resource_changes": plan.changes.iter().map(|c| resource_change(c, account)).collect::<Vec<_>>(),
            "output_changes": output_changes(plan),
            "prior_state": prior_state(plan),
            "configuration": configuration(plan),
            "timestamp": timestamp(),
            "applyable": plan.is_applyable() && !plan.is_empty(),
            "complete": true,
            "errored": false,
            "ecrplan": {
                "plan_format_version": plan.format_version,
                "estate": plan.estate,
                "account": plan.account,
                "registries": plan.registries,
                "config_hash": plan.config_hash,
                "summary": {
                    "add": s.add,
                    "change": s.change,
                    "destroy": s.destroy,
                    "adopt": s.adopt,
                    "no_changes": plan.is_empty(),
                },
                "applyable": plan.is_applyable(),
                "changes": plan.changes.iter().filter(|c| c.action != Action::NoOp).map(ecrplan_change).collect::<Vec<_>>(),
                "notes": plan.notes.iter().map(note).collect::<Vec<_>>(),
                "fingerprints": plan.fingerprints,
                "stats": self.stats,
            },
        }))
    }

    fn drift(&self, drift: &Drift) -> String {
        pretty(&drift_document(drift, self.stats.as_ref()))
    }
}

/// One attribute of the drift report (ecrplan's name, canonical value) under the AWS
/// provider's name and shape, as the plan's `values` give it.
fn provider_attribute(attribute: &str, value: &Value) -> Vec<(String, Value)> {
    let one = |name: &str, v: Value| vec![(name.to_owned(), v)];
    let document = |v: &Value| {
        if v.is_null() {
            Value::Null
        } else {
            Value::String(v.to_string())
        }
    };
    match attribute {
        "scan_on_push" => one(
            "image_scanning_configuration",
            json!([{ "scan_on_push": value }]),
        ),
        "encryption" => one(
            "encryption_configuration",
            json!([{
                "encryption_type": value["type"],
                "kms_key": value.get("kms_key").cloned().unwrap_or_else(|| json!("")),
            }]),
        ),
        "tags" => {
            let tags: Tags = serde_json::from_value(value.clone()).unwrap_or_default();
            let (declared, all) = tag_values(&tags);
            vec![("tags".to_owned(), declared), ("tags_all".to_owned(), all)]
        }
        "document" => one("policy", document(value)),
        "trust" => one("assume_role_policy", document(value)),
        "client_ids" => one("client_id_list", value.clone()),
        "thumbprints" => one("thumbprint_list", value.clone()),
        "url" => one(
            "url",
            value
                .as_str()
                .map_or(Value::Null, |u| json!(format!("https://{u}"))),
        ),
        "rules" => {
            let rules: Vec<ecrplan_model::ReplicationRule> =
                serde_json::from_value(value.clone()).unwrap_or_default();
            let replication = replication_values(&Replication { rules }, &Account::new("", ""));
            one(
                "replication_configuration",
                replication["replication_configuration"].clone(),
            )
        }
        other => one(other, value.clone()),
    }
}

/// The drift document: Terraform's `resource_drift` (as the plan lists it) and the full report
/// under `ecrplan`.
fn drift_document(drift: &Drift, stats: Option<&Value>) -> Value {
    let drifted = drift
        .changed
        .iter()
        .map(|c| (&c.address, ChangeDrift::Changed(c.attributes.clone())))
        .chain(
            drift
                .missing
                .iter()
                .map(|m| (&m.address, ChangeDrift::Missing(&m.declared))),
        )
        .chain(
            drift
                .undeclared
                .iter()
                .map(|u| (&u.address, ChangeDrift::Undeclared(&u.live))),
        );
    let resource_drift = resource_drift(drifted, &drift.account);
    let mut body = match serde_json::to_value(drift) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    for (key, addresses) in [
        (
            "changed",
            drift.changed.iter().map(|c| &c.address).collect::<Vec<_>>(),
        ),
        (
            "missing",
            drift.missing.iter().map(|m| &m.address).collect(),
        ),
        (
            "undeclared",
            drift.undeclared.iter().map(|m| &m.address).collect(),
        ),
    ] {
        if let Some(Value::Array(items)) = body.get_mut(key) {
            for (item, address) in items.iter_mut().zip(addresses) {
                item["address"] = json!(terraform_address(address));
                item["ecrplan_address"] = json!(address.to_string());
            }
        }
    }
    body.insert("notes".into(), drift.notes.iter().map(note).collect());
    let mut ecrplan = Map::new();
    ecrplan.insert("in_sync".into(), json!(drift.in_sync()));
    for (k, v) in body {
        if k == "format_version" {
            ecrplan.insert("drift_format_version".into(), v);
        } else {
            ecrplan.insert(k, v);
        }
    }
    ecrplan.insert("stats".into(), stats.cloned().unwrap_or(Value::Null));
    json!({
        "format_version": JSON_FORMAT_VERSION,
        "terraform_version": terraform_version(),
        "resource_drift": resource_drift,
        "timestamp": timestamp(),
        "ecrplan": ecrplan,
    })
}
