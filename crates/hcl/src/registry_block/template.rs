//! `creation_template "PREFIX" { … }`: the registry's repository creation templates
//! (`aws_ecr_repository_creation_template`, CreateRepositoryCreationTemplate), with Terraform's
//! attribute names and the lifecycle short form modules take.

use ecrplan_model::{CreationTemplate, TemplateEncryption};
use hcl_edit::structure::Block;

use super::rules::{
    APPLIED_FOR, TEMPLATE_DESCRIPTION_MAX, TEMPLATE_ENCRYPTION_TYPES, is_template_kms_key,
};
use crate::eval::Evaluator;
use crate::limits::{LIFECYCLE_POLICY_MAX, MAX_TAGS};
use crate::policy_grammar;
use crate::value::{At, FileId, Value};

/// The attributes of a `creation_template` block.
const ATTRS: &[&str] = &[
    "applied_for",
    "description",
    "image_tag_mutability",
    "image_tag_mutability_exclusion_filters",
    "lifecycle",
    "lifecycle_policy",
    "repository_policy",
    "resource_tags",
    "custom_role_arn",
];

/// Where a template needs its custom role: "If you intend to use KMS keys, resource tags, or a
/// combination of both in one or more templates, you need to … create an IAM role for
/// repository creation templates" (ECR User Guide, "Creating a repository creation template").
const ROLE_RULE: &str = "\"If you intend to use KMS keys, resource tags, or a combination of both in one or more templates, you need to … create an IAM role for repository creation templates\" (ECR User Guide, \"Creating a repository creation template\")";

impl Evaluator<'_> {
    /// A `creation_template` block whose label is `prefix`.
    pub(super) fn creation_template(
        &mut self,
        file: FileId,
        block: &Block,
        prefix: String,
        label_at: &At,
    ) -> Option<CreationTemplate> {
        let ctx = format!("creation_template \"{prefix}\"");
        let f = self.body_fields(
            file,
            &block.body,
            ATTRS,
            &["encryption_configuration"],
            &ctx,
        );
        let mut ok = true;

        let applied_for = self
            .required_attr_value(&f, "applied_for", label_at, &ctx)
            .and_then(|v| self.applied_for(&v));
        ok &= applied_for.is_some();

        let description = self.attr_value(&f, "description").and_then(|v| {
            let text = self.string(&v, "description")?;
            let length = text.chars().count();
            if length <= TEMPLATE_DESCRIPTION_MAX {
                return Some(text);
            }
            let d = self
                .diag(&v.at, format!("the description is {length} characters long"), "too long")
                .help(format!(
                    "ECR takes a template description of at most {TEMPLATE_DESCRIPTION_MAX} characters (ECR API reference, CreateRepositoryCreationTemplate description); shorten it"
                ));
            self.sink.push(d);
            None
        });

        let (image_tag_mutability, mutability_at) = self.tag_mutability(&f);
        let image_tag_mutability_exclusion_filters =
            self.exclusion_filters(&f, image_tag_mutability, mutability_at.as_ref());

        let encryption = match &f.blocks[..] {
            [] => TemplateEncryption {
                encryption_type: "AES256".to_owned(),
                kms_key: None,
            },
            [first, ..] => {
                self.once(file, &f.blocks, "encryption_configuration");
                self.template_encryption(file, first)?
            }
        };

        let (lifecycle, lifecycle_at) = self.lifecycle_of(&f, &ctx);
        let lifecycle_policy = lifecycle.map(|spec| spec.document());
        if let (Some(doc), Some(at)) = (&lifecycle_policy, &lifecycle_at) {
            let size = doc.to_compact().chars().count();
            if size > LIFECYCLE_POLICY_MAX {
                ok = false;
                let d = self
                    .diag(at, format!("the lifecycle policy is {size} characters as sent to ECR"), "too large")
                    .help(format!(
                        "ECR: a template's lifecycle policy is at most {LIFECYCLE_POLICY_MAX} characters (CreateRepositoryCreationTemplate lifecyclePolicy); remove rules or shorten descriptions"
                    ));
                self.sink.push(d);
            }
        }

        let repository_policy = match self.attr_value(&f, "repository_policy") {
            Some(v) => Some(self.policy_document(
                &v,
                "repository_policy",
                policy_grammar::REPOSITORY,
                None,
            )?),
            None => None,
        };

        let resource_tags = match self.attr_value(&f, "resource_tags") {
            Some(v) => {
                let tags = self.user_tags(&v, "resource_tags", false)?;
                if tags.len() > MAX_TAGS {
                    let at = self.first_line(&v.at);
                    let d = self
                        .diag(&at, format!("`resource_tags` has {} tags", tags.len()), "too many tags")
                        .help(format!(
                            "AWS allows {MAX_TAGS} tags per repository (ECR service quotas); remove {}",
                            tags.len() - MAX_TAGS
                        ));
                    self.sink.push(d);
                    return None;
                }
                tags
            }
            None => Default::default(),
        };

        let role_value = self.attr_value(&f, "custom_role_arn");
        let role_written = role_value.is_some();
        let custom_role_arn = role_value.and_then(|v| self.custom_role(&v, "custom_role_arn"));
        let kms = encryption.encryption_type != "AES256";
        if !role_written && (kms || !resource_tags.is_empty()) {
            ok = false;
            let what = match (kms, resource_tags.is_empty()) {
                (true, true) => format!("{} encryption", encryption.encryption_type),
                (false, _) => "`resource_tags`".to_owned(),
                (true, false) => format!(
                    "{} encryption and `resource_tags`",
                    encryption.encryption_type
                ),
            };
            let d = self
                .diag(label_at, format!("{ctx} has {what} but no `custom_role_arn`"), "no role for the template")
                .help(format!(
                    "{ROLE_RULE}: add custom_role_arn = \"arn:aws:iam::ACCOUNT:role/NAME\", a role ECR can assume with the KMS and tagging permissions"
                ));
            self.sink.push(d);
        }

        ok.then_some(CreationTemplate {
            prefix,
            description,
            applied_for: applied_for?,
            image_tag_mutability,
            image_tag_mutability_exclusion_filters,
            encryption,
            lifecycle_policy,
            repository_policy,
            resource_tags,
            custom_role_arn,
        })
    }

    /// `applied_for`: a non-empty list of `RCTAppliedFor` values, each once.
    fn applied_for(&mut self, v: &Value) -> Option<Vec<String>> {
        let items = self.strings(v, "applied_for")?;
        if items.is_empty() {
            let d = self
                .diag(&v.at, "`applied_for` is empty: the template would apply to nothing", "empty list")
                .help("list when the template applies: \"REPLICATION\", \"PULL_THROUGH_CACHE\" and/or \"CREATE_ON_PUSH\" (ECR API reference, CreateRepositoryCreationTemplate appliedFor; Terraform requires at least one)");
            self.sink.push(d);
            return None;
        }
        let mut out: Vec<String> = Vec::new();
        let mut seen: Vec<(String, At)> = Vec::new();
        let mut ok = true;
        for (item, at) in items {
            if !self.enum_text(&item, &at, "applied_for", APPLIED_FOR, "RCTAppliedFor") {
                ok = false;
                continue;
            }
            if let Some((_, first)) = seen.iter().find(|(s, _)| *s == item) {
                let first = first.clone();
                self.listed_twice(
                    format!("`applied_for` lists {item} twice"),
                    &first,
                    &at,
                    "list each case once: `applied_for` is a set",
                );
                ok = false;
                continue;
            }
            seen.push((item.clone(), at));
            out.push(item);
        }
        ok.then_some(out)
    }

    /// `encryption_configuration { encryption_type, kms_key }`, Terraform's block:
    /// `encryption_type` AES256 when left out, `kms_key` only with the KMS types, a key ARN of
    /// the registry's region.
    fn template_encryption(&mut self, file: FileId, block: &Block) -> Option<TemplateEncryption> {
        let ctx = "`encryption_configuration`";
        let f = self.body_fields(file, &block.body, &["encryption_type", "kms_key"], &[], ctx);
        let encryption_type = match self.attr_value(&f, "encryption_type") {
            Some(v) => self.enum_value(
                &v,
                "encryption_type",
                TEMPLATE_ENCRYPTION_TYPES,
                "EncryptionType",
            )?,
            None => "AES256".to_owned(),
        };
        let Some(v) = self.attr_value(&f, "kms_key") else {
            return Some(TemplateEncryption {
                encryption_type,
                kms_key: None,
            });
        };
        let key = self.string(&v, "kms_key")?;
        if encryption_type == "AES256" {
            let d = self
                .diag(&v.at, "`kms_key` only goes with encryption_type KMS or KMS_DSSE", "key without KMS")
                .help("set encryption_type = \"KMS\" (or \"KMS_DSSE\"), or remove `kms_key` (ECR API reference, EncryptionConfigurationForRepositoryCreationTemplate: \"If you use the KMS encryption type, specify the KMS key\")");
            self.sink.push(d);
            return None;
        }
        if !is_template_kms_key(&key) {
            let d = self
                .diag(&v.at, format!("`{}` is not a KMS key ARN", key.escape_debug()), "expected arn:<partition>:kms:<region>:<account>:key/<id>")
                .help("\"The full ARN of the KMS key must be specified\" (ECR API reference, EncryptionConfigurationForRepositoryCreationTemplate kmsKey): an alias or a bare key id is refused");
            self.sink.push(d);
            return None;
        }
        self.kms_key_in_region(&key, &v.at)
            .then_some(TemplateEncryption {
                encryption_type,
                kms_key: Some(key),
            })
    }
}
