"""Views parse input, call one service or read, and choose the response (style.md B3)."""

from __future__ import annotations

import datetime as dt

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_filters.views import FilterView
from django_htmx.http import HttpResponseClientRedirect

from households.models import Household
from minqing.filters import as_id, filters_active
from minqing.links import public_base_url
from petitions import public_info
from petitions.identity import can_see_identity, petitioner_fields
from petitions.models import Channel, Satisfaction
from petitions.views import intake_page
from petitions.workflow import TransitionError
from visits.filters import ContactFilter, RevisitFilter, VisitFilter
from visits.forms import CloseUnreachableForm, RevisitForm, VisitForm, villages_for
from visits.models import Revisit, VillageLeader, Visit, quota_for
from visits.querysets import (
    Month,
    contact_households,
    coverage_by_cadre,
    coverage_by_village,
    deputy_counts,
    revisit_after_days,
    revisit_queue,
    revisitable_petitions,
)
from visits.services import (
    UNREACHED_LIMIT,
    may_edit_visit,
    may_revisit,
    night_team_gaps,
    revisit_close_unreachable,
    revisit_record,
    unreached_count,
    visit_create,
    visit_link_petition,
    visit_update,
)

#: The rule for people's deputies: at least this many person-contacts with voters a year (the default of
#: ``ContactQuota.deputy_yearly_contacts``; a township sets its own).
DEPUTY_YEARLY_CONTACTS = 40


def require_visits_access(request, *, reading: bool = False) -> None:
    """Recording visits and revisits: the center and liaisons; reading visits (``reading``): the county too."""
    if not (request.scope.may_read_visits if reading else request.scope.may_record_visits):
        raise PermissionDenied("走访回访仅供中心工作人员和村联络员使用。")


class VisitsAccessMixin(LoginRequiredMixin):
    reading = False  # a page that only reads visits, open to the county too

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require_visits_access(request, reading=self.reading)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(filters_active=filters_active(self.request.GET), **kwargs)


class VisitListView(VisitsAccessMixin, FilterView):
    reading = True
    filterset_class = VisitFilter
    paginate_by = 25
    template_name = "visits/visit_list.html"

    def get_queryset(self):
        return Visit.objects.visible_to(self.request.scope).with_list_data()


@login_required
def visit_open_case(request, pk: int):
    """ "Open a case from this visit": the intake page prefilled (channel 走访, the visit's village, household and
    what was heard); the new case and the visit are linked both ways in the registering transaction."""
    require_visits_access(request)
    visit = get_object_or_404(
        Visit.objects.visible_to(request.scope).select_related("village").prefetch_related("households"), pk=pk
    )
    initial = {
        "channel": Channel.DOOR_VISIT,
        "village": visit.village_id,
        "received_at": timezone.localtime(visit.visited_at).strftime("%Y-%m-%dT%H:%M"),
        "content": visit.heard,
    }
    household = next((h for h in visit.households.all() if str(h.pk) == request.GET.get("household")), None)
    if household is not None:
        initial.update(
            household=household.pk,
            petitioner_name=household.head_name,
            petitioner_phone=household.phone,
            petitioner_id_number=household.head_id_number or "",
        )
    return intake_page(
        request,
        initial=initial,
        after_register=lambda petition: visit_link_petition(visit=visit, petition=petition, by=request.user),
        extra_context={
            "intake_title": "从走访登记诉求",
            "intake_note": f"{visit.get_kind_display()} · {timezone.localtime(visit.visited_at):%Y-%m-%d %H:%M} · "
            f"{visit.village.name}：登记后诉求与本次走访相互关联。",
        },
    )


@login_required
def visit_detail(request, pk: int):
    require_visits_access(request, reading=True)
    visit = get_object_or_404(Visit.objects.visible_to(request.scope).with_detail_data(), pk=pk)
    return render(
        request,
        "visits/visit_detail.html",
        {
            "visit": visit,
            # A case raised here ties its petitioner to the households visited: an accusation's, for the center only.
            "raised": [p for p in visit.petitions.all() if can_see_identity(request.scope, p)],
            "may_edit": may_edit_visit(request.scope, visit),
            "team_gaps": team_gaps(visit),
            # petitions.workflow lets reception and liaisons register cases (登记).
            "may_open_case": request.scope.has_role("reception", "liaison"),
        },
    )


def team_gaps(visit: Visit) -> list[str]:
    return night_team_gaps(visit.kind, [member.role for member in visit.team.all()])


def _warn_night_team(request, visit: Visit) -> None:
    """夜访“1+2+N”: saved as it happened, with a warning of what the team lacked."""
    if gaps := team_gaps(visit):
        messages.warning(request, "夜访未达到“1+2+N”要求：" + "；".join(gaps) + "。")


def prefill(request) -> dict:
    """?kind=…&household=… from the contact list and the deputies page."""
    initial = {}
    if request.GET.get("kind") in Visit.Kind.values:
        initial["kind"] = request.GET["kind"]
    pk = as_id(request.GET.get("household"))
    household = Household.objects.visible_to(request.scope).filter(pk=pk).first() if pk else None
    if household:
        initial["households"] = [household.pk]
        initial["village"] = household.village_id
    return initial


@login_required
def visit_new(request):
    require_visits_access(request)
    form = VisitForm(request.POST or None, initial=prefill(request), scope=request.scope, user=request.user)
    if request.method == "POST" and form.is_valid():
        visit, created = visit_create(
            by=request.user, client_key=form.cleaned_data.get("client_key"), **form.service_kwargs()
        )
        messages.success(request, "走访记录已保存。" if created else "这条走访记录之前已保存，未重复创建。")
        _warn_night_team(request, visit)
        url = reverse("visits:detail", args=[visit.pk])
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    template = "visits/_visit_form.html" if request.htmx and request.method == "POST" else "visits/visit_form.html"
    return render(request, template, {"form": form, "offline": True})


@login_required
def visit_edit(request, pk: int):
    require_visits_access(request)
    visit = get_object_or_404(Visit.objects.visible_to(request.scope).with_detail_data(), pk=pk)
    if not may_edit_visit(request.scope, visit):
        raise PermissionDenied("只有记录人、走访人员或中心可以修改这条走访记录。")
    form = VisitForm(request.POST or None, instance=visit, scope=request.scope, user=request.user)
    if request.method == "POST" and form.is_valid():
        visit_update(visit=visit, by=request.user, **form.service_kwargs())
        messages.success(request, "走访记录已修改。")
        _warn_night_team(request, visit)
        url = reverse("visits:detail", args=[visit.pk])
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    template = "visits/_visit_form.html" if request.htmx and request.method == "POST" else "visits/visit_form.html"
    return render(request, template, {"form": form, "visit": visit, "offline": False})


@require_POST
def visit_sync(request):
    """A draft kept in the browser while offline, sent when the connection is back (visits.js).

    Answers JSON: 201 with the new visit, 200 with the visit this ``client_key`` already created,
    400 with the field errors in Chinese, 401 when the session has expired.
    """
    if not request.user.is_authenticated:
        return JsonResponse({"error": "登录已过期，请重新登录后再上传。"}, status=401)
    if not request.scope.may_record_visits:
        return JsonResponse({"error": "走访记录仅供中心工作人员和村联络员提交。"}, status=403)
    form = VisitForm(request.POST, scope=request.scope, user=request.user)
    if not request.POST.get("client_key"):
        return JsonResponse({"errors": {"__all__": ["缺少提交标识，请刷新页面后重新填写。"]}}, status=400)
    if not form.is_valid():
        errors = {field: [str(e) for e in errs] for field, errs in form.errors.items()}
        return JsonResponse({"errors": errors}, status=400)
    visit, created = visit_create(by=request.user, client_key=form.cleaned_data["client_key"], **form.service_kwargs())
    return JsonResponse(
        {
            "id": visit.pk,
            "url": reverse("visits:detail", args=[visit.pk]),
            "created": created,
            "label": str(visit),
        },
        status=201 if created else 200,
    )


@require_GET
@login_required
def household_search(request):
    """The type-ahead of the visit form: up to 10 households the user may see."""
    require_visits_access(request)
    q = request.GET.get("q", "").strip()
    households = (
        Household.objects.visible_to(request.scope).search(q).select_related("village", "group")[:10] if q else []
    )
    return render(request, "visits/_household_results.html", {"households": households, "q": q})


class ContactListView(VisitsAccessMixin, FilterView):
    """Each cadre's contact households with the date of the last visit (民情联系户)."""

    filterset_class = ContactFilter
    paginate_by = 25
    template_name = "visits/contact_list.html"

    def get_queryset(self):
        return contact_households(self.request.scope, Month.current())

    def get_context_data(self, **kwargs):
        return super().get_context_data(month=Month.current(), **kwargs)


@login_required
def coverage(request):
    require_visits_access(request)
    month = Month.parse(request.GET.get("month"))
    return render(
        request,
        "visits/coverage.html",
        {
            "month": month,
            "current": Month.current(),
            "by_cadre": coverage_by_cadre(request.scope, month),
            "by_village": coverage_by_village(request.scope, month),
        },
    )


def lookup_qr(request, township=None) -> tuple[str, str, str]:
    """The public lookup address (the township's, or the county's) and its QR code as an SVG ``<symbol>``
    (drawn once, used per card)."""
    path = reverse("public:lookup_township", args=[township.code]) if township else reverse("public:lookup")
    url = public_base_url(request) + path
    svg = segno.make(url, error="m").svg_inline(scale=1, border=2, svgclass=None, lineclass=None, omitsize=True)
    view_box = svg[svg.index('viewBox="') + 9 :].split('"', 1)[0]
    inner = svg[svg.index(">") + 1 : svg.rindex("</svg>")]
    return url, view_box, f'<symbol id="mq-lookup-qr" viewBox="{view_box}">{inner}</symbol>'


@login_required
def contact_cards(request):
    """Printable contact cards (民情连心卡) for a village's households, eight to an A4 sheet."""
    require_visits_access(request)
    villages = villages_for(request.scope)
    village = None
    households = Household.objects.none()
    contacts_only = request.GET.get("contacts") == "1"
    if request.GET.get("village"):
        village = get_object_or_404(villages, pk=request.GET["village"])
        households = (
            Household.objects.visible_to(request.scope)
            .filter(village=village)
            .select_related("group", "contact_cadre__cadre_profile")
            .order_by("group__name", "household_no")
        )
        if contacts_only:
            households = households.filter(contact_cadre__isnull=False)
    township = village.township if village else None
    url, view_box, symbol = lookup_qr(request, township)
    return render(
        request,
        "visits/cards.html",
        {
            "villages": villages,
            "village": village,
            "contacts_only": contacts_only,
            "households": households,
            "leaders": VillageLeader.objects.filter(village=village) if village else [],
            # The township's leaders as its contact directory publishes them (包村领导 first).
            "township_leaders": public_info.township_leaders_for(village) if village else [],
            "lookup_url": url,
            "qr_view_box": view_box,
            "qr_symbol": symbol,
            "township": township,
        },
    )


@login_required
def deputies(request):
    """Each deputy's contacts with voters this year against the rule of at least 40."""
    require_visits_access(request)
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year", this_year))
        dt.date(year, 1, 1)
    except ValueError:
        year = this_year
    rows = list(deputy_counts(year, request.scope))
    # The township's quota (民情联系定额), 40 person-contacts by default.
    rule = quota_for(min(request.scope.township_ids, default=None)).deputy_yearly_contacts
    for row in rows:
        row.short = max(rule - row.contacts, 0)
        row.percent = min(100, round(100 * row.contacts / rule))
        row.label = f"{row.contacts}/{rule}"
    return render(
        request,
        "visits/deputies.html",
        {
            "year": year,
            "years": range(this_year, this_year - 5, -1),
            "rows": rows,
            "rule": rule,
            "kind": Visit.Kind.DEPUTY_CONTACT,
        },
    )


# --- Revisits (回访) -------------------------------------------------------------------------------


class RevisitQueueView(VisitsAccessMixin, FilterView):
    """Replied cases whose revisit is due (N days after the reply); liaisons see their villages only."""

    filterset_class = RevisitFilter
    paginate_by = 25
    template_name = "visits/revisit_queue.html"

    def get_queryset(self):
        return revisit_queue(self.request.scope)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(after_days=revisit_after_days(), limit=UNREACHED_LIMIT, **kwargs)
        if not context["page_obj"].object_list and self.request.GET.get("due", "due") == "due":
            # Nothing due: say how many replied cases are still inside their N days.
            context["upcoming"] = self.get_queryset().filter(is_due=False).count()
        return context


def _revisit_petition(request, petition_pk: int):
    queryset = revisitable_petitions(request.scope).select_related("village", "category", "lead_department")
    return get_object_or_404(queryset, pk=petition_pk)


@login_required
def revisit_new(request, petition_pk: int):
    """The revisit record of one case (the petitions page's 回访 button leads here)."""
    require_visits_access(request)
    petition = _revisit_petition(request, petition_pk)
    form = RevisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            revisit = revisit_record(petition=petition, by=request.user, **form.service_kwargs())
        except TransitionError as e:
            messages.error(request, e.message)
            return redirect("visits:revisits")
        except ValidationError as e:
            for field, errors in e.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _revisit_message(petition, revisit))
            return redirect("visits:revisits")
    attempts = unreached_count(petition)
    return render(
        request,
        "visits/revisit_form.html",
        {
            "petition": petition,
            "who": petitioner_fields(request.scope, petition, representatives=False),
            "reply": petition.replies.first(),
            "revisits": petition.revisits.select_related("by"),
            "form": form,
            "may_revisit": may_revisit(request.scope, petition),
            "attempts": attempts,
            "limit": UNREACHED_LIMIT,
            "may_close": attempts >= UNREACHED_LIMIT and request.scope.is_leader and petition.status == "replied",
            "close_form": CloseUnreachableForm(),
        },
    )


def _revisit_message(petition, revisit: Revisit) -> str:
    number = petition.tracking_number
    if not revisit.reached:
        attempts = unreached_count(petition)
        extra = "，可由领导说明理由办结" if attempts >= UNREACHED_LIMIT else ""
        return f"{number}：第{attempts}次回访未联系上，已记录{extra}。"
    if revisit.satisfaction == Satisfaction.UNSATISFIED:
        return f"{number}：群众不满意，已退回承办单位重办。"
    return f"{number}：群众{revisit.get_satisfaction_display()}，已办结。"


@require_POST
@login_required
def revisit_close(request, petition_pk: int):
    """A leader closes a case whose petitioner was unreachable three times, with a written reason."""
    require_visits_access(request)
    petition = _revisit_petition(request, petition_pk)
    form = CloseUnreachableForm(request.POST)
    if form.is_valid():
        try:
            revisit_close_unreachable(petition=petition, by=request.user, reason=form.cleaned_data["reason"])
        except TransitionError as e:
            messages.error(request, e.message)
        except ValidationError as e:
            messages.error(request, "；".join(e.messages))
        else:
            messages.success(request, f"{petition.tracking_number}：已说明理由办结。")
            return redirect("visits:revisits")
    else:
        messages.error(request, "请写明办结理由。")
    return redirect("visits:revisit_new", petition_pk=petition.pk)
