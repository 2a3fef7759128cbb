"""The pure billing core: rules, units, code sets, scrubbing, X12 and document layout.

Nothing under this package may import Django; ``tests/test_architecture.py`` enforces it.
"""
