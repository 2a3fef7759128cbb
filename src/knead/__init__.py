"""Knead: insurance billing and clinical documentation for massage therapists."""

__version__ = "0.1.0"
