"""The moto adapter (tagging_adapter.py) over the wire: it is started on a free 127.0.0.1 port
and every operation it answers or changes is driven with boto3, with client-side validation off
so that the server's own refusals are what is tested.

Run with the Python that has moto installed (scripts/test does):
    .venv/bin/python crates/test-support/moto/test_adapter.py [-v] [Class.test_name]
"""

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import types
import unittest
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ADAPTER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tagging_adapter.py")
REGION = "eu-west-1"
ACCOUNT = "123456789012"  # moto's default account
OTHER_ACCOUNT = "210987654321"
OTHER_REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ecr-upstream"
FOREIGN_ROLE = f"arn:aws:iam::{OTHER_ACCOUNT}:role/ecr-upstream"


class Server:
    """The adapter on a free port, with boto3 clients for it."""

    def __init__(self, **env):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, ADAPTER, "-H", "127.0.0.1", "-p", str(port)],
            env={**os.environ, **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.clients = {}
        deadline = time.monotonic() + 60
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the adapter did not start:\n{self.output}")
            time.sleep(0.1)

    def answers(self):
        try:
            return urllib.request.urlopen(f"{self.url}/moto-api/").status == 200
        except OSError:
            return False

    def stop(self):
        self.process.terminate()
        self.process.wait()
        self.log.seek(0)
        self.output = self.log.read().decode()
        self.log.close()

    def reset(self):
        urllib.request.urlopen(urllib.request.Request(f"{self.url}/moto-api/reset", b""))

    def client(self, service, account=None, region=REGION):
        """A boto3 client, in another account through moto's `x-moto-account-id` header."""
        key = (service, account, region)
        if key not in self.clients:
            client = boto3.client(
                service,
                endpoint_url=self.url,
                region_name=region,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                config=Config(parameter_validation=False, retries={"max_attempts": 1}),
            )
            if account:

                def header(request, **_):
                    request.headers["x-moto-account-id"] = account

                client.meta.events.register("before-send", header)
            self.clients[key] = client
        return self.clients[key]


SERVER = None


def setUpModule():
    global SERVER
    SERVER = Server()


def tearDownModule():
    SERVER.stop()


class AdapterTest(unittest.TestCase):
    def server(self):
        return SERVER

    def setUp(self):
        self.server().reset()
        self.ecr = self.server().client("ecr")

    @contextlib.contextmanager
    def refused(self, code):
        """Asserts that the block fails with `code`; `.message` is then AWS's message."""
        answer = types.SimpleNamespace()
        with self.assertRaises(ClientError) as caught:
            yield answer
        error = caught.exception.response["Error"]
        self.assertEqual(error["Code"], code, error)
        answer.message = error["Message"]

    def secret(self, name="ecr-pullthroughcache/upstream", account=None):
        manager = self.server().client("secretsmanager", account)
        return manager.create_secret(Name=name, SecretString="{}")["ARN"]

    def elsewhere(self):
        """The same operations in another account and in another region."""
        return [
            self.server().client("ecr", OTHER_ACCOUNT),
            self.server().client("ecr", region=OTHER_REGION),
        ]


class PullThroughCacheRules(AdapterTest):
    MISSING_SECRET = (
        f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:ecr-pullthroughcache/gone-AbCdEf"
    )

    def create(self, prefix, url="public.ecr.aws", **params):
        return self.ecr.create_pull_through_cache_rule(
            ecrRepositoryPrefix=prefix, upstreamRegistryUrl=url, **params
        )

    def describe(self, client=None, **params):
        answer = (client or self.ecr).describe_pull_through_cache_rules(**params)
        return answer["pullThroughCacheRules"]

    def test_a_rule_is_created_and_described_with_what_aws_fills_in(self):
        arn = self.secret()
        created = self.create("docker-hub", "registry-1.docker.io", credentialArn=arn)
        self.assertEqual(created["upstreamRegistry"], "docker-hub")
        self.assertEqual(created["upstreamRepositoryPrefix"], "ROOT")
        self.assertEqual(created["registryId"], ACCOUNT)
        self.assertEqual(created["credentialArn"], arn)
        [rule] = self.describe()
        self.assertEqual(rule["ecrRepositoryPrefix"], "docker-hub")
        self.assertEqual(rule["upstreamRegistryUrl"], "registry-1.docker.io")
        self.assertEqual(rule["createdAt"], created["createdAt"])
        self.assertEqual(rule["updatedAt"], rule["createdAt"])

    def test_the_upstream_is_told_from_the_url(self):
        for prefix, url, upstream in [
            ("ecr-public", "public.ecr.aws", "ecr-public"),
            ("k8s", "registry.k8s.io", "k8s"),
            ("quay", "quay.io", "quay"),
            ("own", f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com", "ecr"),
        ]:
            self.assertEqual(self.create(prefix, url)["upstreamRegistry"], upstream)
        named = self.create("named", "quay.io", upstreamRegistry="quay")
        self.assertEqual(named["upstreamRegistry"], "quay")
        with self.refused("UnsupportedUpstreamRegistryException"):
            self.create("x1", "example.com")
        with self.refused("InvalidParameterException"):
            self.create("x2", "ghcr.io", upstreamRegistry="quay")
        with self.refused("InvalidParameterException") as answer:
            self.create("x3", upstreamRegistry="nope")
        self.assertIn("enum value set", answer.message)

    def test_upstreams_that_need_credentials_need_a_secret_named_for_ecr(self):
        for url in ["registry-1.docker.io", "ghcr.io", "registry.gitlab.com", "me.azurecr.io"]:
            with self.refused("InvalidParameterException") as answer:
                self.create("up", url)
            self.assertIn("credentialArn", answer.message)
        with self.refused("InvalidParameterException"):
            self.create("up", "cgr.dev")
        wrong = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:docker-hub-creds-AbCdEf"
        with self.refused("InvalidParameterException") as answer:
            self.create("up", "ghcr.io", credentialArn=wrong)
        self.assertIn("regular expression pattern", answer.message)
        with self.refused("SecretNotFoundException"):
            self.create("up", "ghcr.io", credentialArn=self.MISSING_SECRET)
        with self.refused("SecretNotFoundException"):
            self.create("up", "ghcr.io", credentialArn=self.secret(account=OTHER_ACCOUNT))
        with self.refused("InvalidParameterException"):
            self.create("up", "ecr-premium.aws.com", credentialArn=self.secret())
        self.create("up", "cgr.dev", credentialArn=self.secret("ecr-pullthroughcache/cgr"))

    def test_an_ecr_upstream_in_another_account_needs_a_role_of_this_account(self):
        other = f"{OTHER_ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
        with self.refused("InvalidParameterException"):
            self.create("other", other)
        with self.refused("InvalidParameterException"):
            self.create("other", other, customRoleArn=FOREIGN_ROLE)
        rule = self.create("other", other, customRoleArn=ROLE, upstreamRepositoryPrefix="team-a")
        self.assertEqual(rule["upstreamRepositoryPrefix"], "team-a")
        self.assertEqual(rule["customRoleArn"], ROLE)

    def test_upstream_prefixes_and_roles_only_where_aws_takes_them(self):
        own = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
        with self.refused("InvalidParameterException"):
            self.create("ROOT", own, upstreamRepositoryPrefix="team-a")
        with self.refused("InvalidParameterException"):
            self.create("ecr-public", upstreamRepositoryPrefix="team-a")
        with self.refused("InvalidParameterException"):
            self.create("own", own, customRoleArn=ROLE, upstreamRoleArn=ROLE)
        with self.refused("InvalidParameterException"):
            self.create("premium", "ecr-premium.aws.com", upstreamRoleArn=ROLE)
        self.create("ROOT", own, upstreamRepositoryPrefix="ROOT")
        premium = self.create(
            "premium", "ecr-premium.aws.com", customRoleArn=ROLE, upstreamRoleArn=FOREIGN_ROLE
        )
        self.assertEqual(premium["upstreamRegistry"], "ecr-public-premium")

    def test_requests_follow_the_model(self):
        for prefix in ["a__b", "team/ecr-public", "ROOT", "prod/", "x" * 30]:
            self.create(prefix)
        for prefix in ["a", "Upper", "a-", "/a", "a//b", "x" * 31, "ROOT/"]:
            with self.refused("InvalidParameterException") as answer:
                self.create(prefix)
            self.assertIn("'ecrRepositoryPrefix'", answer.message)
        with self.refused("InvalidParameterException") as answer:
            self.ecr.create_pull_through_cache_rule(ecrRepositoryPrefix="ab")
        self.assertEqual(
            answer.message,
            "Invalid parameter at 'upstreamRegistryUrl' failed to satisfy constraint: "
            "'Member must not be null'",
        )
        with self.refused("InvalidParameterException"):
            self.create("ab", registryId="1234")
        with self.refused("InvalidParameterException"):
            self.create("ab", customRoleArn="r" * 2049)

    def test_a_prefix_names_one_rule(self):
        self.create("prod")
        for prefix in ["prod", "prod/"]:
            with self.refused("PullThroughCacheRuleAlreadyExistsException"):
                self.create(prefix)

    def test_a_registry_holds_fifty_rules(self):
        for i in range(50):
            self.create(f"p{i:02}")
        with self.refused("LimitExceededException"):
            self.create("p50")
        other, _ = self.elsewhere()
        other.create_pull_through_cache_rule(
            ecrRepositoryPrefix="p50", upstreamRegistryUrl="quay.io"
        )

    def test_describe_filters_by_prefix_and_pages(self):
        for prefix in ["p3", "p1", "p4", "p0", "p2"]:
            self.create(prefix)
        found = self.describe(ecrRepositoryPrefixes=["p3", "p1", "p1/"])
        self.assertEqual([r["ecrRepositoryPrefix"] for r in found], ["p1", "p3"])
        with self.refused("PullThroughCacheRuleNotFoundException"):
            self.describe(ecrRepositoryPrefixes=["p1", "p9"])
        seen, token = [], None
        while True:
            params = {"maxResults": 2, **({"nextToken": token} if token else {})}
            answer = self.ecr.describe_pull_through_cache_rules(**params)
            self.assertLessEqual(len(answer["pullThroughCacheRules"]), 2)
            seen += [r["ecrRepositoryPrefix"] for r in answer["pullThroughCacheRules"]]
            token = answer.get("nextToken")
            if not token:
                break
        self.assertEqual(seen, ["p0", "p1", "p2", "p3", "p4"])
        for bad in [{"maxResults": 0}, {"maxResults": 1001}, {"ecrRepositoryPrefixes": []}]:
            with self.refused("InvalidParameterException"):
                self.describe(**bad)

    def test_an_update_changes_the_secret_and_keeps_the_rest(self):
        first, second = self.secret("ecr-pullthroughcache/a"), self.secret("ecr-pullthroughcache/b")
        created = self.create("gh", "ghcr.io", credentialArn=first)
        update = self.ecr.update_pull_through_cache_rule
        updated = update(ecrRepositoryPrefix="gh", credentialArn=second)
        self.assertEqual(updated["credentialArn"], second)
        self.assertEqual(updated["upstreamRepositoryPrefix"], "ROOT")
        self.assertGreaterEqual(updated["updatedAt"], created["createdAt"])
        [rule] = self.describe()
        self.assertEqual((rule["credentialArn"], rule["upstreamRegistryUrl"]), (second, "ghcr.io"))
        self.assertEqual(
            (rule["createdAt"], rule["updatedAt"]), (created["createdAt"], updated["updatedAt"])
        )
        with self.refused("PullThroughCacheRuleNotFoundException"):
            update(ecrRepositoryPrefix="nope", credentialArn=second)
        with self.refused("SecretNotFoundException"):
            update(ecrRepositoryPrefix="gh", credentialArn=self.MISSING_SECRET)
        with self.refused("InvalidParameterException"):
            update(ecrRepositoryPrefix="gh", customRoleArn=FOREIGN_ROLE)
        self.assertEqual(
            update(ecrRepositoryPrefix="gh", customRoleArn=ROLE)["customRoleArn"], ROLE
        )

    def test_delete_answers_the_deleted_rule(self):
        self.create("ecr-public")
        deleted = self.ecr.delete_pull_through_cache_rule(ecrRepositoryPrefix="ecr-public")
        self.assertEqual(deleted["upstreamRegistryUrl"], "public.ecr.aws")
        self.assertEqual(deleted["registryId"], ACCOUNT)
        self.assertIn("createdAt", deleted)
        self.assertEqual(self.describe(), [])
        with self.refused("PullThroughCacheRuleNotFoundException"):
            self.ecr.delete_pull_through_cache_rule(ecrRepositoryPrefix="ecr-public")

    def test_a_rule_is_valid_while_its_secret_exists(self):
        arn = self.secret()
        self.create("gh", "ghcr.io", credentialArn=arn)
        validate = self.ecr.validate_pull_through_cache_rule
        self.assertTrue(validate(ecrRepositoryPrefix="gh")["isValid"])
        manager = self.server().client("secretsmanager")
        manager.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
        answer = validate(ecrRepositoryPrefix="gh")
        self.assertFalse(answer["isValid"])
        self.assertIn("does not exist", answer["failure"])
        with self.refused("PullThroughCacheRuleNotFoundException"):
            validate(ecrRepositoryPrefix="nope")

    def test_rules_are_kept_per_account_and_region(self):
        self.create("ecr-public")
        for client in self.elsewhere():
            self.assertEqual(self.describe(client), [])


class CreationTemplates(AdapterTest):
    def create(self, prefix="ROOT", appliedFor=("PULL_THROUGH_CACHE",), **params):
        return self.ecr.create_repository_creation_template(
            prefix=prefix, appliedFor=list(appliedFor), **params
        )

    def describe(self, client=None, **params):
        answer = (client or self.ecr).describe_repository_creation_templates(**params)
        return answer["repositoryCreationTemplates"]

    def test_aws_defaults_are_filled_in_and_read_back(self):
        created = self.create()
        self.assertEqual(created["registryId"], ACCOUNT)
        template = created["repositoryCreationTemplate"]
        self.assertEqual(template["encryptionConfiguration"], {"encryptionType": "AES256"})
        self.assertEqual(template["imageTagMutability"], "MUTABLE")
        self.assertEqual(template["resourceTags"], [])
        self.assertEqual(template["appliedFor"], ["PULL_THROUGH_CACHE"])
        self.assertEqual(template["createdAt"], template["updatedAt"])
        self.assertEqual(self.describe(), [template])

    def test_every_member_is_kept_as_sent(self):
        sent = {
            "description": "team repositories",
            "encryptionConfiguration": {
                "encryptionType": "KMS",
                "kmsKey": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0a1b2c3d-0000-1111-2222-3333",
            },
            "resourceTags": [{"Key": "team", "Value": "platform"}],
            "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
            "imageTagMutabilityExclusionFilters": [{"filterType": "WILDCARD", "filter": "dev*"}],
            "repositoryPolicy": json.dumps({"Version": "2012-10-17", "Statement": []}),
            "lifecyclePolicy": json.dumps({"rules": []}),
            "customRoleArn": ROLE,
        }
        template = self.create("team/a", ["REPLICATION", "CREATE_ON_PUSH"], **sent)
        for member, value in sent.items():
            self.assertEqual(template["repositoryCreationTemplate"][member], value, member)

    def test_tags_and_kms_need_a_role_of_this_account(self):
        tags = [{"Key": "a", "Value": "b"}]
        for params in [
            {"resourceTags": tags},
            {"encryptionConfiguration": {"encryptionType": "KMS"}},
            {"encryptionConfiguration": {"encryptionType": "KMS_DSSE"}},
            {"resourceTags": tags, "customRoleArn": FOREIGN_ROLE},
        ]:
            with self.refused("InvalidParameterException") as answer:
                self.create(**params)
            self.assertIn("customRoleArn", answer.message)
        self.create(encryptionConfiguration={"encryptionType": "KMS_DSSE"}, customRoleArn=ROLE)

    def test_requests_follow_the_model(self):
        with self.refused("InvalidParameterException") as answer:
            self.ecr.create_repository_creation_template(prefix="ROOT")
        self.assertIn("'appliedFor'", answer.message)

        def filters(*values):
            return [{"filterType": "WILDCARD", "filter": v} for v in values]

        for params in [
            {"appliedFor": ["ON_PULL"]},
            {"prefix": "Bad"},
            {"prefix": ""},
            {"description": "d" * 257},
            {"imageTagMutability": "SOMETIMES"},
            {"encryptionConfiguration": {"encryptionType": "AES256", "kmsKey": "key"}},
            {"encryptionConfiguration": {}},
            {"imageTagMutability": "MUTABLE", "imageTagMutabilityExclusionFilters": filters("x")},
            {"imageTagMutability": "MUTABLE_WITH_EXCLUSION"},
            {
                "imageTagMutability": "MUTABLE_WITH_EXCLUSION",
                "imageTagMutabilityExclusionFilters": filters("no spaces"),
            },
            {
                "imageTagMutability": "MUTABLE_WITH_EXCLUSION",
                "imageTagMutabilityExclusionFilters": filters(*"abcdef"),
            },
            {"lifecyclePolicy": "not json"},
            {"repositoryPolicy": "x" * 10241},
            {"resourceTags": [{"Key": "a"}], "customRoleArn": ROLE},
        ]:
            with self.refused("InvalidParameterException"):
                self.create(**params)
        self.assertEqual(self.describe(), [])

    def test_a_prefix_names_one_template(self):
        self.create("prod")
        for prefix in ["prod", "prod/"]:
            with self.refused("TemplateAlreadyExistsException"):
                self.create(prefix)

    def test_describe_filters_by_prefix_and_pages(self):
        for prefix in ["t3", "ROOT", "t1", "t2", "t0"]:
            self.create(prefix)
        found = self.describe(prefixes=["t2", "t0", "missing"])
        self.assertEqual([t["prefix"] for t in found], ["t0", "t2"])
        first = self.ecr.describe_repository_creation_templates(maxResults=3)
        rest = self.ecr.describe_repository_creation_templates(
            maxResults=3, nextToken=first["nextToken"]
        )
        self.assertNotIn("nextToken", rest)
        pages = first["repositoryCreationTemplates"] + rest["repositoryCreationTemplates"]
        self.assertEqual([t["prefix"] for t in pages], ["ROOT", "t0", "t1", "t2", "t3"])

    def test_an_update_changes_what_it_names(self):
        update = self.ecr.update_repository_creation_template
        created = self.create("prod", description="before")["repositoryCreationTemplate"]
        updated = update(
            prefix="prod",
            imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
            imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": "dev-*"}],
        )["repositoryCreationTemplate"]
        self.assertEqual(updated["description"], "before")
        self.assertEqual(updated["imageTagMutability"], "IMMUTABLE_WITH_EXCLUSION")
        self.assertEqual(updated["createdAt"], created["createdAt"])
        self.assertGreaterEqual(updated["updatedAt"], created["updatedAt"])
        self.assertEqual(self.describe(), [updated])
        mutable = update(prefix="prod", imageTagMutability="MUTABLE")["repositoryCreationTemplate"]
        self.assertNotIn("imageTagMutabilityExclusionFilters", mutable)
        with self.refused("InvalidParameterException"):
            update(prefix="prod", resourceTags=[{"Key": "a", "Value": "b"}])
        with self.refused("TemplateNotFoundException"):
            update(prefix="nope")

    def test_delete_answers_the_deleted_template(self):
        self.create("prod", description="gone soon")
        deleted = self.ecr.delete_repository_creation_template(prefix="prod")
        self.assertEqual(deleted["registryId"], ACCOUNT)
        self.assertEqual(deleted["repositoryCreationTemplate"]["description"], "gone soon")
        self.assertEqual(self.describe(), [])
        with self.refused("TemplateNotFoundException"):
            self.ecr.delete_repository_creation_template(prefix="prod")

    def test_templates_are_kept_per_account_and_region(self):
        self.create()
        for client in self.elsewhere():
            self.assertEqual(self.describe(client), [])


class AccountSettings(AdapterTest):
    def value(self, name, client=None):
        return (client or self.ecr).get_account_setting(name=name)["value"]

    def test_a_new_registry_reads_the_defaults(self):
        self.assertEqual(self.value("BASIC_SCAN_TYPE_VERSION"), "AWS_NATIVE")
        self.assertEqual(self.value("REGISTRY_POLICY_SCOPE"), "V2")
        self.assertEqual(self.value("BLOB_MOUNTING"), "DISABLED")

    def test_the_values_aws_takes_today_are_set(self):
        for name, value in [
            ("BLOB_MOUNTING", "ENABLED"),
            ("REGISTRY_POLICY_SCOPE", "V2"),
            ("BASIC_SCAN_TYPE_VERSION", "AWS_NATIVE"),
        ]:
            answer = self.ecr.put_account_setting(name=name, value=value)
            self.assertEqual((answer["name"], answer["value"]), (name, value))
            self.assertEqual(self.value(name), value)

    def test_other_values_and_names_are_refused(self):
        for params in [
            {"name": "REGISTRY_POLICY_SCOPE", "value": "V1"},
            {"name": "BASIC_SCAN_TYPE_VERSION", "value": "CLAIR"},
            {"name": "BLOB_MOUNTING", "value": "on"},
            {"name": "NOPE", "value": "V2"},
            {"name": "", "value": "V2"},
            {"name": "BLOB_MOUNTING"},
        ]:
            with self.refused("InvalidParameterException"):
                self.ecr.put_account_setting(**params)
        with self.refused("InvalidParameterException"):
            self.ecr.get_account_setting(name="NOPE")
        self.assertEqual(self.value("BLOB_MOUNTING"), "DISABLED")

    def test_settings_are_kept_per_account_and_region(self):
        self.ecr.put_account_setting(name="BLOB_MOUNTING", value="ENABLED")
        for client in self.elsewhere():
            self.assertEqual(self.value("BLOB_MOUNTING", client), "DISABLED")


def registry_policy(*actions):
    statement = {
        "Sid": "replication",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
        "Action": list(actions),
        "Resource": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/*",
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


class RegistryPolicy(AdapterTest):
    def test_under_v2_any_ecr_action_may_be_granted(self):
        text = registry_policy("ecr:ReplicateImage", "ecr:BatchGetImage", "ecr:*")
        self.ecr.put_registry_policy(policyText=text)
        self.assertEqual(self.ecr.get_registry_policy()["policyText"], text)

    def test_other_services_actions_and_oversized_policies_are_refused(self):
        for params in [
            {"policyText": registry_policy("s3:GetObject")},
            {"policyText": " " * 10241},
            {},
        ]:
            with self.refused("InvalidParameterException"):
                self.ecr.put_registry_policy(**params)


class LegacyRegistries(AdapterTest):
    """ECRPLAN_MOTO_LEGACY_REGISTRIES=1: registries read as made before today's defaults."""

    @classmethod
    def setUpClass(cls):
        cls.legacy = Server(ECRPLAN_MOTO_LEGACY_REGISTRIES="1")

    @classmethod
    def tearDownClass(cls):
        cls.legacy.stop()

    def server(self):
        return self.legacy

    def test_old_values_are_read_but_cannot_be_set_back(self):
        self.assertEqual(self.ecr.get_account_setting(name="REGISTRY_POLICY_SCOPE")["value"], "V1")
        self.assertEqual(
            self.ecr.get_account_setting(name="BASIC_SCAN_TYPE_VERSION")["value"], "CLAIR"
        )
        self.ecr.put_account_setting(name="REGISTRY_POLICY_SCOPE", value="V2")
        with self.refused("InvalidParameterException"):
            self.ecr.put_account_setting(name="REGISTRY_POLICY_SCOPE", value="V1")

    def test_under_v1_a_registry_policy_grants_replication_and_pull_through_only(self):
        put = self.ecr.put_registry_policy
        put(
            policyText=registry_policy(
                "ecr:ReplicateImage", "ecr:CreateRepository", "ecr:BatchImportUpstreamImage"
            )
        )
        for action in ["ecr:BatchGetImage", "ecr:*"]:
            with self.refused("InvalidParameterException"):
                put(policyText=registry_policy(action))
        self.ecr.put_account_setting(name="REGISTRY_POLICY_SCOPE", value="V2")
        put(policyText=registry_policy("ecr:BatchGetImage"))


class Signing(AdapterTest):
    PROFILE = f"arn:aws:signer:{REGION}:{ACCOUNT}:/signing-profiles/prod_images"

    def rule(self, profile=PROFILE, *filters):
        rule = {"signingProfileArn": profile}
        if filters:
            rule["repositoryFilters"] = [
                {"filter": f, "filterType": "WILDCARD_MATCH"} for f in filters
            ]
        return rule

    def test_no_configuration_is_an_absence(self):
        with self.refused("SigningConfigurationNotFoundException"):
            self.ecr.get_signing_configuration()
        with self.refused("SigningConfigurationNotFoundException"):
            self.ecr.delete_signing_configuration()

    def test_a_configuration_is_put_read_replaced_and_deleted(self):
        first = {"rules": [self.rule(self.PROFILE, "prod/*", "*-release")]}
        put = self.ecr.put_signing_configuration
        self.assertEqual(put(signingConfiguration=first)["signingConfiguration"], first)
        got = self.ecr.get_signing_configuration()
        self.assertEqual((got["registryId"], got["signingConfiguration"]), (ACCOUNT, first))
        second = {"rules": [self.rule()]}
        put(signingConfiguration=second)
        deleted = self.ecr.delete_signing_configuration()
        self.assertEqual(
            (deleted["registryId"], deleted["signingConfiguration"]), (ACCOUNT, second)
        )
        with self.refused("SigningConfigurationNotFoundException"):
            self.ecr.get_signing_configuration()
        put(signingConfiguration={"rules": []})
        self.assertEqual(
            self.ecr.get_signing_configuration()["signingConfiguration"], {"rules": []}
        )

    def test_requests_follow_the_model(self):
        wildcard = {"filter": "a", "filterType": "WILDCARD_MATCH"}
        for configuration in [
            {"rules": [self.rule(f"arn:aws:signer:{REGION}:{ACCOUNT}:/signing-profiles/x")]},
            {"rules": [self.rule(ROLE)]},
            {"rules": [self.rule()] * 11},
            {"rules": [self.rule(self.PROFILE, "Prod/*")]},
            {"rules": [{"signingProfileArn": self.PROFILE, "repositoryFilters": []}]},
            {
                "rules": [
                    {
                        "signingProfileArn": self.PROFILE,
                        "repositoryFilters": [dict(wildcard, filterType="PREFIX")],
                    }
                ]
            },
            {"rules": [{"repositoryFilters": [wildcard]}]},
            {},
        ]:
            with self.refused("InvalidParameterException"):
                self.ecr.put_signing_configuration(signingConfiguration=configuration)
        with self.refused("InvalidParameterException"):
            self.ecr.put_signing_configuration()

    def test_configurations_are_kept_per_account_and_region(self):
        self.ecr.put_signing_configuration(signingConfiguration={"rules": [self.rule()]})
        for client in self.elsewhere():
            with self.refused("SigningConfigurationNotFoundException"):
                client.get_signing_configuration()


class PullTimeUpdateExclusions(AdapterTest):
    def arn(self, name, kind="role"):
        return f"arn:aws:iam::{ACCOUNT}:{kind}/{name}"

    def listed(self, client=None, **params):
        answer = (client or self.ecr).list_pull_time_update_exclusions(**params)
        return answer["pullTimeUpdateExclusions"]

    def test_an_exclusion_is_registered_listed_and_deregistered(self):
        scanner, bot = self.arn("image-scanner"), self.arn("ci/bot", "user")
        registered = self.ecr.register_pull_time_update_exclusion(principalArn=scanner)
        self.assertEqual(registered["principalArn"], scanner)
        self.assertIn("createdAt", registered)
        self.ecr.register_pull_time_update_exclusion(principalArn=bot)
        self.assertEqual(self.listed(), [scanner, bot])
        deregistered = self.ecr.deregister_pull_time_update_exclusion(principalArn=scanner)
        self.assertEqual(deregistered["principalArn"], scanner)
        self.assertEqual(self.listed(), [bot])

    def test_duplicates_and_absences_are_refused(self):
        self.ecr.register_pull_time_update_exclusion(principalArn=self.arn("a"))
        with self.refused("ExclusionAlreadyExistsException"):
            self.ecr.register_pull_time_update_exclusion(principalArn=self.arn("a"))
        with self.refused("ExclusionNotFoundException"):
            self.ecr.deregister_pull_time_update_exclusion(principalArn=self.arn("b"))

    def test_only_role_and_user_arns_are_taken(self):
        for params in [
            {"principalArn": self.arn("g", "group")},
            {"principalArn": f"arn:aws:iam::{ACCOUNT}:oidc-provider/x"},
            {"principalArn": "image-scanner"},
            {},
        ]:
            with self.refused("InvalidParameterException"):
                self.ecr.register_pull_time_update_exclusion(**params)

    def test_the_list_pages(self):
        arns = [self.arn(f"r{i}") for i in range(5)]
        for arn in arns:
            self.ecr.register_pull_time_update_exclusion(principalArn=arn)
        listed, token = [], None
        for _ in range(3):
            params = {"maxResults": 2, **({"nextToken": token} if token else {})}
            answer = self.ecr.list_pull_time_update_exclusions(**params)
            listed += answer["pullTimeUpdateExclusions"]
            token = answer.get("nextToken")
        self.assertEqual((listed, token), (arns, None))
        with self.refused("InvalidParameterException"):
            self.listed(maxResults=0)

    def test_exclusions_are_kept_per_account_and_region(self):
        self.ecr.register_pull_time_update_exclusion(principalArn=self.arn("a"))
        for client in self.elsewhere():
            self.assertEqual(self.listed(client), [])


class Repositories(AdapterTest):
    def test_an_absent_scan_on_push_turns_scanning_off(self):
        self.ecr.create_repository(
            repositoryName="app", imageScanningConfiguration={"scanOnPush": True}
        )
        self.ecr.put_image_scanning_configuration(
            repositoryName="app", imageScanningConfiguration={}
        )
        [repository] = self.ecr.describe_repositories()["repositories"]
        self.assertFalse(repository["imageScanningConfiguration"]["scanOnPush"])
        with self.refused("InvalidParameterException"):
            self.ecr.put_image_scanning_configuration(
                repositoryName="App", imageScanningConfiguration={}
            )

    def test_the_tagging_api_finds_repositories(self):
        self.ecr.create_repository(repositoryName="app", tags=[{"Key": "team", "Value": "a"}])
        tagging = self.server().client("resourcegroupstaggingapi")
        found = tagging.get_resources(TagFilters=[{"Key": "team", "Values": ["a"]}])
        [mapping] = found["ResourceTagMappingList"]
        self.assertEqual(mapping["ResourceARN"], f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/app")


class OpenIDConnectProviders(AdapterTest):
    MISSING = f"arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.example.com"

    def setUp(self):
        super().setUp()
        self.iam = self.server().client("iam")
        self.provider = self.iam.create_open_id_connect_provider(
            Url="https://token.actions.githubusercontent.com", ClientIDList=["sts.amazonaws.com"]
        )["OpenIDConnectProviderArn"]

    def client_ids(self):
        provider = self.iam.get_open_id_connect_provider(OpenIDConnectProviderArn=self.provider)
        return provider["ClientIDList"]

    def add(self, client_id, provider=None, client=None):
        (client or self.iam).add_client_id_to_open_id_connect_provider(
            OpenIDConnectProviderArn=provider or self.provider, ClientID=client_id
        )

    def remove(self, client_id, provider=None):
        self.iam.remove_client_id_from_open_id_connect_provider(
            OpenIDConnectProviderArn=provider or self.provider, ClientID=client_id
        )

    def test_client_ids_are_added_and_removed_idempotently(self):
        self.add("sigstore")
        self.add("sigstore")
        self.assertEqual(self.client_ids(), ["sts.amazonaws.com", "sigstore"])
        self.remove("sts.amazonaws.com")
        self.remove("sts.amazonaws.com")
        self.assertEqual(self.client_ids(), ["sigstore"])

    def test_a_missing_provider_is_no_such_entity(self):
        with self.refused("NoSuchEntity"):
            self.add("a", self.MISSING)
        with self.refused("NoSuchEntity"):
            self.remove("a", self.MISSING)
        with self.refused("NoSuchEntity"):
            self.iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=self.MISSING)
        self.iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=self.provider)
        with self.refused("NoSuchEntity"):
            self.iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=self.provider)

    def test_providers_are_kept_per_account(self):
        with self.refused("NoSuchEntity"):
            self.add("a", client=self.server().client("iam", OTHER_ACCOUNT))

    def test_requests_follow_the_model(self):
        for params in [
            {"OpenIDConnectProviderArn": self.provider, "ClientID": "x" * 256},
            {"OpenIDConnectProviderArn": self.provider, "ClientID": ""},
            {"OpenIDConnectProviderArn": self.provider},
            {"OpenIDConnectProviderArn": "arn:aws:iam::1", "ClientID": "a"},
        ]:
            with self.refused("ValidationError"):
                self.iam.add_client_id_to_open_id_connect_provider(**params)
        with self.refused("ValidationError") as answer:
            self.iam.delete_open_id_connect_provider()
        self.assertIn("Value null at 'OpenIDConnectProviderArn'", answer.message)
        self.assertEqual(self.client_ids(), ["sts.amazonaws.com"])

    def test_a_provider_takes_a_hundred_client_ids(self):
        for i in range(99):
            self.add(f"c{i}")
        with self.refused("LimitExceeded"):
            self.add("one-more")
        self.assertEqual(len(self.client_ids()), 100)


if __name__ == "__main__":
    unittest.main()
