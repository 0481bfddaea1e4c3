"""The story page's admin form: the "no personal content" attestation is an administrator's, and audited."""

from __future__ import annotations

from wagtail.admin.forms import WagtailAdminPageForm

ATTESTATION = "no_personal_content"


class StoryPageForm(WagtailAdminPageForm):
    """Only administrators see the attestation field (FieldPanel permission). Whoever else edits the page clears it:
    an attestation covers the content an administrator looked at, not what an editor adds afterwards."""

    def save(self, commit: bool = True):
        page = self.instance
        if ATTESTATION in self.fields:
            if ATTESTATION in self.changed_data:
                self._attest(page, bool(self.cleaned_data.get(ATTESTATION)))
        elif page.no_personal_content:
            self._attest(page, False)
        return super().save(commit=commit)

    def _attest(self, page, value: bool) -> None:
        from facilitation.policy import audit, is_admin

        user = getattr(self, "for_user", None)
        page.no_personal_content = value and is_admin(user)
        page.no_personal_content_attested_by = user if page.no_personal_content else None
        audit(
            user,
            "story.attest_no_personal_content",
            page,
            True,
            detail={"attested": page.no_personal_content, "title": page.title},
        )
