"""The ledger's pages. Each view parses input, calls one service and chooses the response; every household
is fetched through ``Household.objects.visible_to(request.scope)``, so out of scope is a 404."""

from __future__ import annotations

import io
import re
import secrets
import time
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_filters.views import FilterView

from households import importer
from households.excel import template_workbook, write_ledger
from households.filters import HouseholdFilter, filter_helper
from households.forms import (
    ContactAssignForm,
    HouseholdForm,
    ImportUploadForm,
    MemberFormSet,
    cadre_choices,
    member_helper,
)
from households.models import Household, SensitiveAccessLog, Village
from households.services import (
    can_edit_ledger,
    can_manage_ledger,
    can_read_ledger,
    can_see_sensitive,
    contact_overview,
    household_assign_contact,
    household_save,
    sensitive_access_record,
)
from households.timeline import household_timeline
from minqing.filters import chosen_village

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORT_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
IMPORT_SESSION_KEY = "household_imports"
IMPORT_KEEP_SECONDS = 24 * 3600


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


class HouseholdListView(LoginRequiredMixin, FilterView):
    """The ledger: one search box, four filters, 25 a page, a constant number of queries."""

    filterset_class = HouseholdFilter
    paginate_by = 25
    template_name = "households/list.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            _require(can_read_ledger(request.scope))
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return Household.objects.visible_to(self.request.scope).with_list_data()

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        tag = self.filterset.sensitive_tag
        if tag is not None:
            sensitive_access_record(
                user=request.user, action=SensitiveAccessLog.Action.FILTER, note=f"按“{tag.name}”筛选台账"
            )
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        manage = can_manage_ledger(self.request.scope)
        context.update(
            filter_helper=filter_helper(),
            can_manage=manage,
            cadres=list(cadre_choices(chosen_village(self.request.GET, self.request))) if manage else [],
            export_query=export_query(self.request.GET),
        )
        return context


def export_query(data) -> str:
    """The list's filters for its export link: the page number is the list's, never the export's."""
    query = data.copy()
    query.pop("page", None)
    return query.urlencode()


def _split_tags(tags, show_sensitive: bool):
    public = [t for t in tags if not t.sensitive]
    sensitive = [t for t in tags if t.sensitive] if show_sensitive else []
    return public, sensitive


@login_required
def household_detail(request, pk):
    """一户一档: the household, its members and tags, and one timeline of everything that happened to it."""
    household = get_object_or_404(Household.objects.visible_to(request.scope).with_page_data(), pk=pk)
    show_sensitive = can_see_sensitive(request.scope, household)
    tags, sensitive_tags = _split_tags(household.tags.all(), show_sensitive)
    members = []
    for person in household.members.all():
        public, sensitive = _split_tags(person.tags.all(), show_sensitive)
        members.append({"person": person, "tags": public, "sensitive_tags": sensitive})
    shows_sensitive = bool(sensitive_tags) or any(m["sensitive_tags"] for m in members)
    if shows_sensitive:
        sensitive_access_record(user=request.user, action=SensitiveAccessLog.Action.VIEW, household=household)
    manage = can_manage_ledger(request.scope)
    return render(
        request,
        "households/detail.html",
        {
            "household": household,
            "tags": tags,
            "sensitive_tags": sensitive_tags,
            "members": members,
            "shows_sensitive": shows_sensitive,
            "timeline": household_timeline(household, request.scope),
            "can_edit": can_edit_ledger(request.scope),
            "can_manage": manage,
            "cadres": list(cadre_choices(household.village_id)) if manage else [],
        },
    )


def _household_form(request, household: Household | None):
    _require(can_edit_ledger(request.scope))
    data = request.POST if request.method == "POST" else None
    form = HouseholdForm(data, instance=household, scope=request.scope)
    members = MemberFormSet(data, instance=household or Household(), prefix="members")
    if data is not None and form.is_valid() and members.is_valid():
        saved = household_save(form=form, members=members, by=request.user)
        messages.success(request, f"已保存：{saved.village.name} {saved.household_no}号户 {saved.head_name}。")
        return redirect(saved)
    if household is not None and data is None and household.has_sensitive_tags():
        sensitive_access_record(user=request.user, action=SensitiveAccessLog.Action.EDIT, household=household)
    return render(
        request,
        "households/form.html",
        {"form": form, "members": members, "member_helper": member_helper(), "household": household},
    )


@login_required
def household_create(request):
    return _household_form(request, None)


@login_required
def household_edit(request, pk):
    return _household_form(request, get_object_or_404(Household.objects.visible_to(request.scope), pk=pk))


# --- Contact households (民情联系户) ------------------------------------------------------------------


@login_required
def contacts(request):
    """My contact households, and per village who keeps how many against the guidance (10/15/20)."""
    _require(can_edit_ledger(request.scope))
    mine = Household.objects.visible_to(request.scope).filter(contact_cadre=request.user).with_list_data()
    return render(
        request,
        "households/contacts.html",
        {"mine": mine, "overview": contact_overview(request.scope), "can_manage": can_manage_ledger(request.scope)},
    )


@login_required
@require_POST
def assign_contact(request):
    _require(can_manage_ledger(request.scope))
    form = ContactAssignForm(request.POST, scope=request.scope)
    if form.is_valid():
        cadre = form.cleaned_data["cadre"]
        try:
            n = household_assign_contact(households=form.cleaned_data["households"], cadre=cadre, by=request.user)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, f"已调整 {n} 户的联系干部。" if n else "联系干部没有变化。")
    else:
        for errors in form.errors.values():
            messages.error(request, errors[0])
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("households:index")
    return redirect(next_url)


# --- Excel in and out ----------------------------------------------------------------------------


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


@login_required
def import_template(request):
    _require(can_edit_ledger(request.scope))
    out = io.BytesIO()
    template_workbook().save(out)
    return _xlsx_response(out.getvalue(), quote("户籍台账模板.xlsx"))


@login_required
def export(request):
    """The ledger as filtered on the list page, in the import's columns (so it imports back unchanged)."""
    _require(can_edit_ledger(request.scope))
    filterset = HouseholdFilter(request.GET, queryset=Household.objects.visible_to(request.scope), request=request)
    # As on the list (FilterView's strict mode): an invalid filter, e.g. another village's id, exports nothing.
    valid = filterset.is_valid()
    households = filterset.qs if valid else Household.objects.none()
    out = io.BytesIO()
    count = write_ledger(households, out)
    sensitive_access_record(
        user=request.user,
        action=SensitiveAccessLog.Action.EXPORT,
        note=f"导出 {count} 户：{export_query(request.GET) or '全部'}",
    )
    # The village chosen, or a liaison's only village: the file is named for it.
    villages = Village.objects.visible_to(request.scope)
    village = villages.filter(pk=chosen_village(request.GET, request)).first() if valid else None
    return _xlsx_response(out.getvalue(), export_filename(village, timezone.localdate()))


def export_filename(village, day) -> str:
    """户籍台账-和平村-20261203.xlsx (户籍台账-全部-… without a village chosen), quoted for Content-Disposition."""
    return quote(f"户籍台账-{village.name if village else '全部'}-{day:%Y%m%d}.xlsx")


def _import_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _import_path(request, token: str) -> Path:
    """The uploaded file behind ``token``, only for the session that uploaded it."""
    if not IMPORT_TOKEN.match(token) or token not in request.session.get(IMPORT_SESSION_KEY, []):
        raise Http404
    path = _import_dir() / f"{token}.xlsx"
    if not path.exists():
        raise Http404
    return path


def _forget_old_uploads(directory: Path) -> None:
    cutoff = time.time() - IMPORT_KEEP_SECONDS
    for old in directory.glob("*.xlsx"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)


@login_required
def import_upload(request):
    """Step 1: upload. The file is kept under MEDIA_ROOT/imports/ with a random name until it is applied."""
    _require(can_manage_ledger(request.scope))
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        directory = _import_dir()
        directory.mkdir(parents=True, exist_ok=True)
        _forget_old_uploads(directory)
        token = secrets.token_urlsafe(32)
        with open(directory / f"{token}.xlsx", "wb") as out:
            for chunk in form.cleaned_data["file"].chunks():
                out.write(chunk)
        request.session[IMPORT_SESSION_KEY] = [*request.session.get(IMPORT_SESSION_KEY, [])[-9:], token]
        return redirect("households:import_preview", token=token)
    return render(request, "households/import_upload.html", {"form": form})


@login_required
def import_preview(request, token):
    """Step 2 (GET): what the import would do. Step 3 (POST): do it, all or nothing."""
    _require(can_manage_ledger(request.scope))
    path = _import_path(request, token)
    try:
        if request.method == "POST":
            report = importer.apply(str(path), by=request.user)
        else:
            report = importer.preview(str(path))
    except importer.ImportFileError as exc:
        path.unlink(missing_ok=True)
        messages.error(request, str(exc))
        return redirect("households:import")
    if report.applied:
        path.unlink(missing_ok=True)
        messages.success(request, "导入完成。" + "；".join(report.summary_lines()))
        return redirect("households:index")
    return render(request, "households/import_preview.html", {"report": report, "token": token})
