# One estate over three registries: the home region, a second region of the same account near
# another cluster, and a disaster-recovery registry in another account reached through an
# assumed role. The home registry replicates into the DR registry, whose registry policy this
# configuration owns: the plan lets the home account replicate into it (`replication_from` is
# completed from the replication rule), and a creation template gives replicated repositories
# their lifecycle, which AWS does not replicate.
#
#   ecrplan plan examples/dr --sandbox dr.json      # offline: one file holds all three registries
#   ecrplan apply examples/dr --sandbox dr.json --auto-approve
#   ecrplan output examples/dr --sandbox dr.json    # each module's variables name its registry

ecrplan {
  estate = "payments"
}

provider "aws" {
  region     = "eu-west-2"
  account_id = "111111111111"
}

provider "aws" {
  alias      = "us"
  region     = "us-east-1"
  account_id = "111111111111"
}

provider "aws" {
  alias      = "dr"
  region     = "eu-west-1"
  account_id = "222222222222"

  assume_role {
    role_arn     = "arn:aws:iam::222222222222:role/ecrplan-dr"
    external_id  = "payments-dr"
    session_name = "ecrplan-payments"
  }
}

module "payments" {
  source           = "../modules/ecr-repos"
  ecr-repositories = ["payments/api", "payments/worker"]

  lifecycle = {
    keep_last = 30
  }

  github_access = {
    role_name           = "payments-github-ecr-push"
    github_repositories = [{ organisation = "example-org", repository = "payments" }]
  }
}

module "payments-us" {
  source           = "../modules/ecr-repos"
  ecr-repositories = ["payments/api"]

  providers = {
    aws = aws.us
  }
}

replication {
  rule {
    destination {
      provider = aws.dr
    }
    filter {
      prefix = "payments/"
    }
  }
}

registry {
  provider = aws.dr

  creation_template "payments" {
    description = "Repositories replication creates"
    applied_for = ["REPLICATION"]
    lifecycle = {
      keep_last = 30
    }
  }
}
