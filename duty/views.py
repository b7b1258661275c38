"""值班 pages: the month's rota grid (plan, copy last month, fill by week, save all or nothing), its A4 print, swaps,
and the mailbox log (openings and the letters registered from them). Each view parses input, calls duty.services
and chooses the response; the rules of who may do what are minqing.access.Scope's."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from duty import rota, services
from duty.forms import MailboxOpeningForm, RotaGrid, SwapForm
from duty.models import Mailbox, MailboxOpening, Swap
from households.models import Township
from visits.querysets import Month


def _reader(request) -> None:
    if not request.scope.may_read_rota:
        raise PermissionDenied("您没有查看值班表的权限。")


def _township(request) -> Township:
    """The township whose rota is shown: ``?township=<code>`` among the reader's, else their first."""
    townships = Township.objects.filter(request.scope.townships_q("pk")).order_by("sort_order", "name")
    code = request.GET.get("township") or request.POST.get("township")
    township = (townships.filter(code=code).first() if code else None) or townships.first()
    if township is None:
        raise Http404("没有可查看的乡镇。")
    return township


def _townships_menu(request) -> list[Township]:
    if not request.scope.reads_several_townships:
        return []
    return list(Township.objects.filter(request.scope.townships_q("pk")).order_by("sort_order", "name"))


def _grid(township, month: Month, data=None, cells=None) -> RotaGrid:
    return RotaGrid(
        township=township,
        year=month.year,
        month=month.month,
        posts=rota.active_posts(),
        people=rota.township_people(township),
        data=data,
        cells=cells,
    )


@login_required
def rota_month(request):
    """值班表: the month's grid of the township (rows the days, columns the posts). Planners change it in one form:
    保存 saves all or nothing; 复制上月 and 按周填充 fill the form for review, saving nothing."""
    _reader(request)
    township = _township(request)
    month = Month.parse(request.GET.get("month") or request.POST.get("month"))
    days = services.month_days(month.year, month.month)
    may_plan = request.scope.may_plan_rota(township.pk)
    version = services.month_version(township, days)
    notice = ""
    if request.method == "POST":
        if not may_plan:
            raise PermissionDenied("您不能为该乡镇排班。")
        grid = _grid(township, month, data=request.POST)
        action = request.POST.get("action", "save")
        version = request.POST.get("version", "")
        if action == "fill_week":
            grid = _grid(township, month, cells=services.fill_by_week(grid.cells, month.year, month.month))
            grid.is_valid()
            notice = "已按本月第一周（1日至7日）的安排填充全月，请核对后点击“保存值班表”。"
        elif grid.is_valid():
            try:
                services.rota_save_month(
                    by=request.user, township=township, days=days, posts=grid.posts, cells=grid.cells, version=version
                )
            except ValidationError as e:
                grid.non_field_errors.extend(e.messages)
            else:
                messages.success(request, f"{township.name}{month.label}值班表已保存。")
                return redirect(f"{reverse('duty:index')}?month={month}&township={township.code}")
        else:
            grid.non_field_errors.append("值班表有误，请按标红的格子修改；未保存任何内容。")
    elif request.GET.get("copy") and may_plan:
        grid = _grid(township, month, cells=services.copy_previous_month(township, month.year, month.month))
        grid.is_valid()
        notice = f"已按星期复制{month.previous().label}的值班安排，请核对后点击“保存值班表”（尚未保存）。"
    else:
        grid = _grid(township, month, cells=services.saved_cells(township, days))
    swaps = (
        Swap.objects.filter(township=township, date__gte=days[0], date__lte=days[-1])
        .select_related("post", "from_user", "to_user", "recorded_by")
        .order_by("date", "pk")
    )
    return render(
        request,
        "duty/rota.html",
        {
            "township": township,
            "townships": _townships_menu(request),
            "month": month,
            "previous_month": month.previous(),
            "next_month": month.next(),
            "grid": grid,
            "rows": grid.rows(),
            "options": grid.options(),
            "may_plan": may_plan,
            "version": version,
            "notice": notice,
            "swaps": list(swaps),
        },
    )


@login_required
@require_GET
def rota_print(request):
    """The month's rota on A4."""
    _reader(request)
    township = _township(request)
    month = Month.parse(request.GET.get("month"))
    days = services.month_days(month.year, month.month)
    grid = _grid(township, month, cells=services.saved_cells(township, days))
    return render(
        request, "duty/rota_print.html", {"township": township, "month": month, "grid": grid, "rows": grid.rows()}
    )


@login_required
def swap(request):
    """换班: record that someone takes another's place on a day's post."""
    _reader(request)
    township = _township(request)
    if not request.scope.may_plan_rota(township.pk):
        raise PermissionDenied("您不能为该乡镇登记换班。")
    if request.method == "POST":
        form = SwapForm(request.POST, township=township)
        if form.is_valid():
            data = form.cleaned_data
            try:
                done = services.rota_swap(
                    by=request.user,
                    township=township,
                    day=data["date"],
                    post=data["post"],
                    from_user=data["from_user"],
                    to_user=data["to_user"],
                    reason=data["reason"],
                )
            except ValidationError as e:
                _form_errors(form, e)
            else:
                messages.success(request, f"已登记换班：{done}。")
                return redirect(f"{reverse('duty:index')}?month={done.date:%Y-%m}&township={township.code}")
    else:
        form = SwapForm(
            township=township,
            initial={k: request.GET[k] for k in ("date", "post", "from_user") if request.GET.get(k)},
        )
    return render(request, "duty/swap.html", {"form": form, "township": township})


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# --- The mailbox --------------------------------------------------------------------------------------------


def _mailboxes(request):
    return Mailbox.objects.filter(request.scope.townships_q("township")).select_related("township", "responsible")


@login_required
@require_GET
def mailboxes(request):
    """民意信箱: each box of the reader's townships, its last openings, and the boxes not opened on their day."""
    _reader(request)
    today = timezone.localdate()
    openings = MailboxOpening.objects.select_related("opened_by", "witness").annotate(registered=Count("letters"))
    boxes = list(
        _mailboxes(request)
        .filter(is_active=True)
        .prefetch_related(Prefetch("openings", queryset=openings.order_by("-date", "-pk"), to_attr="log"))
    )
    townships = {b.township_id: b.township for b in boxes}
    forms = {
        b.pk: MailboxOpeningForm(
            township=b.township, initial={"date": today, "opened_by": request.user.pk}, prefix=f"box{b.pk}"
        )
        for b in boxes
        if request.scope.may_keep_mailbox(b.township_id)
    }
    counted = None if request.scope.sees_every_township else request.scope.township_ids
    return render(
        request,
        "duty/mailboxes.html",
        {
            "boxes": [(b, forms.get(b.pk)) for b in boxes],
            "missed": services.missed_mailboxes(counted, today),
            "several": len(townships) > 1,
        },
    )


@login_required
@require_POST
def mailbox_open(request, pk):
    _reader(request)
    box = get_object_or_404(_mailboxes(request), pk=pk)
    if not request.scope.may_keep_mailbox(box.township_id):
        raise PermissionDenied("您不能登记该信箱的开箱记录。")
    form = MailboxOpeningForm(request.POST, township=box.township, prefix=f"box{box.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            opening = services.mailbox_open(by=request.user, mailbox=box, **data)
        except ValidationError as e:
            _form_errors(form, e)
        else:
            messages.success(request, f"已登记开箱：{box.place}，信件{opening.letter_count}封。")
            return redirect("duty:opening", pk=opening.pk)
    return render(request, "duty/mailbox_open.html", {"box": box, "form": form}, status=400)


@login_required
@require_GET
def opening_detail(request, pk):
    """One opening: who opened it, the letters registered from it as cases, and the link to register the next."""
    _reader(request)
    opening = get_object_or_404(
        MailboxOpening.objects.filter(request.scope.townships_q("mailbox__township")).select_related(
            "mailbox__township", "opened_by", "witness", "recorded_by"
        ),
        pk=pk,
    )
    letters = list(opening.letters.select_related("village", "category").order_by("pk"))
    return render(
        request,
        "duty/opening.html",
        {
            "opening": opening,
            "letters": letters,
            "remaining": max(opening.letter_count - len(letters), 0),
            "may_register": request.scope.may_register and request.scope.in_township(opening.mailbox.township_id),
        },
    )
