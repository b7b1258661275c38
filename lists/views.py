"""清单 pages: 我的清单 (items), the supervision ledger (挂帐督办台账), sweeps (排查), the watch list (苗头隐患) and
bulletins (通报). Each view parses input, calls lists.services and chooses the response; who may do what is
minqing.access.Scope's."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from lists import coverage, services
from lists.forms import (
    AnswerForm,
    AssignForm,
    CadenceForm,
    ItemForm,
    LedgerItemForm,
    NoteForm,
    ReviewForm,
    SignForm,
    StrikeForm,
    SweepForm,
)
from lists.models import Bulletin, Item, LedgerItem, LedgerRequest, Sign, Sweep
from lists.services import ListConflict
from petitions.models import Channel


def _reader(request) -> None:
    if not request.scope.may_read_lists:
        raise PermissionDenied("您没有查看清单的权限。")


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errs in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, error.messages)


# --- Findings checklist (清单) -------------------------------------------------------------------------------


@login_required
def items(request):
    """我的清单: on a phone, one card per item, the overdue and soonest first; 全部 for whoever reads more."""
    _reader(request)
    scope = request.scope
    today = timezone.localdate()
    visible = Item.objects.visible_to(scope)
    view = request.GET.get("view") or ("mine" if not scope.reads_townships else "all")
    if view == "mine":
        mine = Q(owner_id=scope.user_id)
        if scope.is_handler:
            mine |= Q(department_id__in=scope.department_ids)
        rows = visible.filter(mine)
    else:
        rows = visible
    show = request.GET.get("show") or "pending"
    if show == "pending":
        rows = rows.pending()
    elif show == "overdue":
        rows = rows.overdue(today)
    rows = rows.select_related("village", "household", "owner", "petition").order_by("due_date", "pk")[:200]
    return render(
        request,
        "lists/items.html",
        {"items": rows, "view": view, "show": show, "today": today, "may_add": scope.may_add_items},
    )


@login_required
def item_new(request):
    _reader(request)
    if not request.scope.may_add_items:
        raise PermissionDenied("您不能登记清单事项。")
    form = ItemForm(request.POST or None, scope=request.scope)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = services.item_create(
                by=request.user,
                text=data["text"],
                village=data["village"],
                household=data["household"],
                heard_on=data["heard_on"],
                due_date=data["due_date"],
                department=data.get("department"),
            )
        except ValidationError as e:
            _apply_errors(form, e)
        except PermissionDenied as e:
            form.add_error("village", str(e))
        else:
            messages.success(request, "已加入清单。")
            return redirect("lists:item_detail", item.pk)
    return render(request, "lists/item_form.html", {"form": form})


def _item(request, pk: int) -> Item:
    _reader(request)
    return get_object_or_404(
        Item.objects.visible_to(request.scope).select_related(
            "village", "household", "owner", "petition", "visit", "sweep", "department", "finished_by"
        ),
        pk=pk,
    )


@login_required
def item_detail(request, pk: int):
    item = _item(request, pk)
    return render(
        request,
        "lists/item_detail.html",
        {
            "item": item,
            "may_keep": request.scope.may_keep_item(item) and item.is_pending,
            "may_register": request.scope.may_register,
            "assign_form": AssignForm(initial={"due_date": item.due_date}),
            "close_form": NoteForm(),
            "today": timezone.localdate(),
        },
    )


def _act(request, item: Item, action) -> None:
    try:
        action()
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    except ListConflict as e:
        messages.warning(request, e.message)


@login_required
@require_POST
def item_tick(request, pk: int):
    item = _item(request, pk)
    _act(request, item, lambda: services.item_tick(item=item, by=request.user))
    if item.status == Item.Status.DONE:
        messages.success(request, f"已销号：{item.text[:20]}")
    return redirect(request.POST.get("next") or reverse("lists:items"))


@login_required
@require_POST
def item_assign(request, pk: int):
    item = _item(request, pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写正确的限时办结日期。")
    else:
        data = form.cleaned_data
        _act(request, item, lambda: services.item_assign(item=item, by=request.user, due_date=data["due_date"],
                                                          note=data["note"]))  # fmt: skip
    return redirect("lists:item_detail", item.pk)


@login_required
@require_POST
def item_close(request, pk: int):
    item = _item(request, pk)
    note = request.POST.get("note", "")
    _act(request, item, lambda: services.item_close(item=item, by=request.user, note=note))
    return redirect("lists:item_detail", item.pk)


@login_required
def item_case(request, pk: int):
    """转为诉求: the intake page prefilled (channel 走访, the item's village, household and text); the new case and
    the item are linked both ways in the registering transaction."""
    from petitions.views import intake_page

    item = _item(request, pk)
    if not request.scope.may_keep_item(item):
        raise PermissionDenied("您不能办理这条清单事项。")
    if not item.is_pending:
        messages.warning(request, "该事项已办结或已转为诉求。")
        return redirect("lists:item_detail", item.pk)
    initial = {
        "channel": Channel.DOOR_VISIT,
        "village": item.village_id,
        "content": item.text,
        "summary": item.text[:50],
    }
    if item.household is not None:
        h = item.household
        initial.update(
            household=h.pk,
            petitioner_name=h.head_name,
            petitioner_phone=h.phone,
            petitioner_id_number=h.head_id_number or "",
        )
    return intake_page(
        request,
        initial=initial,
        after_register=lambda petition: services.item_link_case(item=item, petition=petition, by=request.user),
        extra_context={
            "intake_title": "清单事项转诉求",
            "intake_note": f"{item.village.name} · {item.heard_on:%Y-%m-%d}：登记后诉求与该清单事项相互关联。",
        },
    )


# --- Supervision ledger (挂帐督办台账) -----------------------------------------------------------------------


def _ledger_reader(request) -> None:
    if not (request.scope.reads_townships or request.scope.is_handler):
        raise PermissionDenied("您没有查看挂帐督办台账的权限。")


@login_required
def ledger(request):
    """在帐 / 已销帐; the items with overdue answers first. The county sees every township's."""
    _ledger_reader(request)
    today = timezone.localdate()
    status = request.GET.get("status") if request.GET.get("status") in LedgerItem.Status.values else "on"
    late = (
        LedgerRequest.objects.filter(item=OuterRef("pk"), answered_at=None, answer_by__lt=today)
        .values("item")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        LedgerItem.objects.visible_to(request.scope)
        .filter(status=status)
        .select_related("unit", "township", "put_on_by")
        .annotate(overdue_answers=Coalesce(Subquery(late), 0))
        .order_by("-overdue_answers", "due_date", "pk")
    )
    return render(
        request,
        "lists/ledger.html",
        {
            "rows": rows,
            "status": status,
            "today": today,
            "may_put_on": request.scope.is_county or request.scope.is_leader,
        },
    )


@login_required
def ledger_new(request):
    _ledger_reader(request)
    if not (request.scope.is_county or request.scope.is_leader):
        raise PermissionDenied("只有领导或县级可以挂帐督办。")
    form = LedgerItemForm(request.POST or None, scope=request.scope)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = services.ledger_put_on(by=request.user, **data)
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            messages.success(request, "已挂帐督办。")
            return redirect("lists:ledger_detail", item.pk)
    return render(request, "lists/ledger_form.html", {"form": form})


def _ledger_item(request, pk: int) -> LedgerItem:
    _ledger_reader(request)
    return get_object_or_404(
        LedgerItem.objects.visible_to(request.scope).select_related("unit", "township", "put_on_by", "struck_by"),
        pk=pk,
    )


@login_required
def ledger_detail(request, pk: int, adjust_form=None):
    item = _ledger_item(request, pk)
    return render(
        request,
        "lists/ledger_detail.html",
        {
            "adjust_form": adjust_form or CadenceForm.of(item),
            "item": item,
            "requests": item.requests.select_related("answered_by").order_by("-step_on", "kind"),
            "events": item.events.all(),
            "petitions": item.petitions.all(),
            "may_answer": request.scope.may_answer_ledger(item) and item.status == LedgerItem.Status.ON,
            "may_strike": request.scope.may_lead_ledger(item) and item.status == LedgerItem.Status.ON,
            "answer_form": AnswerForm(),
            "strike_form": StrikeForm(),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def ledger_answer(request, pk: int):
    _ledger_reader(request)
    req = get_object_or_404(
        LedgerRequest.objects.filter(item__in=LedgerItem.objects.visible_to(request.scope)).select_related("item"),
        pk=pk,
    )
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写工作进展。")
    else:
        try:
            services.ledger_answer(request=req, by=request.user, **form.cleaned_data)
            messages.success(request, "已回复。")
        except ListConflict as e:
            messages.warning(request, e.message)
    return redirect("lists:ledger_detail", req.item_id)


@login_required
@require_POST
def ledger_strike(request, pk: int):
    item = _ledger_item(request, pk)
    try:
        services.ledger_strike_off(item=item, by=request.user, outcome=request.POST.get("outcome", ""))
        messages.success(request, "已销帐。")
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    except ListConflict as e:
        messages.warning(request, e.message)
    return redirect("lists:ledger_detail", item.pk)


@login_required
@require_POST
def ledger_adjust(request, pk: int):
    item = _ledger_item(request, pk)
    if not request.scope.may_lead_ledger(item):
        raise PermissionDenied("只有领导可以调整督办方式。")
    form = CadenceForm.of(item, request.POST)
    if form.is_valid():
        try:
            services.ledger_adjust(item=item, by=request.user, **form.cleaned_data)
        except ValidationError as e:
            _apply_errors(form, e)
        except ListConflict as e:
            messages.warning(request, e.message)
            return redirect("lists:ledger_detail", item.pk)
        else:
            messages.success(request, "已调整督办方式。")
            return redirect("lists:ledger_detail", item.pk)
    return ledger_detail(request, pk, adjust_form=form)


# --- Sweeps (排查) ------------------------------------------------------------------------------------------


@login_required
def sweeps(request):
    _reader(request)
    rows = Sweep.objects.filter(request.scope.townships_q("township")).select_related("township")
    if not request.scope.reads_townships:
        rows = (
            rows.filter(villages__in=request.scope.village_ids).distinct() if request.scope.is_liaison else rows.none()
        )
    return render(
        request,
        "lists/sweeps.html",
        {"rows": rows.order_by("-starts_on", "-pk"), "may_plan": request.scope.is_leader or request.scope.is_admin},
    )


@login_required
def sweep_new(request):
    _reader(request)
    township = request.user.townships.order_by("pk").first()
    if township is None or not request.scope.may_plan_sweeps(township.pk):
        raise PermissionDenied("只有乡镇领导可以部署排查。")
    form = SweepForm(request.POST or None, township=township)
    if request.method == "POST" and form.is_valid():
        try:
            sweep = services.sweep_create(by=request.user, township=township, **form.cleaned_data)
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            return redirect("lists:sweep_detail", sweep.pk)
    return render(request, "lists/sweep_form.html", {"form": form})


def _sweep(request, pk: int) -> Sweep:
    _reader(request)
    rows = Sweep.objects.filter(request.scope.townships_q("township"))
    if not request.scope.reads_townships:
        rows = (
            rows.filter(villages__in=request.scope.village_ids).distinct() if request.scope.is_liaison else rows.none()
        )
    return get_object_or_404(rows.select_related("township"), pk=pk)


@login_required
def sweep_detail(request, pk: int):
    sweep = _sweep(request, pk)
    return render(
        request,
        "lists/sweep_detail.html",
        {
            "sweep": sweep,
            "by_village": coverage.by_village(sweep),
            # 六应访 names households by sensitive tags (五保, 低保 …): the center and liaisons, not the county.
            "by_tag": coverage.by_tag(sweep) if (request.scope.is_center or request.scope.is_liaison) else [],
            "items": sweep.items.select_related("village", "owner").order_by("due_date", "pk"),
            "may_close": request.scope.may_plan_sweeps(sweep.township_id) and sweep.status == Sweep.Status.OPEN,
            "close_form": NoteForm(),
        },
    )


@login_required
@require_POST
def sweep_close(request, pk: int):
    sweep = _sweep(request, pk)
    try:
        services.sweep_close(sweep=sweep, by=request.user, summary=request.POST.get("note", ""))
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    except ListConflict as e:
        messages.warning(request, e.message)
    return redirect("lists:sweep_detail", sweep.pk)


# --- Early signs (苗头隐患) ----------------------------------------------------------------------------------


@login_required
def watch(request):
    _reader(request)
    rows = Sign.objects.visible_to(request.scope).select_related("village", "watcher")
    status = request.GET.get("status") if request.GET.get("status") in Sign.Status.values else Sign.Status.WATCHING
    return render(
        request,
        "lists/watch.html",
        {
            "rows": rows.filter(status=status).order_by("next_review", "pk"),
            "status": status,
            "statuses": Sign.Status.choices,
            "today": timezone.localdate(),
            "may_add": request.scope.is_center or request.scope.is_liaison,
        },
    )


@login_required
def sign_new(request):
    _reader(request)
    if not (request.scope.is_center or request.scope.is_liaison):
        raise PermissionDenied("您不能登记苗头隐患。")
    form = SignForm(request.POST or None, scope=request.scope)
    if request.method == "POST" and form.is_valid():
        try:
            sign = services.sign_create(by=request.user, **form.cleaned_data)
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            return redirect("lists:sign_detail", sign.pk)
    return render(request, "lists/sign_form.html", {"form": form})


def _sign(request, pk: int) -> Sign:
    _reader(request)
    return get_object_or_404(Sign.objects.visible_to(request.scope).select_related("village", "watcher"), pk=pk)


@login_required
def sign_detail(request, pk: int):
    sign = _sign(request, pk)
    may = request.scope.may_watch(sign.village) and sign.status == Sign.Status.WATCHING
    return render(
        request,
        "lists/sign_detail.html",
        {
            "sign": sign,
            "reviews": sign.reviews.select_related("by"),
            "may_act": may,
            "review_form": ReviewForm(initial={"risk": sign.risk}),
            "close_form": NoteForm(),
        },
    )


@login_required
@require_POST
def sign_review(request, pk: int):
    sign = _sign(request, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写研判情况、风险等级和下次研判日期。")
    else:
        try:
            services.sign_review(sign=sign, by=request.user, **form.cleaned_data)
        except ValidationError as e:
            messages.error(request, "；".join(e.messages))
        except ListConflict as e:
            messages.warning(request, e.message)
    return redirect("lists:sign_detail", sign.pk)


@login_required
@require_POST
def sign_close(request, pk: int):
    sign = _sign(request, pk)
    try:
        services.sign_close(sign=sign, by=request.user, note=request.POST.get("note", ""))
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    except ListConflict as e:
        messages.warning(request, e.message)
    return redirect("lists:sign_detail", sign.pk)


@login_required
def sign_case(request, pk: int):
    from petitions.views import intake_page

    sign = _sign(request, pk)
    if not request.scope.may_watch(sign.village) or sign.status != Sign.Status.WATCHING:
        raise PermissionDenied("该苗头隐患不能转为诉求。")
    return intake_page(
        request,
        initial={"channel": Channel.DOOR_VISIT, "village": sign.village_id, "content": sign.seen},
        after_register=lambda petition: services.sign_link_case(sign=sign, petition=petition, by=request.user),
        extra_context={
            "intake_title": "苗头隐患转诉求",
            "intake_note": f"{sign.village.name}：登记后与该苗头隐患相互关联。",
        },
    )


# --- Bulletins (通报) ---------------------------------------------------------------------------------------


def _bulletin_reader(request) -> None:
    if not request.scope.may_read_bulletins:
        raise PermissionDenied("您没有查看通报的权限。")


@login_required
def bulletins(request):
    from lists.bulletins import bulletin_build

    _bulletin_reader(request)
    scope = request.scope
    if request.method == "POST":
        kind = request.POST.get("kind")
        township = request.user.townships.order_by("pk").first() if not scope.is_county else None
        if kind not in Bulletin.Kind.values or not scope.may_issue_bulletins(township.pk if township else None):
            raise PermissionDenied("您不能生成该通报。")
        try:
            on = dt.date.fromisoformat(request.POST.get("on", "")) if request.POST.get("on") else timezone.localdate()
        except ValueError:
            on = timezone.localdate()
        try:
            bulletin = bulletin_build(township=township, kind=kind, on=on)
        except ListConflict as e:
            messages.warning(request, e.message)
            return redirect("lists:bulletins")
        return redirect("lists:bulletin_detail", bulletin.pk)
    rows = (
        Bulletin.objects.filter(scope.townships_q("township"))
        if not scope.sees_every_township
        else Bulletin.objects.all()
    )
    return render(
        request,
        "lists/bulletins.html",
        {
            "rows": rows.select_related("township").order_by("-period_start", "kind"),
            "kinds": Bulletin.Kind.choices,
            "may_build": scope.is_leader or scope.is_admin or scope.is_county,
        },
    )


def _bulletin(request, pk: int) -> Bulletin:
    _bulletin_reader(request)
    scope = request.scope
    rows = (
        Bulletin.objects.all()
        if scope.sees_every_township
        else Bulletin.objects.filter(township_id__in=scope.township_ids)
    )
    return get_object_or_404(rows.select_related("township", "issued_by"), pk=pk)


@login_required
def bulletin_detail(request, pk: int):
    bulletin = _bulletin(request, pk)
    template = "lists/bulletin_print.html" if request.GET.get("print") else "lists/bulletin_detail.html"
    return render(
        request,
        template,
        {
            "bulletin": bulletin,
            "c": bulletin.content,
            "may_issue": bulletin.status == Bulletin.Status.DRAFT
            and request.scope.may_issue_bulletins(bulletin.township_id),
        },
    )


@login_required
@require_POST
def bulletin_issue(request, pk: int):
    from lists.bulletins import bulletin_issue as issue

    bulletin = _bulletin(request, pk)
    try:
        issue(bulletin=bulletin, by=request.user)
        messages.success(request, "通报已印发，内容不再变动。")
    except ListConflict as e:
        messages.warning(request, e.message)
    return redirect("lists:bulletin_detail", bulletin.pk)


@login_required
def bulletin_xlsx(request, pk: int):
    from lists.bulletins import bulletin_workbook

    bulletin = _bulletin(request, pk)
    response = HttpResponse(
        bulletin_workbook(bulletin), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="bulletin-{bulletin.pk}.xlsx"'
    return response
