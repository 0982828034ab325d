# Two teams sharing one registry: replication to a second region, GitHub Actions for one team,
# CircleCI for the other, and a team with write access from its build account.

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
