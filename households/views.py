"""The ledger's pages. Each view parses input, calls one service and chooses the response; every household
is fetched through ``Household.objects.visible_to(request.scope)``, so out of scope is a 404."""

from __future__ import annotations

import io
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_filters.views import FilterView
from django_htmx.http import HttpResponseClientRefresh

from households.excel import template_workbook, write_ledger
from households.filters import HouseholdFilter, filter_helper
from households.forms import (
    ContactAssignForm,
    HouseholdForm,
    ImportConfirmForm,
    ImportUploadForm,
    MemberFormSet,
    cadre_choices,
    member_helper,
)
from households.models import Household, HouseholdImport, SensitiveAccessLog, Village
from households.services import (
    contact_overview,
    household_assign_contact,
    household_import_cancel,
    household_import_confirm,
    household_import_fail_lost,
    household_import_start,
    household_save,
    sensitive_access_record,
)
from households.timeline import household_timeline
from lists.models import Item
from minqing.filters import chosen_village

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
            _require(request.scope.may_read_ledger)
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
        manage = self.request.scope.may_manage_ledger
        context.update(
            filter_helper=filter_helper(),
            can_manage=manage,
            cadres=list(
                cadre_choices(chosen_village(self.request.GET, self.request), self.request.scope.counted_townships)
            )
            if manage
            else [],
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
    show_sensitive = request.scope.may_see_sensitive(household)
    tags, sensitive_tags = _split_tags(household.tags.all(), show_sensitive)
    members = []
    for person in household.members.all():
        public, sensitive = _split_tags(person.tags.all(), show_sensitive)
        members.append({"person": person, "tags": public, "sensitive_tags": sensitive})
    shows_sensitive = bool(sensitive_tags) or any(m["sensitive_tags"] for m in members)
    if shows_sensitive:
        sensitive_access_record(user=request.user, action=SensitiveAccessLog.Action.VIEW, household=household)
    manage = request.scope.may_manage_ledger
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
            # 清单: the household's checklist items (lists.Item), pending first.
            "items": list(
                Item.objects.visible_to(request.scope)
                .filter(household=household)
                .select_related("owner")
                .order_by("finished_at", "due_date", "pk")
            ),
            "can_edit": request.scope.may_edit_ledger,
            "can_manage": manage,
            "cadres": list(cadre_choices(household.village_id)) if manage else [],
        },
    )


def _household_form(request, household: Household | None):
    _require(request.scope.may_edit_ledger)
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
    _require(request.scope.may_edit_ledger)
    mine = Household.objects.visible_to(request.scope).filter(contact_cadre=request.user).with_list_data()
    return render(
        request,
        "households/contacts.html",
        {"mine": mine, "overview": contact_overview(request.scope), "can_manage": request.scope.may_manage_ledger},
    )


@login_required
@require_POST
def assign_contact(request):
    _require(request.scope.may_manage_ledger)
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
    _require(request.scope.may_edit_ledger)
    out = io.BytesIO()
    template_workbook().save(out)
    return _xlsx_response(out.getvalue(), quote("户籍台账模板.xlsx"))


@login_required
def export(request):
    """The ledger as filtered on the list page, in the import's columns (so it imports back unchanged)."""
    _require(request.scope.may_edit_ledger)
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


def _import_job(request, pk: int) -> HouseholdImport:
    """An import of the ledger, only for the person who uploaded it (anyone else: 404); one whose worker died is
    shown failed."""
    _require(request.scope.may_manage_ledger)
    household_import_fail_lost()
    return get_object_or_404(HouseholdImport, pk=pk, requested_by=request.user)


@login_required
def import_upload(request):
    """Step 1: upload. The file is checked (size, compression) at once and kept under MEDIA_ROOT/imports/ with
    a random name; what it would do is worked out in the background (step 2, ``import_job``)."""
    _require(request.scope.may_manage_ledger)
    form = ImportUploadForm(request.POST or None, request.FILES or None, scope=request.scope)
    if request.method == "POST" and form.is_valid():
        job = household_import_start(
            upload=form.cleaned_data["file"], by=request.user, township=form.cleaned_data["township"]
        )
        return redirect("households:import_job", pk=job.pk)
    recent = HouseholdImport.objects.filter(requested_by=request.user)[:10]
    return render(request, "households/import_upload.html", {"form": form, "recent": recent})


@login_required
@require_http_methods(["GET", "POST"])
def import_job(request, pk):
    """Step 2 (GET): the check's progress, then what the import would do (conflicts of head and every change,
    old → new). Step 3 (POST ``confirm``): import it in the background, all or nothing; or ``cancel``."""
    job = _import_job(request, pk)
    form = ImportConfirmForm(request.POST or None, conflicts=(job.report or {}).get("conflict_count", 0))
    if request.method == "POST":
        if "cancel" in request.POST:
            if household_import_cancel(job=job, by=request.user):
                messages.info(request, "已取消这次导入，上传的文件已删除。")
                return redirect("households:import")
            messages.error(request, "正在进行的导入不能取消。")
            return redirect("households:import_job", pk=job.pk)
        if form.is_valid():
            try:
                job = household_import_confirm(
                    job=job, by=request.user, replace_conflicts=form.cleaned_data["replace_conflicts"]
                )
            except ValidationError as exc:
                messages.error(request, exc.messages[0])
            return redirect("households:import_job", pk=job.pk)
    return render(request, "households/import_job.html", {"job": job, "report": job.report or {}, "form": form})


@login_required
@require_GET
def import_status(request, pk):
    """The progress block, polled by htmx every 2 s while the job runs; once it has finished, the whole page
    is loaded again to show the result."""
    job = _import_job(request, pk)
    if not job.is_busy and request.htmx:
        return HttpResponseClientRefresh()
    return render(request, "households/_import_progress.html", {"job": job})
