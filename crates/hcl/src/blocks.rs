//! The top-level `ecrplan` and `replication` blocks (providers are `provider`'s, the registry's
//! settings `registry_block`'s).

use std::collections::BTreeSet;

use ecrplan_model::{Replication, ReplicationDestination, ReplicationRule, check_account_id};
use hcl_edit::structure::Block;

use crate::eval::{Evaluator, span_of};
use crate::limits::{
    REPLICATION_DESTINATIONS_MAX, REPLICATION_FILTERS_MAX, REPLICATION_RULES_MAX,
    is_replication_filter,
};
use crate::provider::is_region;
use crate::value::{At, FileId};

impl Evaluator<'_> {
    /// `ecrplan { estate = "…" }`: the estate name, and where it is written (the value as the
    /// block spells it, for findings about the estate's objects that nothing declares). A name
    /// also given from outside (`--estate`, `ECRPLAN_ESTATE`) must be the same: silently
    /// preferring either would hand the estate's objects to another one.
    pub(crate) fn ecrplan_block(
        &mut self,
        file: FileId,
        block: &Block,
        outside: Option<&str>,
    ) -> Option<(String, At)> {
        let fields = self.body_fields(file, &block.body, &["estate"], &[], "the `ecrplan` block");
        let written = At::new(file, span_of(fields.get("estate")?.expr));
        let v = self.attr_value(&fields, "estate")?;
        let estate = self.string(&v, "estate")?;
        if let Some(outside) = outside.filter(|o| *o != estate) {
            let d = self
                .diag(
                    &v.at,
                    format!(
                        "the estate is named `{estate}` here but `{outside}` by --estate or ECRPLAN_ESTATE"
                    ),
                    "the estate named in the files",
                )
                .help("name the estate in one place: drop --estate/ECRPLAN_ESTATE for this directory, or make them agree");
            self.sink.push(d);
            return None;
        }
        if !is_estate_name(&estate) {
            let d = self
                .diag(
                    &v.at,
                    format!("`{estate}` cannot be an estate name"),
                    "this estate name",
                )
                .help(
                    "the estate name becomes a tag value: 1 to 128 letters, digits and `_.:/=+@-`",
                );
            self.sink.push(d);
            return None;
        }
        Some((estate, written))
    }

    /// `replication { provider, rule { destination { region, registry_id } or destination {
    /// provider } filter { prefix } } }`, checked against the registry of its provider
    /// (`self.registry`).
    pub(crate) fn replication_block(&mut self, file: FileId, block: &Block) -> Replication {
        // `provider` was read before the block (`block_provider`), to check it against its
        // own registry.
        let fields = self.body_fields(
            file,
            &block.body,
            &["provider"],
            &["rule"],
            "the `replication` block",
        );
        let mut rules = Vec::new();
        // ECR counts each destination once across all rules; the first one past the limit is
        // where the configuration breaks it.
        let mut unique: BTreeSet<ReplicationDestination> = BTreeSet::new();
        let mut past_limit: Option<At> = None;
        for rule_block in &fields.blocks {
            let rule_fields = self.body_fields(
                file,
                &rule_block.body,
                &[],
                &["destination", "filter"],
                "a replication `rule`",
            );
            let mut rule = ReplicationRule {
                destinations: Vec::new(),
                repository_prefixes: Vec::new(),
            };
            // A `destination` block that fails to read is reported where it is wrong; the rule
            // itself lacks a destination only when none is written.
            let mut destination_written = false;
            for inner in &rule_fields.blocks {
                match inner.ident.value().as_str() {
                    "destination" => {
                        destination_written = true;
                        let at = At::new(file, span_of(&inner.ident));
                        if let Some(destination) = self.destination(file, inner) {
                            if self.registry.region.as_deref() == Some(destination.region.as_str())
                                && self.registry.account_id.as_deref()
                                    == Some(destination.registry_id.as_str())
                            {
                                let d = self
                                    .diag(
                                        &at,
                                        format!(
                                            "this destination is the registry itself ({} in {})",
                                            destination.registry_id, destination.region
                                        ),
                                        "replicates to its own source",
                                    )
                                    .help("ECR refuses a replication destination that is the source registry's own region and account (PutReplicationConfiguration); name another region or account");
                                self.sink.push(d);
                            }
                            if unique.insert(destination.clone())
                                && unique.len() == REPLICATION_DESTINATIONS_MAX + 1
                            {
                                past_limit = Some(at);
                            }
                            rule.destinations.push(destination);
                        }
                    }
                    _ => {
                        let f = self.body_fields(
                            file,
                            &inner.body,
                            &["prefix"],
                            &[],
                            "a replication `filter`",
                        );
                        let at = At::new(file, span_of(&inner.ident));
                        match self.attr_value(&f, "prefix") {
                            Some(v) => {
                                if let Some(p) = self.string(&v, "filter.prefix") {
                                    if !is_replication_filter(&p) {
                                        let d = self
                                            .diag(
                                                &v.at,
                                                format!("`{}` is not a repository prefix ECR accepts", p.escape_debug()),
                                                "can never match a repository name",
                                            )
                                            .help("ECR: a replication filter is 2 to 256 characters of lower-case letters, digits and `._-/` (repository names are lower-case), each part before a `/` starting with a letter or digit; it matches by prefix, without wildcards");
                                        self.sink.push(d);
                                    } else {
                                        rule.repository_prefixes.push(p);
                                    }
                                }
                            }
                            None => self.missing(&at, "prefix", "a replication `filter`"),
                        }
                    }
                }
            }
            if rule.repository_prefixes.len() > REPLICATION_FILTERS_MAX {
                let d = self
                    .diag(
                        &At::new(file, span_of(&rule_block.ident)),
                        format!(
                            "this replication rule has {} filters",
                            rule.repository_prefixes.len()
                        ),
                        "too many",
                    )
                    .help(format!(
                        "ECR: \"Each rule may contain up to {REPLICATION_FILTERS_MAX} filters\"; split them over several rules (at most {REPLICATION_RULES_MAX})"
                    ));
                self.sink.push(d);
            }
            if !destination_written {
                let at = At::new(file, span_of(&rule_block.ident));
                let d = self
                    .diag(
                        &at,
                        "a replication rule needs at least one `destination`",
                        "no destination in this rule",
                    )
                    .help("add `destination { region = \"…\" registry_id = \"…\" }`");
                self.sink.push(d);
            }
            rules.push(rule);
        }
        if let Some(at) = past_limit {
            let d = self
                .diag(
                    &at,
                    format!(
                        "the replication configuration has {} unique destinations across its rules",
                        unique.len()
                    ),
                    &format!("unique destination {}", REPLICATION_DESTINATIONS_MAX + 1),
                )
                .help(format!(
                    "ECR: \"up to {REPLICATION_DESTINATIONS_MAX} unique destinations across all rules\" (a destination in several rules counts once); replicate to fewer registries"
                ));
            self.sink.push(d);
        }
        if rules.len() > REPLICATION_RULES_MAX {
            let d = self
                .diag(
                    &At::new(file, span_of(&block.ident)),
                    format!(
                        "ECR allows at most {REPLICATION_RULES_MAX} replication rules, not {}",
                        rules.len()
                    ),
                    "too many rules",
                )
                .help(format!(
                    "ECR: \"a maximum of {REPLICATION_RULES_MAX} rules total\"; merge rules with the same destinations (a rule takes up to {REPLICATION_FILTERS_MAX} filters)"
                ));
            self.sink.push(d);
        }
        Replication { rules }
    }

    /// A replication `destination`: `region` and `registry_id`, or `provider = aws.NAME`
    /// resolved now to that provider's region and account, so the rule is known without
    /// connecting. `None` when it is wrong (reported).
    fn destination(&mut self, file: FileId, block: &Block) -> Option<ReplicationDestination> {
        let f = self.body_fields(
            file,
            &block.body,
            &["region", "registry_id", "provider"],
            &[],
            "a replication `destination`",
        );
        let at = At::new(file, span_of(&block.ident));
        if let Some(provider) = f.get("provider") {
            let written: Vec<&str> = ["region", "registry_id"]
                .into_iter()
                .filter(|name| f.get(name).is_some())
                .collect();
            if let Some(first) = written.first().and_then(|name| f.get(name)) {
                let d = self
                    .diag(
                        &provider.key_at,
                        "this destination names its registry twice: by `provider` and by `region`/`registry_id`",
                        "by provider",
                    )
                    .label(first.key_at.range.clone(), "and by attribute")
                    .help("keep `provider = aws.NAME` (its region and account), or `region` and `registry_id`");
                self.sink.push(d);
                return None;
            }
            return self.destination_of_provider(file, provider.expr);
        }
        let region = self.attr_value(&f, "region");
        let registry = self.attr_value(&f, "registry_id");
        if region.is_none() {
            self.missing(&at, "region", "a replication `destination`");
        }
        if registry.is_none() {
            self.missing(&at, "registry_id", "a replication `destination`");
        }
        let (region_v, registry_v) = (region?, registry?);
        let region = self.string(&region_v, "destination.region");
        let registry_id = self.string(&registry_v, "destination.registry_id");
        let region = region.filter(|r| {
            let ok = is_region(r);
            if !ok {
                let d = self
                    .diag(
                        &region_v.at,
                        format!("`{r}` is not an AWS region"),
                        "not a region",
                    )
                    .help("regions look like eu-west-1");
                self.sink.push(d);
            }
            ok
        });
        let registry_id = registry_id.filter(|id| match check_account_id(id) {
            Ok(()) => true,
            Err(e) => {
                let d = self
                    .diag(&registry_v.at, e.to_string(), "not a 12-digit account id")
                    .help("the registry id is the destination's 12-digit account id");
                self.sink.push(d);
                false
            }
        });
        Some(ReplicationDestination {
            region: region?,
            registry_id: registry_id?,
        })
    }

    /// The registry a destination's `provider = aws.NAME` names: the provider's region (or the
    /// default provider's) and its account (`account_id`, or its assumed role's).
    fn destination_of_provider(
        &mut self,
        file: FileId,
        expr: &hcl_edit::expr::Expression,
    ) -> Option<ReplicationDestination> {
        let alias = self
            .provider_reference(file, expr, "write `region` and `registry_id`")
            .ok()?;
        let at = At::new(file, span_of(expr));
        let name = alias
            .as_deref()
            .map_or("aws".to_owned(), |a| format!("aws.{a}"));
        let mut registry = self.providers.of(alias.as_deref());
        // An aliased provider without a region replicates to the default provider's.
        registry.region = registry
            .region
            .or_else(|| self.providers.default.region.clone());
        if registry.region.is_none() {
            let d = self
                .diag(
                    &at,
                    format!("the region of `{name}` is not known without connecting"),
                    "no region",
                )
                .help(format!(
                    "set region on provider {name} (or on the default provider) so the destination is known without connecting"
                ));
            self.sink.push(d);
        }
        if registry.account_id.is_none() {
            let d = self
                .diag(
                    &at,
                    format!("the account of `{name}` is not known without connecting"),
                    "no account",
                )
                .help(format!(
                    "set account_id on provider {name} so the destination is known without connecting"
                ));
            self.sink.push(d);
        }
        Some(ReplicationDestination {
            region: registry.region?,
            registry_id: registry.account_id?,
        })
    }
}

/// Whether `s` can name an estate: it becomes the `ecrplan:estate` tag value, so 1 to 128 of the
/// characters ECR and IAM tag values allow
/// (<https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_Tag.html>).
pub fn is_estate_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars().count() <= 128
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.:/=+@- ".contains(c))
}
