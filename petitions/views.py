"""Case pages. Each view parses input, calls one service (workflow.py / intake.py), chooses the response;
every fetch goes through ``Petition.objects.visible_to(request.scope)``, so out of scope is a 404."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django_filters.views import FilterView

from households.models import Household
from minqing.filters import as_id, filters_active
from minqing.links import public_base_url
from minqing.roles import Role
from petitions import deadlines, workflow
from petitions.choices import Action, Channel
from petitions.filters import PetitionFilter
from petitions.forms import (
    AnswerAtDeskForm,
    AssignOwnerForm,
    CloseWithReasonForm,
    DecideExtensionForm,
    ExtensionRequestForm,
    HandUpForm,
    IntakeForm,
    MergeForm,
    NotAcceptForm,
    NoteForm,
    ProgressForm,
    PublishForm,
    ReasonForm,
    ReplyForm,
    RequiredNoteForm,
    RouteForm,
    SendUpForm,
    SettleInVillageForm,
    TransferOwnerForm,
    UnpublishForm,
)
from petitions.identity import can_see_identity, petitioner_fields
from petitions.intake import parse_repeat_choice, petition_intake
from petitions.models import Attachment, Petition, Status
from petitions.querysets import attach_people, find_likely_repeats

# --- Lists and queues -----------------------------------------------------------------------------

#: Each role's queue: slug → (title, roles that have it, how to narrow the visible cases).
QUEUES = {
    "registered": ("待处理登记", {Role.RECEPTION, Role.LEADER}, lambda qs, scope: qs.filter(status=Status.REGISTERED)),
    "village_triage": (
        "待村处理",
        {Role.LIAISON, Role.HANDLER, Role.LEADER},
        lambda qs, scope: qs.filter(status=Status.VILLAGE_TRIAGE),
    ),
    "instruction": ("待批示", {Role.LEADER}, lambda qs, scope: qs.awaiting_instruction()),
    "extensions": (
        "延期申请待审批",
        {Role.LEADER},
        lambda qs, scope: qs.with_pending_extension().filter(has_pending_extension=True),
    ),
    "overdue": ("已超期", {Role.LEADER, Role.HANDLER}, lambda qs, scope: qs.overdue()),
    "due_soon": ("即将到期", {Role.LEADER, Role.HANDLER}, lambda qs, scope: qs.due_soon()),
    "supervised": ("督办事项", {Role.LEADER, Role.HANDLER}, lambda qs, scope: qs.supervised()),
    "to_sign": ("待签收", {Role.HANDLER}, lambda qs, scope: qs.filter(status=Status.ASSIGNED)),
    "in_progress": (
        "办理中",
        {Role.HANDLER},
        lambda qs, scope: qs.filter(status=Status.IN_PROGRESS).order_by("reply_by", "pk"),
    ),
    "replied": (
        "已答复待回访",
        {Role.LIAISON, Role.RECEPTION, Role.LEADER},
        lambda qs, scope: qs.filter(status=Status.REPLIED),
    ),
    "village_open": ("本村未办结", {Role.LIAISON}, lambda qs, scope: qs.open()),
    "to_publish": ("待公示", {Role.LEADER}, lambda qs, scope: qs.awaiting_publication()),
    # 领导包案: the open cases the reader owns (包案), newest first.
    "owned": ("我包的案件", {Role.LEADER}, lambda qs, scope: qs.filter(owner_id=scope.user_id).open()),
}

#: Queues whose table shows other columns than the case list's (petitions/_petition_table.html): 待批示 has no
#: department or reply deadline yet, but days waiting and the statutory 15-day notice; 待公示 the reply date.
TABLE_COLUMNS = {"instruction": "instruction", "village_triage": "instruction", "to_publish": "publish"}


def queues_for(scope) -> list[tuple[str, str]]:
    return [(slug, title) for slug, (title, roles, _) in QUEUES.items() if any(scope.has_role(r) for r in roles)]


class PetitionListView(LoginRequiredMixin, FilterView):
    """All cases the reader may see (leaders and reception: all), filtered, 25 a page.

    Queries: session, user, scope (3), unread count, count, page, the filter form's choices (village,
    category, department) — the same whatever the page holds.
    """

    filterset_class = PetitionFilter
    paginate_by = 25
    template_name = "petitions/petition_list.html"
    queue: str | None = None

    def get_queryset(self):
        scope = self.request.scope
        qs = Petition.objects.visible_to(scope).with_list_data().with_deadline_state()
        slug = self.kwargs.get("queue")
        if slug:
            title, roles, narrow = QUEUES.get(slug, (None, set(), None))
            if narrow is None or not any(scope.has_role(r) for r in roles):
                raise Http404("没有这个待办列表。")
            qs = narrow(qs, scope)
        return qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        slug = self.kwargs.get("queue")
        context["queue"] = slug
        context["title"] = QUEUES[slug][0] if slug else "全部诉求"
        context["queues"] = queues_for(self.request.scope)
        context["columns"] = TABLE_COLUMNS.get(slug, "")
        context["today"] = timezone.localdate()
        context["filters_active"] = filters_active(self.request.GET)
        return context


# --- The case page --------------------------------------------------------------------------------


def _petition_or_404(request, pk, detail=False) -> Petition:
    qs = Petition.objects.visible_to(request.scope)
    qs = (
        qs.with_detail_data()
        if detail
        else qs.select_related("category", "lead_department").prefetch_related(
            "assisting_departments", "extension_requests"
        )
    )
    petition = get_object_or_404(qs, pk=pk)
    if detail:
        attach_people(petition)
    return petition


@login_required
@require_GET
def petition_detail(request, pk):
    petition = _petition_or_404(request, pk, detail=True)
    today = timezone.localdate()
    running = petition.status in (Status.ASSIGNED, Status.IN_PROGRESS)
    who = petitioner_fields(request.scope, petition)
    household = who["household"]
    context = {
        "petition": petition,
        "who": who,
        # The household is a link only for whom its page opens (the ledger's own rule: not for a handler).
        "household_opens": household is not None
        and Household.objects.visible_to(request.scope).filter(pk=household.pk).exists(),
        "actions": workflow.available_actions(petition, request.scope),
        "reply_state": deadlines.deadline_state(petition.reply_by, today) if running else "",
        "sign_state": deadlines.deadline_state(petition.sign_by, today) if petition.status == Status.ASSIGNED else "",
        "events": petition.events.all(),
        "pending_extension": next((r for r in petition.extension_requests.all() if r.status == "pending"), None),
        "latest_reply": next(iter(petition.replies.all()), None),
        "statutory_extension_max": deadlines.setting("STATUTORY_EXTENSION_MAX_DAYS"),
    }
    return render(request, "petitions/petition_detail.html", context)


@login_required
@require_GET
def attachment_download(request, pk, attachment_pk):
    """Attachments are served only to users who may see the case (never from a public media URL)."""
    petition = _petition_or_404(request, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, petition=petition)
    if not can_see_identity(request.scope, petition):
        # Material of an accusation may identify the petitioner: the center only.
        raise Http404
    response = FileResponse(
        attachment.file.open("rb"), content_type=attachment.content_type, filename=attachment.original_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Actions --------------------------------------------------------------------------------------

#: action → (form class, service, extra form kwargs). The table in workflow.py decides who may.
ACTION_VIEWS = {
    Action.ANSWER_AT_DESK: (AnswerAtDeskForm, workflow.petition_answer_at_desk, {}),
    Action.SUBMIT: (NoteForm, workflow.petition_submit, {}),
    Action.REFER_TO_VILLAGE: (NoteForm, workflow.petition_refer_to_village, {}),
    Action.SETTLE_IN_VILLAGE: (SettleInVillageForm, workflow.petition_settle_in_village, {}),
    Action.SEND_UP: (SendUpForm, workflow.petition_send_up, {}),
    Action.ROUTE: (RouteForm, workflow.petition_route, {}),
    Action.HAND_UP: (HandUpForm, workflow.petition_hand_up, {}),
    Action.SIGN: (NoteForm, workflow.petition_sign, {}),
    Action.RETURN_CASE: (ReasonForm, workflow.petition_return, {}),
    Action.PROGRESS: (ProgressForm, workflow.petition_add_progress, {}),
    Action.ASSIST_NOTE: (ProgressForm, workflow.petition_add_progress, {}),
    Action.REQUEST_EXTENSION: (ExtensionRequestForm, workflow.petition_request_extension, {}),
    Action.APPROVE_EXTENSION: (DecideExtensionForm, workflow.petition_decide_extension, {"approve": True}),
    Action.DENY_EXTENSION: (DecideExtensionForm, workflow.petition_decide_extension, {"approve": False}),
    Action.REPLY: (ReplyForm, workflow.petition_reply, {}),
    Action.CLOSE_WITH_REASON: (CloseWithReasonForm, workflow.petition_close_with_reason, {}),
    Action.SUPERVISE: (RequiredNoteForm, workflow.petition_supervise, {}),
    Action.NOT_ACCEPT: (NotAcceptForm, workflow.petition_not_accept, {}),
    Action.MERGE: (MergeForm, workflow.petition_merge, {}),
    Action.WITHDRAW: (ReasonForm, workflow.petition_withdraw, {}),
    Action.ASSIGN_OWNER: (AssignOwnerForm, workflow.petition_assign_owner, {}),
    Action.TRANSFER_OWNER: (TransferOwnerForm, workflow.petition_transfer_owner, {}),
    Action.PUBLISH: (PublishForm, workflow.petition_publish, {}),
    Action.UNPUBLISH: (UnpublishForm, workflow.petition_unpublish, {}),
}

#: Actions whose form lives in another app (the revisit is recorded by the visits app).
ACTION_ELSEWHERE = {Action.REVISIT: "visits:revisit_new"}


def action_url(petition, action: str) -> str:
    if action in ACTION_ELSEWHERE:
        return reverse(ACTION_ELSEWHERE[action], args=[petition.pk])
    return reverse("petitions:act", args=[petition.pk, action])


def _apply_form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
def petition_act(request, pk, action):
    if action not in ACTION_VIEWS:
        raise Http404
    petition = _petition_or_404(request, pk)
    transition = workflow.TRANSITIONS[action]
    if not workflow.can(request.scope, action, petition):
        # A link or form that went stale (someone else signed first, the extension was decided): say what
        # happened and show the case. A role that never takes this action still gets a 403.
        stale = workflow.no_longer_applies(action, petition)
        if stale and any(request.scope.has_role(role) for role in transition.roles):
            messages.warning(request, stale)
            return redirect("petitions:detail", pk=petition.pk)
        raise PermissionDenied(f"您不能对该诉求进行“{transition.label}”。")
    form_class, service, extra = ACTION_VIEWS[action]
    kwargs = {"petition": petition, "scope": request.scope, "label": transition.label, **extra}
    if request.method == "POST":
        form = form_class(request.POST, request.FILES, **kwargs)
        if form.is_valid():
            try:
                service(petition=petition, by=request.user, **form.service_kwargs())
            except workflow.TransitionError as e:
                messages.error(request, e.message)
                return redirect("petitions:detail", pk=petition.pk)
            except ValidationError as e:
                _apply_form_errors(form, e)
            else:
                messages.success(request, f"已{transition.label}：{petition.tracking_number}")
                return redirect("petitions:detail", pk=petition.pk)
    else:
        form = form_class(**kwargs)
    return render(
        request,
        "petitions/action_form.html",
        {
            "petition": petition,
            "form": form,
            "transition": transition,
            "who": petitioner_fields(request.scope, petition, representatives=False),
        },
    )


# --- Intake ---------------------------------------------------------------------------------------


def intake_page(
    request,
    *,
    initial=None,
    after_register=None,
    template="petitions/intake.html",
    extra_context=None,
    success_url=None,
):
    """The intake page, also used by the visits app to open a case from a visit (``after_register``), and by the
    mailbox log to register a letter (``success_url(petition)``: where to go next instead of the receipt)."""
    if not request.scope.may_register:
        raise PermissionDenied("您没有登记诉求的权限。")
    repeats = []
    if request.method == "POST":
        form = IntakeForm(request.POST, request.FILES, scope=request.scope)
        if form.is_valid():
            data = form.cleaned_data
            verb, repeat_pk = parse_repeat_choice(data.get("repeat_choice"))
            candidates = find_likely_repeats(
                phone=data["petitioner_phone"], id_number=data["petitioner_id_number"], household=data["household"]
            ).filter(pk__in=Petition.objects.linkable_to_person(request.scope).values("pk"))[:10]
            repeats = list(candidates)
            target = next((p for p in repeats if p.pk == repeat_pk), None)
            if repeats and not verb:
                form.add_error(None, "发现可能的重复诉求，请在下方选择“关联为重复访”“合并”或“不是重复，继续登记”。")
            elif verb in ("link", "merge") and target is None:
                form.add_error(None, "所选的重复诉求已不存在或不在您的查看范围内，请重新选择。")
            else:
                try:
                    petition = petition_intake(
                        by=request.user,
                        data=data,
                        attachments=data["attachments"],
                        repeat_of=target if verb == "link" else None,
                        merge_into=target if verb == "merge" else None,
                        after_register=after_register,
                    )
                except ValidationError as e:
                    _apply_form_errors(form, e)
                except workflow.TransitionError as e:
                    form.add_error(None, e.message)
                else:
                    messages.success(request, f"已登记，受理编号 {petition.tracking_number}。")
                    if success_url is not None:
                        return redirect(success_url(petition))
                    return redirect("petitions:receipt", pk=petition.pk)
    else:
        form = IntakeForm(scope=request.scope, initial=initial or {})
    context = {"form": form, "repeats": repeats, "action": request.get_full_path(), **(extra_context or {})}
    return render(request, template, context)


@login_required
def intake(request):
    initial = {}
    household_pk = as_id(request.GET.get("household"))
    if household_pk:
        household = Household.objects.visible_to(request.scope).filter(pk=household_pk).first()
        if household:
            initial = {
                "household": household.pk,
                "village": household.village_id,
                "petitioner_name": household.head_name,
                "petitioner_phone": household.phone,
                "petitioner_id_number": household.head_id_number or "",
            }
    opening_pk = as_id(request.GET.get("mailbox_opening"))
    if opening_pk:
        return _mailbox_letter_intake(request, opening_pk, initial)
    return intake_page(request, initial=initial)


def _mailbox_letter_intake(request, opening_pk: int, initial: dict):
    """A letter found at a mailbox opening (民意信箱开箱记录), registered as a case with channel 民意信箱 and linked to
    the opening; back to the opening's page for the next letter."""
    from duty.models import MailboxOpening
    from duty.services import mailbox_letter_add

    opening = get_object_or_404(
        MailboxOpening.objects.filter(request.scope.townships_q("mailbox__township")).select_related(
            "mailbox__township"
        ),
        pk=opening_pk,
    )
    initial = {**initial, "channel": Channel.MAILBOX}
    return intake_page(
        request,
        initial=initial,
        after_register=lambda petition: mailbox_letter_add(opening, petition),
        success_url=lambda petition: reverse("duty:opening", args=[opening.pk]),
        extra_context={"mailbox_opening": opening},
    )


@login_required
@require_GET
def household_lookup(request):
    """Type-ahead for the intake page: households matching a name, ID number or phone (htmx partial)."""
    if not request.scope.may_register:
        raise PermissionDenied
    q = request.GET.get("q", "").strip()
    households = []
    if len(q) >= 2:
        households = list(Household.objects.visible_to(request.scope).search(q).select_related("village", "group")[:8])
    return render(request, "petitions/_household_results.html", {"households": households, "q": q})


@login_required
@require_GET
def repeat_check(request):
    """Live repeat check while the clerk types the phone or ID number (htmx partial)."""
    if not request.scope.may_register:
        raise PermissionDenied
    household = None
    if as_id(request.GET.get("household")):
        household = Household.objects.visible_to(request.scope).filter(pk=as_id(request.GET["household"])).first()
    repeats = find_likely_repeats(
        phone=request.GET.get("petitioner_phone", ""),
        id_number=request.GET.get("petitioner_id_number", ""),
        household=household,
    ).filter(pk__in=Petition.objects.linkable_to_person(request.scope).values("pk"))[:10]
    return render(request, "petitions/_repeats.html", {"repeats": repeats, "live": True})


@login_required
@require_GET
def receipt(request, pk):
    petition = _petition_or_404(request, pk)
    if not (request.scope.is_center or request.scope.is_liaison):
        raise PermissionDenied
    township = petition.township
    lookup_base = public_base_url(request) + reverse("public:lookup_township", args=[township.code])
    lookup_url = f"{lookup_base}?number={petition.tracking_number}"
    qr_svg = segno.make(lookup_url, error="m").svg_inline(scale=3, dark="#000", border=2)
    return render(
        request,
        "petitions/receipt.html",
        {
            "petition": petition,
            "who": petitioner_fields(request.scope, petition, representatives=False),
            "lookup_url": lookup_url,
            "lookup_base": lookup_base,
            "qr_svg": qr_svg,
            "township": township,
        },
    )
