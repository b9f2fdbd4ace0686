"""CLI errors: a `UserError` (or a subclass of any package's documented user-facing errors,
registered here) is printed as one line, exit code 2, without a traceback."""


class UserError(Exception):
    """Bad input from the person at the terminal: a wrong file, flag or value."""
