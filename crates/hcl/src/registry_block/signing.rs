//! `signing { rule { signing_profile_arn, filters } }`: the registry's managed signing
//! configuration (`aws_ecr_signing_configuration`, PutSigningConfiguration).

use ecrplan_model::{SigningConfiguration, SigningRule};
use hcl_edit::structure::Block;

use super::rules::{
    SIGNING_FILTER, SIGNING_FILTERS_MAX, SIGNING_PROFILE_ARN_PATTERN, SIGNING_RULES_MAX,
    is_signing_profile_arn,
};
use crate::eval::Evaluator;
use crate::value::FileId;

impl Evaluator<'_> {
    /// A `signing` block: at most ten rules, each an AWS Signer profile ARN and the
    /// repositories it signs (none: every repository).
    pub(super) fn signing_block(&mut self, file: FileId, block: &Block) -> SigningConfiguration {
        let fields = self.body_fields(file, &block.body, &[], &["rule"], "`signing`");
        let mut rules = Vec::new();
        let help = format!(
            "ECR takes at most {SIGNING_RULES_MAX} signing rules (PutSigningConfiguration, SigningRuleList); merge rules with the same signing profile"
        );
        for (rule, rule_at) in
            self.rule_blocks(file, &fields.blocks, "signing", SIGNING_RULES_MAX, &help)
        {
            let ctx = "a signing `rule`";
            let f = self.body_fields(
                file,
                &rule.body,
                &["signing_profile_arn", "filters"],
                &[],
                ctx,
            );
            let profile = self
                .required_attr_value(&f, "signing_profile_arn", &rule_at, ctx)
                .and_then(|v| {
                    let arn = self.string(&v, "rule.signing_profile_arn")?;
                    if is_signing_profile_arn(&arn) {
                        return Some(arn);
                    }
                    let d = self
                        .diag(
                            &v.at,
                            format!("`{}` is not an AWS Signer signing profile ARN", arn.escape_debug()),
                            "not a signing profile ARN",
                        )
                        .help(format!(
                            "write arn:aws:signer:REGION:ACCOUNT:/signing-profiles/NAME, at most 200 characters (ECR API reference, SigningRule signingProfileArn: {SIGNING_PROFILE_ARN_PATTERN})"
                        ));
                    self.sink.push(d);
                    None
                });
            let filters = match self.attr_value(&f, "filters") {
                Some(v) => {
                    self.repository_filters(&v, "rule.filters", SIGNING_FILTERS_MAX, SIGNING_FILTER)
                }
                None => Vec::new(),
            };
            if let Some(signing_profile_arn) = profile {
                rules.push(SigningRule {
                    signing_profile_arn,
                    filters,
                });
            }
        }
        SigningConfiguration { rules }
    }
}
