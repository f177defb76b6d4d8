"""`dpaguard scan --secrets`: a planted secret in a copy of a stack file is reported, the real files are clean.

One checkov run (secrets and GitHub Actions frameworks) over a copy of the project's stack
files, Pulumi.yaml and CI files, plus a stack file with a storage account key pasted in and a
workflow granting `write-all`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from dpaguard.arm.secrets import targets
from dpaguard.cli import main

ROOT = Path(__file__).resolve().parents[2]
# A made-up key with the shape of a real one (88 base64 characters): checkov's Azure storage key detector.
PLANTED_KEY = "q5uT9y+3pZfJ7l0Vn2XbKc8wRmE4sHdA6gYtLo1iBvNxQz3PkWj5aUeC9rFhS7mGd2TyLp0qVbXn4oK8wJzRiA=="
PLANTED = (f"  dpa-guard:storageConnection: DefaultEndpointsProtocol=https;AccountName=ousklrec;"
           f"AccountKey={PLANTED_KEY};EndpointSuffix=core.windows.net\n")
BAD_WORKFLOW = """name: bad
on: pull_request
permissions: write-all
jobs:
  noop:
    runs-on: ubuntu-latest
    steps:
      - run: echo hello
"""


def test_targets_are_the_stack_files_project_file_and_ci():
    found = {p.relative_to(ROOT).as_posix() for p in targets(ROOT)}
    assert {"Pulumi.yaml", ".ci/run"} <= found
    assert {f"stacks/{p.name}" for p in (ROOT / "stacks").iterdir()} <= found


def test_planted_secret_and_bad_workflow_are_reported(tmp_path, capsys):
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copytree(ROOT / "stacks", tmp_path / "stacks")
    shutil.copytree(ROOT / ".ci", tmp_path / ".ci")
    workflows = tmp_path / ".github" / "workflows"
    if (ROOT / ".github" / "workflows").is_dir():
        shutil.copytree(ROOT / ".github" / "workflows", workflows)
    workflows.mkdir(parents=True, exist_ok=True)
    (workflows / "zz-bad.yml").write_text(BAD_WORKFLOW)
    original = (ROOT / "stacks" / "Pulumi.ous-kvalitetslab.yaml").read_text()
    planted = tmp_path / "stacks" / "Pulumi.planted.yaml"
    planted.write_text(original + PLANTED)
    planted_line = original.count("\n") + 1

    out = tmp_path / "report.json"
    code = main(["scan", "--secrets", "--root", str(tmp_path), "--format", "json", "--output", str(out)])
    assert code == 1, capsys.readouterr()
    text = out.read_text()
    assert PLANTED_KEY not in text, "a report must never repeat the secret"
    report = json.loads(text)
    assert report["summary"]["frameworks"] == ["secrets", "github_actions"]
    failed = {(r["framework"], r["file"]) for r in report["results"] if r["result"] == "failed"}
    assert failed == {("secrets", "stacks/Pulumi.planted.yaml"), ("github_actions", ".github/workflows/zz-bad.yml")}
    (secret,) = [r for r in report["results"] if r["framework"] == "secrets"]
    assert secret["lines"][0] == planted_line and "Azure Storage" in secret["name"]
    assert "stacks/Pulumi.ous-kvalitetslab.yaml" in report["files"] and ".ci/run" in report["files"]
