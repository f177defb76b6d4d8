"""Entry point the Pulumi CLI runs for `--policy-pack policies`; it only builds the PolicyPack.

The PolicyPack constructor starts the analyzer server and never returns, so the policy list
lives in the importable `policies.pack`, which `dpaguard check` evaluates offline.
"""

import sys
from pathlib import Path

# The CLI runs this file from policies/; the pack's modules import as `policies.*`.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402

from policies.pack import PACK_NAME, POLICIES  # noqa: E402

PolicyPack(
    name=PACK_NAME,
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=POLICIES,
    description="Every technical clause of the OUS and ECG247 data processing agreements, cited by clause id.",
)
