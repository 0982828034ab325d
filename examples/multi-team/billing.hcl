module "billing" {
  source           = "../modules/ecr-repos"
  ecr-repositories = ["billing/invoicer"]

  image_tag_mutability = "IMMUTABLE"
  lifecycle_policy     = file("billing-lifecycle.json")

  circleci_access = {
    role_name       = "billing-circleci-ecr-push"
    organisation_id = "0f6a3c2e-8d1b-4c55-9a77-2b4e1d9c6f10"
    project_ids     = ["7e2d4b1a-5c3f-4e8d-b6a9-1f0c2d3e4a5b"]
  }

  tags = {
    team = "billing"
  }
}
