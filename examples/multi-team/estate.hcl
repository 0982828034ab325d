# Two teams sharing one registry: replication to a second region, GitHub Actions for one team,
# CircleCI for the other, and a team with write access from its build account.
#
#   ecrplan apply examples/multi-team --auto-approve      # add --sandbox FILE to try it offline
#   ecrplan output examples/multi-team                    # both teams, text (or --format json)
#
# Both modules publish ECR_ROLE_TO_ASSUME, so the CI-variable formats take one module at a time:
#
#   ecrplan output examples/multi-team --module search --format github-env >> "$GITHUB_ENV"
#   ecrplan output examples/multi-team --module billing --format dotenv > .env
#   ecrplan output examples/multi-team --format configmap     # for billing, the CircleCI module

ecrplan {
  estate = "platform"
}

provider "aws" {
  region = var.region
}

variable "region" {
  default = "eu-west-1"
}

variable "dr_region" {
  default = "eu-central-1"
}

replication {
  rule {
    destination {
      region      = var.dr_region
      registry_id = "123456789012"
    }
    filter {
      prefix = "search/"
    }
  }
}
