"""The public pages (no login): the notice board (公示栏), one notice, the Atom feed, the JSON for a county
portal, and the progress lookup (办理进度查询).

Each township has its own (``/public/<code>/…``: its board, its numbers, its center's name and hotline); the
county's (``/public/…``) shows every township's notices with a township filter. A notice's own page
(``/public/notices/<number>/``) needs no township: tracking numbers are unique in the county.

Templates receive only the dictionaries of ``petitions/public.py`` (never a Petition or a Publication), and
the shared pagination partial a plain namespace, so a template edit cannot reach a name, phone or note.
"""

from __future__ import annotations

from types import SimpleNamespace

import django_filters
from axes.helpers import get_client_ip_address
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from households.models import Township, Village, county_center_name
from minqing.widgets import FastSelect
from petitions import answers, public, public_info
from petitions.models import Category, Publication
from petitions.numbers import normalize_tracking_number

BOARD_PAGE_SIZE = 25
JSON_PAGE_SIZE = 100
FEED_SIZE = 50
#: Progress lookups allowed per client address in a window (the cache holds the counters: Redis in production).
LOOKUP_LIMIT = 10
LOOKUP_WINDOW_SECONDS = 10 * 60


def _township(code: str | None) -> Township | None:
    """The township of a ``/public/<code>/`` page (404 for an unknown code), None for the county's pages."""
    return None if code is None else get_object_or_404(Township, code=code)


def _center(township: Township | None) -> dict:
    """Who speaks on a public page, and its links: the township's center and pages, or the county's."""
    if township is None:
        center = {"name": county_center_name(), "hotline": settings.MINQING["COUNTY_HOTLINE"]}
        names, args = ("board", "lookup", "feed", "notices_json", "directory", "process"), []
    else:
        center = {"name": township.center_name, "hotline": township.hotline}
        names = ("board", "lookup", "feed", "notices_json", "directory", "process")
        names, args = tuple(f"{n}_township" for n in names), [township.code]
    keys = ("board_url", "lookup_url", "feed_url", "json_url", "directory_url", "process_url")
    for key, name in zip(keys, names, strict=True):
        center[key] = reverse(f"public:{name}", args=args)
    return center


def _page_info(page) -> SimpleNamespace:
    """What templates/_pagination.html reads, without the paginator's queryset of model instances."""
    return SimpleNamespace(
        number=page.number,
        has_other_pages=page.has_other_pages(),
        has_previous=page.has_previous(),
        has_next=page.has_next(),
        previous_page_number=page.number - 1,
        next_page_number=page.number + 1,
        paginator=SimpleNamespace(num_pages=page.paginator.num_pages, count=page.paginator.count),
    )


# --- The board ----------------------------------------------------------------------------------------


def subject_choices():
    return [(s, s) for s in Category.objects.order_by("subject").values_list("subject", flat=True).distinct()]


class PublicNoticeFilter(django_filters.FilterSet):
    township = django_filters.ModelChoiceFilter(
        label="乡镇", field_name="petition__township", queryset=Township.objects.all(), empty_label="全部乡镇"
    )
    village = django_filters.ModelChoiceFilter(
        label="村", queryset=Village.objects.all(), widget=FastSelect, empty_label="全部村"
    )
    subject = django_filters.ChoiceFilter(label="事项", choices=[], empty_label="全部事项")
    month = django_filters.CharFilter(
        label="受理月份",
        method="in_month",
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "如 2026-11"}),
    )

    class Meta:
        model = Publication
        fields = []

    def __init__(self, *args, township: Township | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # Read once: a callable would be read again for validation and for rendering.
        self.filters["subject"].extra["choices"] = subject_choices()
        self.township = township
        if township is not None:  # a township's board: its villages, no township filter
            del self.filters["township"]
            self.filters["village"].queryset = Village.objects.filter(township=township)

    def in_month(self, queryset, name, value):
        span = public.month_range(value)
        if span is None:
            return queryset
        return queryset.filter(received_on__gte=span[0], received_on__lt=span[1])

    @property
    def form(self):
        form = super().form
        if not hasattr(form, "helper"):
            form.helper = FormHelper()
            form.helper.form_method = "get"
            form.helper.form_class = "no-print mb-2"
            columns = [] if self.township is not None else [Column("township", css_class="col-6 col-md-2")]
            form.helper.layout = Layout(
                Row(
                    *columns,
                    Column("village", css_class="col-6 col-md-3"),
                    Column("subject", css_class="col-6 col-md-2"),
                    Column("month", css_class="col-6 col-md-3"),
                    Column(Submit("", "筛选", css_class="btn-primary w-100"), css_class="col-6 col-md-2 pt-md-4"),
                )
            )
        return form


def _filtered(request, township: Township | None) -> PublicNoticeFilter:
    return PublicNoticeFilter(request.GET, queryset=public.board_queryset(township), township=township)


@require_GET
def board(request, code: str | None = None):
    """公示栏 of a township, or of the county. Queries: the township, the filter form's townships, villages and
    subjects, the count, the page — whatever it holds."""
    township = _township(code)
    filterset = _filtered(request, township)
    page = Paginator(filterset.qs, BOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        **_leaders_on_duty(township),
        "filter": filterset,
        "notices": [public.public_notice(p) for p in page.object_list],
        "answers": answers.board_answers(township),
        "page_obj": _page_info(page),
        "center": _center(township),
        "township": township,
        "townships": Township.objects.all() if township is None else [],
    }
    return render(request, "public/board.html", context)


def _leaders_on_duty(township: Township | None) -> dict:
    """今日带班领导 (each township's, on the county's board) and this week's (a township's board): names and posts
    only, from duty.rota."""
    from duty import rota

    today = timezone.localdate()
    if township is None:
        return {"leaders_today": rota.public_leaders(Township.objects.values("pk"), today, today)}
    monday, sunday = rota.week_of(today)
    week = rota.public_leaders([township.pk], monday, sunday)
    return {"leaders_today": [d for d in week if d["date"] == today], "leaders_week": week, "today": today}


@require_GET
def notice(request, number):
    publication = public.board_queryset().filter(petition__tracking_number=normalize_tracking_number(number)).first()
    if publication is None:
        raise Http404("该公示不存在或已撤下。")
    township = publication.petition.township
    context = {
        "notice": public.public_notice(publication),
        "answers": answers.public_answers_for(publication.petition),
        "center": _center(township),
        "township": township,
    }
    return render(request, "public/notice.html", context)


@require_GET
def notices_json(request, code: str | None = None):
    """The board for a county portal: the same fields and filters, 100 a page, newest first; a township's or
    the county's (with ``township`` in each notice and a ``township`` filter)."""
    township = _township(code)
    filterset = _filtered(request, township)
    page = Paginator(filterset.qs, JSON_PAGE_SIZE).get_page(request.GET.get("page"))
    results = []
    for publication in page.object_list:
        item = public.json_notice(public.public_notice(publication))
        item["url"] = request.build_absolute_uri(item["url"])
        results.append(item)
    next_url = None
    if page.has_next():
        query = request.GET.copy()
        query["page"] = page.number + 1
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    data = {
        "source": _center(township)["name"],
        "count": page.paginator.count,
        "page": page.number,
        "num_pages": page.paginator.num_pages,
        "next": next_url,
        "results": results,
    }
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


class NoticeFeed(Feed):
    """An Atom feed of the newest notices of a township (``/public/<code>/feed/``) or of the county."""

    feed_type = Atom1Feed
    subtitle = "民情诉求办理结果公示（诉求人仅显示姓氏，本人书面同意的除外）"

    def get_object(self, request, code: str | None = None):
        return _township(code)

    def title(self, township):
        return f"{_center(township)['name']} 公示栏"

    def link(self, township):
        return reverse("public:board_township", args=[township.code]) if township else reverse("public:board")

    def items(self, township):
        return [public.public_notice(p) for p in public.board_queryset(township)[:FEED_SIZE]]

    def item_title(self, item):
        return " ".join(filter(None, [item["tracking_number"], item["village"], item["subject"]]))

    def item_description(self, item):
        return format_html(
            "<p>诉求人：{}　受理日期：{}</p><p>{}</p><p>答复结论：{}</p>"
            "<p>办理结果：{}</p><p>承办单位：{}　答复日期：{}　办结日期：{}</p>",
            item["petitioner"],
            item["received_on"],
            item["summary"],
            item["decision"] or "—",
            item["result"],
            item["department"] or "—",
            item["replied_on"] or "—",
            item["finished_on"] or "—",
        )

    def item_link(self, item):
        return item["url"]

    def item_pubdate(self, item):
        return item["published_at"]

    def item_updateddate(self, item):
        return item["published_at"]

    def item_categories(self, item):
        return [c for c in (item["village"], item["subject"]) if c]


# --- Progress lookup ------------------------------------------------------------------------------------


class LookupForm(forms.Form):
    number = forms.CharField(
        label="受理编号",
        max_length=30,
        widget=forms.TextInput(attrs={"placeholder": "如 MQ202611-0042", "autocomplete": "off"}),
        help_text="见登记回执。",
    )
    phone4 = forms.CharField(
        label="登记电话后四位",
        min_length=4,
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]{4}", "autocomplete": "off"}),
        help_text="登记时所留电话号码的最后四位数字。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_id = "lookup-form"
        self.helper.add_input(Submit("", "查询", css_class="btn-primary btn-lg w-100"))

    def clean_number(self):
        number = normalize_tracking_number(self.cleaned_data["number"])
        if not number:
            raise forms.ValidationError("受理编号格式应如 MQ202611-0042。")
        return number

    def clean_phone4(self):
        value = self.cleaned_data["phone4"].strip()
        if not value.isdigit() or len(value) != 4:
            raise forms.ValidationError("请输入4位数字。")
        return value


def _take_attempt(request) -> bool:
    """Count one lookup for the client's address; False once it has had LOOKUP_LIMIT in the window.

    The address is read as django-axes reads it for login throttling (settings AXES_IPWARE_*)."""
    key = f"minqing:public-lookup:{get_client_ip_address(request) or 'unknown'}"
    cache.add(key, 0, timeout=LOOKUP_WINDOW_SECONDS)
    try:
        attempts = cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.set(key, 1, timeout=LOOKUP_WINDOW_SECONDS)
        attempts = 1
    return attempts <= LOOKUP_LIMIT


@require_http_methods(["GET", "POST"])
@never_cache
def lookup(request, code: str | None = None):
    """办理进度查询: a POST form, so the phone's last four digits never stand in a URL (a browser's history, a
    proxy's log). The receipt's QR code carries ?number=…, which only prefills the form."""
    township = _township(code)
    progress, searched, limited, status = None, False, False, 200
    if request.method == "POST":
        form = LookupForm(request.POST)
        if form.is_valid():
            if _take_attempt(request):
                searched = True
                progress = public.lookup_progress(form.cleaned_data["number"], form.cleaned_data["phone4"], township)
            else:
                limited, status = True, 429
    else:
        form = LookupForm(initial={"number": request.GET.get("number", "").strip()[:30]})
    context = {
        "form": form,
        "progress": progress,
        "searched": searched,
        "limited": limited,
        "window_minutes": LOOKUP_WINDOW_SECONDS // 60,
        "center": _center(township),
        "township": township,
    }
    return render(request, "public/lookup.html", context, status=status)


# --- The public side of the documents: the contact directory and the flow poster ------------------------------


@require_GET
def directory(request, code: str | None = None):
    """联系方式公开栏: a township's published leaders, cadres and village liaisons; the county's page lists every
    township's. Nothing of any petitioner; an office phone only as the township published it."""
    township = _township(code)
    townships = [township] if township else list(Township.objects.all())
    context = {
        "directories": [public_info.directory(t) for t in townships],
        "center": _center(township),
        "township": township,
    }
    return render(request, "public/directory.html", context)


@require_GET
def process(request, code: str | None = None):
    """工作流程图: how a matter is handled, the time limits in force (a township's own, or the county's defaults)
    and how to look up progress; printable as an A4 wall poster (上墙)."""
    township = _township(code)
    context = {"limits": public_info.time_limits(township), "center": _center(township), "township": township}
    return render(request, "public/process.html", context)
