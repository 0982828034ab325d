//! Golden renderings: the planner's scenarios (crates/diff/tests/scenarios) rendered by every
//! view and compared with the reviewed files under crates/cli/tests/golden/. Set
//! `UPDATE_GOLDEN=1` to rewrite them after reviewing a change.

use std::path::{Path, PathBuf};

use ecrplan_diff::{drift, plan};
use ecrplan_model::{DesiredEstate, LiveEstate, Plan};
use serde::Deserialize;

use super::markdown::COMMENT_LIMIT;
use super::view;
use crate::cli::ViewFormat;

#[derive(Deserialize)]
struct Scenario {
    desired: DesiredEstate,
    live: LiveEstate,
}

fn scenario(name: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../diff/tests/scenarios")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn planned(name: &str) -> Plan {
    let s = scenario(name);
    plan(&s.desired, &s.live, "0123456789abcdef").expect("scenario plans")
}

/// The rendering with the JSON views' `timestamp` (the time of rendering) fixed.
fn without_time(text: &str) -> String {
    text.lines()
        .map(|line| match line.split_once("\"timestamp\": ") {
            Some((indent, _)) => format!("{indent}\"timestamp\": \"(rendering time)\","),
            None => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn check(path: PathBuf, have: &str) {
    let have = without_time(have);
    let have = have.as_str();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, have).expect("write golden");
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
    assert!(
        want == have,
        "{} differs from the rendering (UPDATE_GOLDEN=1 rewrites it):\n{have}",
        path.display()
    );
}

fn golden_dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(kind)
}

const FORMATS: [(ViewFormat, &str); 3] = [
    (ViewFormat::Text, "txt"),
    (ViewFormat::Json, "json"),
    (ViewFormat::Markdown, "md"),
];

fn plan_goldens(name: &str) {
    let p = planned(name);
    for (format, ext) in FORMATS {
        let out = view(format, false, None).plan(&p);
        check(golden_dir("plan").join(format!("{name}.{ext}")), &out);
    }
}

fn drift_goldens(name: &str) {
    let s = scenario(name);
    let d = drift(&s.desired, &s.live, false).expect("scenario drift");
    for (format, ext) in FORMATS {
        let out = view(format, false, None).drift(&d);
        check(golden_dir("drift").join(format!("{name}.{ext}")), &out);
    }
}

/// The account-wide audit of an estate in sync, in an account that also holds another estate's
/// repository and a hand-made one: the estate is green, the audit is not.
#[test]
fn account_wide_drift() {
    use ecrplan_model::{LiveObject, Repository, Resource, Tags, tags};
    let s = scenario("no_changes");
    let mut live = s.live.clone();
    let repository = |name: &str, tags: Tags| {
        LiveObject::new(Resource::Repository(Repository {
            name: name.into(),
            image_tag_mutability: Default::default(),
            scan_on_push: false,
            encryption: Default::default(),
            image_tag_mutability_exclusion_filters: Vec::new(),
            tags,
        }))
    };
    live.objects
        .push(repository("pay", tags::ownership("payments", Some("ecr"))));
    live.objects.push(repository("hand-made", Tags::new()));
    live.normalise();
    assert!(drift(&s.desired, &live, false).expect("drift").in_sync());
    let d = drift(&s.desired, &live, true).expect("drift");
    for (format, ext) in FORMATS {
        let out = view(format, false, None).drift(&d);
        check(
            golden_dir("drift").join(format!("account_wide.{ext}")),
            &out,
        );
    }
}

/// Issue 22: what was made by hand on the estate's objects (a managed policy attached to its
/// role, an inline policy added to it) is listed as such, apart from what the configuration
/// stopped declaring and from a policy of ecrplan's kind whose origin the account cannot tell
/// (the repository policy after `account_access` is removed); the JSON lists them all in
/// `resource_drift`.
#[test]
fn hand_made_drift() {
    use ecrplan_model::{JsonDocument, LiveObject, Resource, RolePolicy, RolePolicyAttachment};
    let s = scenario("no_changes");
    let mut live = s.live.clone();
    let role = live
        .objects
        .iter()
        .find_map(|o| {
            if let Resource::Role(r) = &o.resource {
                Some(r.name.clone())
            } else {
                None
            }
        })
        .expect("the scenario has a role");
    live.objects
        .push(LiveObject::new(Resource::RolePolicyAttachment(
            RolePolicyAttachment {
                role: role.clone(),
                policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess".into(),
            },
        )));
    live.objects
        .push(LiveObject::new(Resource::RolePolicy(RolePolicy {
            role,
            name: "debugging".into(),
            document: JsonDocument::new(serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
            })),
        })));
    live.normalise();
    let mut desired = s.desired.clone();
    for module in &mut desired.modules {
        module.account_access.clear();
    }
    let d = drift(&desired, &live, false).expect("drift");
    for (format, ext) in FORMATS {
        let out = view(format, false, None).drift(&d);
        check(golden_dir("drift").join(format!("hand_made.{ext}")), &out);
    }
}

#[test]
fn seed_on_empty_account() {
    plan_goldens("seed_on_empty");
}

#[test]
fn no_changes() {
    plan_goldens("no_changes");
    drift_goldens("no_changes");
}

#[test]
fn policy_drift() {
    plan_goldens("policy_drift");
    drift_goldens("policy_drift");
}

#[test]
fn replace_because_of_encryption() {
    plan_goldens("replace_encryption");
}

#[test]
fn delete_of_an_owned_repository() {
    plan_goldens("delete_owned");
    drift_goldens("delete_owned");
}

#[test]
fn adopt() {
    plan_goldens("adopt");
    drift_goldens("adopt");
}

/// Issue 11: `--adopt` changed mutability and replaced policies under a heading that said only
/// "ownership tags added".
#[test]
fn adoption_headings_name_every_change_that_comes_with_it() {
    plan_goldens("adopt_with_changes");
    let text = view(ViewFormat::Text, false, None).plan(&planned("adopt_with_changes"));
    assert!(
        text.contains("updated in place: image_tag_mutability, tags will change"),
        "{text}"
    );
    assert!(
        text.contains(
            "will be updated in place, with the adoption of module.ecr-koa.repository[\"giftcard-service\"]"
        ),
        "{text}"
    );
}

#[test]
fn large_estate_markdown_fits_a_comment() {
    let p = planned("large");
    let md = view(ViewFormat::Markdown, false, None).plan(&p);
    assert!(
        md.chars().count() < COMMENT_LIMIT,
        "{} characters",
        md.chars().count()
    );
    assert!(md.contains("Plan: 2000 to add, 0 to change, 0 to destroy, 0 to adopt."));
    assert!(
        md.contains("resource details were left out"),
        "details were cut"
    );
    assert!(md.contains("--format json"), "points at the JSON plan");
    check(golden_dir("plan").join("large.md"), &md);
    let json: serde_json::Value =
        serde_json::from_str(&view(ViewFormat::Json, false, None).plan(&p)).expect("valid JSON");
    assert_eq!(
        json["resource_changes"].as_array().map(Vec::len),
        Some(2000)
    );
}

#[test]
fn colour_only_when_asked() {
    let p = planned("delete_owned");
    let plain = view(ViewFormat::Text, false, None).plan(&p);
    let coloured = view(ViewFormat::Text, true, None).plan(&p);
    assert!(!plain.contains('\x1b'));
    assert!(coloured.contains("\x1b[31m"));
    let stripped = coloured
        .split('\x1b')
        .enumerate()
        .map(|(i, part)| {
            if i == 0 {
                part
            } else {
                part.split_once('m').map_or(part, |(_, rest)| rest)
            }
        })
        .collect::<String>();
    assert_eq!(stripped, plain, "colour adds escapes and nothing else");
}

#[test]
fn json_is_shaped_like_terraform() {
    let p = planned("replace_encryption");
    let v: serde_json::Value =
        serde_json::from_str(&view(ViewFormat::Json, false, None).plan(&p)).expect("valid JSON");
    let keys: Vec<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "format_version",
            "terraform_version",
            "variables",
            "planned_values",
            "resource_drift",
            "resource_changes",
            "output_changes",
            "prior_state",
            "configuration",
            "timestamp",
            "applyable",
            "complete",
            "errored",
            "ecrplan"
        ]
    );
    let repo = v["resource_changes"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["type"] == "aws_ecr_repository"))
        .expect("repository change");
    assert_eq!(
        repo["change"]["actions"],
        serde_json::json!(["delete", "create"])
    );
    assert_eq!(repo["module_address"], "module.ecr-koa");
    assert_eq!(
        repo["address"],
        r#"module.ecr-koa.aws_ecr_repository.repository["giftcard-service"]"#
    );
    assert_eq!(repo["index"], "giftcard-service");
    assert_eq!(
        repo["change"]["replace_paths"],
        serde_json::json!([["encryption_configuration"]])
    );
    assert_eq!(repo["action_reason"], "replace_because_cannot_update");
}

#[test]
fn drift_json_addresses_are_strings() {
    let s = scenario("delete_owned");
    let d = drift(&s.desired, &s.live, false).expect("scenario drift");
    let v: serde_json::Value =
        serde_json::from_str(&view(ViewFormat::Json, false, None).drift(&d)).expect("valid JSON");
    for key in ["changed", "undeclared", "notes"] {
        let items = v["ecrplan"][key].as_array().expect("list");
        assert!(!items.is_empty(), "{key} is exercised");
        for item in items {
            assert!(item["address"].is_string(), "{key}: {item}");
        }
    }
    assert_eq!(
        v["ecrplan"]["undeclared"][0]["address"],
        r#"module.ecr-koa.aws_ecr_repository_policy.repository_policy["legacy-service"]"#
    );
    assert_eq!(
        v["ecrplan"]["undeclared"][0]["ecrplan_address"],
        r#"module.ecr-koa.repository_policy["legacy-service"]"#
    );
}

/// 600 repositories that another account may push to, already applied.
fn writable_estate() -> (DesiredEstate, LiveEstate) {
    let account = ecrplan_model::Account::new("354918371398", "eu-west-1");
    let module = ecrplan_model::Module {
        provider: None,
        name: "ecr-bulk".into(),
        source: "./modules/ecr".into(),
        repositories: (0..600).map(|i| format!("service-{i:03}")).collect(),
        settings: Default::default(),
        account_access: vec![ecrplan_model::AccountAccess {
            description: "ci".into(),
            account_id: "931827427725".into(),
            can_write: true,
        }],
        github: None,
        circleci: None,
        push_actions: ecrplan_model::Module::default_push_actions(),
        ci_outputs: Default::default(),
        identities: Default::default(),
    };
    let desired = DesiredEstate {
        providers: Default::default(),
        name: "bulk".into(),
        anonymous: false,
        provider: Default::default(),
        modules: vec![module],
        replications: Vec::new(),
        skipped_modules: Default::default(),
        registries: Vec::new(),
        targets: Default::default(),
    };
    let mut live = LiveEstate::empty(account.clone());
    live.objects = desired
        .objects(&ecrplan_model::Reach::single(account.clone()))
        .into_iter()
        .map(|o| ecrplan_model::LiveObject::new(o.resource))
        .collect();
    live.normalise();
    (desired, live)
}

#[test]
fn no_change_plan_of_600_writable_repositories_fits_a_comment() {
    let (desired, live) = writable_estate();
    let p = plan(&desired, &live, "h").expect("plan");
    assert!(p.is_empty());
    let md = view(ViewFormat::Markdown, false, None).plan(&p);
    assert!(
        md.chars().count() < COMMENT_LIMIT,
        "{} characters",
        md.chars().count()
    );
}

#[test]
fn markdown_notes_are_cut_to_fit_a_comment() {
    let (desired, live) = writable_estate();
    let mut p = plan(&desired, &live, "h").expect("plan");
    p.notes = p
        .changes
        .iter()
        .map(|c| ecrplan_model::Note {
            severity: ecrplan_model::Severity::Warning,
            rule: ecrplan_model::Rule::CrossAccountPush,
            address: Some(c.address.clone()),
            message: format!(
                "repository {} lets other accounts push: 931827427725",
                c.id.key
            ),
        })
        .collect();
    for md in [
        view(ViewFormat::Markdown, false, None).plan(&p),
        view(ViewFormat::Markdown, false, None).drift(
            &drift(&desired, &live, false)
                .map(|mut d| {
                    d.notes = p.notes.clone();
                    d
                })
                .expect("drift"),
        ),
    ] {
        assert!(
            md.chars().count() < COMMENT_LIMIT,
            "{} characters",
            md.chars().count()
        );
        assert!(md.contains("more notes — see"), "{md}");
    }
}

#[test]
fn markdown_drift_overflow_row_has_two_cells() {
    let (desired, mut live) = writable_estate();
    live.objects.clear();
    let d = drift(&desired, &live, false).expect("drift");
    let md = view(ViewFormat::Markdown, false, None).drift(&d);
    let row = md
        .lines()
        .find(|l| l.starts_with("| … |"))
        .expect("the drift table is cut");
    assert_eq!(row.matches('|').count(), 3, "{row}");
}

#[test]
fn sarif_names_the_rule_of_a_checker_note() {
    let p = planned("delete_owned");
    assert!(!p.notes.is_empty(), "the scenario has a checker note");
    let sarif: serde_json::Value = serde_json::from_str(&super::sarif::plan(
        &p,
        &ecrplan_hcl::Locations::default(),
        &[],
    ))
    .expect("valid JSON");
    // Without a configuration to point into, a note is no result at a made-up line: it is a
    // notification of the run, naming the rule and the object.
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert!(results.is_empty(), "{results:?}");
    let notes = &sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert_eq!(notes.as_array().map(Vec::len), Some(p.notes.len()));
    assert_eq!(
        notes[0]["descriptor"]["id"],
        "ecrplan/repository-delete-holds-images"
    );
    assert_eq!(notes[0]["level"], "error");
    assert!(
        notes[0]["message"]["text"]
            .as_str()
            .unwrap_or_default()
            .starts_with(r#"module.ecr-koa.aws_ecr_repository.repository["legacy-service"]: "#),
        "{notes}"
    );
}
