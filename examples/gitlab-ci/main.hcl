# Seed 004 ("Pushing Helm charts to AWS ECR with Gitlab-CI") as an ecrplan configuration:
# the `gitlab` repository, a policy for ECR, a group it is attached to, a CI user in the group.
#
#   ecrplan plan examples/gitlab-ci
#   ecrplan apply examples/gitlab-ci --auto-approve
#   ecrplan output examples/gitlab-ci      # prints the one `aws iam create-access-key` command
#
# ecrplan never makes or reads the user's access key: a person runs the command `output`
# prints and stores the key in GitLab's masked CI variables (AWS_ECR_ACCESS_KEY_ID,
# AWS_ECR_ACCESS_KEY_SECRET). `ecrplan drift` reports the key once it is older than 90 days.
#
# The `gitlab_access` block is the way off the stored key: pipelines of the listed projects
# assume the role with GitLab's OIDC ID token instead (see docs/GUIDE.md, "GitLab CI").

ecrplan {
  estate = "gitlab-mirror"
}

provider "sandbox" {}

module "gitlab-mirror" {
  source           = "../../modules/ecr-repos"
  ecr-repositories = ["gitlab"]

  image_tag_mutability = "IMMUTABLE"

  # The seed's ECRCIUser in ECRUsers. Without `policy`, the group's policy grants push and
  # pull on this module's repositories only; the seed's own document (every repository,
  # CreateRepository included) is accepted as written:
  ci_user = {
    user_name  = "ECRCIUser"
    group_name = "ECRUsers"
    policy     = file("ecr-access.json")
    # The seed's `force_destroy = true`: removing this block deletes the user with its keys.
    force_delete = true
  }

  gitlab_access = {
    role_name = "gitlab-mirror-ecr-push"
    projects  = [{ path = "example-group/helm-mirror", ref_type = "branch", ref = "main" }]
  }
}

replication {
  rule {
    destination {
      region      = "eu-west-2"
      registry_id = "111122223333"
    }
    filter {
      prefix = "gitlab"
    }
  }
}
