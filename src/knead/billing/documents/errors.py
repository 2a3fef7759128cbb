"""Errors raised while preparing documents."""


class DocumentError(ValueError):
    """The facts cannot make this document; the message says what is missing or wrong."""
