//! The exact place each diagnostic points at: byte range, line and column of the primary
//! label, computed here from the fixture text rather than copied from the output.

use std::path::{Path, PathBuf};

use ecrplan_hcl::{LoadOptions, load_dir};
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/invalid")
        .join(name)
}

/// Which occurrence of the needle the label must cover.
#[derive(Clone, Copy)]
enum Nth {
    First,
    Last,
}

/// Where `needle` sits in `file` of the fixture: (start, end, line, column), 1-based line and
/// column as editors count them.
fn locate(dir: &Path, file: &str, needle: &str, nth: Nth) -> (u64, u64, u64, u64) {
    let text = std::fs::read_to_string(dir.join(file)).expect("readable fixture");
    let start = match nth {
        Nth::First => text.find(needle),
        Nth::Last => text.rfind(needle),
    }
    .unwrap_or_else(|| panic!("`{needle}` is not in {}", dir.join(file).display()));
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let column = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .count()
        + 1;
    let n = |x: usize| u64::try_from(x).expect("small offsets");
    (n(start), n(start + needle.len()), n(line), n(column))
}

fn first_error(name: &str) -> Value {
    first_error_of(name, None)
}

/// The first error of `name`, or the first of the class `rule` when one is given.
fn first_error_of(name: &str, rule: Option<&str>) -> Value {
    let Err(diagnostics) = load_dir(&fixture(name), &LoadOptions::default()) else {
        panic!("{name} was accepted");
    };
    let error = diagnostics
        .errors()
        .find(|d| rule.is_none_or(|r| d.kind().name() == r))
        .unwrap_or_else(|| panic!("{name}: no error diagnostic"));
    error.to_json()
}

/// The file name (diagnostics name the file by the directory as given, joined with the name),
/// the byte range, the line and the column a diagnostic or label points at.
fn place(value: &Value) -> (Option<&str>, u64, u64, u64, u64) {
    let n = |key: &str| value[key].as_u64().unwrap_or(u64::MAX);
    (
        value["file"].as_str().and_then(|f| f.rsplit('/').next()),
        n("start"),
        n("end"),
        n("line"),
        n("column"),
    )
}

/// Asserts the first error of `name` has its primary label exactly on `needle` in `file`.
fn assert_points_at(name: &str, file: &str, needle: &str, nth: Nth) -> Value {
    let json = first_error(name);
    let (start, end, line, column) = locate(&fixture(name), file, needle, nth);
    assert_eq!(
        place(&json),
        (Some(file), start, end, line, column),
        "{name}: the diagnostic should point at `{needle}`\n{json:#}"
    );
    json
}

#[test]
fn unknown_attribute_points_at_its_name() {
    assert_points_at(
        "06-unknown-attribute-module",
        "main.tf",
        "image_tag_mutabilty",
        Nth::First,
    );
    // The object lacking `kms_key` is reported in the same run, before it.
    let json = first_error_of("10-unknown-attribute-encryption", Some("unknown-name"));
    let (start, end, line, column) = locate(
        &fixture("10-unknown-attribute-encryption"),
        "main.tf",
        "kms_key_id",
        Nth::First,
    );
    assert_eq!(place(&json), (Some("main.tf"), start, end, line, column));
}

#[test]
fn wrong_type_in_a_list_points_at_the_element() {
    assert_points_at(
        "17-type-repositories-object-in-list",
        "main.tf",
        r#"{ name = "voucher-service" }"#,
        Nth::First,
    );
}

#[test]
fn bad_names_point_at_the_string_literal() {
    assert_points_at(
        "26-repository-name-uppercase",
        "main.tf",
        r#""GiftCard-Service""#,
        Nth::First,
    );
    assert_points_at(
        "31-account-id-eleven-digits",
        "main.tf",
        r#""93182742772""#,
        Nth::First,
    );
    assert_points_at(
        "36-role-name-too-long",
        "main.tf",
        r#""koa-github-ecr-access-koa-github-ecr-access-koa-github-ecr-access-giftcard""#,
        Nth::First,
    );
}

#[test]
fn duplicate_role_across_files_labels_both() {
    let json = assert_points_at(
        "41-duplicate-role-two-files",
        "vouchers.tf",
        r#""koa-github-ecr-access""#,
        Nth::First,
    );
    let (start, end, line, column) = locate(
        &fixture("41-duplicate-role-two-files"),
        "giftcards.tf",
        r#""koa-github-ecr-access""#,
        Nth::First,
    );
    let labels = json["labels"].as_array().expect("labels");
    assert!(
        labels
            .iter()
            .any(|l| place(l) == (Some("giftcards.tf"), start, end, line, column)),
        "the first declaration is labelled too:\n{json:#}"
    );
}

#[test]
fn duplicate_repository_in_one_list_points_at_the_second() {
    let name = "38-duplicate-repository-same-module";
    let json = assert_points_at(name, "main.tf", r#""giftcard-service""#, Nth::Last);
    let first = locate(
        &fixture(name),
        "main.tf",
        r#""giftcard-service""#,
        Nth::First,
    );
    let labels = json["labels"].as_array().expect("labels");
    assert!(
        labels
            .iter()
            .any(|l| place(l) == (Some("main.tf"), first.0, first.1, first.2, first.3)),
        "the first declaration is labelled too:\n{json:#}"
    );
}

/// IAM names ignore case (issue 21): `ecr-ci` in one file collides with `ECR-CI` in another,
/// and both places are labelled.
#[test]
fn iam_user_differing_in_case_across_files_labels_both() {
    let name = "115-iam-user-names-differ-in-case-two-files";
    let json = assert_points_at(name, "vouchers.tf", r#""ecr-ci""#, Nth::First);
    let (start, end, line, column) =
        locate(&fixture(name), "giftcards.tf", r#""ECR-CI""#, Nth::First);
    let labels = json["labels"].as_array().expect("labels");
    assert!(
        labels
            .iter()
            .any(|l| place(l) == (Some("giftcards.tf"), start, end, line, column)),
        "the first declaration is labelled too:\n{json:#}"
    );
}

/// The 26th unique destination across the rules is where ECR's limit breaks (issue 21).
#[test]
fn replication_limit_points_at_the_first_destination_past_it() {
    let name = "106-replication-destinations-across-rules";
    let text = std::fs::read_to_string(fixture(name).join("main.tf")).expect("readable fixture");
    let at = text
        .find(r#""200000000025""#)
        .expect("the 26th destination");
    let start = text[..at].rfind("destination {").expect("its block");
    let json = first_error(name);
    let line = u64::try_from(text[..start].matches('\n').count() + 1).expect("small");
    assert_eq!(
        (json["line"].as_u64(), json["column"].as_u64()),
        (Some(line), Some(5)),
        "{json:#}"
    );
    assert_eq!(
        json["start"].as_u64(),
        Some(u64::try_from(start).expect("small")),
        "{json:#}"
    );
}

#[test]
fn wildcard_organisation_points_at_the_star() {
    assert_points_at(
        "44-organisation-wildcard-not-allowed",
        "main.tf",
        r#""*""#,
        Nth::First,
    );
}

#[test]
fn undefined_variable_inside_a_template_points_at_the_reference() {
    assert_points_at(
        "51-undefined-variable-in-template",
        "main.tf",
        "var.teams",
        Nth::First,
    );
}

#[test]
fn reserved_tag_points_at_the_quoted_key() {
    assert_points_at(
        "53-reserved-tag-ecrplan-prefix",
        "main.tf",
        r#""ecrplan:estate""#,
        Nth::First,
    );
}

#[test]
fn kms_without_key_points_at_the_object() {
    assert_points_at(
        "45-kms-without-key",
        "main.tf",
        "{\n    type = \"KMS\"\n  }",
        Nth::First,
    );
}

#[test]
fn missing_file_points_at_the_path() {
    assert_points_at(
        "64-file-not-found",
        "main.tf",
        r#""policies/lifecycle.json""#,
        Nth::First,
    );
}

/// Issue 21: a mistyped Cloud Platform source is an error at the source string, naming the
/// source it is close to (with the block's own `?ref=`).
#[test]
fn issue_21_mistyped_module_source_points_at_the_source_with_a_did_you_mean() {
    let json = assert_points_at(
        "module-source-typo-cloud-platform",
        "main.tf",
        r#""github.com/ministryofjustice/cloud-platform-terraform-ecr-credential?ref=7.1.0""#,
        Nth::First,
    );
    assert_eq!(
        json["help"],
        r#"did you mean "github.com/ministryofjustice/cloud-platform-terraform-ecr-credentials?ref=7.1.0"?"#
    );
    let json = assert_points_at(
        "module-source-other-with-cloud-platform-inputs",
        "main.tf",
        r#""git::https://github.com/ministryofjustice/ecr-credentials-fork.git?ref=7.1.0""#,
        Nth::First,
    );
    assert_eq!(
        json["help"],
        r#"did you mean "github.com/ministryofjustice/cloud-platform-terraform-ecr-credentials?ref=7.1.0"?"#
    );
}

/// Issue 19: a `registry` block's errors point at the value, label or block that is wrong.
#[test]
fn issue_19_registry_errors_point_at_what_is_wrong() {
    assert_points_at(
        "118-registry-provider-unknown-alias",
        "main.tf",
        "aws.drr",
        Nth::First,
    );
    assert_points_at(
        "127-registry-account-setting-policy-scope-v1",
        "main.tf",
        r#""V1""#,
        Nth::First,
    );
    assert_points_at(
        "132-registry-scanning-basic-continuous",
        "main.tf",
        r#""CONTINUOUS_SCAN""#,
        Nth::First,
    );
    assert_points_at(
        "137-registry-cache-prefix-pattern",
        "main.tf",
        r#""Docker_Hub""#,
        Nth::First,
    );
    assert_points_at(
        "141-registry-cache-docker-hub-without-credentials",
        "main.tf",
        r#""docker-hub""#,
        Nth::First,
    );
    assert_points_at(
        "147-registry-cache-too-many-rules",
        "main.tf",
        r#""cache-50""#,
        Nth::First,
    );
    assert_points_at(
        "153-registry-template-applied-for-unknown",
        "main.tf",
        r#""PULL_THROUGH""#,
        Nth::First,
    );
    assert_points_at(
        "167-registry-signing-profile-arn",
        "main.tf",
        r#""arn:aws:signer:eu-west-1:111122223333:signing-profile/prod""#,
        Nth::First,
    );
    assert_points_at(
        "171-registry-exclusion-duplicate",
        "main.tf",
        r#""arn:aws:iam::111122223333:role/image-scanner""#,
        Nth::Last,
    );
}

/// Issue 20: a provider error points at the reference, value or alias that is wrong, and a
/// duplicate alias at the second one (the first in a note of its own file).
#[test]
fn issue_20_provider_errors_point_at_what_is_wrong() {
    for (fixture, needle) in [
        ("184-module-provider-unknown-alias", "aws.ireland"),
        ("185-module-provider-quoted", "\"aws.us\""),
        ("187-replication-provider-unknown-alias", "aws.dr"),
        (
            "188-replication-destination-provider-unknown-alias",
            "aws.disaster",
        ),
        (
            "189-replication-destination-provider-without-account",
            "aws.dr",
        ),
        (
            "180-provider-assume-role-external-id",
            "\"platform team #7\"",
        ),
        ("181-provider-assume-role-session-name", "\"ecrplan/ci\""),
        (
            "183-provider-assume-role-other-account-than-guard",
            "\"arn:aws:iam::222233334444:role/ecrplan\"",
        ),
    ] {
        assert_points_at(fixture, "main.tf", needle, Nth::Last);
    }
    let json = assert_points_at(
        "177-provider-alias-declared-twice",
        "main.tf",
        "\"dr\"",
        Nth::First,
    );
    assert_eq!(json["rule"], "duplicate-declaration");
    let json = assert_points_at("178-provider-sandbox-alias", "main.tf", "alias", Nth::First);
    assert_eq!(json["rule"], "invalid-value");
    let json = assert_points_at(
        "191-replication-destination-provider-and-region",
        "main.tf",
        "provider",
        Nth::Last,
    );
    assert_eq!(json["labels"].as_array().map(Vec::len), Some(2), "{json:#}");
}
