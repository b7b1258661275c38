"""Privacy by construction, checked from the outside: over the full demo township, walk every public page,
the feed and the JSON, and look for anything private of any case."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import models
from django.urls import reverse

from duty.models import Post, RotaEntry
from households.models import Household, Person, Tag, Township, Village
from petitions.models import (
    Action,
    Category,
    DirectoryEntry,
    ExtensionRequest,
    Petition,
    PetitionEvent,
    PublicAnswer,
    Publication,
    Representative,
    SupervisionNotice,
)
from tests.demo import seed_demo

# Event notes that are public text: the reply (given to the petitioner in the lookup; a village's settlement is
# its reply) and the board's summary.
PUBLIC_NOTES = {Action.REPLY, Action.ANSWER_AT_DESK, Action.SETTLE_IN_VILLAGE, Action.PUBLISH, Action.REGISTER}
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])")


def private_strings() -> dict[str, str]:
    """Every private string of the demo data → what it is."""
    private: dict[str, str] = {}

    def add(values, what, min_length=2):
        for value in values:
            value = (value or "").strip()
            if len(value) >= min_length:
                private.setdefault(value, what)

    consented = set(Publication.objects.filter(name_consent=True).values_list("petition_id", flat=True))
    add(Petition.objects.exclude(pk__in=consented).values_list("petitioner_name", flat=True), "petitioner's name")
    add(Petition.objects.values_list("petitioner_phone", flat=True), "petitioner's phone")
    add(Petition.objects.values_list("petitioner_id_number", flat=True), "petitioner's ID number")
    add(Petition.objects.values_list("content", flat=True), "petitioner's own words")
    add(Petition.objects.values_list("instruction", flat=True), "leader's instruction")
    add(Petition.objects.values_list("village_analysis", flat=True), "village committee's analysis")
    add(Petition.objects.values_list("closure_reason", flat=True), "closure / refusal / withdrawal reason")
    add(Representative.objects.values_list("name", flat=True), "representative's name")
    add(Representative.objects.values_list("phone", flat=True), "representative's phone")
    add(Household.objects.values_list("head_name", flat=True), "household head's name")
    add(Household.objects.values_list("phone", flat=True), "household phone")
    add(Household.objects.values_list("head_id_number", flat=True), "household head's ID number")
    add(Household.objects.values_list("address", flat=True), "household address")
    add(Household.objects.values_list("notes", flat=True), "household notes")
    add(Person.objects.values_list("name", flat=True), "person's name (minors included)")
    add(Person.objects.values_list("id_number", flat=True), "person's ID number")
    add(Person.objects.values_list("phone", flat=True), "person's phone")
    add(Tag.objects.filter(sensitive=True).values_list("name", flat=True), "sensitive tag")
    add(
        PetitionEvent.objects.exclude(action__in=PUBLIC_NOTES).values_list("note", flat=True),
        "internal note of the case's history",
    )
    add(ExtensionRequest.objects.values_list("reason", flat=True), "extension reason")
    add(ExtensionRequest.objects.values_list("decision_note", flat=True), "extension decision note")
    add(SupervisionNotice.objects.values_list("note", flat=True), "supervision note")
    add(Publication.objects.values_list("unpublish_reason", flat=True), "reason for unpublishing")
    add(Publication.objects.values_list("consent_note", flat=True), "consent note")
    add(Publication.objects.filter(is_published=False).values_list("public_summary", flat=True), "unpublished text")
    add(get_user_model().objects.values_list("first_name", flat=True), "staff name")
    add(get_user_model().objects.values_list("username", flat=True), "staff account", min_length=5)
    for name in ("Visit", "Revisit"):  # what cadres heard and noted on visits and revisits
        model = apps.get_model("visits", name)
        for field in model._meta.get_fields():
            if isinstance(field, models.TextField):
                add(model.objects.values_list(field.name, flat=True), f"{name}.{field.name}")
    return private


def public_urls(client) -> list[str]:
    board = reverse("public:board")
    urls = [board, reverse("public:feed"), reverse("public:lookup")]
    # The public side of the documents: the contact directory and the flow poster, the county's and each township's.
    urls += [reverse("public:directory"), reverse("public:process")]
    for code in Township.objects.values_list("code", flat=True):
        urls += [reverse(f"public:{name}_township", args=[code]) for name in ("board", "directory", "process")]
    data = json.loads(client.get(reverse("public:notices_json")).content)
    urls.append(reverse("public:notices_json"))
    while data["next"]:
        urls.append(data["next"])
        data = json.loads(client.get(data["next"]).content)
    pages = client.get(board).context["page_obj"].paginator.num_pages
    urls += [f"{board}?page={n}" for n in range(2, pages + 1)]
    urls += [f"{board}?village={pk}" for pk in Village.objects.values_list("pk", flat=True)]
    urls += [f"{board}?subject={s}" for s in Category.objects.values_list("subject", flat=True)]
    months = {d.strftime("%Y-%m") for d in Publication.objects.values_list("received_on", flat=True)}
    urls += [f"{board}?month={m}" for m in months]
    for number in Petition.objects.values_list("tracking_number", flat=True):
        urls.append(reverse("public:notice", args=[number]))  # 404 unless on the board
        urls.append(f"{reverse('public:lookup')}?number={number}")
    return urls


@pytest.mark.django_db
def test_no_public_page_feed_or_json_shows_anything_private_of_any_case(client):
    seed_demo()
    assert Publication.objects.filter(is_published=True).count() >= 5
    assert Publication.objects.filter(is_published=False).exists()
    assert Petition.objects.filter(household__members__birth_date__gt=dt.date(2010, 1, 1)).exists()  # minors
    private = private_strings()
    assert len(private) > 1000

    pages: dict[str, str] = {}
    for url in public_urls(client):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        pages[url] = response.content.decode()
    # The lookup with the right pair for every case, then a wrong pair, each from its own address.
    addresses = []
    for n, petition in enumerate(Petition.objects.exclude(petitioner_phone="")):
        address = f"10.9.{n // 200}.{n % 200}"
        addresses.append(address)
        for phone4 in (petition.petitioner_phone[-4:], "0000"):
            url = f"{reverse('public:lookup')}?number={petition.tracking_number}&phone4={phone4}"  # a label
            data = {"number": petition.tracking_number, "phone4": phone4}
            response = client.post(reverse("public:lookup"), data, REMOTE_ADDR=address)
            assert response.status_code == 200, url
            pages[url] = response.content.decode()
    cache.delete_many([f"minqing:public-lookup:{a}" for a in addresses])

    # A petitioner who gave written consent is named on the board: that name is no leak wherever else it comes
    # from, nor is another person's shorter name inside it.
    consented_names = set(
        Publication.objects.filter(name_consent=True).values_list("petition__petitioner_name", flat=True)
    )
    # 带班领导 are published by name and post on the board (issue 18, duty.rota): neither are their names a leak.
    on_duty = RotaEntry.objects.filter(post__code=Post.LEADER).values_list("user__first_name", flat=True)
    assert on_duty.exists()
    consented_names |= set(on_duty)
    # So is a name the township published in its contact directory (a leader's, a liaison's).
    published = [e.display_name for e in DirectoryEntry.objects.filter(is_published=True).select_related("user")]
    assert len(published) >= 10
    consented_names.update(published)
    checked = {}
    for url, text in pages.items():
        for name in consented_names:
            text = text.replace(name, "〇")
        checked[url] = text
    leaks = [
        f"{url}: {what} {value!r}" for url, text in checked.items() for value, what in private.items() if value in text
    ]
    leaks += [f"{url}: a mobile number" for url, text in checked.items() if MOBILE.search(text)]
    leaks += [f"{url}: an ID number" for url, text in checked.items() if ID_NUMBER.search(text)]
    assert not leaks, "\n".join(leaks[:50])

    # The walk saw what it should: masked petitioners, the consented name, replies in the lookup.
    board = "\n".join(text for url, text in pages.items() if url.startswith(reverse("public:board")))
    assert re.search(r"[\u4e00-\u9fff]{1,2}某", board)
    consented = Publication.objects.get(name_consent=True).petition.petitioner_name
    assert consented in board
    assert sum("办理过程" in text for text in pages.values()) >= Petition.objects.count() - 1
    assert sum("答复意见 ·" in text for text in pages.values()) >= 10
    # The new pages were walked: the directory, the poster, and the 公开反馈 on each linked case's lookup.
    assert "许振邦" in pages[reverse("public:directory")] and "办公电话" in pages[reverse("public:directory")]
    assert "回访销号" in pages[reverse("public:process")]
    answer = PublicAnswer.objects.get()
    shown = [url for url, text in pages.items() if answer.title in text and "phone4=" in url and "0000" not in url]
    assert len(shown) == answer.petitions.count() >= 2
