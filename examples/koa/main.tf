module "ecr-koa" {
  source = "../../../../modules/ecr-repos"

  ecr-repositories = [ "giftcard-service" ]

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
