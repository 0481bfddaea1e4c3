import uuid

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("facilitation", "0006_submission_review"),
    ]

    operations = [
        migrations.CreateModel(
            name="DraftUpload",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("session_digest", models.CharField(db_index=True, max_length=64)),
                ("length", models.BigIntegerField()),
                ("offset", models.BigIntegerField(default=0)),
                ("bytes_received", models.BigIntegerField(default=0)),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("receiving", "Being sent"),
                            ("accepted", "Received and checked"),
                            ("refused", "Refused"),
                        ],
                        default="receiving",
                        max_length=10,
                    ),
                ),
                ("refusal", models.CharField(blank=True, max_length=300)),
                ("item", models.JSONField(blank=True, default=dict)),
                ("in_draft", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "invitation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="facilitation.invitation"
                    ),
                ),
            ],
            options={
                "verbose_name": "upload in progress",
                "verbose_name_plural": "uploads in progress",
                "ordering": ["created_at"],
            },
        ),
    ]
