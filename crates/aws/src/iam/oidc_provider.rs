//! IAM OpenID Connect providers: listed by ARN, each read with its tags; created, their client
//! ids and tags changed in place, deleted.

use async_trait::async_trait;
use ecrplan_model::{self as model, Kind, ObjectId, ProviderError, Resource, Tags};

use crate::convert::{from_iam_tags, iam_tags};
use crate::error::{self, invalid, unless_gone};
use crate::handler::{Handler, retag};
use crate::provider::AwsProvider;

/// The handler of [`Kind::OidcProvider`]: addressed by the ARN its URL makes.
pub(crate) struct OidcProvider;

/// The object an operation carries; the dispatch sends only this kind here.
fn object(resource: &Resource) -> Result<&model::OidcProvider, ProviderError> {
    let Resource::OidcProvider(o) = resource else {
        return Err(error::mismatch(Kind::OidcProvider, resource.kind()));
    };
    Ok(o)
}

/// The ARN of every OIDC provider in the account, one call (IAM does not page this listing).
pub(crate) async fn list(p: &AwsProvider) -> Result<Vec<String>, ProviderError> {
    Ok(p.leading(p.iam.list_open_id_connect_providers().send())
        .await
        .map_err(|e| error::api("ListOpenIDConnectProviders", e))?
        .open_id_connect_provider_list
        .unwrap_or_default()
        .into_iter()
        .filter_map(|entry| entry.arn)
        .collect())
}

/// The issuer URL (without scheme) an OIDC provider's ARN names.
pub(crate) fn url_of(arn: &str) -> Option<&str> {
    arn.split_once(":oidc-provider/").map(|(_, url)| url)
}

/// One provider with its client ids, thumbprints and tags; `None` when it has gone.
pub(crate) async fn read(p: &AwsProvider, arn: &str) -> Result<Option<Resource>, ProviderError> {
    let got = p
        .limited(
            p.iam
                .get_open_id_connect_provider()
                .open_id_connect_provider_arn(arn)
                .send(),
        )
        .await
        .map_err(|e| error::api("GetOpenIDConnectProvider", e));
    let Some(got) = unless_gone(got)? else {
        return Ok(None);
    };
    let url = got.url().map_or_else(
        || url_of(arn).unwrap_or_default().to_owned(),
        |u| u.trim_start_matches("https://").to_owned(),
    );
    Ok(Some(Resource::OidcProvider(model::OidcProvider {
        url,
        client_ids: got.client_id_list().to_vec(),
        thumbprints: got.thumbprint_list().to_vec(),
        tags: from_iam_tags(got.tags.unwrap_or_default()),
    })))
}

#[async_trait]
impl Handler for OidcProvider {
    async fn create(&self, p: &AwsProvider, resource: &Resource) -> Result<(), ProviderError> {
        let o = object(resource)?;
        p.iam
            .create_open_id_connect_provider()
            .url(format!("https://{}", o.url))
            .set_client_id_list((!o.client_ids.is_empty()).then(|| o.client_ids.clone()))
            // Optional in today's IAM API: without it IAM fetches the issuer's CA
            // thumbprint itself (CircleCI's providers carry none).
            .set_thumbprint_list((!o.thumbprints.is_empty()).then(|| o.thumbprints.clone()))
            .set_tags(Some(iam_tags(&o.tags).map_err(invalid)?))
            .send()
            .await
            .map_err(|e| error::on("CreateOpenIDConnectProvider", &resource.id(&p.registry), e))?;
        Ok(())
    }

    async fn update(
        &self,
        p: &AwsProvider,
        before: &Resource,
        after: &Resource,
    ) -> Result<(), ProviderError> {
        let (b, a) = (object(before)?, object(after)?);
        let id = &after.id(&p.registry);
        let arn = p.account.oidc_provider_arn(&a.url);
        for client in a.client_ids.iter().filter(|c| !b.client_ids.contains(c)) {
            p.iam
                .add_client_id_to_open_id_connect_provider()
                .open_id_connect_provider_arn(&arn)
                .client_id(client)
                .send()
                .await
                .map_err(|e| error::on("AddClientIDToOpenIDConnectProvider", id, e))?;
        }
        for client in b.client_ids.iter().filter(|c| !a.client_ids.contains(c)) {
            p.iam
                .remove_client_id_from_open_id_connect_provider()
                .open_id_connect_provider_arn(&arn)
                .client_id(client)
                .send()
                .await
                .map_err(|e| error::on("RemoveClientIDFromOpenIDConnectProvider", id, e))?;
        }
        let untag = |keys| async move {
            p.iam
                .untag_open_id_connect_provider()
                .open_id_connect_provider_arn(&arn)
                .set_tag_keys(Some(keys))
                .send()
                .await
                .map(drop)
                .map_err(|e| error::on("UntagOpenIDConnectProvider", id, e))
        };
        retag(self, p, id, &b.tags, &a.tags, untag).await
    }

    async fn delete(
        &self,
        p: &AwsProvider,
        resource: &Resource,
        _force: bool,
    ) -> Result<(), ProviderError> {
        let o = object(resource)?;
        p.iam
            .delete_open_id_connect_provider()
            .open_id_connect_provider_arn(p.account.oidc_provider_arn(&o.url))
            .send()
            .await
            .map_err(|e| error::on("DeleteOpenIDConnectProvider", &resource.id(&p.registry), e))?;
        Ok(())
    }

    async fn tag(&self, p: &AwsProvider, id: &ObjectId, tags: &Tags) -> Result<(), ProviderError> {
        p.iam
            .tag_open_id_connect_provider()
            .open_id_connect_provider_arn(p.account.oidc_provider_arn(&id.key))
            .set_tags(Some(iam_tags(tags).map_err(invalid)?))
            .send()
            .await
            .map_err(|e| error::on("TagOpenIDConnectProvider", id, e))?;
        Ok(())
    }

    /// Read by the ARN its URL makes, as a delete or tag addresses it.
    async fn read_one(
        &self,
        p: &AwsProvider,
        wanted: &Resource,
    ) -> Result<Option<Resource>, ProviderError> {
        read(p, &p.account.oidc_provider_arn(&object(wanted)?.url)).await
    }
}
