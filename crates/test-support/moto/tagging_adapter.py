"""moto_server, with ECR repositories visible to the Resource Groups Tagging API.

moto 5.2.5 answers tag:GetResources for ~50 services but not ECR: a search for ECR repositories
returns nothing. moto already has the machinery (TaggableResourcesMixin: the tagging backend
applies tag filters, resource type filters and paging itself); ECR's backend just does not opt in.
This adapter opts it in, yielding each repository with the tags moto's own ECR tag store holds,
then runs moto's server.

It also fixes one moto gap the Rust SDK walks into: the SDK omits `scanOnPush = false` from
PutImageScanningConfiguration (it sends `imageScanningConfiguration: {}`) and moto 5.2.5 then
keeps the old value, while AWS treats the absent boolean as false. Requests to that operation
are validated against the ECR service model botocore ships before they change anything.

Differences from AWS, all of them:
- tag:GetResources lists repositories from moto's stores; AWS's index can lag behind a change.
- PutImageScanningConfiguration: validation errors are InvalidParameterException naming the
  member, not AWS's exact wording; everything else about the operation is moto's own.

Run it with the Python that has moto installed, with moto_server's arguments.
"""

import sys

from moto.core.resource_tagging import TaggableResourcesMixin, TaggedResource
import re

import botocore.session
from botocore.validate import ParamValidator
from moto.ecr import models as ecr
from moto.ecr.exceptions import InvalidParameterException

ECR_MODEL = botocore.session.get_session().get_service_model("ecr")


def validate(operation, params):
    """Refuses `params` unless they fit the operation's input shape in botocore's ECR model:
    required members and types (botocore's validator), then string lengths and patterns, which
    it leaves to the service."""
    shape = ECR_MODEL.operation_model(operation).input_shape
    report = ParamValidator().validate(params, shape)
    if report.has_errors():
        raise InvalidParameterException(report.generate_report())
    for name, member in shape.members.items():
        value = params.get(name)
        if member.type_name != "string" or value is None:
            continue
        meta = member.metadata
        if not meta.get("min", 0) <= len(value) <= meta.get("max", len(value)):
            raise InvalidParameterException(f"'{name}' has an invalid length")
        if "pattern" in meta and not re.fullmatch(meta["pattern"], value):
            raise InvalidParameterException(
                f"'{name}' does not match the pattern '{meta['pattern']}'"
            )


class TaggableECRBackend(ecr.ECRBackend, TaggableResourcesMixin):
    """moto's ECR backend, listing its repositories for tag:GetResources."""

    SERVICE_NAMESPACE = "ecr"
    # moto finds a backend's URL routes through the module the class is defined in.
    __module__ = ecr.__name__

    def iter_tagged_resources(self):
        for repository in list(self.repositories.values()):
            yield TaggedResource(
                arn=repository.arn,
                tags=self.tagger.get_tag_dict_for_resource(repository.arn),
                resource_type="ecr:repository",
            )

    def put_image_scanning_configuration(
        self, registry_id, repository_name, image_scan_config
    ):
        """As AWS: an absent `scanOnPush` turns scanning off (moto keeps the old value)."""
        params = {
            "repositoryName": repository_name,
            "imageScanningConfiguration": image_scan_config,
        }
        if registry_id is not None:
            params["registryId"] = registry_id
        validate("PutImageScanningConfiguration", params)
        repository = self._get_repository(repository_name, registry_id)
        repository.image_scanning_configuration = {
            "scanOnPush": image_scan_config.get("scanOnPush", False)
        }
        return {
            "registryId": repository.registry_id,
            "repositoryName": repository_name,
            "imageScanningConfiguration": repository.image_scanning_configuration,
        }


# Backends are made lazily, per account and region, from this class.
ecr.ecr_backends.backend = TaggableECRBackend

if __name__ == "__main__":
    from moto.server import main

    sys.argv[0] = "moto_server"
    sys.exit(main())
