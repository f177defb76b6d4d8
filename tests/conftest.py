import sys
from pathlib import Path

# The Pulumi program imports `modules` from the project root, as under the real CLI.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
