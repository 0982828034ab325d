# Seed 003 (the KOA team's ECR repositories) as ecrplan reads it, in `ecrplan fmt`'s canonical
# formatting. The seed exactly as published, spacing included, is fixtures/koa/main.tf, which the
# tests load to check the policies it generates.
#
#   ecrplan validate examples/koa
#   ecrplan plan examples/koa --estate koa

module "ecr-koa" {
  source = "../../../../modules/ecr-repos"

  ecr-repositories = ["giftcard-service"]

  account_access = [
    {
      description = "aws-koa-dev"
      account_id  = "931827427725"
      can_write   = false
    },
    {
      description = "aws-koa-test"
      account_id  = "615205931730"
      can_write   = false
    },
    {
      description = "aws-koa-prod"
      account_id  = "151484623076"
      can_write   = false
  }]

  github_access = {
    role_name = "koa-github-ecr-access"
    github_repositories = [
      {
        "organisation" = "JPPOL-KOA"
        "repository"   = "GiftCardService"
      }
    ]
  }
}
