import sys

from dpaguard.cli import main

sys.exit(main())
