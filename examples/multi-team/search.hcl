module "search" {
  source           = "../modules/ecr-repos"
  ecr-repositories = ["search/indexer", "search/api"]

  scan_on_push = true
  lifecycle = {
    keep_last = 50
  }

  account_access = [
    { description = "search-build", account_id = "333333333333", can_write = true },
    { description = "search-prod", account_id = "444444444444", can_write = false },
  ]

  github_access = {
    role_name           = "search-github-ecr-push"
    github_repositories = [{ organisation = "example-org", repository = "search" }]
    environments        = ["production"]
  }

  tags = {
    team = "search"
  }
}
