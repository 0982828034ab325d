"""moto_server, extended where moto 5.2.5 falls short of the ECR and IAM APIs ecrplan drives.

The one documented adapter (docs: DESIGN.md, "Testing against real AWS APIs"). It runs moto's own
server, so the wire protocol and the SDK's path are the real ones, and changes moto in these ways:

- ECR repositories are visible to the Resource Groups Tagging API (tag:GetResources): moto has
  the machinery (TaggableResourcesMixin) but its ECR backend does not opt in.
- PutImageScanningConfiguration without `scanOnPush` turns scanning off, as on AWS (the Rust SDK
  sends `false` as `{}`, and moto kept the old value).
- The registry's settings moto answers with HTTP 500, kept per account and region on moto's ECR
  backend: pull-through cache rules (Create/Describe/Update/Delete/Validate), repository
  creation templates (Create/Describe/Update/Delete), account settings (Put/Get), signing
  configuration (Put/Get/Delete) and pull-time update exclusions (Register/List/Deregister).
- PutRegistryPolicy honours the account setting REGISTRY_POLICY_SCOPE: under V2 (the default)
  a statement may grant any `ecr:` action, under V1 only ecr:ReplicateImage,
  ecr:BatchImportUpstreamImage and ecr:CreateRepository (moto allowed two actions, always).
- IAM: AddClientIDToOpenIDConnectProvider and RemoveClientIDFromOpenIDConnectProvider (moto
  answers 500), and DeleteOpenIDConnectProvider of a missing provider is NoSuchEntity (moto
  succeeded).

Every request to an operation the adapter answers or changes is first checked against the
service model botocore ships (required members, types, enums, lengths, list sizes, integer
ranges, patterns, recursively) before anything changes.

Differences from AWS, all of them:
- tag:GetResources lists repositories from moto's stores; AWS's index can lag behind a change.
- A request that breaks the ECR model is InvalidParameterException "Invalid parameter at 'PATH'
  failed to satisfy constraint: 'WHY'" (ECR's wording); one that breaks the IAM model is
  ValidationError "1 validation error detected: …" (IAM's). A wrong JSON type gets the same
  answer, where AWS answers SerializationException. Only the first broken constraint is named,
  and members the model does not know are ignored.
- `registryId` in a request is checked against its pattern and otherwise ignored: the caller's
  own registry is always the one read or changed.
- Pull-through cache rules: the upstream is told from the URL (the hosts the API reference
  lists, plus `cgr.dev` for chainguard); another host is UnsupportedUpstreamRegistryException. A
  `credentialArn` must name a secret that exists in moto's Secrets Manager in the same account
  and region (else SecretNotFoundException); AWS also reads the secret, which the adapter never
  does, so UnableToAccessSecretException and UnableToDecryptSecretValueException never happen.
  Which upstreams need credentials (docker-hub, github-container-registry,
  gitlab-container-registry, azure-container-registry, chainguard) and that an `ecr` upstream
  in another account needs `customRoleArn` come from AWS's guides; the refusals are
  InvalidParameterException with the adapter's wording. `customRoleArn` must be a role of the
  registry's account, `upstreamRoleArn` is taken only for ecr-public-premium with
  `customRoleArn`, and a non-ROOT `upstreamRepositoryPrefix` only for an `ecr` upstream under
  a non-ROOT prefix. A prefix with and without a trailing `/` names the same rule. An update
  leaves the members it omits as they were. ValidatePullThroughCacheRule never reaches the
  upstream: a rule is valid while its secret (if any) exists.
- Repository creation templates: a template with resource tags or a KMS encryption type needs
  `customRoleArn` (InvalidParameterException); `repositoryPolicy` and `lifecyclePolicy` are
  only checked to be JSON; no limit on the number of templates; an update leaves the members it
  omits as they were (a new mutability without filters drops the old filters).
- Account settings: a registry nobody set reads BASIC_SCAN_TYPE_VERSION=AWS_NATIVE,
  REGISTRY_POLICY_SCOPE=V2, BLOB_MOUNTING=DISABLED — or, with the environment variable
  ECRPLAN_MOTO_LEGACY_REGISTRIES=1, CLAIR and V1, as a registry made before those defaults.
  PutAccountSetting takes the values the model documents as accepted today (AWS_NATIVE; V2;
  ENABLED, DISABLED); anything else is InvalidParameterException. Setting BLOB_MOUNTING
  changes nothing else.
- Signing configuration and pull-time update exclusions are stored and returned; nothing is
  signed and no pull time is recorded. No limit on the number of exclusions.
- Paging (DescribePullThroughCacheRules, DescribeRepositoryCreationTemplates,
  ListPullTimeUpdateExclusions: 100 a page unless maxResults says otherwise) uses moto's
  paginator: a token is only good for the same filters, and the item it points at must still
  exist, else InvalidToken.
- AddClientIDToOpenIDConnectProvider over 100 client IDs is LimitExceeded with the adapter's
  wording.

Run it with the Python that has moto installed, with moto_server's arguments.
"""

import json
import os
import re
import sys

import botocore.session
from moto.core.exceptions import ServiceException
from moto.core.resource_tagging import TaggableResourcesMixin, TaggedResource
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import camelcase_to_underscores, utcnow
from moto.ecr import models as ecr
from moto.ecr import responses as ecr_responses
from moto.ecr import urls as ecr_urls
from moto.ecr.exceptions import InvalidParameterException, LimitExceededException
from moto.iam import models as iam
from moto.iam import responses as iam_responses
from moto.iam import urls as iam_urls
from moto.iam.exceptions import LimitExceededException as IamLimitExceeded
from moto.iam.exceptions import MalformedPolicyDocument, ValidationError
from moto.secretsmanager.models import secretsmanager_backends
from moto.utilities.paginator import Paginator

SESSION = botocore.session.get_session()
ECR_MODEL = SESSION.get_service_model("ecr")
IAM_MODEL = SESSION.get_service_model("iam")

# ---------------------------------------------------------------------------------------------
# Requests against the service model


TYPES = {
    "string": str,
    "boolean": bool,
    "integer": int,
    "structure": dict,
    "list": list,
}


def broken(shape, value):
    """AWS's wording of the first of `shape`'s own constraints that `value` breaks."""
    kind, meta = shape.type_name, shape.metadata
    if not isinstance(value, TYPES.get(kind, object)) or (
        kind == "integer" and isinstance(value, bool)
    ):
        return f"Member must be of type {kind}"
    if kind in ("structure", "boolean"):
        return None
    size, measure = (value, "value") if kind == "integer" else (len(value), "length")
    if size < meta.get("min", size):
        return f"Member must have {measure} greater than or equal to {meta['min']}"
    if size > meta.get("max", size):
        return f"Member must have {measure} less than or equal to {meta['max']}"
    if kind == "string" and shape.enum and value not in shape.enum:
        return f"Member must satisfy enum value set: [{', '.join(shape.enum)}]"
    if kind == "string" and "pattern" in meta and not re.fullmatch(meta["pattern"], value):
        return f"Member must satisfy regular expression pattern: {meta['pattern']}"
    return None


def violation(shape, value, path=""):
    """The first constraint that `value` or one of its members breaks, as (path, value,
    AWS's wording); None when it fits `shape`. Members the model does not know are ignored.
    """
    wording = broken(shape, value)
    if wording:
        return path, value, wording
    members = []
    if shape.type_name == "structure":
        for name, member in shape.members.items():
            where = f"{path}.{name}".lstrip(".")
            if value.get(name) is not None:
                members.append((member, value[name], where))
            elif name in shape.required_members:
                return where, None, "Member must not be null"
    if shape.type_name == "list":
        members = [(shape.member, v, f"{path}.{i}.member") for i, v in enumerate(value, 1)]
    for member, member_value, where in members:
        found = violation(member, member_value, where)
        if found:
            return found
    return None


def invalid(member, constraint):
    """ECR's answer to a parameter it refuses."""
    return InvalidParameterException(
        f"Invalid parameter at '{member}' failed to satisfy constraint: '{constraint}'"
    )


def validate(operation, params):
    """Refuses `params` unless they fit the ECR operation's input shape."""
    found = violation(ECR_MODEL.operation_model(operation).input_shape, params)
    if found:
        path, _, constraint = found
        raise invalid(path, constraint)


def validate_iam(operation, params):
    """Refuses `params` unless they fit the IAM operation's input shape."""
    found = violation(IAM_MODEL.operation_model(operation).input_shape, params)
    if found:
        path, value, constraint = found
        shown = "null" if value is None else f"'{value}'"
        raise ValidationError(
            f"1 validation error detected: Value {shown} at '{path}' failed to satisfy "
            f"constraint: {constraint}"
        )


def page(items, unique_attribute, request):
    """One page of `items` as the request's `maxResults` (default 100) and `nextToken` ask."""
    return Paginator(
        max_results=request.get("maxResults"),
        max_results_default=100,
        starting_token=request.get("nextToken"),
        unique_attribute=unique_attribute,
        param_values_to_check={
            k: v for k, v in request.items() if k not in ("maxResults", "nextToken")
        },
    ).paginate(items)


# ---------------------------------------------------------------------------------------------
# ECR errors the model names and moto lacks


def error(code):
    """A moto exception answered as the model's error shape `code`."""
    return type(code, (ServiceException,), {"code": code})


PullThroughCacheRuleAlreadyExistsException = error("PullThroughCacheRuleAlreadyExistsException")
PullThroughCacheRuleNotFoundException = error("PullThroughCacheRuleNotFoundException")
UnsupportedUpstreamRegistryException = error("UnsupportedUpstreamRegistryException")
SecretNotFoundException = error("SecretNotFoundException")
TemplateAlreadyExistsException = error("TemplateAlreadyExistsException")
TemplateNotFoundException = error("TemplateNotFoundException")
SigningConfigurationNotFoundException = error("SigningConfigurationNotFoundException")
ExclusionAlreadyExistsException = error("ExclusionAlreadyExistsException")
ExclusionNotFoundException = error("ExclusionNotFoundException")


# ---------------------------------------------------------------------------------------------
# The registry's settings

# Each upstream registry and the hosts its rules name (CreatePullThroughCacheRule's
# `upstreamRegistryUrl`; chainguard's host from the ECR user guide).
UPSTREAMS = {
    "ecr": r"([0-9]{12})\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com",
    "ecr-public": r"public\.ecr\.aws",
    "ecr-public-premium": r"ecr-premium\.aws\.com",
    "quay": r"quay\.io",
    "k8s": r"registry\.k8s\.io",
    "docker-hub": r"registry-1\.docker\.io",
    "github-container-registry": r"ghcr\.io",
    "azure-container-registry": r"[a-z0-9]+\.azurecr\.io",
    "gitlab-container-registry": r"registry\.gitlab\.com",
    "chainguard": r"cgr\.dev",
}
assert set(UPSTREAMS) == set(ECR_MODEL.shape_for("UpstreamRegistry").enum), "new upstreams"
NEEDS_CREDENTIALS = {
    "docker-hub",
    "github-container-registry",
    "gitlab-container-registry",
    "azure-container-registry",
    "chainguard",
}
MAX_PULL_THROUGH_CACHE_RULES = 50  # per registry, not adjustable (ECR service quotas)

# Each account setting: the value of a registry nobody set, and what PutAccountSetting takes.
ACCOUNT_SETTINGS = {
    "BASIC_SCAN_TYPE_VERSION": ("AWS_NATIVE", ["AWS_NATIVE"]),
    "REGISTRY_POLICY_SCOPE": ("V2", ["V2"]),
    "BLOB_MOUNTING": ("DISABLED", ["ENABLED", "DISABLED"]),
}
# What a registry made before those defaults reads (ECRPLAN_MOTO_LEGACY_REGISTRIES=1).
LEGACY_SETTINGS = {"BASIC_SCAN_TYPE_VERSION": "CLAIR", "REGISTRY_POLICY_SCOPE": "V1"}
V1_POLICY_ACTIONS = {
    "ecr:replicateimage",
    "ecr:batchimportupstreamimage",
    "ecr:createrepository",
}


def same_prefix(prefix):
    """A rule's or template's prefix as compared: `prod` and `prod/` are one prefix."""
    return prefix.rstrip("/")


class ECRBackend(ecr.ECRBackend, TaggableResourcesMixin):
    """moto's ECR backend, with the registry settings moto lacks and the fixes above."""

    SERVICE_NAMESPACE = "ecr"
    # moto finds a backend's URL routes through the module the class is defined in.
    __module__ = ecr.__name__

    def __init__(self, region_name, account_id):
        super().__init__(region_name, account_id)
        legacy = LEGACY_SETTINGS if os.environ.get("ECRPLAN_MOTO_LEGACY_REGISTRIES") else {}
        self.account_settings = {
            name: legacy.get(name, default) for name, (default, _) in ACCOUNT_SETTINGS.items()
        }
        self.pull_through_cache_rules = {}
        self.creation_templates = {}
        self.signing_configuration = None
        self.pull_time_update_exclusions = {}

    # -- repositories -------------------------------------------------------------------------

    def iter_tagged_resources(self):
        for repository in list(self.repositories.values()):
            yield TaggedResource(
                arn=repository.arn,
                tags=self.tagger.get_tag_dict_for_resource(repository.arn),
                resource_type="ecr:repository",
            )

    def put_image_scanning_configuration(self, registry_id, repository_name, image_scan_config):
        """As AWS: an absent `scanOnPush` turns scanning off (moto keeps the old value)."""
        repository = self._get_repository(repository_name, registry_id)
        repository.image_scanning_configuration = {
            "scanOnPush": image_scan_config.get("scanOnPush", False)
        }
        return {
            "registryId": repository.registry_id,
            "repositoryName": repository_name,
            "imageScanningConfiguration": repository.image_scanning_configuration,
        }

    # -- registry policy ----------------------------------------------------------------------

    def _validate_registry_policy_action(self, policy_text):
        """What a statement may grant depends on REGISTRY_POLICY_SCOPE (moto: two actions)."""
        v1 = self.account_settings["REGISTRY_POLICY_SCOPE"] == "V1"
        statements = json.loads(policy_text)["Statement"]
        for statement in [statements] if isinstance(statements, dict) else statements:
            actions = statement.get("Action", [])
            for action in [actions] if isinstance(actions, str) else actions:
                action = action.lower()
                if not (action in V1_POLICY_ACTIONS if v1 else action.startswith("ecr:")):
                    raise MalformedPolicyDocument()

    # -- account settings ---------------------------------------------------------------------

    def _setting_name(self, request):
        name = request["name"]
        if name not in ACCOUNT_SETTINGS:
            raise invalid("name", f"one of {', '.join(ACCOUNT_SETTINGS)}")
        return name

    def get_account_setting(self, request):
        name = self._setting_name(request)
        return {"name": name, "value": self.account_settings[name]}

    def put_account_setting(self, request):
        name = self._setting_name(request)
        accepted = ACCOUNT_SETTINGS[name][1]
        if request["value"] not in accepted:
            raise invalid("value", f"{name} takes {', '.join(accepted)}")
        self.account_settings[name] = request["value"]
        return {"name": name, "value": request["value"]}

    # -- pull-through cache rules -------------------------------------------------------------

    def _rule(self, prefix):
        rule = self.pull_through_cache_rules.get(same_prefix(prefix))
        if rule is None:
            raise PullThroughCacheRuleNotFoundException(
                f"The pull through cache rule with prefix '{prefix}' does not exist in the "
                f"registry with id '{self.account_id}'"
            )
        return rule

    def _check_role(self, member, arn):
        if not re.fullmatch(rf"arn:aws[a-z-]*:iam::{self.account_id}:role/\S+", arn):
            raise invalid(member, "must be the ARN of a role in the registry's account")

    def _check_rule(self, rule):
        """The rules AWS enforces between a rule's members, on create and on update."""
        upstream = rule["upstreamRegistry"]
        credential = rule.get("credentialArn")
        if upstream in NEEDS_CREDENTIALS and not credential:
            raise invalid("credentialArn", f"{upstream} needs a Secrets Manager secret")
        if upstream == "ecr-public-premium" and credential:
            raise invalid("credentialArn", "ecr-public-premium takes no credentials")
        secrets = secretsmanager_backends[self.account_id][self.region_name].secrets
        if credential and credential not in secrets:
            raise SecretNotFoundException(f"The secret '{credential}' does not exist")
        role = rule.get("customRoleArn")
        if role:
            self._check_role("customRoleArn", role)
        if upstream == "ecr" and not role:
            upstream_account = re.match(UPSTREAMS["ecr"], rule["upstreamRegistryUrl"])[1]
            if upstream_account != self.account_id:
                raise invalid("customRoleArn", "an ECR upstream in another account needs a role")
        if rule.get("upstreamRoleArn") and (upstream != "ecr-public-premium" or not role):
            raise invalid("upstreamRoleArn", "only ecr-public-premium with customRoleArn")
        if rule["upstreamRepositoryPrefix"] != "ROOT" and (
            upstream != "ecr" or rule["ecrRepositoryPrefix"] == "ROOT"
        ):
            raise invalid("upstreamRepositoryPrefix", "only an ECR upstream under a prefix")

    def create_pull_through_cache_rule(self, request):
        prefix, url = request["ecrRepositoryPrefix"], request["upstreamRegistryUrl"]
        upstream = next((u for u, host in UPSTREAMS.items() if re.fullmatch(host, url)), None)
        if upstream is None:
            raise UnsupportedUpstreamRegistryException(
                f"The upstream registry '{url}' is not supported"
            )
        if request.get("upstreamRegistry", upstream) != upstream:
            raise invalid("upstreamRegistry", f"'{url}' is the URL of {upstream}")
        now = utcnow()
        rule = {
            "ecrRepositoryPrefix": prefix,
            "upstreamRegistryUrl": url,
            "upstreamRegistry": upstream,
            "registryId": self.account_id,
            "upstreamRepositoryPrefix": request.get("upstreamRepositoryPrefix", "ROOT"),
            "createdAt": now,
            "updatedAt": now,
        }
        for member in ("credentialArn", "customRoleArn", "upstreamRoleArn"):
            if member in request:
                rule[member] = request[member]
        self._check_rule(rule)
        if same_prefix(prefix) in self.pull_through_cache_rules:
            raise PullThroughCacheRuleAlreadyExistsException(
                f"A pull through cache rule with prefix '{prefix}' already exists"
            )
        if len(self.pull_through_cache_rules) >= MAX_PULL_THROUGH_CACHE_RULES:
            raise LimitExceededException(
                f"A registry holds at most {MAX_PULL_THROUGH_CACHE_RULES} pull through cache rules"
            )
        self.pull_through_cache_rules[same_prefix(prefix)] = rule
        return rule

    def describe_pull_through_cache_rules(self, request):
        prefixes = request.get("ecrRepositoryPrefixes", self.pull_through_cache_rules)
        rules = {same_prefix(prefix): self._rule(prefix) for prefix in prefixes}
        rules, token = page([rules[p] for p in sorted(rules)], "ecrRepositoryPrefix", request)
        return {"pullThroughCacheRules": rules, "nextToken": token}

    def update_pull_through_cache_rule(self, request):
        rule = self._rule(request["ecrRepositoryPrefix"])
        updated = dict(rule, updatedAt=utcnow())
        for member in ("credentialArn", "customRoleArn", "upstreamRoleArn"):
            if member in request:
                updated[member] = request[member]
        self._check_rule(updated)
        rule.update(updated)
        return rule

    def delete_pull_through_cache_rule(self, request):
        self._rule(request["ecrRepositoryPrefix"])
        return self.pull_through_cache_rules.pop(same_prefix(request["ecrRepositoryPrefix"]))

    def validate_pull_through_cache_rule(self, request):
        rule = self._rule(request["ecrRepositoryPrefix"])
        try:
            self._check_rule(rule)
        except ServiceException as e:
            return dict(rule, isValid=False, failure=e.message)
        return dict(rule, isValid=True)

    # -- repository creation templates --------------------------------------------------------

    def _template(self, prefix):
        template = self.creation_templates.get(same_prefix(prefix))
        if template is None:
            raise TemplateNotFoundException(
                f"The repository creation template with prefix '{prefix}' does not exist in "
                f"the registry with id '{self.account_id}'"
            )
        return template

    def _check_template(self, template):
        """The rules AWS enforces between a template's members, on create and on update."""
        encryption = template["encryptionConfiguration"]["encryptionType"]
        role = template.get("customRoleArn")
        if (template["resourceTags"] or encryption != "AES256") and not role:
            raise invalid("customRoleArn", "resource tags and KMS encryption need a custom role")
        if role:
            self._check_role("customRoleArn", role)
        self.validate_image_tag_mutability_params_compatibility(
            template["imageTagMutability"],
            template.get("imageTagMutabilityExclusionFilters"),
        )
        for member in ("repositoryPolicy", "lifecyclePolicy"):
            if template.get(member):
                try:
                    json.loads(template[member])
                except ValueError:
                    raise invalid(member, "must be a JSON document") from None

    def _registry_answer(self, template):
        return {"registryId": self.account_id, "repositoryCreationTemplate": template}

    def create_repository_creation_template(self, request):
        now = utcnow()
        template = {
            "encryptionConfiguration": {"encryptionType": "AES256"},
            "imageTagMutability": "MUTABLE",
            "resourceTags": [],
            **request,
            "createdAt": now,
            "updatedAt": now,
        }
        self._check_template(template)
        if same_prefix(request["prefix"]) in self.creation_templates:
            raise TemplateAlreadyExistsException(
                f"A repository creation template with prefix '{request['prefix']}' already exists"
            )
        self.creation_templates[same_prefix(request["prefix"])] = template
        return self._registry_answer(template)

    def describe_repository_creation_templates(self, request):
        wanted = {same_prefix(p) for p in request.get("prefixes", [])}
        templates = [
            template
            for prefix, template in sorted(self.creation_templates.items())
            if not wanted or prefix in wanted
        ]
        templates, token = page(templates, "prefix", request)
        return {
            "registryId": self.account_id,
            "repositoryCreationTemplates": templates,
            "nextToken": token,
        }

    def update_repository_creation_template(self, request):
        template = self._template(request["prefix"])
        updated = {
            **template,
            **request,
            "prefix": template["prefix"],
            "updatedAt": utcnow(),
        }
        if "imageTagMutabilityExclusionFilters" not in request and "imageTagMutability" in request:
            updated.pop("imageTagMutabilityExclusionFilters", None)
        self._check_template(updated)
        template.clear()
        template.update(updated)
        return self._registry_answer(template)

    def delete_repository_creation_template(self, request):
        self._template(request["prefix"])
        return self._registry_answer(self.creation_templates.pop(same_prefix(request["prefix"])))

    # -- signing ------------------------------------------------------------------------------

    def _signing(self):
        if self.signing_configuration is None:
            raise SigningConfigurationNotFoundException(
                f"No signing configuration in the registry with id '{self.account_id}'"
            )
        return {
            "registryId": self.account_id,
            "signingConfiguration": self.signing_configuration,
        }

    def put_signing_configuration(self, request):
        self.signing_configuration = request["signingConfiguration"]
        return {"signingConfiguration": self.signing_configuration}

    def get_signing_configuration(self, request):
        return self._signing()

    def delete_signing_configuration(self, request):
        answer = self._signing()
        self.signing_configuration = None
        return answer

    # -- pull-time update exclusions ----------------------------------------------------------

    def register_pull_time_update_exclusion(self, request):
        arn = request["principalArn"]
        if arn in self.pull_time_update_exclusions:
            raise ExclusionAlreadyExistsException(f"'{arn}' is already excluded")
        self.pull_time_update_exclusions[arn] = utcnow()
        return {"principalArn": arn, "createdAt": self.pull_time_update_exclusions[arn]}

    def list_pull_time_update_exclusions(self, request):
        arns, token = page(list(self.pull_time_update_exclusions), None, request)
        return {"pullTimeUpdateExclusions": arns, "nextToken": token}

    def deregister_pull_time_update_exclusion(self, request):
        arn = request["principalArn"]
        if self.pull_time_update_exclusions.pop(arn, None) is None:
            raise ExclusionNotFoundException(f"'{arn}' is not excluded")
        return {"principalArn": arn}


# The operations the adapter adds, answered alike by ECRResponse.answer.
REGISTRY_OPERATIONS = [
    "CreatePullThroughCacheRule",
    "DescribePullThroughCacheRules",
    "UpdatePullThroughCacheRule",
    "DeletePullThroughCacheRule",
    "ValidatePullThroughCacheRule",
    "CreateRepositoryCreationTemplate",
    "DescribeRepositoryCreationTemplates",
    "UpdateRepositoryCreationTemplate",
    "DeleteRepositoryCreationTemplate",
    "GetAccountSetting",
    "PutAccountSetting",
    "PutSigningConfiguration",
    "GetSigningConfiguration",
    "DeleteSigningConfiguration",
    "RegisterPullTimeUpdateExclusion",
    "ListPullTimeUpdateExclusions",
    "DeregisterPullTimeUpdateExclusion",
]


class ECRResponse(ecr_responses.ECRResponse):
    """moto's ECR responses, validating what the adapter answers or changes."""

    def validated(self):
        """The request's JSON body, once it fits the operation's input shape."""
        params = json.loads(self.body or "{}")
        validate(self._get_action(), params)
        return params

    def answer(self):
        """A registry operation: the backend method of the operation's name, given the
        validated request; its answer is serialised with the operation's output shape.
        """
        method = getattr(self.ecr_backend, camelcase_to_underscores(self._get_action()))
        return ActionResult(method(self.validated()))

    def put_image_scanning_configuration(self):
        self.validated()
        return super().put_image_scanning_configuration()

    def put_registry_policy(self):
        self.validated()
        return super().put_registry_policy()


for _operation in REGISTRY_OPERATIONS:
    setattr(ECRResponse, camelcase_to_underscores(_operation), ECRResponse.answer)


# ---------------------------------------------------------------------------------------------
# IAM

MAX_CLIENT_IDS = 100  # per OIDC provider (CreateOpenIDConnectProvider's ClientIDList)


class IAMBackend(iam.IAMBackend):
    """moto's IAM backend, with OIDC client-ID changes and NoSuchEntity on a missing delete."""

    __module__ = iam.__name__

    def add_client_id_to_open_id_connect_provider(self, arn, client_id):
        provider = self.get_open_id_connect_provider(arn)
        if client_id in provider.client_id_list:
            return
        if len(provider.client_id_list) >= MAX_CLIENT_IDS:
            raise IamLimitExceeded(
                f"Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: {MAX_CLIENT_IDS}"
            )
        provider.client_id_list.append(client_id)

    def remove_client_id_from_open_id_connect_provider(self, arn, client_id):
        provider = self.get_open_id_connect_provider(arn)
        if client_id in provider.client_id_list:
            provider.client_id_list.remove(client_id)

    def delete_open_id_connect_provider(self, arn):
        self.get_open_id_connect_provider(arn)
        super().delete_open_id_connect_provider(arn)


class IamResponse(iam_responses.IamResponse):
    """moto's IAM responses, with the OIDC operations above validated against the model."""

    def validated(self):
        operation = IAM_MODEL.operation_model(self._get_action())
        params = {name: self._get_param(name) for name in operation.input_shape.members}
        params = {name: value for name, value in params.items() if value is not None}
        validate_iam(operation.name, params)
        return params

    def add_client_id_to_open_id_connect_provider(self):
        request = self.validated()
        self.backend.add_client_id_to_open_id_connect_provider(
            request["OpenIDConnectProviderArn"], request["ClientID"]
        )
        return EmptyResult()

    def remove_client_id_from_open_id_connect_provider(self):
        request = self.validated()
        self.backend.remove_client_id_from_open_id_connect_provider(
            request["OpenIDConnectProviderArn"], request["ClientID"]
        )
        return EmptyResult()

    def delete_open_id_connect_provider(self):
        self.validated()
        return super().delete_open_id_connect_provider()


# Backends are made lazily, per account and region, from these classes; the server routes
# requests through the URL modules' handlers.
ecr.ecr_backends.backend = ECRBackend
iam.iam_backends.backend = IAMBackend
ecr_urls.url_paths["{0}/$"] = ECRResponse.dispatch
iam_urls.url_paths["{0}/$"] = IamResponse.dispatch

if __name__ == "__main__":
    from moto.server import main

    sys.argv[0] = "moto_server"
    sys.exit(main())
