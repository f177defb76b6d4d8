"""The CI workflow users run: valid YAML with the jobs, permissions and steps the runbook relies on."""

from pathlib import Path

import pytest
import yaml

WORKFLOW = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "preview.yml"


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def steps_of(job: dict) -> list[dict]:
    return job["steps"]


def uses(job: dict) -> list[str]:
    return [s["uses"].split("@")[0] for s in steps_of(job) if "uses" in s]


def runs(job: dict) -> str:
    return "\n".join(s.get("run", "") for s in steps_of(job))


def test_runs_on_pull_requests_with_read_only_default(workflow):
    # PyYAML reads the bare key `on` as the boolean True (YAML 1.1).
    triggers = workflow.get("on", workflow.get(True))
    assert "pull_request" in triggers
    assert workflow["permissions"] == {"contents": "read"}


def test_jobs_and_order(workflow):
    jobs = workflow["jobs"]
    assert set(jobs) == {"test", "plan", "preview"}
    assert jobs["plan"]["needs"] == "test" and jobs["preview"]["needs"] == "plan"


def test_test_job_uses_the_readme_command(workflow):
    assert "./dev test" in runs(workflow["jobs"]["test"])


def test_plan_job_uploads_sarif_of_every_stack(workflow):
    job = workflow["jobs"]["plan"]
    assert job["permissions"] == {"contents": "read", "security-events": "write"}
    assert set(job["strategy"]["matrix"]["stack"]) == {"ous-kvalitetslab", "ecg247"}
    assert './dev plan "${{ matrix.stack }}"' in runs(job)
    upload = next(s for s in steps_of(job) if s.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    assert upload["with"]["sarif_file"] == "out/${{ matrix.stack }}/check.sarif"


def test_preview_job_uses_oidc_and_the_policy_pack(workflow):
    job = workflow["jobs"]["preview"]
    assert job["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
    assert job["env"]["ARM_USE_OIDC"] == "true"
    assert {"azure/login", "pulumi/actions"} <= set(uses(job))
    pulumi = next(s for s in steps_of(job) if s.get("uses", "").startswith("pulumi/actions"))["with"]
    assert pulumi["command"] == "preview" and pulumi["policyPacks"] == "policies"
    assert pulumi["policyPackConfigs"] == "out/${{ matrix.stack }}/policy-config.json"
    assert pulumi["comment-on-pr"] is True
    assert pulumi["cloud-url"].startswith("azblob://")


def test_no_long_lived_secrets(workflow):
    text = WORKFLOW.read_text()
    # Only the per-run GITHUB_TOKEN; Azure and the state backend are reached through OIDC.
    assert [line for line in text.splitlines() if "secrets." in line and "GITHUB_TOKEN" not in line] == []
    for forbidden in ("ARM_CLIENT_SECRET", "AZURE_CLIENT_SECRET", "PULUMI_ACCESS_TOKEN", "AZURE_STORAGE_KEY"):
        assert forbidden not in text
