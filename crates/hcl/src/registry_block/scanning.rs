//! `scanning { scan_type, rule { scan_frequency, filters } }`: the registry's scanning
//! configuration (`aws_ecr_registry_scanning_configuration`, PutRegistryScanningConfiguration).

use ecrplan_model::{ScanningConfiguration, ScanningRule};
use hcl_edit::structure::Block;

use super::rules::{
    SCAN_FREQUENCIES, SCAN_TYPES, SCANNING_FILTER, SCANNING_FILTERS_MAX, SCANNING_RULES_MAX,
};
use crate::eval::Evaluator;
use crate::value::{At, FileId};

impl Evaluator<'_> {
    /// A `scanning` block: `scan_type` (BASIC when left out, what a registry has when nobody
    /// configured scanning) and at most two rules whose frequency the scan type supports.
    pub(super) fn scanning_block(&mut self, file: FileId, block: &Block) -> ScanningConfiguration {
        let fields = self.body_fields(file, &block.body, &["scan_type"], &["rule"], "`scanning`");
        let (scan_type, type_at) = match self.attr_value(&fields, "scan_type") {
            Some(v) => (
                self.enum_value(&v, "scanning.scan_type", SCAN_TYPES, "ScanType"),
                Some(v.at),
            ),
            None => (Some("BASIC".to_owned()), None),
        };
        let mut rules = Vec::new();
        let help = format!(
            "ECR takes at most {SCANNING_RULES_MAX} scanning rules (PutRegistryScanningConfiguration, RegistryScanningRuleList); merge the filters of rules with the same frequency"
        );
        for (rule, rule_at) in
            self.rule_blocks(file, &fields.blocks, "scanning", SCANNING_RULES_MAX, &help)
        {
            let ctx = "a scanning `rule`";
            let f = self.body_fields(file, &rule.body, &["scan_frequency", "filters"], &[], ctx);
            let frequency = self
                .required_attr_value(&f, "scan_frequency", &rule_at, ctx)
                .and_then(|v| {
                    let s = self.enum_value(
                        &v,
                        "rule.scan_frequency",
                        SCAN_FREQUENCIES,
                        "ScanFrequency",
                    )?;
                    let scan_type = scan_type.as_deref()?;
                    self.frequency_fits(&s, &v.at, scan_type, type_at.as_ref())
                        .then_some(s)
                });
            let filters = match self.attr_value(&f, "filters") {
                Some(v) => self.repository_filters(
                    &v,
                    "rule.filters",
                    SCANNING_FILTERS_MAX,
                    SCANNING_FILTER,
                ),
                None => Vec::new(),
            };
            if let Some(scan_frequency) = frequency {
                rules.push(ScanningRule {
                    scan_frequency,
                    filters,
                });
            }
        }
        ScanningConfiguration {
            // An unknown scan type is reported, so the load fails: the placeholder never leaves.
            scan_type: scan_type.unwrap_or_else(|| "BASIC".to_owned()),
            rules,
        }
    }

    /// Whether the scan type supports `frequency`: "When the ENHANCED scan type is specified,
    /// the supported scan frequencies are CONTINUOUS_SCAN and SCAN_ON_PUSH. When the BASIC scan
    /// type is specified, the SCAN_ON_PUSH scan frequency is supported" — MANUAL being what
    /// BASIC scanning does otherwise (ECR API reference, RegistryScanningRule).
    fn frequency_fits(
        &mut self,
        frequency: &str,
        at: &At,
        scan_type: &str,
        type_at: Option<&At>,
    ) -> bool {
        let supported: &[&str] = if scan_type == "ENHANCED" {
            &["CONTINUOUS_SCAN", "SCAN_ON_PUSH"]
        } else {
            &["SCAN_ON_PUSH", "MANUAL"]
        };
        if supported.contains(&frequency) {
            return true;
        }
        let mut d = self.diag(
            at,
            format!("{scan_type} scanning has no {frequency} frequency"),
            "not supported by the scan type",
        );
        let mut unwritten = "";
        match type_at {
            Some(type_at) if type_at.file == at.file => {
                d = d.label(type_at.range.clone(), "the scan type");
            }
            Some(_) => {}
            None => unwritten = " (scan_type is BASIC when left out)",
        }
        let fix = if scan_type == "ENHANCED" {
            "write CONTINUOUS_SCAN or SCAN_ON_PUSH"
        } else {
            "set scan_type = \"ENHANCED\" (Amazon Inspector) for CONTINUOUS_SCAN, or write SCAN_ON_PUSH"
        };
        let d = d.help(format!(
            "ECR API reference, RegistryScanningRule: with ENHANCED scanning the frequencies are CONTINUOUS_SCAN and SCAN_ON_PUSH, with BASIC scanning SCAN_ON_PUSH (or MANUAL){unwritten}; {fix}"
        ));
        self.sink.push(d);
        false
    }
}
