//! The top-level `registry` block: a platform estate declaring every section loads into the
//! settings it means, records where each part is written, and `fmt` lays it out idempotently.

use std::collections::BTreeMap;
use std::path::Path;

use ecrplan_hcl::{LoadOptions, Loaded, format, load_dir, render_text};
use ecrplan_model::{
    CreationTemplate, JsonDocument, PullThroughCacheRule, RegistrySettings, ScanningConfiguration,
    ScanningRule, Section, SigningConfiguration, SigningRule, TagMutability, TemplateEncryption,
};
use serde_json::json;

/// A platform estate's registry block with every section, in the style `ecrplan fmt` writes.
const PLATFORM: &str = r#"ecrplan {
  estate = "platform"
}

provider "aws" {
  region     = "eu-west-1"
  account_id = "111122223333"
}

registry {
  provider = aws
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "PullThroughCache"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::111122223333:role/ci" }
      Action    = ["ecr:CreateRepository", "ecr:BatchImportUpstreamImage"]
      Resource  = "arn:aws:ecr:eu-west-1:111122223333:repository/docker-hub/*"
    }]
  })
  replication_from = ["222233334444"]
  account_settings = {
    registry_policy_scope   = "V2"
    basic_scan_type_version = "AWS_NATIVE"
    blob_mounting           = "ENABLED"
  }

  scanning {
    scan_type = "ENHANCED"
    rule {
      scan_frequency = "CONTINUOUS_SCAN"
      filters        = ["prod/*"]
    }
    rule {
      scan_frequency = "SCAN_ON_PUSH"
      filters        = ["*"]
    }
  }

  # Docker Hub needs credentials; ECR Public needs none.
  pull_through_cache "docker-hub" {
    upstream_registry_url = "registry-1.docker.io"
    credential_arn        = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:ecr-pullthroughcache/docker-hub-AbCdEf"
  }
  pull_through_cache "ecr-public" {
    upstream_registry_url = "public.ecr.aws"
  }
  pull_through_cache "central" {
    upstream_registry_url      = "444455556666.dkr.ecr.eu-central-1.amazonaws.com"
    custom_role_arn            = "arn:aws:iam::111122223333:role/ecr-pull-through"
    upstream_repository_prefix = "shared"
  }

  creation_template "ROOT" {
    applied_for          = ["PULL_THROUGH_CACHE", "REPLICATION"]
    description          = "Cached and replicated repositories"
    image_tag_mutability = "IMMUTABLE_WITH_EXCLUSION"
    image_tag_mutability_exclusion_filters = ["latest"]
    lifecycle = {
      keep_last = 30
    }
    repository_policy = <<-EOF
      {
        "Version": "2012-10-17",
        "Statement": [{
          "Effect": "Allow",
          "Principal": {"AWS": "arn:aws:iam::222233334444:root"},
          "Action": ["ecr:BatchGetImage"]
        }]
      }
    EOF
    encryption_configuration {
      encryption_type = "KMS"
      kms_key         = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    }
    resource_tags = {
      team = "platform"
    }
    custom_role_arn = "arn:aws:iam::111122223333:role/ecr-templates"
  }
  creation_template "docker-hub/" {
    applied_for      = ["PULL_THROUGH_CACHE"]
    lifecycle_policy = jsonencode({ rules = [{ rulePriority = 1, selection = { tagStatus = "untagged", countType = "sinceImagePushed", countUnit = "days", countNumber = 7 }, action = { type = "expire" } }] })
  }

  signing {
    rule {
      signing_profile_arn = "arn:aws:signer:eu-west-1:111122223333:/signing-profiles/prod"
      filters             = ["prod/*"]
    }
  }

  pull_time_update_exclusions = ["arn:aws:iam::111122223333:role/image-scanner", "arn:aws:iam::111122223333:user/auditor"]
}
"#;

fn dir_with(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(dir.path().join("main.tf"), text).expect("a writable temporary directory");
    dir
}

fn load_ok(dir: &Path) -> Loaded {
    match load_dir(dir, &LoadOptions::default()) {
        Ok(loaded) => loaded,
        Err(e) => panic!("{}", render_text(&e.0)),
    }
}

/// The settings of the default provider's `registry` block, as the planner receives them.
fn default_registry(loaded: &Loaded) -> Option<RegistrySettings> {
    let mut blocks = loaded.estate.registries.iter();
    let first = blocks.next()?;
    assert!(blocks.next().is_none(), "one registry block");
    assert_eq!(first.provider, None);
    Some(first.value.clone())
}

#[test]
fn every_section_loads_into_the_settings_it_means() {
    let dir = dir_with(PLATFORM);
    let loaded = load_ok(dir.path());
    assert!(
        loaded.warnings.is_empty(),
        "{}",
        render_text(&loaded.warnings)
    );
    let registry = default_registry(&loaded).expect("the registry block is read");
    let expected = RegistrySettings {
        policy: Some(JsonDocument::new(json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "PullThroughCache",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:role/ci"},
                "Action": ["ecr:CreateRepository", "ecr:BatchImportUpstreamImage"],
                "Resource": "arn:aws:ecr:eu-west-1:111122223333:repository/docker-hub/*"
            }]
        }))),
        replication_from: vec!["222233334444".into()],
        account_settings: BTreeMap::from([
            ("BASIC_SCAN_TYPE_VERSION".into(), "AWS_NATIVE".into()),
            ("BLOB_MOUNTING".into(), "ENABLED".into()),
            ("REGISTRY_POLICY_SCOPE".into(), "V2".into()),
        ]),
        scanning: Some(ScanningConfiguration {
            scan_type: "ENHANCED".into(),
            rules: vec![
                ScanningRule {
                    scan_frequency: "CONTINUOUS_SCAN".into(),
                    filters: vec!["prod/*".into()],
                },
                ScanningRule {
                    scan_frequency: "SCAN_ON_PUSH".into(),
                    filters: vec!["*".into()],
                },
            ],
        }),
        pull_through_cache: Some(vec![
            PullThroughCacheRule {
                prefix: "docker-hub".into(),
                upstream_registry_url: "registry-1.docker.io".into(),
                credential_arn: Some("arn:aws:secretsmanager:eu-west-1:111122223333:secret:ecr-pullthroughcache/docker-hub-AbCdEf".into()),
                custom_role_arn: None,
                upstream_repository_prefix: None,
            },
            PullThroughCacheRule {
                prefix: "ecr-public".into(),
                upstream_registry_url: "public.ecr.aws".into(),
                credential_arn: None,
                custom_role_arn: None,
                upstream_repository_prefix: None,
            },
            PullThroughCacheRule {
                prefix: "central".into(),
                upstream_registry_url: "444455556666.dkr.ecr.eu-central-1.amazonaws.com".into(),
                credential_arn: None,
                custom_role_arn: Some("arn:aws:iam::111122223333:role/ecr-pull-through".into()),
                upstream_repository_prefix: Some("shared".into()),
            },
        ]),
        creation_templates: Some(vec![
            CreationTemplate {
                prefix: "ROOT".into(),
                description: Some("Cached and replicated repositories".into()),
                applied_for: vec!["PULL_THROUGH_CACHE".into(), "REPLICATION".into()],
                image_tag_mutability: TagMutability::ImmutableWithExclusion,
                image_tag_mutability_exclusion_filters: vec!["latest".into()],
                encryption: TemplateEncryption {
                    encryption_type: "KMS".into(),
                    kms_key: Some(
                        "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
                            .into(),
                    ),
                },
                lifecycle_policy: Some(JsonDocument::new(json!({"rules": [{
                    "rulePriority": 1,
                    "description": "Keep the last 30 images",
                    "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 30},
                    "action": {"type": "expire"}
                }]}))),
                repository_policy: Some(JsonDocument::new(json!({
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::222233334444:root"},
                        "Action": ["ecr:BatchGetImage"]
                    }]
                }))),
                resource_tags: [("team".to_owned(), "platform".to_owned())].into_iter().collect(),
                custom_role_arn: Some("arn:aws:iam::111122223333:role/ecr-templates".into()),
            },
            CreationTemplate {
                prefix: "docker-hub/".into(),
                description: None,
                applied_for: vec!["PULL_THROUGH_CACHE".into()],
                image_tag_mutability: TagMutability::Mutable,
                image_tag_mutability_exclusion_filters: Vec::new(),
                encryption: TemplateEncryption {
                    encryption_type: "AES256".into(),
                    kms_key: None,
                },
                lifecycle_policy: Some(JsonDocument::new(json!({"rules": [{
                    "rulePriority": 1,
                    "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 7},
                    "action": {"type": "expire"}
                }]}))),
                repository_policy: None,
                resource_tags: Default::default(),
                custom_role_arn: None,
            },
        ]),
        signing: Some(SigningConfiguration {
            rules: vec![SigningRule {
                signing_profile_arn: "arn:aws:signer:eu-west-1:111122223333:/signing-profiles/prod"
                    .into(),
                filters: vec!["prod/*".into()],
            }],
        }),
        pull_time_update_exclusions: Some(vec![
            "arn:aws:iam::111122223333:role/image-scanner".into(),
            "arn:aws:iam::111122223333:user/auditor".into(),
        ]),
    };
    assert_eq!(registry, expected);
    assert_eq!(registry.sections(), Section::ALL.into_iter().collect());
}

/// The file, line and column of the first `needle` in [`PLATFORM`], computed from the text.
fn position(needle: &str) -> Option<(String, usize, usize)> {
    let start = PLATFORM.find(needle).expect("the needle is in the example");
    let before = &PLATFORM[..start];
    let line = before.matches('\n').count() + 1;
    let column = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .count()
        + 1;
    Some(("main.tf".to_owned(), line, column))
}

#[test]
fn the_block_and_its_parts_have_locations() {
    let dir = dir_with(PLATFORM);
    let loaded = load_ok(dir.path());
    let place = |l: Option<&ecrplan_hcl::Location>| l.map(|l| (l.file.clone(), l.line, l.column));
    let locations = &loaded.locations;
    assert_eq!(place(locations.registry()), position("registry {"));
    for (section, written) in [
        (Section::Policy, "policy = jsonencode"),
        (Section::AccountSettings, "account_settings"),
        (Section::Scanning, "scanning {"),
        (
            Section::PullThroughCache,
            "pull_through_cache \"docker-hub\"",
        ),
        (Section::CreationTemplate, "creation_template \"ROOT\""),
        (Section::Signing, "signing {"),
        (
            Section::PullTimeUpdateExclusions,
            "pull_time_update_exclusions",
        ),
    ] {
        assert_eq!(
            place(locations.registry_section(section)),
            position(written),
            "{section}"
        );
    }
    assert_eq!(
        place(locations.pull_through_cache_rule("ecr-public")),
        position("\"ecr-public\" {")
    );
    assert_eq!(
        place(locations.creation_template("docker-hub/")),
        position("\"docker-hub/\" {")
    );
    assert_eq!(locations.pull_through_cache_rule("quay"), None);
}

#[test]
fn an_estate_without_the_block_declares_no_registry_settings() {
    let dir = dir_with("ecrplan {\n  estate = \"team\"\n}\n");
    assert_eq!(default_registry(&load_ok(dir.path())), None);
    // An empty block declares the owner and no section.
    let dir = dir_with("registry {}\n");
    let registry = default_registry(&load_ok(dir.path())).expect("an empty block");
    assert_eq!(registry, RegistrySettings::default());
    assert!(registry.sections().is_empty());
}

#[test]
fn empty_scanning_and_signing_blocks_manage_their_defaults() {
    let dir = dir_with(
        "registry {\n  scanning {}\n  signing {}\n  pull_time_update_exclusions = []\n}\n",
    );
    let registry = default_registry(&load_ok(dir.path())).expect("the block");
    assert_eq!(registry.scanning, Some(ScanningConfiguration::basic()));
    assert_eq!(
        registry.signing,
        Some(SigningConfiguration { rules: Vec::new() })
    );
    assert_eq!(registry.pull_time_update_exclusions, Some(Vec::new()));
}

#[test]
fn an_ecr_upstream_in_the_registrys_own_account_needs_no_role() {
    let dir = dir_with(
        "provider \"aws\" {\n  account_id = \"111122223333\"\n}\nregistry {\n  pull_through_cache \"west\" {\n    upstream_registry_url = \"111122223333.dkr.ecr.us-west-2.amazonaws.com\"\n  }\n}\n",
    );
    let registry = default_registry(&load_ok(dir.path())).expect("the block");
    assert_eq!(registry.pull_through_cache.map(|r| r.len()), Some(1));
}

#[test]
fn fmt_lays_the_block_out_idempotently() {
    let formatted = format(PLATFORM).expect("the block formats");
    assert_eq!(format(&formatted).expect("formats again"), formatted);
    // `fmt` only aligns the one attribute the example leaves unaligned.
    assert!(
        formatted
            .contains("    image_tag_mutability                   = \"IMMUTABLE_WITH_EXCLUSION\""),
        "{formatted}"
    );
    // What it formats still loads to the same settings.
    let before = default_registry(&load_ok(dir_with(PLATFORM).path()));
    let after = default_registry(&load_ok(dir_with(&formatted).path()));
    assert_eq!(before, after);
}

/// What ECR takes is never refused: the edges of each rule load.
#[test]
fn what_ecr_accepts_loads() {
    let dir = dir_with(
        r#"registry {
  policy = jsonencode({
    Statement = {
      Effect    = "Allow"
      Principal = "*"
      Action    = ["ecr:*", "ECR:replicateimage", "*"]
    }
  })
  scanning {
    rule {
      scan_frequency = "MANUAL"
      filters        = ["a", "*", "team-a/app.x_y"]
    }
  }
  pull_through_cache "ROOT" {
    upstream_registry_url = "myregistry.azurecr.io"
    credential_arn        = "arn:aws-us-gov:secretsmanager:us-gov-west-1:111122223333:secret:ecr-pullthroughcache/azure/creds-AbCdEf"
  }
  pull_through_cache "k8s/" {
    upstream_registry_url = "registry.k8s.io"
  }
  pull_through_cache "a__b--c" {
    upstream_registry_url = "cgr.dev"
    credential_arn        = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:ecr-pullthroughcache/chainguard"
  }
  creation_template "a" {
    applied_for = ["CREATE_ON_PUSH"]
    description = ""
  }
  signing {
    rule {
      signing_profile_arn = "arn:aws:signer:eu-west-1:111122223333:/signing-profiles/ab"
    }
  }
}
"#,
    );
    let registry = default_registry(&load_ok(dir.path())).expect("the block");
    assert_eq!(
        registry.scanning.map(|s| s.scan_type),
        Some("BASIC".to_owned())
    );
    assert_eq!(registry.pull_through_cache.map(|r| r.len()), Some(3));
    assert_eq!(registry.creation_templates.map(|t| t.len()), Some(1));
}
