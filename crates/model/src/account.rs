use serde::{Deserialize, Serialize};

use crate::{Address, Kind, Registry, Scope};

/// The account and region a command works in. Generated policies name ARNs, so the desired
/// objects can only be built once this is known.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The 12-digit account id.
    pub id: String,
    /// The region the ECR registry lives in.
    pub region: String,
    /// `aws`, `aws-cn` or `aws-us-gov`: ARNs differ per partition.
    pub partition: String,
}

impl Account {
    /// An account in the commercial `aws` partition.
    pub fn new(id: impl Into<String>, region: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            region: region.into(),
            partition: "aws".into(),
        }
    }

    /// An account whose partition follows from its region (`cn-…` is `aws-cn`, `us-gov-…`
    /// `aws-us-gov`, `us-iso-…` `aws-iso`, `us-isob-…` `aws-iso-b`), for when STS, which names
    /// the partition in the caller's ARN, is not asked: ARNs printed offline must still be the
    /// partition's.
    pub fn for_region(id: impl Into<String>, region: impl Into<String>) -> Self {
        let region = region.into();
        let partition = [
            ("cn-", "aws-cn"),
            ("us-gov-", "aws-us-gov"),
            ("us-isob-", "aws-iso-b"),
            ("us-iso-", "aws-iso"),
        ]
        .into_iter()
        .find(|(prefix, _)| region.starts_with(prefix))
        .map_or("aws", |(_, partition)| partition);
        Self {
            id: id.into(),
            region,
            partition: partition.into(),
        }
    }

    /// The registry this account and region name.
    pub fn registry(&self) -> Registry {
        Registry::new(self.id.clone(), self.region.clone())
    }

    /// The address of an object of `kind` declared for this account and region, in the scope
    /// its kind's names live in.
    pub fn address(&self, kind: Kind) -> Address {
        Address::new(kind, Scope::at(kind.spec().scope, &self.registry()))
    }

    /// The Docker registry host that CI logs in to.
    pub fn registry_url(&self) -> String {
        format!("{}.dkr.ecr.{}.amazonaws.com", self.id, self.region)
    }

    /// The URI that `docker push` takes for a repository.
    pub fn repository_uri(&self, repository: &str) -> String {
        format!("{}/{}", self.registry_url(), repository)
    }

    /// The ARN push policies grant access to.
    pub fn repository_arn(&self, repository: &str) -> String {
        format!(
            "arn:{}:ecr:{}:{}:repository/{}",
            self.partition, self.region, self.id, repository
        )
    }

    /// The ARN a web-identity trust policy federates to; `url` has no scheme.
    pub fn oidc_provider_arn(&self, url: &str) -> String {
        format!(
            "arn:{}:iam::{}:oidc-provider/{}",
            self.partition, self.id, url
        )
    }

    /// The ARN CI assumes; `path` starts and ends with `/`.
    pub fn role_arn(&self, path: &str, name: &str) -> String {
        format!(
            "arn:{}:iam::{}:role{}{}",
            self.partition, self.id, path, name
        )
    }

    /// The principal ARN that stands for a whole account in resource policies.
    pub fn root_arn(&self, account_id: &str) -> String {
        format!("arn:{}:iam::{}:root", self.partition, account_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_partition_follows_the_region() {
        for (region, partition) in [
            ("eu-west-1", "aws"),
            ("cn-north-1", "aws-cn"),
            ("us-gov-west-1", "aws-us-gov"),
            ("us-iso-east-1", "aws-iso"),
            ("us-isob-east-1", "aws-iso-b"),
        ] {
            let account = Account::for_region("111122223333", region);
            assert_eq!(account.partition, partition, "{region}");
        }
        assert_eq!(
            Account::for_region("111122223333", "cn-north-1").role_arn("/ecrplan/x/", "ci"),
            "arn:aws-cn:iam::111122223333:role/ecrplan/x/ci"
        );
    }
}
