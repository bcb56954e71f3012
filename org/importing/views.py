"""The upload page for head-office users: choose a kind, upload a file, optionally dry-run."""

from __future__ import annotations

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View

from ..scoping import is_head_office
from ..views import ScopedPageMixin
from . import registry
from .base import run_import

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label="导入类型", choices=())
    file = forms.FileField(label="文件（CSV 或 XLSX）")
    dry_run = forms.BooleanField(label="试运行（只校验，不写入）", required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read at request time: kinds registered by other apps' ready() are all there by then.
        self.fields["kind"].choices = registry.choices()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件过大（上限 50 MB），请使用命令行 import_data 导入"))
        if not upload.name.lower().endswith((".csv", ".xlsx", ".xlsm")):
            raise forms.ValidationError(_("只支持 CSV 或 XLSX 文件"))
        return upload


class ImportUploadView(ScopedPageMixin, View):
    """Head office only (scope at the head office, or a superuser); everyone else gets 404.
    The page never skips bad rows: a file with any bad row changes nothing."""

    template_name = "org/import.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not is_head_office(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(request, self.template_name, {"form": ImportForm()})

    def post(self, request):
        form = ImportForm(request.POST, request.FILES)
        result = None
        if form.is_valid():
            upload = form.cleaned_data["file"]
            result = run_import(
                kind=form.cleaned_data["kind"],
                data=upload.read(),
                filename=upload.name,
                dry_run=form.cleaned_data["dry_run"],
                user=request.user,
            )
        return render(request, self.template_name, {"form": form, "result": result}, status=200)
