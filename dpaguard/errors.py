"""Errors that the CLI turns into one line on stderr and a documented exit code.

Exit codes (the same for every command):
  0  success (planned, no mandatory violation, allowed, verified, deployed)
  1  a verdict against the input: a mandatory policy failed, access denied, a gate refused,
     a log was tampered with
  2  bad invocation or unreadable/invalid input (config, plan file, token format, missing tool)
"""

EXIT_OK = 0
EXIT_VERDICT = 1
EXIT_USAGE = 2


class DpaGuardError(Exception):
    """An expected failure: reported as `dpaguard: error: <message>` with `exit_code`."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, exit_code: int | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def message(self) -> str:
        return str(self.args[0])


class UsageError(DpaGuardError):
    """The command line itself is wrong."""


class InputError(DpaGuardError):
    """A file or value given to a command cannot be read or is not what it must be."""


class Refused(DpaGuardError):
    """A gate or check said no; exit 1."""

    exit_code = EXIT_VERDICT
