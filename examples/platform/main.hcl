# A platform team's registry: the settings that belong to the registry rather than to any
# repository, declared once by the estate that owns them. Team estates in the same account
# declare their repositories in their own directories and never read or change these.
#
#   ecrplan apply examples/platform --auto-approve
#
# Runs against the embedded sandbox account (examples/platform/.ecrplan-sandbox.json); replace
# the provider block with `provider "aws" { region = "eu-west-1" }` to run it against AWS.

ecrplan {
  estate = "platform"
}

provider "sandbox" {}

registry {
  # The disaster-recovery account replicates into this registry: ecrplan adds the statement
  # that lets it (ecr:CreateRepository and ecr:ReplicateImage on this registry's repositories).
  replication_from = ["222233334444"]

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "BuildAccountImportsUpstreamImages"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::333344445555:root" }
      Action    = ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"]
      Resource  = "*"
    }]
  })

  account_settings = {
    registry_policy_scope = "V2"
    blob_mounting         = "ENABLED"
  }

  scanning {
    scan_type = "ENHANCED"
    rule {
      scan_frequency = "CONTINUOUS_SCAN"
      filters        = ["prod/*"]
    }
    rule {
      scan_frequency = "SCAN_ON_PUSH"
      filters        = ["*"]
    }
  }

  pull_through_cache "docker-hub" {
    upstream_registry_url = "registry-1.docker.io"
    credential_arn        = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:ecr-pullthroughcache/docker-hub-AbCdEf"
  }

  pull_through_cache "ecr-public" {
    upstream_registry_url = "public.ecr.aws"
  }

  creation_template "docker-hub" {
    description          = "Repositories the Docker Hub cache creates"
    applied_for          = ["PULL_THROUGH_CACHE"]
    image_tag_mutability = "IMMUTABLE"
    lifecycle = {
      keep_last = 30
    }
  }

  signing {
    rule {
      signing_profile_arn = "arn:aws:signer:eu-west-1:111122223333:/signing-profiles/prod"
      filters             = ["prod/*"]
    }
  }

  pull_time_update_exclusions = ["arn:aws:iam::111122223333:role/image-scanner"]
}
