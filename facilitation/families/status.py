"""The family's status page: with the receipt's reference code and key, what became of what they sent (received,
accepted by the facilitator, or declined and deleted). Rate-limited like the withdrawal page; says nothing without
both secrets."""

from __future__ import annotations

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from ..models import Submission
from .forms import WithdrawalForm
from .ratelimit import client_address, too_many


class StatusForm(forms.Form):
    reference = forms.CharField(max_length=40, label=gettext_lazy("Reference code (from your receipt)"))
    key = forms.CharField(max_length=40, label=gettext_lazy("Private withdrawal key"))

    # Typed from a paper receipt, like on the withdrawal page.
    clean_reference = WithdrawalForm.clean_reference
    clean_key = WithdrawalForm.clean_key


STATUS_WORDS = {
    Submission.Status.RECEIVED: gettext_lazy("Your story has arrived. Your facilitator has not looked at it yet."),
    Submission.Status.REVIEWED: gettext_lazy("Your facilitator has accepted your story."),
    Submission.Status.DECLINED: gettext_lazy(
        "Your facilitator declined this submission. Its recordings and photos have been deleted."
    ),
}


@never_cache
def submission_status(request):
    form = StatusForm(request.POST or None)
    status = None
    if request.method == "POST":
        if too_many(f"withdraw:{client_address(request)}", limit=20):
            return render(request, "facilitation/family/too_many.html", status=429)
        if form.is_valid():
            submission = Submission.objects.filter(reference__iexact=form.cleaned_data["reference"].strip()).first()
            if submission is None or not submission.key_matches(form.cleaned_data["key"]):
                form.add_error(None, _("The reference code and key do not match. Check them on your receipt."))
            else:
                status = {
                    "reference": submission.reference,
                    "status": submission.status,
                    "words": STATUS_WORDS[submission.status],
                }
    return render(request, "facilitation/family/status.html", {"form": form, "status": status})
