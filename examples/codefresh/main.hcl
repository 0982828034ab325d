# Seed 002 (Codefresh's GitOps Amazon ECR integration) as an ecrplan configuration. Codefresh
# offers two modes; each is one module attribute:
#
# - "IAM role integration": a role the Codefresh runtime's own role assumes
#   (`Principal: {"AWS": "arn:aws:iam::…:role/…"}`, `sts:AssumeRole`), with one of the
#   AWS-managed ECR policies — or, narrower, ecrplan's pull policy for these repositories;
# - "Access key integration": an IAM user whose key a person makes and pastes into Codefresh.
#
#   ecrplan plan examples/codefresh
#   ecrplan output examples/codefresh     # the role ARN, and the create-access-key command

ecrplan {
  estate = "codefresh"
}

provider "sandbox" {}

module "codefresh-images" {
  source           = "../../modules/ecr-repos"
  ecr-repositories = ["shop/web", "shop/worker"]

  assume_role_access = {
    role_name  = "codefresh-ecr-integration"
    principals = ["arn:aws:iam::444455556666:role/eksctl-awscluster-ServiceRole-EXAMPLE"]
    # The external id Codefresh shows for the integration, against the confused deputy.
    external_id = "codefresh-example-external-id"
    # Image enrichment only reads: pull on these repositories. `managed_policy =
    # "AmazonEC2ContainerRegistryReadOnly"` is what Codefresh's page asks for, and reaches
    # every repository of the account.
    access = "pull"
  }

  ci_user = {
    user_name  = "codefresh-ecr"
    group_name = "codefresh-ecr"
    access     = "pull"
  }
}
