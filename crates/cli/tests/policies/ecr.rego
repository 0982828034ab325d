# Policies as conftest users write them for `terraform show -json` plans: rules over
# `input.resource_changes`, attributes under the AWS provider's names. The same file gates
# ecrplan plans (crates/cli/tests/terraform_json.rs evaluates it on both).
package main

import rego.v1

repositories contains rc if {
	some rc in input.resource_changes
	rc.type == "aws_ecr_repository"
	some action in rc.change.actions
	action in {"create", "update"}
}

deny contains msg if {
	some rc in repositories
	rc.change.after.image_tag_mutability != "IMMUTABLE"
	msg := sprintf("%s: image tags are mutable", [rc.address])
}

deny contains msg if {
	some rc in repositories
	not rc.change.after.image_scanning_configuration[0].scan_on_push
	msg := sprintf("%s: images are not scanned on push", [rc.address])
}

# A GitHub OIDC trust must name one organisation: `repo:*/…` lets any of them assume the role.
deny contains msg if {
	some rc in input.resource_changes
	rc.type == "aws_iam_role"
	trust := json.unmarshal(rc.change.after.assume_role_policy)
	some statement in trust.Statement
	some subject in subjects(statement.Condition.StringLike["token.actions.githubusercontent.com:sub"])
	startswith(subject, "repo:*")
	msg := sprintf("%s: trusts every GitHub organisation (%s)", [rc.address, subject])
}

subjects(s) := [s] if is_string(s)

subjects(s) := s if is_array(s)

warn contains msg if {
	some rc in input.resource_changes
	"delete" in rc.change.actions
	msg := sprintf("%s will be deleted", [rc.address])
}
