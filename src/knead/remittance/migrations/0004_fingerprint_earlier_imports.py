"""Give the 835s imported before content keys their content key and claim-payment fingerprints,
so that a re-send of one of them is recognised too. Files are taken in the order they were
imported; a claim payment that repeated an earlier one (posted twice before this change) gets
no fingerprint, and of several files with the same content only the first keeps the key."""

import io

from django.db import migrations


def backfill(apps, schema_editor):
    from knead.billing.x12 import duplicates
    from knead.billing.x12.errors import X12Error
    from knead.billing.x12.remittance import read_835

    Remittance = apps.get_model("remittance", "Remittance")
    Fingerprint = apps.get_model("remittance", "PaymentFingerprint")
    for remittance in Remittance.objects.filter(status="done").order_by("created", "id").iterator():
        try:
            parsed = read_835(io.StringIO(remittance.content))
        except X12Error:
            continue
        key = duplicates.content_key(parsed)
        if not Remittance.objects.filter(
            practice_id=remittance.practice_id, content_key=key
        ).exists():
            Remittance.objects.filter(pk=remittance.pk).update(content_key=key)
        keys = sorted(duplicates.keys_to_look_up(parsed))
        live, reversals = set(), set()
        for start in range(0, len(keys), 900):
            for found, reversal, undone in Fingerprint.objects.filter(
                practice_id=remittance.practice_id, key__in=keys[start : start + 900]
            ).values_list("key", "reversal", "undone_by_id"):
                if reversal:
                    reversals.add(found)
                elif undone is None:
                    live.add(found)
        review = duplicates.review(parsed, live, reversals)
        undone = sorted(review.undone)
        for start in range(0, len(undone), 900):
            Fingerprint.objects.filter(
                practice_id=remittance.practice_id,
                key__in=undone[start : start + 900],
                reversal=False,
                undone_by__isnull=True,
            ).update(undone_by_id=remittance.pk)
        Fingerprint.objects.bulk_create(
            [
                Fingerprint(
                    practice_id=remittance.practice_id,
                    remittance_id=remittance.pk,
                    segment=v.claim.position,
                    key=v.key,
                    reversal=v.claim.reversal,
                    undone_by_id=remittance.pk if v.claim.position in review.undone_here else None,
                    claim_number=v.claim.id[:38],
                    payer_claim_number=v.claim.payer_claim_id[:50],
                    charge=v.claim.charge,
                    paid=v.claim.paid,
                )
                for v in review.verdicts
                if not v.repeat
            ],
            batch_size=2000,
        )


class Migration(migrations.Migration):
    dependencies = [("remittance", "0003_content_duplicates")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
