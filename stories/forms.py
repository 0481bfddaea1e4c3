"""The story page's admin form: the "no personal content" attestation is an administrator's, and audited."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm

from facilitation.policy import STORY_SOURCES, Action, audit, chooser_scope, may

ATTESTATION = "no_personal_content"
# Fields pointing at programme material (every source the policy knows, so a new one is never missed): a newly
# chosen one must be what the editor's chooser offers (the chooser filters the list; this refuses an id posted by
# hand). A field the page's panels make read-only (the excerpt a draft was made from) is not in the form: skipped.
SOURCE_FIELDS = tuple(STORY_SOURCES)
NOT_USABLE = _("Not available for stories: choose material whose people consent to publication.")


class StoryPageForm(WagtailAdminPageForm):
    """Only administrators see the attestation field (FieldPanel permission). Whoever else edits the page clears it:
    an attestation covers the content an administrator looked at, not what an editor adds afterwards."""

    def clean(self):
        cleaned = super().clean()
        user = getattr(self, "for_user", None)
        for name in SOURCE_FIELDS:
            chosen = cleaned.get(name)
            # Only a new choice is checked: a source whose consent lapsed stays visible (publishing refuses it).
            if chosen is None or name not in self.changed_data:
                continue
            if not chooser_scope(user, type(chosen)._default_manager.filter(pk=chosen.pk)).exists():
                self.add_error(name, NOT_USABLE)
        return cleaned

    def save(self, commit: bool = True):
        page = self.instance
        if ATTESTATION in self.fields:
            if ATTESTATION in self.changed_data:
                self._attest(page, bool(self.cleaned_data.get(ATTESTATION)))
        elif page.no_personal_content:
            self._attest(page, False)
        return super().save(commit=commit)

    def _attest(self, page, value: bool) -> None:
        user = getattr(self, "for_user", None)
        page.no_personal_content = value and bool(may(user, Action.ATTEST_NO_PERSONAL_CONTENT, page))
        page.no_personal_content_attested_by = user if page.no_personal_content else None
        audit(
            user,
            Action.ATTEST_NO_PERSONAL_CONTENT,
            page,
            True,
            detail={"attested": page.no_personal_content, "title": page.title},
        )
