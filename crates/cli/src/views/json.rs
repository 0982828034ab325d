//! The machine view: the versioned JSON documented in docs/plan-json.md, shaped like
//! `terraform show -json` so existing jq one-liners and OPA policies read it.

use ecrplan_diff::Drift;
use ecrplan_model::{Action, Change, Note, Plan, Resource};
use serde_json::{Map, Value, json};

use super::View;
use super::render::Summary;

/// The version of the JSON views; the major part changes on incompatible changes.
pub const JSON_FORMAT_VERSION: &str = "1.0";

/// Versioned JSON.
pub struct JsonView {
    /// AWS call counts, under `ecrplan.stats`, when `--stats` asked for them.
    pub stats: Option<Value>,
}

/// A resource's attributes as Terraform puts them in `before`/`after`: the object without its
/// `kind` tag, `null` when absent.
fn values(resource: Option<&Resource>) -> Value {
    match resource.map(serde_json::to_value) {
        Some(Ok(Value::Object(mut map))) => {
            map.shift_remove("kind");
            Value::Object(map)
        }
        _ => Value::Null,
    }
}

fn resource_change(c: &Change) -> Value {
    let mut change = Map::new();
    change.insert("actions".into(), json!(c.action.terraform_actions()));
    change.insert("before".into(), values(c.before.as_ref()));
    change.insert("after".into(), values(c.after.as_ref()));
    if !c.replace_because.is_empty() {
        let paths: Vec<Value> = c.replace_because.iter().map(|a| json!([a])).collect();
        change.insert("replace_paths".into(), Value::Array(paths));
    }
    json!({
        "address": c.address.to_string(),
        "module_address": c.address.module_address(),
        "mode": "managed",
        "type": c.id.kind.terraform_type(),
        "name": c.address.name,
        "index": c.address.index,
        "change": change,
    })
}

fn ecrplan_change(c: &Change) -> Value {
    json!({
        "address": c.address.to_string(),
        "id": c.id.key,
        "action": c.action.to_string(),
        "replace_because": c.replace_because,
        "force": c.force,
        "depends_on": c.depends_on.iter().map(ToString::to_string).collect::<Vec<_>>(),
    })
}

fn note(n: &Note) -> Value {
    json!({
        "severity": n.severity,
        "address": n.address.as_ref().map(ToString::to_string),
        "message": n.message,
    })
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

impl View for JsonView {
    fn plan(&self, plan: &Plan) -> String {
        let s = Summary::of(plan);
        let notes: Vec<Value> = plan.notes.iter().map(note).collect();
        pretty(&json!({
            "format_version": JSON_FORMAT_VERSION,
            "resource_changes": plan.changes.iter().map(resource_change).collect::<Vec<_>>(),
            "ecrplan": {
                "plan_format_version": plan.format_version,
                "estate": plan.estate,
                "account": plan.account,
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
                "notes": notes,
                "fingerprints": plan.fingerprints,
                "stats": self.stats,
            },
        }))
    }

    fn drift(&self, drift: &Drift) -> String {
        let mut body = match serde_json::to_value(drift) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        // The serde form of an address is a struct; the schema (and the plan view) give its
        // text form.
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
                    item["address"] = json!(address.to_string());
                }
            }
        }
        body.insert("notes".into(), drift.notes.iter().map(note).collect());
        let mut out = Map::new();
        out.insert("format_version".into(), json!(JSON_FORMAT_VERSION));
        out.insert("in_sync".into(), json!(drift.in_sync()));
        for (k, v) in body {
            if k == "format_version" {
                out.insert("drift_format_version".into(), v);
            } else {
                out.insert(k, v);
            }
        }
        if let Some(stats) = &self.stats {
            out.insert("ecrplan".into(), json!({ "stats": stats }));
        }
        pretty(&Value::Object(out))
    }
}
