"""Receipts once kept in sessions (reference and withdrawal key in plaintext) are forgotten by a data migration."""

import importlib

from django.apps import apps
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import TestCase

migration = importlib.import_module("facilitation.migrations.0005_forget_stored_receipts")


class ForgetStoredReceiptsTests(TestCase):
    def test_sessions_holding_a_receipt_are_deleted_and_others_kept(self):
        old = SessionStore()
        old["sbg_receipt"] = {"reference": "SBG-7K2Q", "withdrawal_key": "secret-key-123"}
        old.create()
        other = SessionStore()
        other["_auth_user_id"] = "1"
        other.create()

        class Editor:
            pass

        editor = Editor()
        editor.connection = connection
        migration.forget_stored_receipts(apps, editor)
        self.assertFalse(Session.objects.filter(pk=old.session_key).exists())
        self.assertTrue(Session.objects.filter(pk=other.session_key).exists())
        for row in Session.objects.all():
            self.assertNotIn("secret-key-123", str(SessionStore().decode(row.session_data)))
