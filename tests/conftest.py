import sys
from pathlib import Path

import pytest

# The Pulumi program imports `modules` from the project root, as under the real CLI.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session", autouse=True)
def _plans_under_tmp(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Plans of variant projects are built under pytest's temp directory, never in the checkout."""
    from tests.policies import plans

    plans.WORKDIR = tmp_path_factory.mktemp("plans")
