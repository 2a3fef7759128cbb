"""HIPAA X12 5010 reading and writing: 835, 837P, 270/271, 999 and 277CA.

Import the submodule you need (``remittance``, ``professional_claim`` …); this package
itself imports nothing so that ``knead x12`` starts fast. Guide: docs/x12.md.
"""
