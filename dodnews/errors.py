"""Errors that reach a user as one line on stderr with exit status 2."""


class UserError(Exception):
    """Bad input or an unusable environment: printed as one line, exit status 2."""
