# The quick start: a complete estate against the embedded sandbox account, so you can see
# plan -> apply -> "No changes." without an AWS account.
#
#   cargo run --release -- apply examples/quickstart --auto-approve
#
# The sandbox account lives in examples/quickstart/.ecrplan-sandbox.json (delete it to start
# over). Replace the provider block with `provider "aws" { region = "eu-west-1" }` to do the
# same against AWS.

ecrplan {
  estate = "quickstart"
}

provider "sandbox" {}

module "payments" {
  source           = "../../modules/ecr-repos"
  ecr-repositories = ["payments-api", "payments-worker"]

  image_tag_mutability = "IMMUTABLE"
  scan_on_push         = true

  lifecycle = {
    keep_last                  = 30
    expire_untagged_after_days = 7
  }

  account_access = [
    { description = "payments-dev", account_id = "111111111111", can_write = false },
    { description = "payments-prod", account_id = "222222222222", can_write = false },
  ]

  github_access = {
    role_name           = "payments-github-ecr-push"
    github_repositories = [{ organisation = "example-org", repository = "payments" }]
  }

  tags = {
    team = "payments"
  }
}
