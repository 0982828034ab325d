//! The registry's own settings (`registry { … }`): what a platform estate declares, the
//! objects it becomes, and the owner record that says which estate manages them.
//!
//! None of these objects carries tags, and one registry is shared by every estate of its
//! account and region, so ownership cannot be read from the objects: exactly one estate owns a
//! registry's settings, recorded in the [`RegistryOwner`] object with the sections it manages.
//! A section the record names and the configuration no longer declares is cleared; a section
//! nobody records is never touched.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::{
    Account, AccountSetting, CreationTemplate, DesiredObject, JsonDocument, Kind,
    PullThroughCacheRule, PullTimeUpdateExclusion, RegistryOwner, RegistryPolicy, Resource,
    ScanningConfiguration, Section, SigningConfiguration,
};

/// What a `registry` block declares; `None` and empty mean "not managed".
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RegistrySettings {
    /// The raw `policy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<JsonDocument>,
    /// Accounts whose registries replicate into this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replication_from: Vec<String>,
    /// Account settings by API name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub account_settings: BTreeMap<String, String>,
    /// Scanning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scanning: Option<ScanningConfiguration>,
    /// Pull-through cache rules (`None` when no block is written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_through_cache: Option<Vec<PullThroughCacheRule>>,
    /// Creation templates (`None` when no block is written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_templates: Option<Vec<CreationTemplate>>,
    /// Signing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing: Option<SigningConfiguration>,
    /// Pull-time update exclusions (`None` when the attribute is not written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_time_update_exclusions: Option<Vec<String>>,
}

impl RegistrySettings {
    /// The sections the block declares, and so manages.
    pub fn sections(&self) -> BTreeSet<Section> {
        let mut out = BTreeSet::new();
        if self.policy.is_some() || !self.replication_from.is_empty() {
            out.insert(Section::Policy);
        }
        if !self.account_settings.is_empty() {
            out.insert(Section::AccountSettings);
        }
        if self.scanning.is_some() {
            out.insert(Section::Scanning);
        }
        if self.pull_through_cache.is_some() {
            out.insert(Section::PullThroughCache);
        }
        if self.creation_templates.is_some() {
            out.insert(Section::CreationTemplate);
        }
        if self.signing.is_some() {
            out.insert(Section::Signing);
        }
        if self.pull_time_update_exclusions.is_some() {
            out.insert(Section::PullTimeUpdateExclusions);
        }
        out
    }

    /// The registry policy: the declared document with a statement added that lets the
    /// `replication_from` accounts replicate into this registry (ECR copies nothing across
    /// accounts without it).
    pub fn registry_policy(&self, account: &Account) -> Option<JsonDocument> {
        if self.policy.is_none() && self.replication_from.is_empty() {
            return None;
        }
        let mut doc = self.policy.as_ref().map_or_else(
            || json!({"Version": "2012-10-17", "Statement": []}),
            |p| Value::clone(p),
        );
        if !self.replication_from.is_empty() {
            let principals: Vec<String> = self
                .replication_from
                .iter()
                .map(|a| account.root_arn(a))
                .collect();
            let statement = json!({
                "Sid": REPLICATION_FROM_SID,
                "Effect": "Allow",
                "Principal": {"AWS": principals},
                "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
                "Resource": format!(
                    "arn:{}:ecr:{}:{}:repository/*",
                    account.partition, account.region, account.id
                ),
            });
            if let Some(Value::Array(statements)) = doc.get_mut("Statement") {
                statements.push(statement);
            } else if let Some(obj) = doc.as_object_mut() {
                let existing = obj.remove("Statement");
                let mut statements: Vec<Value> = existing.into_iter().collect();
                statements.push(statement);
                obj.insert("Statement".into(), Value::Array(statements));
            }
        }
        Some(JsonDocument::new(doc))
    }

    /// The objects the block asks for, the owner record first.
    pub fn objects(&self, estate: &str, account: &Account) -> Vec<DesiredObject> {
        let object = |kind: Kind, key: Option<&str>, resource: Resource| {
            let address = account.address(kind);
            DesiredObject {
                address: match key {
                    Some(k) => address.indexed(k),
                    None => address,
                },
                resource,
            }
        };
        let mut out = vec![object(
            Kind::RegistryOwner,
            None,
            Resource::RegistryOwner(RegistryOwner {
                estate: estate.to_owned(),
                sections: self.sections(),
            }),
        )];
        if let Some(document) = self.registry_policy(account) {
            out.push(object(
                Kind::RegistryPolicy,
                None,
                Resource::RegistryPolicy(RegistryPolicy { document }),
            ));
        }
        for (name, value) in &self.account_settings {
            out.push(object(
                Kind::AccountSetting,
                Some(name),
                Resource::AccountSetting(AccountSetting {
                    name: name.clone(),
                    value: value.clone(),
                }),
            ));
        }
        if let Some(scanning) = &self.scanning {
            out.push(object(
                Kind::ScanningConfiguration,
                None,
                Resource::ScanningConfiguration(scanning.clone()),
            ));
        }
        for rule in self.pull_through_cache.iter().flatten() {
            out.push(object(
                Kind::PullThroughCacheRule,
                Some(&rule.prefix),
                Resource::PullThroughCacheRule(rule.clone()),
            ));
        }
        for template in self.creation_templates.iter().flatten() {
            out.push(object(
                Kind::CreationTemplate,
                Some(&template.prefix),
                Resource::CreationTemplate(Box::new(template.clone())),
            ));
        }
        if let Some(signing) = &self.signing {
            out.push(object(
                Kind::SigningConfiguration,
                None,
                Resource::SigningConfiguration(signing.clone()),
            ));
        }
        for principal in self.pull_time_update_exclusions.iter().flatten() {
            out.push(object(
                Kind::PullTimeUpdateExclusion,
                Some(principal),
                Resource::PullTimeUpdateExclusion(PullTimeUpdateExclusion {
                    principal_arn: principal.clone(),
                }),
            ));
        }
        out
    }
}

/// The `Sid` of the statement `replication_from` adds to the registry policy.
pub const REPLICATION_FROM_SID: &str = "EcrplanReplicationFrom";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replication_from_adds_one_statement_to_the_declared_policy() {
        let account = Account::new("111122223333", "eu-west-1");
        let settings = RegistrySettings {
            policy: Some(JsonDocument::new(json!({
                "Version": "2012-10-17",
                "Statement": [{"Sid": "Mine", "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                    "Action": "ecr:BatchImportUpstreamImage", "Resource": "*"}]
            }))),
            replication_from: vec!["222233334444".into()],
            ..Default::default()
        };
        let doc = settings.registry_policy(&account).unwrap();
        let statements = doc["Statement"].as_array().unwrap().clone();
        assert_eq!(statements.len(), 2);
        assert_eq!(statements[1]["Sid"], REPLICATION_FROM_SID);
        assert_eq!(
            statements[1]["Principal"]["AWS"][0],
            "arn:aws:iam::222233334444:root"
        );
        assert_eq!(
            statements[1]["Resource"],
            "arn:aws:ecr:eu-west-1:111122223333:repository/*"
        );
    }

    #[test]
    fn the_owner_record_names_the_declared_sections_and_comes_first() {
        let account = Account::new("111122223333", "eu-west-1");
        let settings = RegistrySettings {
            scanning: Some(ScanningConfiguration::basic()),
            pull_through_cache: Some(Vec::new()),
            ..Default::default()
        };
        let objects = settings.objects("platform", &account);
        let Resource::RegistryOwner(owner) = &objects[0].resource else {
            panic!("the owner record comes first");
        };
        assert_eq!(owner.estate, "platform");
        assert_eq!(
            owner.sections,
            BTreeSet::from([Section::Scanning, Section::PullThroughCache])
        );
        assert_eq!(
            RegistryOwner::from_value(&owner.to_value()).as_ref(),
            Some(owner)
        );
        assert_eq!(RegistryOwner::from_value("not ours"), None);
    }
}
