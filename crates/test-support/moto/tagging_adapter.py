"""moto_server, with ECR repositories visible to the Resource Groups Tagging API.

moto 5.2.5 answers tag:GetResources for ~50 services but not ECR: a search for ECR repositories
returns nothing. moto already has the machinery (TaggableResourcesMixin: the tagging backend
applies tag filters, resource type filters and paging itself); ECR's backend just does not opt in.
This adapter opts it in, yielding each repository with the tags moto's own ECR tag store holds,
then runs moto's server unchanged. Nothing of AWS's behaviour is re-implemented here.

Run it with the Python that has moto installed, with moto_server's arguments.
"""

import sys

from moto.core.resource_tagging import TaggableResourcesMixin, TaggedResource
from moto.ecr import models as ecr


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


# Backends are made lazily, per account and region, from this class.
ecr.ecr_backends.backend = TaggableECRBackend

if __name__ == "__main__":
    from moto.server import main

    sys.argv[0] = "moto_server"
    sys.exit(main())
