//! The `provider` blocks: the default provider (`provider "aws"` or `provider "sandbox"`), the
//! aliased `provider "aws"` blocks through which other regions and accounts are reached,
//! Terraform's `assume_role` in any of them, and the references (`aws`, `aws.NAME`) by which
//! modules and the `registry`, `replication` and replication `destination` blocks choose one
//! (DESIGN.md "Regions and accounts"). Which aliases reach one registry is known only once
//! connected; here each alias is what its block says ([`Registry`]).

use ecrplan_model::{ProviderSettings, check_account_id};
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure::{Attribute, Block, Body, Structure};

use crate::decode::{BodyFields, quote_list, suggest};
use crate::diag::Class;
use crate::eval::{Evaluator, span_of};
use crate::limits::{
    EXTERNAL_ID_LENGTH, EXTERNAL_ID_PUNCTUATION, SESSION_NAME_LENGTH, SESSION_NAME_PUNCTUATION,
    sts_problem,
};
use crate::registry::Registry;
use crate::registry_block::rules::role_arn_account;
use crate::value::{At, FileId, Value};

/// Arguments of Terraform's AWS provider that ecrplan accepts in `provider "aws"` and does not
/// use, so that an existing Terraform directory loads.
const TERRAFORM_AWS_PROVIDER_ARGS: &[&str] = &[
    "access_key",
    "secret_key",
    "token",
    "allowed_account_ids",
    "forbidden_account_ids",
    "default_tags",
    "ignore_tags",
    "max_retries",
    "retry_mode",
    "shared_config_files",
    "shared_credentials_files",
    "skip_credentials_validation",
    "skip_metadata_api_check",
    "skip_region_validation",
    "skip_requesting_account_id",
    "s3_use_path_style",
    "sts_region",
    "insecure",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "custom_ca_bundle",
    "ec2_metadata_service_endpoint",
    "ec2_metadata_service_endpoint_mode",
    "use_dualstack_endpoint",
    "use_fips_endpoint",
];

/// Blocks of Terraform's AWS provider: `assume_role` is read, the others accepted and not used.
const TERRAFORM_AWS_PROVIDER_BLOCKS: &[&str] = &[
    "default_tags",
    "ignore_tags",
    "assume_role",
    "assume_role_with_web_identity",
    "endpoints",
];

/// The arguments of Terraform's `assume_role` block: the first three are read, the others (which
/// narrow or tag the session) accepted and not used.
const ASSUME_ROLE_ARGS: &[&str] = &[
    "role_arn",
    "external_id",
    "session_name",
    "duration",
    "policy",
    "policy_arns",
    "source_identity",
    "tags",
    "transitive_tag_keys",
];

/// A provider reference that was refused (and reported).
pub(crate) struct Refused;

/// The provider a block chose: an alias, or `None` for the default provider.
pub(crate) type Chosen = Result<Option<String>, Refused>;

/// The role a provider assumes, from `assume_role { … }` or `assume_role_arn`.
#[derive(Default)]
struct AssumeRole {
    /// The role ARN, with where it is written.
    role_arn: Option<(String, At)>,
    external_id: Option<String>,
    session_name: Option<String>,
}

impl Evaluator<'_> {
    fn opt_string(&mut self, fields: &BodyFields<'_>, name: &str, what: &str) -> Option<String> {
        let v = self.attr_value(fields, name)?;
        self.string(&v, &format!("{what}.{name}"))
    }

    /// `provider "aws" { alias, region, account_id, endpoint, profile, assume_role { … } or
    /// assume_role_arn }`.
    pub(crate) fn aws_provider(&mut self, file: FileId, block: &Block) -> ProviderSettings {
        const OWN: &[&str] = &[
            "alias",
            "region",
            "account_id",
            "endpoint",
            "profile",
            "assume_role_arn",
        ];
        let known: Vec<&str> = OWN
            .iter()
            .chain(TERRAFORM_AWS_PROVIDER_ARGS)
            .copied()
            .collect();
        let fields = self.body_fields(
            file,
            &block.body,
            &known,
            TERRAFORM_AWS_PROVIDER_BLOCKS,
            "provider \"aws\"",
        );
        let region = self.opt_string(&fields, "region", "provider");
        let account_id = match self.attr_value(&fields, "account_id") {
            Some(v) => match self.string(&v, "provider.account_id") {
                Some(id) => match check_account_id(&id) {
                    Ok(()) => Some(id),
                    Err(e) => {
                        let d = self
                            .diag(&v.at, e.to_string(), "not a 12-digit account id")
                            .help("the guard compares this with the account the credentials resolve to");
                        self.sink.push(d);
                        None
                    }
                },
                None => None,
            },
            None => None,
        };
        let endpoint = self.opt_string(&fields, "endpoint", "provider");
        let profile = self.opt_string(&fields, "profile", "provider");
        let assume = self.assume_role(&fields);
        if let Some(region) = &region
            && !is_region(region)
            && let Some(v) = self.attr_value(&fields, "region")
        {
            let d = self
                .diag(
                    &v.at,
                    format!("`{region}` is not an AWS region"),
                    "not a region",
                )
                .help("regions look like eu-west-1");
            self.sink.push(d);
        }
        if let (Some(guard), Some((arn, at))) = (&account_id, &assume.role_arn)
            && let Some(account) = role_arn_account(arn).filter(|a| a != guard)
        {
            let d = self
                .diag(
                    at,
                    format!("the role is in account {account}, but `account_id` is {guard}"),
                    "a role of another account",
                )
                .help("assumed-role credentials belong to the role's account, so the account_id guard would refuse every run: make the two agree");
            self.sink.push(d);
        }
        ProviderSettings::Aws {
            region,
            account_id,
            endpoint,
            profile,
            assume_role_arn: assume.role_arn.map(|(arn, _)| arn),
            external_id: assume.external_id,
            session_name: assume.session_name,
        }
    }

    /// Terraform's `assume_role { role_arn, external_id, session_name }`, or ecrplan's shorthand
    /// `assume_role_arn`: one role, written one way.
    fn assume_role(&mut self, fields: &BodyFields<'_>) -> AssumeRole {
        let file = fields.file;
        let blocks: Vec<&Block> = fields
            .blocks
            .iter()
            .filter(|b| b.ident.value().as_str() == "assume_role")
            .copied()
            .collect();
        for chained in blocks.iter().skip(1) {
            let d = self
                .diag(
                    &At::new(file, span_of(&chained.ident)),
                    "a second `assume_role` block: ecrplan assumes one role per provider",
                    "a chained role",
                )
                .help("Terraform chains several `assume_role` blocks; ecrplan does not: keep the role the provider ends in, reachable from the credentials directly");
            self.sink.push(d);
        }
        let shorthand = fields.get("assume_role_arn");
        match (blocks.first(), shorthand) {
            (Some(block), Some(attr)) => {
                let d = self
                    .diag(
                        &At::new(file, span_of(&block.ident)),
                        "the role is given twice: by an `assume_role` block and by `assume_role_arn`",
                        "the `assume_role` block",
                    )
                    .label(attr.key_at.range.clone(), "and `assume_role_arn`")
                    .help("keep one: `assume_role { role_arn = … }` is Terraform's, `assume_role_arn = …` its shorthand");
                self.sink.push(d);
                AssumeRole::default()
            }
            (Some(block), None) => self.assume_role_block(file, block),
            (None, Some(_)) => AssumeRole {
                role_arn: self
                    .attr_value(fields, "assume_role_arn")
                    .and_then(|v| self.role_arn(&v, "provider.assume_role_arn")),
                ..AssumeRole::default()
            },
            (None, None) => AssumeRole::default(),
        }
    }

    /// The `assume_role` block, each parameter checked as STS AssumeRole takes it.
    fn assume_role_block(&mut self, file: FileId, block: &Block) -> AssumeRole {
        let fields = self.body_fields(
            file,
            &block.body,
            ASSUME_ROLE_ARGS,
            &[],
            "the `assume_role` block",
        );
        let role_arn = match self.attr_value(&fields, "role_arn") {
            Some(v) => self.role_arn(&v, "assume_role.role_arn"),
            None => {
                self.missing(
                    &At::new(file, span_of(&block.ident)),
                    "role_arn",
                    "the `assume_role` block",
                );
                None
            }
        };
        let external_id = self.sts_parameter(
            &fields,
            "external_id",
            ("an ExternalId", EXTERNAL_ID_LENGTH, EXTERNAL_ID_PUNCTUATION),
        );
        let session_name = self.sts_parameter(
            &fields,
            "session_name",
            (
                "a RoleSessionName",
                SESSION_NAME_LENGTH,
                SESSION_NAME_PUNCTUATION,
            ),
        );
        AssumeRole {
            role_arn,
            external_id,
            session_name,
        }
    }

    /// A role ARN STS can assume: `arn:<partition>:iam::<account>:role/<path>NAME`.
    fn role_arn(&mut self, v: &Value, what: &str) -> Option<(String, At)> {
        let arn = self.string(v, what)?;
        if role_arn_account(&arn).is_some() {
            return Some((arn, v.at.clone()));
        }
        let d = self
            .diag(
                &v.at,
                format!("`{}` is not an IAM role ARN", arn.escape_debug()),
                "not a role ARN",
            )
            .help("STS AssumeRole takes a role's ARN (RoleArn): arn:aws:iam::ACCOUNT:role/NAME");
        self.sink.push(d);
        None
    }

    /// An optional string of the `assume_role` block, checked as STS AssumeRole checks its
    /// parameter: `(name, length, punctuation)` of the API reference.
    fn sts_parameter(
        &mut self,
        fields: &BodyFields<'_>,
        attr: &str,
        (parameter, (min, max), punctuation): (&str, (usize, usize), &str),
    ) -> Option<String> {
        let v = self.attr_value(fields, attr)?;
        let s = self.string(&v, &format!("assume_role.{attr}"))?;
        let Some(problem) = sts_problem(&s, (min, max), punctuation) else {
            return Some(s);
        };
        let d = self
            .diag(
                &v.at,
                format!("`{attr}` {problem}, which STS refuses"),
                "refused by STS",
            )
            .help(format!(
                "STS AssumeRole takes {parameter} of {min} to {max} letters, digits and `{punctuation}`"
            ));
        self.sink.push(d);
        None
    }

    /// `provider "sandbox" { path }`.
    pub(crate) fn sandbox_provider(&mut self, file: FileId, block: &Block) -> ProviderSettings {
        let fields = self.body_fields(file, &block.body, &["path"], &[], "provider \"sandbox\"");
        let path = self.opt_string(&fields, "path", "provider");
        ProviderSettings::Sandbox { path }
    }

    /// The `alias` of an aliased `provider "aws"`: a literal name, since Terraform reads it
    /// before any variable and blocks refer to it as `aws.NAME`.
    pub(crate) fn provider_alias(&mut self, file: FileId, attr: &Attribute) -> Option<String> {
        let at = At::new(file, span_of(&attr.value));
        let Some(alias) = attr.value.as_str() else {
            let d = self
                .diag(&at, "a provider `alias` must be a literal string", "not a literal string")
                .help("Terraform reads `alias` before any variable or function: write the name in quotes, such as alias = \"dr\"");
            self.sink.push(d);
            return None;
        };
        if is_identifier(alias) {
            return Some(alias.to_owned());
        }
        let d = self
            .diag(
                &at,
                format!("`{}` cannot be a provider alias", alias.escape_debug()),
                "not a name",
            )
            .help("blocks choose the provider as `aws.NAME`, so an alias is a name: a letter or `_`, then letters, digits, `_` and `-`");
        self.sink.push(d);
        None
    }

    /// The provider `expr` refers to: `aws` (the default) or `aws.NAME` of a declared alias.
    /// `remove` says how to do without the reference, for the help of an unknown alias.
    pub(crate) fn provider_reference(
        &mut self,
        file: FileId,
        expr: &Expression,
        remove: &str,
    ) -> Chosen {
        let at = At::new(file, span_of(expr));
        let Some(alias) = reference(expr) else {
            let help = match expr.as_str() {
                Some(text) if reference_text(text).is_some() => {
                    format!("write `{text}` without quotes, as in Terraform")
                }
                _ => "write `aws` for the default provider or `aws.NAME` for an aliased one, without quotes, as in Terraform".to_owned(),
            };
            let d = self
                .diag(
                    &at,
                    "a provider is chosen by a reference: `aws` or `aws.NAME`",
                    "not a provider reference",
                )
                .help(help)
                .class(Class::WrongType);
            self.sink.push(d);
            return Err(Refused);
        };
        let Some(alias) = alias else {
            return Ok(None);
        };
        if self.providers.aliases.contains_key(&alias) {
            return Ok(Some(alias));
        }
        let names: Vec<&str> = self.providers.aliases.keys().map(String::as_str).collect();
        let declared: Vec<String> = names.iter().map(|a| format!("aws.{a}")).collect();
        let declared: Vec<&str> = declared.iter().map(String::as_str).collect();
        let help = match suggest(&alias, &names) {
            Some(near) => format!("did you mean `aws.{near}`?"),
            None if declared.is_empty() => {
                format!("declare `provider \"aws\" {{ alias = \"{alias}\" … }}`, or {remove}")
            }
            None => format!(
                "the declared aliases are {}; declare `provider \"aws\" {{ alias = \"{alias}\" … }}`, or {remove}",
                quote_list(&declared)
            ),
        };
        let d = self
            .diag(
                &at,
                format!("no `provider \"aws\"` has the alias `{alias}`"),
                "unknown provider",
            )
            .help(help)
            .class(Class::UnknownName);
        self.sink.push(d);
        Err(Refused)
    }

    /// The `provider = …` of a `registry` or `replication` block, read before the block so that
    /// the block is checked against its own registry.
    pub(crate) fn block_provider(&mut self, file: FileId, body: &Body) -> Chosen {
        let attr = body
            .iter()
            .filter_map(Structure::as_attribute)
            .find(|a| a.key.value().as_str() == "provider");
        match attr {
            Some(attr) => self.provider_reference(file, &attr.value, "remove `provider`"),
            None => Ok(None),
        }
    }

    /// The provider a module's `providers = { aws = aws.NAME }` chooses (Terraform's shape);
    /// other provider names in the map are not ecrplan's.
    pub(crate) fn module_provider(&mut self, fields: &BodyFields<'_>) -> Chosen {
        let Some(attr) = fields.get("providers") else {
            return Ok(None);
        };
        let Expression::Object(object) = attr.expr else {
            let d = self
                .diag(
                    &At::new(fields.file, span_of(attr.expr)),
                    "`providers` maps the module's providers to this configuration's",
                    "not an object",
                )
                .help("write `providers = { aws = aws.NAME }`, as in Terraform (`aws = aws` for the default provider)")
                .class(Class::WrongType);
            self.sink.push(d);
            return Err(Refused);
        };
        let aws = object.iter().find_map(|(key, value)| {
            let name = match key {
                ObjectKey::Ident(ident) => Some(ident.value().as_str()),
                ObjectKey::Expression(expr) => expr.as_str(),
            };
            (name == Some("aws")).then(|| value.expr())
        });
        match aws {
            Some(expr) => self.provider_reference(fields.file, expr, "remove `providers`"),
            None => Ok(None),
        }
    }

    /// Makes the registry of the provider a block chose the one its checks compare against; a
    /// refused choice compares against nothing known.
    pub(crate) fn choose(&mut self, chosen: &Chosen) {
        self.registry = match chosen {
            Ok(alias) => self.providers.of(alias.as_deref()),
            Err(Refused) => Registry::default(),
        };
    }
}

/// The registry `settings` name without connecting: the block's region, and its account — the
/// `account_id` guard, else the account of the role it assumes (assumed-role credentials
/// belong to the role's account).
pub(crate) fn registry_of(settings: &ProviderSettings) -> Registry {
    match settings {
        ProviderSettings::Aws {
            region,
            account_id,
            profile,
            assume_role_arn,
            ..
        } => Registry {
            region: region.clone(),
            account_id: account_id.clone().or_else(|| {
                assume_role_arn
                    .as_deref()
                    .and_then(role_arn_account)
                    .map(str::to_owned)
            }),
            credentials: (profile.clone(), assume_role_arn.clone()),
        },
        ProviderSettings::Unspecified | ProviderSettings::Sandbox { .. } => Registry::default(),
    }
}

/// `aws` is `Some(None)`, `aws.NAME` is `Some(Some(NAME))`; anything else is no reference.
fn reference(expr: &Expression) -> Option<Option<String>> {
    match expr {
        Expression::Variable(root) if root.value().as_str() == "aws" => Some(None),
        Expression::Traversal(traversal) => match (&traversal.expr, &traversal.operators[..]) {
            (Expression::Variable(root), [op]) if root.value().as_str() == "aws" => {
                match op.value() {
                    TraversalOperator::GetAttr(alias) => Some(Some(alias.value().to_string())),
                    _ => None,
                }
            }
            _ => None,
        },
        _ => None,
    }
}

/// The reference a quoted string spells (`"aws.dr"`, Terraform 0.11's way), for the help.
fn reference_text(text: &str) -> Option<Option<&str>> {
    match text.split_once('.') {
        None => (text == "aws").then_some(None),
        Some(("aws", alias)) => is_identifier(alias).then_some(Some(alias)),
        Some(_) => None,
    }
}

/// An HCL identifier as Terraform's names go: a letter or `_`, then letters, digits, `_`, `-`.
fn is_identifier(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Whether `s` looks like an AWS region (`eu-west-1`, `us-gov-west-1`).
pub(crate) fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[0].len() >= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        let parse = |s: &str| hcl_edit::parser::parse_expr(s).expect("an expression");
        assert_eq!(reference(&parse("aws")), Some(None));
        assert_eq!(reference(&parse("aws.dr")), Some(Some("dr".to_owned())));
        assert_eq!(reference(&parse("aws.dr.x")), None);
        assert_eq!(reference(&parse("google.dr")), None);
        assert_eq!(reference(&parse("\"aws.dr\"")), None);
        assert_eq!(reference_text("aws.dr"), Some(Some("dr")));
        assert_eq!(reference_text("aws"), Some(None));
        assert_eq!(reference_text("aws.d r"), None);
    }

    #[test]
    fn aliases_are_names() {
        assert!(is_identifier("london"));
        assert!(is_identifier("_dr-2"));
        assert!(!is_identifier("2dr"));
        assert!(!is_identifier("a.b"));
        assert!(!is_identifier(""));
    }
}
