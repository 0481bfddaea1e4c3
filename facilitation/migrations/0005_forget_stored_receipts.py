"""Sessions from before receipts stopped being stored may still hold a family's reference and withdrawal key in
plaintext (django_session): those sessions are deleted. The family keeps its receipt; it was shown when they sent."""

from django.db import migrations

RECEIPT_KEY = "sbg_receipt"


def forget_stored_receipts(apps, schema_editor) -> None:
    from django.contrib.sessions.backends.db import SessionStore

    Session = apps.get_model("sessions", "Session")
    store = SessionStore()
    doomed = [
        row.pk
        for row in Session.objects.using(schema_editor.connection.alias).iterator()
        if RECEIPT_KEY in store.decode(row.session_data)
    ]
    Session.objects.using(schema_editor.connection.alias).filter(pk__in=doomed).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("facilitation", "0004_observation_ratings"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(forget_stored_receipts, migrations.RunPython.noop)]
