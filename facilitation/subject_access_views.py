"""The administrator's "Export everything held" button on the family page: the subject-access zip as a download.

Same export as `manage.py export_family` (facilitation.subject_access), audited the same way; anyone the policy does
not allow gets a 404, as if the family did not exist.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from . import policy
from .models import Family
from .policy import Action
from .subject_access import export_family


def export_view(request, pk: int):
    family = get_object_or_404(Family.objects.select_related("site__region"), pk=pk)
    if not policy.may(request.user, Action.EXPORT_FAMILY, family):
        raise Http404
    Path(settings.FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
    folder = tempfile.mkdtemp(prefix="family-export-", dir=settings.FILE_UPLOAD_TEMP_DIR)
    try:
        path = Path(folder) / "export.zip"
        export_family(family, path, actor=request.user)
        handle = open(path, "rb")  # noqa: SIM115 (FileResponse closes it)
    finally:
        # Unlinked at once: the open handle still reads it, and no copy of real names stays on the server's disk.
        shutil.rmtree(folder, ignore_errors=True)
    response = FileResponse(handle, as_attachment=True, filename=f"{family.code}-export.zip")
    response["Content-Type"] = "application/zip"
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


__all__ = ["export_view"]
