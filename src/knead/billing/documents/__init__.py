"""Printable documents: superbill, SOAP note, letters, the client's reimbursement kit, packets.

Every renderer takes core dataclasses and returns PDF bytes; nothing here touches Django.
"""
