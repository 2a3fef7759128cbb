"""Errors raised by the billing core."""


class InvalidCode(ValueError):
    """A code, identifier or value failed validation; the message says why in plain words."""
