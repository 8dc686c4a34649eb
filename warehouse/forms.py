"""Forms of the warehouse pages: they parse input; the services decide what is allowed
(file types and size, who may record a result, what completion needs)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from deals.services.deals import ALLOWED_UPLOAD_EXTENSIONS

# The phone offers its camera and its files; image MIME types let a camera photo through even
# when the phone names it without an extension.
UPLOAD_ACCEPT = ",".join((*ALLOWED_UPLOAD_EXTENSIONS, "image/jpeg", "image/png", "image/heic"))


class TaskCommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("What was done, what is wrong")}),
    )
    file = forms.FileField(
        label=_("Photo or file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": UPLOAD_ACCEPT, "capture": "environment"}),
    )
    is_result = forms.BooleanField(label=_("Record as result of work"), required=False)


class PushSubscriptionForm(forms.Form):
    """The JSON a browser's ``PushSubscription.toJSON()`` gives, flattened."""

    endpoint = forms.CharField(max_length=1000)
    p256dh = forms.CharField(max_length=200)
    auth = forms.CharField(max_length=100)
