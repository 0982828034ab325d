//! Whole-directory loading: the seed fixture, variables, functions, heredocs, skipped blocks,
//! the provider, ecrplan and replication blocks, multi-file directories.

use std::path::{Path, PathBuf};

use ecrplan_hcl::{EnvVar, LoadOptions, Loaded, load_dir, render_text};
use ecrplan_model::{AccountAccess, GithubAccess, GithubRepository, Module};

/// A fixture directory as a user in the crate's directory names it: diagnostics show the
/// directory as given (`../../fixtures/full/main.tf`), the same on every checkout.
fn fixture(name: &str) -> PathBuf {
    Path::new("../../fixtures").join(name)
}

fn load_ok(dir: &Path, options: &LoadOptions) -> Loaded {
    match load_dir(dir, options) {
        Ok(loaded) => loaded,
        Err(e) => panic!("{}", render_text(&e.0)),
    }
}

#[test]
fn seed_koa_fixture() {
    let loaded = load_ok(&fixture("koa"), &LoadOptions::default());
    assert_eq!(loaded.summary.modules, 1);
    assert_eq!(loaded.summary.repositories, 1);
    assert_eq!(loaded.summary.roles, 1);
    // The seed names no estate: it is anonymous, which is safe and needs no warning.
    assert!(
        loaded.warnings.is_empty(),
        "{}",
        render_text(&loaded.warnings)
    );
    let estate = &loaded.estate;
    assert_eq!(estate.name, "default");
    assert!(estate.anonymous);
    assert_eq!(estate.modules.len(), 1);
    let m: &Module = &estate.modules[0];
    assert_eq!(m.name, "ecr-koa");
    assert_eq!(m.source, "../../../../modules/ecr-repos");
    assert_eq!(m.repositories, vec!["giftcard-service".to_owned()]);
    let access = |description: &str, account_id: &str| AccountAccess {
        description: description.into(),
        account_id: account_id.into(),
        can_write: false,
    };
    assert_eq!(
        m.account_access,
        vec![
            access("aws-koa-dev", "931827427725"),
            access("aws-koa-test", "615205931730"),
            access("aws-koa-prod", "151484623076"),
        ]
    );
    assert_eq!(
        m.github,
        Some(GithubAccess {
            role_name: "koa-github-ecr-access".into(),
            repositories: vec![GithubRepository {
                organisation: "JPPOL-KOA".into(),
                repository: "GiftCardService".into(),
            }],
            environments: vec![],
            refs: vec![],
            allow_any_organisation: false,
            job_workflow_refs: Vec::new(),
        })
    );
    assert_eq!(m.circleci, None);
    assert_eq!(m.push_actions, Module::default_push_actions());
    assert!(!m.settings.scan_on_push);
    assert!(!m.settings.force_delete);
    assert_eq!(loaded.config_hash.len(), 64);
}

/// `ECRPLAN_VAR_NAME=VALUE`, as the binary passes it.
fn env_var(name: &str, value: &str) -> EnvVar {
    EnvVar {
        from: format!("ECRPLAN_VAR_{name}"),
        name: name.into(),
        value: value.into(),
    }
}

fn with_prod_account() -> LoadOptions {
    LoadOptions {
        vars: vec![("prod_account".into(), "444455556666".into())],
        env: vec![],
        estate: None,
        var_files: vec![],
    }
}

/// Writes `files` into a fresh directory.
fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn errors_of(dir: &Path, options: &LoadOptions) -> Vec<ecrplan_hcl::Diagnostic> {
    match load_dir(dir, options) {
        Ok(_) => panic!("expected errors"),
        Err(e) => e.errors().cloned().collect(),
    }
}

#[test]
fn full_fixture_reads_every_block() {
    use ecrplan_model::{
        Encryption, LifecycleSpec, ProviderSettings, ReplicationDestination, TagMutability,
    };
    let loaded = load_ok(&fixture("full"), &with_prod_account());
    let estate = &loaded.estate;
    assert_eq!(estate.name, "payments");
    assert_eq!(
        estate.provider,
        ProviderSettings::Aws {
            region: Some("eu-west-1".into()),
            account_id: Some("123456789012".into()),
            endpoint: None,
            profile: Some("payments-admin".into()),
            assume_role_arn: None,
            external_id: None,
            session_name: None,
        }
    );
    let [replication] = &estate.replications[..] else {
        panic!("one replication block: {:?}", estate.replications);
    };
    assert_eq!(replication.provider, None);
    let replication = &replication.value;
    assert_eq!(replication.rules.len(), 1);
    assert_eq!(
        replication.rules[0].destinations,
        vec![
            ReplicationDestination {
                region: "eu-central-1".into(),
                registry_id: "123456789012".into()
            },
            ReplicationDestination {
                region: "us-east-1".into(),
                registry_id: "210987654321".into()
            },
        ]
    );
    assert_eq!(replication.rules[0].repository_prefixes, vec!["payments/"]);

    assert_eq!(loaded.summary.modules, 2);
    assert_eq!(loaded.summary.repositories, 4);
    assert_eq!(loaded.summary.roles, 2);
    let m = &estate.modules[0];
    assert_eq!(
        m.repositories,
        vec!["payments/api", "payments/worker", "payments/reports"]
    );
    assert_eq!(m.account_access[0].account_id, "444455556666");
    assert!(m.account_access[1].can_write);
    let github = m.github.as_ref().unwrap();
    assert_eq!(github.role_name, "payments-github-push");
    assert_eq!(
        github.subjects(),
        vec![
            "repo:acme/payments:environment:production",
            "repo:acme/payments:ref:refs/heads/main"
        ]
    );
    let circleci = m.circleci.as_ref().unwrap();
    assert_eq!(circleci.role_name, "payments-circleci-push");
    assert_eq!(circleci.project_ids.len(), 1);
    assert_eq!(m.settings.image_tag_mutability, TagMutability::Immutable);
    assert!(m.settings.scan_on_push);
    assert!(matches!(m.settings.encryption, Encryption::Kms { .. }));
    assert!(!m.settings.force_delete);
    assert_eq!(
        m.settings.tags.get("team").map(String::as_str),
        Some("payments")
    );
    assert_eq!(
        m.settings.tags.get("cost-centre").map(String::as_str),
        Some("cc-42")
    );
    match &m.settings.lifecycle {
        Some(LifecycleSpec::Document(doc)) => {
            assert_eq!(doc["rules"][0]["selection"]["countNumber"], 14);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        estate.modules[1].settings.lifecycle,
        Some(LifecycleSpec::Generated {
            keep_last: Some(30),
            expire_untagged_after_days: Some(7)
        })
    );

    // One warning naming each Terraform block where it starts, never evaluated; the
    // unrelated `vpc` module is skipped, and its name kept so no plan deletes what it owns.
    assert_eq!(
        loaded.warnings.len(),
        1,
        "{}",
        render_text(&loaded.warnings)
    );
    assert_eq!(
        loaded.warnings[0].message(),
        "skipped 6 blocks, not part of an ECR estate:\n  ../../fixtures/full/terraform.tf:2:1 terraform\n  ../../fixtures/full/terraform.tf:6:1 locals\n  ../../fixtures/full/terraform.tf:10:1 data \"aws_caller_identity\" \"current\"\n  ../../fixtures/full/terraform.tf:12:1 resource \"aws_s3_bucket\" \"logs\"\n  ../../fixtures/full/terraform.tf:16:1 output \"bucket\"\n  ../../fixtures/full/terraform.tf:20:1 module \"vpc\""
    );
    assert_eq!(
        loaded.estate.skipped_modules.iter().collect::<Vec<_>>(),
        ["vpc"]
    );
}

#[test]
fn variables_precedence_cli_env_default() {
    let dir = dir_with(&[
        (
            "variables.tf",
            "variable \"repo\" {\n  default = \"from-default\"\n}\n",
        ),
        (
            "main.tf",
            "module \"m\" {\n  source = \"x\"\n  ecr-repositories = [var.repo]\n}\n",
        ),
    ]);
    let repo = |options: &LoadOptions| {
        load_ok(dir.path(), options).estate.modules[0].repositories[0].clone()
    };
    assert_eq!(repo(&LoadOptions::default()), "from-default");
    let env = LoadOptions {
        vars: vec![],
        env: vec![env_var("repo", "from-env")],
        estate: None,
        var_files: vec![],
    };
    assert_eq!(repo(&env), "from-env");
    let both = LoadOptions {
        vars: vec![("repo".into(), "from-cli".into())],
        env: vec![env_var("repo", "from-env")],
        estate: None,
        var_files: vec![],
    };
    assert_eq!(repo(&both), "from-cli");
    // The hash moves with the resolved values: a saved plan from another value is stale.
    let hashes: Vec<String> = [LoadOptions::default(), env, both]
        .iter()
        .map(|o| load_ok(dir.path(), o).config_hash)
        .collect();
    assert_ne!(hashes[0], hashes[1]);
    assert_ne!(hashes[1], hashes[2]);
    assert_eq!(
        hashes[0],
        load_ok(dir.path(), &LoadOptions::default()).config_hash
    );
}

#[test]
fn cli_strings_convert_where_a_bool_or_number_is_wanted() {
    let dir = dir_with(&[(
        "main.tf",
        "variable \"scan\" {}\nvariable \"keep\" {}\nmodule \"m\" {\n  source = \"x\"\n  ecr-repositories = [\"r1\"]\n  scan_on_push = var.scan\n  lifecycle = { keep_last = var.keep }\n}\n",
    )]);
    let options = LoadOptions {
        vars: vec![("scan".into(), "true".into()), ("keep".into(), "12".into())],
        env: vec![],
        estate: None,
        var_files: vec![],
    };
    let loaded = load_ok(dir.path(), &options);
    let m = &loaded.estate.modules[0];
    assert!(m.settings.scan_on_push);
    assert_eq!(
        m.settings.lifecycle,
        Some(ecrplan_model::LifecycleSpec::Generated {
            keep_last: Some(12),
            expire_untagged_after_days: None
        })
    );
    let options = LoadOptions {
        vars: vec![
            ("scan".into(), "yes".into()),
            ("keep".into(), "twelve".into()),
        ],
        env: vec![],
        estate: None,
        var_files: vec![],
    };
    let errors = errors_of(dir.path(), &options);
    let messages: Vec<&str> = errors.iter().map(|d| d.message()).collect();
    assert_eq!(
        messages,
        vec![
            "`scan_on_push`: expected a bool, found a string (\"yes\")",
            "`lifecycle.keep_last`: expected a whole number, found a string (\"twelve\")",
        ]
    );
}

#[test]
fn a_variable_without_a_value_points_at_its_use() {
    let errors = errors_of(&fixture("full"), &LoadOptions::default());
    assert_eq!(errors.len(), 1, "{}", render_text(&errors));
    let d = &errors[0];
    assert_eq!(d.message(), "variable `prod_account` has no value");
    assert_eq!(
        d.help_text(),
        Some("pass --var prod_account=… or set ECRPLAN_VAR_prod_account")
    );
    assert_eq!(d.file(), Some("main.tf"));
    let text = std::fs::read_to_string(fixture("full").join("main.tf")).unwrap();
    assert_eq!(&text[d.span().unwrap()], "var.prod_account");
    let (line, column) = d.line_column().unwrap();
    assert_eq!(
        text.lines().nth(line - 1).unwrap().chars().nth(column - 1),
        Some('v')
    );
}

#[test]
fn cloud_platform_fixture_desugars() {
    let loaded = load_ok(&fixture("cloud-platform"), &LoadOptions::default());
    assert_eq!(loaded.summary.modules, 1);
    assert_eq!(loaded.summary.repositories, 1);
    assert_eq!(loaded.summary.roles, 2);
    let m = &loaded.estate.modules[0];
    assert_eq!(m.repositories, vec!["probate/court-probate-prod"]);
    let github = m.github.as_ref().unwrap();
    assert_eq!(github.role_name, "cp-ecr-probate-court-probate-prod-github");
    assert_eq!(
        github.subjects(),
        vec![
            "repo:ministryofjustice/court-probate-prod:*",
            "repo:ministryofjustice/shared-workflows:*"
        ]
    );
    let circleci = m.circleci.as_ref().unwrap();
    assert_eq!(
        circleci.role_name,
        "cp-ecr-probate-court-probate-prod-circleci"
    );
    assert_eq!(m.ci_outputs.prefix.as_deref(), Some("PROD"));
    assert_eq!(m.ci_outputs.environments, vec!["production"]);
    assert!(m.settings.scan_on_push);
    assert!(m.settings.force_delete, "deletion_protection = false");
    let tags: Vec<(&str, &str)> = m
        .settings
        .tags
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        tags,
        vec![
            ("application", "Probate"),
            ("business-unit", "HMCTS"),
            ("environment-name", "production"),
            ("infrastructure-support", "probate@digital.justice.gov.uk"),
            ("is-production", "true"),
            ("namespace", "court-probate-prod"),
            ("owner", "probate"),
        ]
    );
    assert_eq!(m.push_actions.len(), 10);
    assert!(m.push_actions.contains(&"ecr:BatchDeleteImage".to_owned()));
    // `providers = { aws = aws.london }`: the default region under another name, recorded as
    // written; the registry it reaches is resolved when connecting.
    assert_eq!(m.provider.as_deref(), Some("london"));
    assert_eq!(
        loaded.estate.providers.keys().collect::<Vec<_>>(),
        ["london"]
    );
    let messages: Vec<&str> = loaded.warnings.iter().map(|d| d.message()).collect();
    assert_eq!(
        messages,
        vec![
            "skipped 3 blocks, not part of an ECR estate:\n  ../../fixtures/cloud-platform/ecr.tf:47:1 resource \"kubernetes_secret\" \"ecr\"\n  ../../fixtures/cloud-platform/main.tf:1:1 terraform\n  ../../fixtures/cloud-platform/main.tf:17:1 provider \"github\"",
            "accepted but not managed by ecrplan: `enable_irsa` (1 module)",
            "1 Cloud Platform module asks for a CircleCI role, but no CircleCI organisation id is given: the roles trust organisation 00000000-0000-0000-0000-000000000000",
        ]
    );
    // With the organisation id given, the CircleCI role trusts it and the warning goes.
    let options = LoadOptions {
        vars: vec![],
        env: vec![env_var(
            "circleci_organisation_id",
            "5bd1e4d8-1c2e-4f7b-9a59-2f1b9d1c0c11",
        )],
        estate: None,
        var_files: vec![],
    };
    let loaded = load_ok(&fixture("cloud-platform"), &options);
    let circleci = loaded.estate.modules[0].circleci.as_ref().unwrap();
    assert_eq!(
        circleci.organisation_id,
        "5bd1e4d8-1c2e-4f7b-9a59-2f1b9d1c0c11"
    );
    assert!(
        !loaded
            .warnings
            .iter()
            .any(|d| d.message().contains("CircleCI")),
        "{:?}",
        loaded.warnings
    );
    assert_eq!(loaded.warnings.len(), 2);
}

#[test]
fn all_errors_of_all_files_at_once() {
    let dir = dir_with(&[
        (
            "a.tf",
            "module \"one\" {\n  source = \"x\"\n  ecr-repositories = [\"shared\", \"Bad_Name\"]\n  acount_access = []\n}\n",
        ),
        (
            "b.tf",
            "module \"two\" {\n  source = \"x\"\n  ecr-repositories = [\"shared\"]\n  image_tag_mutability = \"SOMETIMES\"\n  github_access = {\n    github_repositories = [{ organisation = \"*\", repository = \"r\" }]\n  }\n}\n",
        ),
        (
            "c.tf",
            "module \"three\" {\n  source = \"x\"\n  ecr-repositories = [\n}\n",
        ),
    ]);
    let errors = errors_of(dir.path(), &LoadOptions::default());
    let got: Vec<(Option<&str>, &str)> = errors.iter().map(|d| (d.file(), d.message())).collect();
    let text = render_text(&errors);
    let has = |file: &str, needle: &str| {
        assert!(
            got.iter()
                .any(|(f, m)| *f == Some(file) && m.contains(needle)),
            "no `{needle}` in {file}:\n{text}"
        );
    };
    has("a.tf", "repository name `Bad_Name` does not match");
    has("a.tf", "unknown attribute `acount_access` in module `one`");
    has("b.tf", "the repository `shared` is declared twice");
    has("b.tf", "unknown image_tag_mutability `SOMETIMES`");
    has(
        "b.tf",
        "`github_access` is missing the required attribute `role_name`",
    );
    has("b.tf", "would let any GitHub organisation push");
    has("c.tf", "HCL syntax error");
    assert!(text.contains("did you mean `account_access`?"), "{text}");
    // The duplicate shows both places: the other file's as a related note.
    let dup = errors
        .iter()
        .find(|d| d.message().contains("declared twice"))
        .unwrap();
    assert_eq!(dup.related_diagnostics().len(), 1);
    assert_eq!(dup.related_diagnostics()[0].file(), Some("a.tf"));
    let json = dup.to_json();
    assert_eq!(json["labels"].as_array().unwrap().len(), 2);
    assert_eq!(
        json["labels"][1]["file"],
        format!("{}/a.tf", dir.path().display()),
        "JSON names files as text and SARIF do: the directory as given, joined with the name"
    );
    assert_eq!(json["severity"], "error");
    assert_eq!(json["line"], 3);
}

#[test]
fn duplicate_roles_in_one_file_carry_two_labels() {
    let dir = dir_with(&[(
        "main.tf",
        r#"module "a" {
  source           = "x"
  ecr-repositories = ["a1"]
  github_access = {
    role_name           = "ci-push"
    github_repositories = [{ organisation = "o", repository = "r" }]
  }
}
module "b" {
  source           = "x"
  ecr-repositories = ["b1"]
  circleci_access = {
    role_name       = "ci-push"
    organisation_id = "5bd1e4d8-1c2e-4f7b-9a59-2f1b9d1c0c11"
    project_ids     = ["0c9a8b7d-6e5f-4a3b-2c1d-9e8f7a6b5c4d"]
  }
}
"#,
    )]);
    let errors = errors_of(dir.path(), &LoadOptions::default());
    assert_eq!(errors.len(), 1, "{}", render_text(&errors));
    let json = errors[0].to_json();
    assert_eq!(json["message"], "the IAM role `ci-push` is declared twice");
    assert_eq!(json["line"], 13);
    assert_eq!(json["labels"][0]["label"], "declared again here");
    assert_eq!(json["labels"][1]["label"], "first declared here");
    assert_eq!(json["labels"][1]["line"], 5);
}

#[test]
fn checks_of_values() {
    let dir = dir_with(&[(
        "main.tf",
        r#"module "m" {
  source           = "x"
  ecr-repositories = 42
  account_access = [
    { description = "short", account_id = "12345", can_write = false },
  ]
  github_access = {
    role_name           = "has spaces"
    github_repositories = [{ organisation = "o", repository = "r" }]
  }
  encryption       = { type = "KMS" }
  lifecycle_policy = jsonencode({ rules = [{ rulePriority = 1, selection = { tagStatus = "any" }, action = { type = "expire" } }] })
  tags             = { "managed-by" = "me" }
}
"#,
    )]);
    let errors = errors_of(dir.path(), &LoadOptions::default());
    let messages: Vec<&str> = errors.iter().map(|d| d.message()).collect();
    let text = render_text(&errors);
    for want in [
        "`ecr-repositories`: expected a list of strings, found a number (42)",
        "account id `12345` does not match 12 digits",
        "IAM role name `has spaces` does not match",
        "KMS encryption needs a `kms_key`",
        "`lifecycle_policy` is not a valid ECR lifecycle policy: rule 1: selection.countType is missing",
        "the tag `managed-by` is reserved for ecrplan's ownership tags",
    ] {
        assert!(
            messages.iter().any(|m| m.starts_with(want)),
            "no {want:?} in\n{text}"
        );
    }
}

#[test]
fn top_level_blocks_are_checked() {
    let dir = dir_with(&[(
        "main.tf",
        "modul \"x\" {}\nprovider \"sandbox\" {\n  path = \"account.json\"\n}\necrplan {\n  estate = \"has spaces are fine\"\n}\nreplication {}\n",
    )]);
    let errors = errors_of(dir.path(), &LoadOptions::default());
    assert_eq!(errors.len(), 1, "{}", render_text(&errors));
    assert_eq!(errors[0].message(), "unknown block type `modul`");
    assert_eq!(errors[0].help_text(), Some("did you mean `module`?"));

    let dir = dir_with(&[(
        "main.tf",
        "provider \"sandbox\" {\n  path = \"account.json\"\n}\nreplication {}\n",
    )]);
    let loaded = load_ok(dir.path(), &LoadOptions::default());
    assert_eq!(
        loaded.estate.provider,
        ecrplan_model::ProviderSettings::Sandbox {
            path: Some("account.json".into())
        }
    );
    assert_eq!(
        loaded.estate.replications,
        [ecrplan_model::OnRegistry::default_provider(
            Default::default()
        )],
        "empty block: manage and clear"
    );
    assert_eq!(loaded.estate.name, "default");
    assert_eq!(loaded.summary.modules, 0);
}

#[test]
fn rendering_is_deterministic_and_points_at_the_line() {
    let dir = dir_with(&[(
        "main.tf",
        "module \"m\" {\n  source = \"x\"\n  ecr-repositories = [\"r1\"]\n  scan_onpush = true\n}\n",
    )]);
    let errors = errors_of(dir.path(), &LoadOptions::default());
    let text = render_text(&errors);
    assert_eq!(text, render_text(&errors));
    assert!(
        text.contains("unknown attribute `scan_onpush` in module `m`"),
        "{text}"
    );
    assert!(
        text.contains(&format!("[{}/main.tf:4:3]", dir.path().display())),
        "{text}"
    );
    assert!(
        text.contains("help: did you mean `scan_on_push`?"),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'), "no colour: {text:?}");
}

#[test]
fn an_empty_directory_is_an_error() {
    let dir = dir_with(&[("README.md", "no configuration here")]);
    let errors = errors_of(dir.path(), &LoadOptions::default());
    assert!(errors[0].message().starts_with("no *.tf or *.hcl files in"));
}

#[test]
fn a_json_syntax_error_in_a_heredoc_points_at_the_character() {
    for (open, indent) in [("<<EOF", ""), ("<<-EOF", "    ")] {
        let src = format!(
            "module \"m\" {{\n  source = \"x\"\n  ecr-repositories = [\"r1\"]\n  lifecycle_policy = {open}\n{indent}{{\n{indent}  \"rules\": [,]\n{indent}}}\n{indent}EOF\n}}\n"
        );
        let dir = dir_with(&[("main.tf", &src)]);
        let errors = errors_of(dir.path(), &LoadOptions::default());
        assert_eq!(errors.len(), 1, "{}", render_text(&errors));
        let d = &errors[0];
        assert!(d.message().contains("not valid JSON"), "{}", d.message());
        assert_eq!(
            d.line_column(),
            Some((6, indent.len() + 13)),
            "{}",
            render_text(&errors)
        );
        assert_eq!(&src[d.span().unwrap()], ",");
    }
}

#[test]
fn file_outside_the_configuration_directory_is_a_warning() {
    let outer = tempfile::tempdir().unwrap();
    // Tag text AWS accepts: the tags are only the vehicle for `file`.
    std::fs::write(outer.path().join("policy.json"), "rules").unwrap();
    let dir = outer.path().join("estate");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("inside.json"), "inside").unwrap();
    std::fs::write(
        dir.join("main.tf"),
        "ecrplan { estate = \"e\" }\n\
         module \"m\" {\n  source = \"x\"\n  ecr-repositories = [\"app\"]\n  \
         tags = { a = file(\"../policy.json\"), b = file(\"./inside.json\") }\n}\n",
    )
    .unwrap();
    let loaded = load_ok(&dir, &LoadOptions::default());
    let messages: Vec<&str> = loaded.warnings.iter().map(|d| d.message()).collect();
    let resolved = outer.path().canonicalize().unwrap().join("policy.json");
    assert_eq!(
        messages,
        [format!(
            "`file` reads `{}`, outside the configuration directory",
            resolved.display()
        )]
    );
}

#[test]
fn var_of_a_collection_type_is_parsed_as_an_expression() {
    let dir = dir_with(&[(
        "main.tf",
        "ecrplan { estate = \"e\" }\n\
         variable \"repos\" { type = list(string) }\n\
         variable \"owner\" { type = string }\n\
         module \"m\" {\n  source = \"x\"\n  ecr-repositories = var.repos\n  \
         tags = { owner = var.owner }\n}\n",
    )]);
    let options = LoadOptions {
        vars: vec![
            ("repos".into(), "[\"app\", \"web\"]".into()),
            // An expression if it were parsed (2), and tag text AWS accepts as it is.
            ("owner".into(), "1 + 1".into()),
        ],
        env: vec![env_var("repos", "[\"ignored\"]")],
        estate: None,
        var_files: vec![],
    };
    let loaded = load_ok(dir.path(), &options);
    let m = &loaded.estate.modules[0];
    assert_eq!(m.repositories, ["app", "web"]);
    assert_eq!(m.settings.tags["owner"], "1 + 1");

    let options = LoadOptions {
        vars: vec![("owner".into(), "web".into())],
        env: vec![env_var("repos", "[\"app\",")],
        estate: None,
        var_files: vec![],
    };
    let errors = errors_of(dir.path(), &options);
    assert_eq!(errors.len(), 1, "{}", render_text(&errors));
    assert_eq!(errors[0].file(), Some("ECRPLAN_VAR_repos"));
}

/// Issue 20: a module's `providers = { aws = aws.NAME }` records the alias, whatever region or
/// account it names (which registry it reaches is resolved when connecting); `aws` alone is
/// the default provider; an unknown alias is an error at the reference.
#[test]
fn issue_20_a_module_records_the_provider_it_chooses() {
    let module = |name: &str, provider: &str| {
        format!(
            "module \"{name}\" {{\n  source = \"../modules/ecr-repos\"\n  \
             ecr-repositories = [\"giftcard-service\"]\n  providers = {{ aws = {provider} }}\n}}\n"
        )
    };
    let providers = "provider \"aws\" {\n  region = \"eu-west-1\"\n  account_id = \"354918371398\"\n}\n\
         provider \"aws\" {\n  alias = \"same\"\n  region = \"eu-west-1\"\n}\n\
         provider \"aws\" {\n  alias = \"elsewhere\"\n  region = \"eu-central-1\"\n  account_id = \"111122223333\"\n}\n";
    for (provider, recorded) in [
        ("aws.same", Some("same")),
        ("aws.elsewhere", Some("elsewhere")),
        ("aws", None),
    ] {
        let dir = dir_with(&[(
            "main.tf",
            &format!("{providers}{}", module("ecr-koa", provider)),
        )]);
        let loaded = load_ok(dir.path(), &LoadOptions::default());
        assert_eq!(loaded.estate.modules[0].provider.as_deref(), recorded);
        assert_eq!(loaded.estate.providers.len(), 2);
    }
    // A Cloud Platform module on a provider of another region (formerly refused).
    let cloud_platform = "module \"ecr\" {\n  source = \"github.com/ministryofjustice/cloud-platform-terraform-ecr-credentials?ref=7.1.0\"\n  \
         team_name = \"webops\"\n  repo_name = \"app\"\n  providers = {\n    aws = aws.elsewhere\n  }\n}\n";
    let dir = dir_with(&[("main.tf", &format!("{providers}{cloud_platform}"))]);
    let loaded = load_ok(dir.path(), &LoadOptions::default());
    assert_eq!(
        loaded.estate.modules[0].provider.as_deref(),
        Some("elsewhere")
    );

    let text = format!("{providers}{}", module("ecr-koa", "aws.nowhere"));
    let unknown = dir_with(&[("main.tf", &text)]);
    let errors = errors_of(unknown.path(), &LoadOptions::default());
    assert_eq!(errors.len(), 1, "{}", render_text(&errors));
    assert_eq!(
        errors[0].message(),
        "no `provider \"aws\"` has the alias `nowhere`"
    );
    let at = text.find("aws.nowhere }").expect("the reference");
    assert_eq!(errors[0].span().map(|s| s.start), Some(at));
    assert_eq!(
        errors[0].help_text(),
        Some(
            "the declared aliases are `aws.elsewhere` and `aws.same`; declare `provider \"aws\" { alias = \"nowhere\" … }`, or remove `providers`"
        )
    );
}

/// Issue 20: one configuration over three registries — the default provider in eu-west-2, `aws.us`
/// in us-east-1 of the same account, and `aws.dr` in another account reached through an
/// assumed role — with a module on each, the DR registry's settings allowing the source to
/// replicate, and the default registry replicating to the DR one.
const THREE_REGISTRIES: &str = r#"ecrplan {
  estate = "payments"
}

provider "aws" {
  region     = "eu-west-2"
  account_id = "111111111111"
}

provider "aws" {
  alias      = "us"
  region     = "us-east-1"
  account_id = "111111111111"
}

provider "aws" {
  alias  = "dr"
  region = "eu-west-1"

  assume_role {
    role_arn     = "arn:aws:iam::222222222222:role/ecrplan"
    external_id  = "payments-dr"
    session_name = "ecrplan"
  }
}

module "payments" {
  source           = "../modules/ecr-repos"
  ecr-repositories = ["payments/api"]

  github_access = {
    role_name = "payments-github"
    github_repositories = [
      {
        organisation = "acme"
        repository   = "payments"
      }
    ]
  }
}

# The same repository name in two more registries: two more repositories, not a duplicate.
module "payments-us" {
  source           = "../modules/ecr-repos"
  ecr-repositories = ["payments/api"]

  providers = {
    aws = aws.us
  }
}

module "payments-dr" {
  source           = "../modules/ecr-repos"
  ecr-repositories = ["payments/api"]

  providers = {
    aws = aws.dr
  }
}

registry {
  provider         = aws.dr
  replication_from = ["111111111111"]
}

replication {
  rule {
    destination {
      provider = aws.dr
    }
    filter {
      prefix = "payments/"
    }
  }
}
"#;

#[test]
fn issue_20_three_registries_load_into_one_estate() {
    use std::collections::BTreeMap;

    use ecrplan_model::{
        CiOutputs, DesiredEstate, OnRegistry, ProviderSettings, RegistrySettings, Replication,
        ReplicationDestination, ReplicationRule, RepositorySettings,
    };

    let dir = dir_with(&[("main.tf", THREE_REGISTRIES)]);
    let loaded = load_ok(dir.path(), &LoadOptions::default());
    assert!(
        loaded.warnings.is_empty(),
        "{}",
        render_text(&loaded.warnings)
    );
    let aws = |region: &str, account_id: Option<&str>| ProviderSettings::Aws {
        region: Some(region.into()),
        account_id: account_id.map(Into::into),
        endpoint: None,
        profile: None,
        assume_role_arn: None,
        external_id: None,
        session_name: None,
    };
    let module = |name: &str, provider: Option<&str>| Module {
        name: name.into(),
        source: "../modules/ecr-repos".into(),
        repositories: vec!["payments/api".into()],
        settings: RepositorySettings::default(),
        account_access: Vec::new(),
        github: None,
        circleci: None,
        push_actions: Module::default_push_actions(),
        ci_outputs: CiOutputs::default(),
        identities: Default::default(),
        provider: provider.map(Into::into),
    };
    let expected = DesiredEstate {
        name: "payments".into(),
        anonymous: false,
        provider: aws("eu-west-2", Some("111111111111")),
        providers: BTreeMap::from([
            (
                "dr".to_owned(),
                ProviderSettings::Aws {
                    region: Some("eu-west-1".into()),
                    account_id: None,
                    endpoint: None,
                    profile: None,
                    assume_role_arn: Some("arn:aws:iam::222222222222:role/ecrplan".into()),
                    external_id: Some("payments-dr".into()),
                    session_name: Some("ecrplan".into()),
                },
            ),
            ("us".to_owned(), aws("us-east-1", Some("111111111111"))),
        ]),
        modules: vec![
            Module {
                github: Some(GithubAccess {
                    role_name: "payments-github".into(),
                    repositories: vec![GithubRepository {
                        organisation: "acme".into(),
                        repository: "payments".into(),
                    }],
                    environments: vec![],
                    refs: vec![],
                    allow_any_organisation: false,
                    job_workflow_refs: Vec::new(),
                }),
                ..module("payments", None)
            },
            module("payments-us", Some("us")),
            module("payments-dr", Some("dr")),
        ],
        // The destination is resolved from `aws.dr`: its region, and the account of the role
        // it assumes.
        replications: vec![OnRegistry::default_provider(Replication {
            rules: vec![ReplicationRule {
                destinations: vec![ReplicationDestination {
                    region: "eu-west-1".into(),
                    registry_id: "222222222222".into(),
                }],
                repository_prefixes: vec!["payments/".into()],
            }],
        })],
        registries: vec![OnRegistry {
            provider: Some("dr".into()),
            value: RegistrySettings {
                replication_from: vec!["111111111111".into()],
                ..RegistrySettings::default()
            },
        }],
        ..DesiredEstate::default()
    };
    assert_eq!(loaded.estate, expected);
    assert_eq!(loaded.summary.repositories, 3);
    assert_eq!(loaded.summary.registry_sections, Some(1));

    // Locations by provider; the unqualified ones fall back to the first block declared.
    let line = |needle: &str| {
        let at = THREE_REGISTRIES.find(needle).expect("in the text");
        THREE_REGISTRIES[..at].matches('\n').count() + 1
    };
    let locations = &loaded.locations;
    let dr = locations
        .registry_of(Some("dr"))
        .expect("aws.dr's registry block");
    assert_eq!(dr.block().line, line("registry {"));
    assert_eq!(
        locations.registry().map(|l| l.line),
        Some(line("registry {"))
    );
    assert!(locations.registry_of(None).is_none());
    assert_eq!(
        locations.replication_of(None).map(|l| l.line),
        Some(line("replication {"))
    );
    assert!(locations.replication_of(Some("dr")).is_none());
}

/// Issue 20: a repository is one per registry and an IAM name one per account, as far as the
/// provider blocks tell without connecting: another region of the account is another registry
/// but the same account, an alias with the default's settings is the default registry.
#[test]
fn issue_20_names_are_declared_once_per_registry_and_account() {
    let providers = "provider \"aws\" {\n  region = \"eu-west-2\"\n}\n\
         provider \"aws\" {\n  alias = \"london\"\n  region = \"eu-west-2\"\n}\n\
         provider \"aws\" {\n  alias = \"us\"\n  region = \"us-east-1\"\n}\n\
         provider \"aws\" {\n  alias = \"dr\"\n  region = \"eu-west-2\"\n  assume_role_arn = \"arn:aws:iam::222222222222:role/ecrplan\"\n}\n";
    let module = |name: &str, provider: &str, role: &str| {
        format!(
            "module \"{name}\" {{\n  source = \"../modules/ecr-repos\"\n  ecr-repositories = [\"payments/api\"]\n  \
             providers = {{ aws = {provider} }}\n  circleci_access = {{\n    role_name = \"{role}\"\n    \
             organisation_id = \"5bd1e4d8-1c2e-4f7b-9a59-2f1b9d1c0c11\"\n    project_ids = [\"*\"]\n  }}\n}}\n"
        )
    };
    let messages = |modules: &[String]| -> Vec<String> {
        let dir = dir_with(&[("main.tf", &format!("{providers}{}", modules.concat()))]);
        match load_dir(dir.path(), &LoadOptions::default()) {
            Ok(_) => Vec::new(),
            Err(e) => e.errors().map(|d| d.message().to_owned()).collect(),
        }
    };
    // Three registries, two accounts, a role in each account.
    assert_eq!(
        messages(&[
            module("a", "aws", "ci-a"),
            module("b", "aws.us", "ci-b"),
            module("c", "aws.dr", "ci-a"),
        ]),
        Vec::<String>::new()
    );
    // `aws.london` has the default's settings: the same registry.
    assert_eq!(
        messages(&[
            module("a", "aws", "ci-a"),
            module("b", "aws.london", "ci-b")
        ]),
        ["the repository `payments/api` is declared twice"]
    );
    // Another region of the same account: one IAM.
    assert_eq!(
        messages(&[module("a", "aws", "ci-a"), module("b", "aws.us", "CI-A")]),
        ["the IAM role `CI-A` is declared twice, first as `ci-a`"]
    );
}

#[test]
fn the_region_tag_counts_against_the_role_tag_limit() {
    let module = |n: usize| {
        let tags: Vec<String> = (0..n).map(|i| format!("t{i:02} = \"x\"")).collect();
        format!(
            "module \"m\" {{\n  source = \"x\"\n  ecr-repositories = [\"app\"]\n  \
             github_access = {{\n    role_name = \"app-ci\"\n    \
             github_repositories = [{{ organisation = \"o\", repository = \"r\" }}]\n  }}\n  \
             tags = {{ {} }}\n}}\n",
            tags.join(", ")
        )
    };
    let fits = dir_with(&[("main.tf", &module(46))]);
    load_ok(fits.path(), &LoadOptions::default());
    let over = dir_with(&[("main.tf", &module(47))]);
    let errors = errors_of(over.path(), &LoadOptions::default());
    assert_eq!(errors.len(), 1, "{}", render_text(&errors));
    assert_eq!(
        errors[0].message(),
        "47 tags, with the 4 ecrplan adds, make 51: AWS allows 50 per object"
    );
}

#[test]
fn exclusion_filters_are_read_with_their_mutability() {
    let dir = dir_with(&[(
        "main.tf",
        "ecrplan { estate = \"e\" }\n\
         module \"m\" {\n  source = \"x\"\n  ecr-repositories = [\"app\"]\n  \
         image_tag_mutability = \"IMMUTABLE_WITH_EXCLUSION\"\n  \
         image_tag_mutability_exclusion_filters = [\"release-*\", \"dev_*.x\"]\n}\n",
    )]);
    let loaded = load_ok(dir.path(), &LoadOptions::default());
    let settings = &loaded.estate.modules[0].settings;
    assert_eq!(
        settings.image_tag_mutability,
        ecrplan_model::TagMutability::ImmutableWithExclusion
    );
    assert_eq!(
        settings.image_tag_mutability_exclusion_filters,
        ["release-*", "dev_*.x"]
    );
}

/// ECR counts a destination once however many rules name it: 10 rules that share the same 25
/// destinations are within "25 unique destinations across all rules" (issue 21).
#[test]
fn replication_destinations_are_counted_once_across_rules() {
    let destinations: String = (0..25)
        .map(|i| {
            format!("    destination {{\n      region = \"eu-west-1\"\n      registry_id = \"2000000000{i:02}\"\n    }}\n")
        })
        .collect();
    let rules: String = (0..10)
        .map(|i| format!("  rule {{\n{destinations}    filter {{\n      prefix = \"team-{i}/\"\n    }}\n  }}\n"))
        .collect();
    let dir = dir_with(&[("main.tf", &format!("replication {{\n{rules}}}\n"))]);
    let loaded = load_ok(dir.path(), &LoadOptions::default());
    let replication = &loaded.estate.replications[0].value;
    assert_eq!(replication.rules.len(), 10);
    assert!(replication.rules.iter().all(|r| r.destinations.len() == 25));
}

/// Issue 21: the `ecr-repos` shape is recognised by its `ecr-repositories` input whatever its
/// source, so a mistyped source still reads the module: its repository is kept.
#[test]
fn issue_21_seed_shaped_module_with_a_mistyped_source_is_still_read() {
    let dir = dir_with(&[(
        "main.tf",
        r#"module "ecr-koa" {
  source = "../../../../modules/ecr-repo"

  ecr-repositories = ["giftcard-service"]

  github_access = {
    role_name = "koa-github-ecr-access"
    github_repositories = [{ organisation = "JPPOL-KOA", repository = "GiftCardService" }]
  }
}
"#,
    )]);
    let loaded = load_dir(dir.path(), &LoadOptions::default()).expect("loads");
    assert_eq!(loaded.estate.modules.len(), 1);
    assert_eq!(loaded.estate.modules[0].repositories, ["giftcard-service"]);
    assert!(loaded.estate.skipped_modules.is_empty());
    assert!(
        loaded.warnings.is_empty(),
        "{}",
        render_text(&loaded.warnings)
    );
}

/// Issue 21: a module that is not an ECR module (its source far from any known one, its inputs
/// not an ECR module's) is still skipped, with a warning naming it where it starts, and its
/// name is kept so no plan deletes objects a module of that name owns.
#[test]
fn issue_21_unrelated_module_is_skipped_with_a_located_warning() {
    let dir = dir_with(&[(
        "main.tf",
        r#"module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.8.1"

  name            = "main"
  cidr            = "10.0.0.0/16"
  azs             = ["eu-west-2a", "eu-west-2b"]
  private_subnets = ["10.0.1.0/24", "10.0.2.0/24"]
  tags            = { team_name = "probate" }
}
"#,
    )]);
    let loaded = load_dir(dir.path(), &LoadOptions::default()).expect("loads");
    assert!(loaded.estate.modules.is_empty());
    assert_eq!(
        loaded.estate.skipped_modules.iter().collect::<Vec<_>>(),
        ["vpc"]
    );
    let messages: Vec<&str> = loaded.warnings.iter().map(|d| d.message()).collect();
    assert_eq!(
        messages,
        [format!(
            "skipped 1 block, not part of an ECR estate:\n  {}/main.tf:1:1 module \"vpc\"",
            dir.path().display()
        )]
    );
}

/// Issue 22: errors arrived in phases — an unknown key in an object hid every other problem
/// of that object until it was fixed. One run reports them all, each with its class.
#[test]
fn issue_22_an_unknown_key_and_a_bad_value_are_reported_in_one_run() {
    let dir = dir_with(&[(
        "main.tf",
        r#"module "ecr-koa" {
  source           = "../modules/ecr-repos"
  ecr-repositories = ["giftcard-service"]
  github_access = {
    role_name           = "koa-github"
    github_repository   = "typo"
    github_repositories = [{ organisation = "JPPOL KOA", repository = "GiftCardService" }]
  }
  scan_on_push = "sometimes"
}
"#,
    )]);
    let errors = errors_of(dir.path(), &LoadOptions::default());
    let found: Vec<(&str, &str)> = errors
        .iter()
        .map(|d| (d.kind().name(), d.message()))
        .collect();
    assert!(
        found.iter().any(|(rule, m)| *rule == "unknown-name"
            && m.contains("unknown attribute `github_repository`")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|(rule, m)| *rule == "invalid-value" && m.contains("JPPOL KOA")),
        "the bad organisation in the same object: {found:?}"
    );
    let wrong_type = errors
        .iter()
        .find(|d| d.kind().name() == "wrong-type")
        .unwrap_or_else(|| panic!("{found:?}"));
    assert_eq!(
        wrong_type.help_text(),
        Some("`scan_on_push` takes a bool: `true`")
    );
}

/// Issue 22: each skipped block is a site of its own, spanning its header, with columns in
/// code points — for code scanning, which rejects a result without a location.
#[test]
fn issue_22_each_skipped_block_is_located() {
    let dir = dir_with(&[(
        "main.tf",
        "# café\nresource \"aws_s3_bucket\" \"logs\" {}\n  /* é */ output \"é\" {\n}\n",
    )]);
    let loaded = load_dir(dir.path(), &LoadOptions::default()).expect("loads");
    let sites = loaded.warnings[0].sites();
    let at: Vec<(usize, usize, usize, usize, &str)> = sites
        .iter()
        .map(|s| {
            let l = &s.location;
            (l.line, l.column, l.end_line, l.end_column, l.text.as_str())
        })
        .collect();
    assert_eq!(
        at,
        [
            (2, 1, 2, 32, r#"resource "aws_s3_bucket" "logs""#),
            (3, 11, 3, 21, r#"output "é""#),
        ]
    );
    assert_eq!(
        sites[0].location.path,
        format!("{}/main.tf", dir.path().display())
    );
    assert_eq!(
        sites[1].message,
        "skipped `output \"é\"`: not part of an ECR estate"
    );
    // The text header counts columns as the JSON and SARIF do: in code points.
    let text = render_text(&loaded.warnings);
    assert!(text.contains("main.tf:3:11 output"), "{text}");
}

/// Issue 22: variable files with Terraform's precedence — default, environment,
/// `terraform.tfvars`, `*.auto.tfvars` in name order, `--var-file` in order, `--var` — folded
/// into the configuration hash, and located when bad.
#[test]
fn issue_22_variable_files_rank_as_in_terraform() {
    let dir = dir_with(&[(
        "main.tf",
        r#"variable "repo" {
  default = "from-default"
}

variable "repos" {
  type    = list(string)
  default = []
}

module "m" {
  source           = "../modules/ecr-repos"
  ecr-repositories = concat([var.repo], var.repos)
}
"#,
    )]);
    let repos = |options: &LoadOptions| -> Vec<String> {
        let loaded =
            load_dir(dir.path(), options).unwrap_or_else(|e| panic!("{}", render_text(&e.0)));
        loaded.estate.modules[0].repositories.clone()
    };
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    let env = LoadOptions {
        env: vec![env_var("repo", "from-env")],
        ..LoadOptions::default()
    };
    assert_eq!(repos(&LoadOptions::default()), ["from-default"]);
    assert_eq!(repos(&env), ["from-env"]);
    write("terraform.tfvars", "repo = \"from-tfvars\"\n");
    assert_eq!(repos(&env), ["from-tfvars"], "files beat the environment");
    write("b.auto.tfvars", "repo = \"from-b-auto\"\n");
    write(
        "a.auto.tfvars",
        "repo  = \"from-a-auto\"\nrepos = [\"extra\"]\n",
    );
    assert_eq!(
        repos(&env),
        ["from-b-auto", "extra"],
        "auto files in name order"
    );
    let given = tempfile::tempdir().unwrap();
    let one = given.path().join("one.tfvars");
    let two = given.path().join("two.tfvars");
    std::fs::write(&one, "repo = \"from-one\"\n").unwrap();
    std::fs::write(&two, "repo = \"from-two\"\n").unwrap();
    let files = LoadOptions {
        var_files: vec![two.clone(), one.clone()],
        ..env.clone()
    };
    assert_eq!(
        repos(&files),
        ["from-one", "extra"],
        "the last --var-file wins"
    );
    let cli = LoadOptions {
        vars: vec![("repo".into(), "from-cli".into())],
        ..files.clone()
    };
    assert_eq!(repos(&cli), ["from-cli", "extra"], "--var beats every file");

    // A var file's contents are part of the configuration hash.
    let before = load_dir(dir.path(), &files).unwrap().config_hash;
    std::fs::write(&two, "repo = \"from-two\"\nunused = 1\n").unwrap();
    let after = load_dir(dir.path(), &files);
    let after = after.map(|l| (l.config_hash, l.warnings[0].message().to_owned()));
    let (hash, warning) = after.unwrap_or_else(|e| panic!("{}", render_text(&e.0)));
    assert_ne!(hash, before, "a changed var file changes the hash");
    assert_eq!(warning, "a value for the undeclared variable \"unused\"");

    // A bad value is located in its file.
    std::fs::write(&one, "repo = \"ok\"\nrepos = \"not-a-list\"\n").unwrap();
    let errors = errors_of(dir.path(), &files);
    let json = errors[0].to_json();
    assert_eq!(
        (&json["file"], &json["line"], &json["column"]),
        (
            &serde_json::json!(one.display().to_string()),
            &serde_json::json!(2),
            &serde_json::json!(9)
        ),
        "{}",
        render_text(&errors)
    );
    std::fs::write(&one, "repo = [\n").unwrap();
    let errors = errors_of(dir.path(), &files);
    assert_eq!(errors[0].kind().name(), "syntax-error");
    assert_eq!(errors[0].path(), Some(one.display().to_string().as_str()));
}

/// Issue 20: a destination's `provider = aws.NAME` takes the default provider's region when the
/// alias names none, and is an error when neither does.
#[test]
fn issue_20_a_destination_takes_the_default_region() {
    let text = |default_region: &str| {
        format!(
            "provider \"aws\" {{\n{default_region}}}\n\
             provider \"aws\" {{\n  alias = \"dr\"\n  account_id = \"222222222222\"\n}}\n\
             replication {{\n  rule {{\n    destination {{\n      provider = aws.dr\n    }}\n  }}\n}}\n"
        )
    };
    let dir = dir_with(&[("main.tf", &text("  region = \"eu-west-2\"\n"))]);
    let loaded = load_ok(dir.path(), &LoadOptions::default());
    let destination = &loaded.estate.replications[0].value.rules[0].destinations[0];
    assert_eq!(
        (
            destination.region.as_str(),
            destination.registry_id.as_str()
        ),
        ("eu-west-2", "222222222222")
    );

    let dir = dir_with(&[("main.tf", &text(""))]);
    let errors = errors_of(dir.path(), &LoadOptions::default());
    assert_eq!(errors.len(), 1, "{}", render_text(&errors));
    assert_eq!(
        errors[0].message(),
        "the region of `aws.dr` is not known without connecting"
    );
    assert_eq!(
        errors[0].help_text(),
        Some(
            "set region on provider aws.dr (or on the default provider) so the destination is known without connecting"
        )
    );
}

/// Issue 22: JSON variable files rank as Terraform ranks them — `terraform.tfvars`, then
/// `terraform.tfvars.json`, then `*.auto.tfvars` and `*.auto.tfvars.json` together in name
/// order, then each `--var-file` (HCL or JSON) in order, then `--var` — with their values
/// converted to the declared types, their contents in the configuration hash, and a bad value
/// located in the JSON file.
#[test]
fn issue_22_json_variable_files_rank_with_the_hcl_ones() {
    let dir = dir_with(&[(
        "main.tf",
        r#"variable "repo" {
  default = "from-default"
}

variable "repos" {
  type    = list(string)
  default = []
}

variable "keep" {
  type    = number
  default = 5
}

module "m" {
  source           = "../modules/ecr-repos"
  ecr-repositories = concat([var.repo], var.repos)
  lifecycle        = { keep_last = var.keep }
}
"#,
    )]);
    let load = |options: &LoadOptions| {
        load_dir(dir.path(), options).unwrap_or_else(|e| panic!("{}", render_text(&e.0)))
    };
    let repos = |options: &LoadOptions| load(options).estate.modules[0].repositories.clone();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    let env = LoadOptions {
        env: vec![env_var("repo", "from-env")],
        ..LoadOptions::default()
    };

    write("terraform.tfvars.json", r#"{"repo": "from-tfvars-json"}"#);
    assert_eq!(
        repos(&env),
        ["from-tfvars-json"],
        "files beat the environment"
    );
    write("terraform.tfvars", "repo = \"from-tfvars\"\n");
    assert_eq!(
        repos(&env),
        ["from-tfvars-json"],
        "terraform.tfvars.json is read after terraform.tfvars"
    );
    write("b.auto.tfvars", "repo = \"from-b-auto\"\n");
    write(
        "a.auto.tfvars.json",
        r#"{"repo": "from-a-auto-json", "repos": ["extra", 70], "keep": "12"}"#,
    );
    assert_eq!(
        repos(&env),
        ["from-b-auto", "extra", "70"],
        "auto files of both syntaxes in one name order; a number in a list(string) is a string"
    );
    write("c.auto.tfvars.json", r#"{"repo": "from-c-auto-json"}"#);
    assert_eq!(repos(&env)[0], "from-c-auto-json");
    assert_eq!(
        load(&env).estate.modules[0].settings.lifecycle,
        Some(ecrplan_model::LifecycleSpec::Generated {
            keep_last: Some(12),
            expire_untagged_after_days: None
        }),
        "\"12\" converts to the declared number"
    );

    let given = tempfile::tempdir().unwrap();
    let hcl = given.path().join("one.tfvars");
    let json = given.path().join("two.tfvars.json");
    std::fs::write(&hcl, "repo = \"from-var-file\"\n").unwrap();
    std::fs::write(&json, "{\n  \"repo\": \"from-json-var-file\"\n}\n").unwrap();
    let files = LoadOptions {
        var_files: vec![hcl.clone(), json.clone()],
        ..env.clone()
    };
    assert_eq!(
        repos(&files)[0],
        "from-json-var-file",
        "the last --var-file wins"
    );
    let reversed = LoadOptions {
        var_files: vec![json.clone(), hcl.clone()],
        ..env.clone()
    };
    assert_eq!(repos(&reversed)[0], "from-var-file");
    let cli = LoadOptions {
        vars: vec![("repo".into(), "from-cli".into())],
        ..files.clone()
    };
    assert_eq!(repos(&cli)[0], "from-cli", "--var beats every file");

    // A JSON variable file's contents are part of the configuration hash.
    let before = load(&files).config_hash;
    std::fs::write(
        &json,
        "{\n  \"repo\": \"from-json-var-file\",\n  \"unused\": 1\n}\n",
    )
    .unwrap();
    let after = load(&files);
    assert_ne!(
        after.config_hash, before,
        "a changed JSON var file changes the hash"
    );
    let warning = &after.warnings[0];
    assert_eq!(
        warning.message(),
        "a value for the undeclared variable \"unused\""
    );
    assert_eq!(warning.line_column(), Some((3, 3)));

    // A value of the wrong type is located in the JSON file, at the element that does not fit.
    std::fs::write(&json, "{\n  \"repos\": [\"ok\", [\"nested\"]]\n}\n").unwrap();
    let errors = errors_of(dir.path(), &files);
    assert_eq!(errors.len(), 1, "{}", render_text(&errors));
    let json_error = errors[0].to_json();
    assert_eq!(
        (
            &json_error["file"],
            &json_error["line"],
            &json_error["column"],
            &json_error["rule"]
        ),
        (
            &serde_json::json!(json.display().to_string()),
            &serde_json::json!(2),
            &serde_json::json!(19),
            &serde_json::json!("wrong-type")
        ),
        "{}",
        render_text(&errors)
    );
    assert_eq!(
        errors[0].message(),
        "the value of variable `repos` does not fit its type list(string): element 1: a string \
         is required, found a list"
    );

    // So is a syntax error, and the variable it may have set is not reported as missing.
    std::fs::write(&json, "{\n  \"repo\": \"x\"\n  \"repos\": []\n}\n").unwrap();
    let errors = errors_of(dir.path(), &files);
    assert_eq!(errors.len(), 1, "{}", render_text(&errors));
    assert_eq!(errors[0].kind().name(), "syntax-error");
    assert_eq!(errors[0].path(), Some(json.display().to_string().as_str()));
    assert_eq!(errors[0].line_column(), Some((3, 3)));
}

/// Issue 22: a JSON variable file that is not a readable regular file is refused at once,
/// naming it — a FIFO never blocks the load.
#[cfg(unix)]
#[test]
fn issue_22_a_fifo_json_variable_file_is_refused_without_blocking() {
    let dir = dir_with(&[(
        "main.tf",
        "module \"m\" {\n  source = \"../modules/ecr-repos\"\n  ecr-repositories = [\"app\"]\n}\n",
    )]);
    let fifo = dir.path().join("terraform.tfvars.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let errors = errors_of(dir.path(), &LoadOptions::default());
    assert_eq!(errors.len(), 1, "{}", render_text(&errors));
    assert_eq!(errors[0].kind().name(), "unreadable-file");
    assert!(
        errors[0].message().contains("terraform.tfvars.json")
            && errors[0].message().contains("a FIFO (named pipe)"),
        "{}",
        errors[0].message()
    );
}

/// Issue 22: the estate is located where its name is written — the value of `ecrplan {
/// estate = … }`, exact to the byte — so drift findings of objects nothing declares point at
/// it; an estate named only from outside has no place in the files.
#[test]
fn issue_22_the_estate_is_located_at_its_name() {
    let text = "module \"m\" {\n  source           = \"../modules/ecr-repos\"\n  ecr-repositories = [\"app\"]\n}\n\necrplan {\n  estate = \"koa\" # café\n}\n";
    let dir = dir_with(&[("main.tf", text)]);
    let loaded = load_ok(dir.path(), &LoadOptions::default());
    let at = loaded.locations.estate().expect("the estate's place");
    let start = text.find("\"koa\"").expect("in the text");
    assert_eq!(at.text, &text[start..start + 5]);
    assert_eq!(
        (at.line, at.column, at.end_line, at.end_column),
        (7, 12, 7, 17)
    );
    assert_eq!(at.file, "main.tf");

    let unnamed = dir_with(&[("main.tf", &text[..text.find("ecrplan").expect("block")])]);
    let outside = LoadOptions {
        estate: Some("koa".into()),
        ..LoadOptions::default()
    };
    let loaded = load_ok(unnamed.path(), &outside);
    assert_eq!(loaded.estate.name, "koa");
    assert!(loaded.locations.estate().is_none());
}
