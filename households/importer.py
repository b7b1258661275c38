"""Excel import of the ledger: ``preview(path)`` says what would happen; ``apply(path, by=user)`` does it.

- The file is checked before anything parses it and read row by row (import_file.py, minqing.xlsx: unpacked
  size, compression ratio, row caps), so the memory of any accepted import is bounded.
- Sheet 1 holds households (excel.HOUSEHOLD_COLUMNS); an optional sheet 家庭成员 holds members.
- The header row is found by its column names (ledgers put a title and "who filled it in" above it);
  a column missing from the file leaves that field untouched.
- Values are tidied as the forms tidy them (cleaning.py, idcard.py, phones.py). A cell holding a formula
  whose result was never saved (a file written by a program) is an error of its row, not a silent blank.
- A household is matched by village + household number, else by the head's ID number; a member by
  ID number, else by name, inside its household. Village groups are matched by what their names mean
  (cleaning.group_key: 第一组, 一组 and 1组 are one group).
- **A family is never replaced behind the clerk's back.** A row that matches a household by village +
  household number but names another head (another name, or another ID number where both have one) is a
  conflict (import_report.Conflict): nothing is written unless the caller passes ``replace_conflicts=True``;
  then each change of head is recorded in the household's history (``HouseholdEvent`` 变更户主: who, when,
  old → new).
- All or nothing: ``apply`` first runs the whole preview; if any row is rejected (or conflicts and heads are
  not to be replaced), nothing is written. Then one transaction writes everything in batches (bulk_create /
  bulk_update, one ``in`` query per batch to find what exists), reading the file a second time in openpyxl's
  read-only mode rather than holding it in memory.
- ``progress(fraction)``, when given, is called after each batch of rows with the share done (0–1).

Rows are named as Excel shows them (``第12行``).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from households.cleaning import cell_text, clean_code, clean_name, group_key, parse_size, split_tags
from households.excel import (
    MEMBER_SHEET,
    cadre_label,
)
from households.idcard import parse_id_number
from households.import_file import MAX_HOUSEHOLD_ROWS, MAX_MEMBER_ROWS, ImportFileError, LedgerFile, formula_problem
from households.import_report import Conflict, Counts, ImportReport, Problem
from households.models import Group, Household, HouseholdEvent, Person, Tag, Township, Village
from households.phones import normalize_phone
from households.querysets import exact_in
from minqing.access import CENTER_ROLES

__all__ = [
    "MAX_HOUSEHOLD_ROWS",
    "MAX_MEMBER_ROWS",
    "Conflict",
    "Counts",
    "ImportFileError",
    "ImportReport",
    "Problem",
    "apply",
    "preview",
]

BATCH = 500
# Which Household field each sheet-1 column fills; 户主身份证号 and 联系电话 are checked on the way in.
HOUSEHOLD_FIELDS = {
    "村民小组": "group_id",
    "户主姓名": "head_name",
    "户主身份证号": "head_id_number",
    "联系电话": "phone",
    "家庭住址": "address",
    "家庭人口": "size",
    "联系干部": "contact_cadre_id",
    "备注": "notes",
}
FIELD_LABELS = {f: c for c, f in HOUSEHOLD_FIELDS.items()} | {
    "village_id": "村",
    "household_no": "户号",
    "tags": "户类别",
}
#: Changed fields are named in the order of the sheet's columns.
FIELD_ORDER = {
    f: i
    for i, f in enumerate(["village_id", "group_id", "household_no", "head_name", "head_id_number", "phone",
                           "address", "size", "tags", "contact_cadre_id", "notes"])
}  # fmt: skip
MEMBER_FIELDS = {"与户主关系": "relation", "身份证号": "id_number", "联系电话": "phone"}
MEMBER_LABELS = {"name": "姓名", "relation": "与户主关系", "id_number": "身份证号", "sex": "性别",
                 "birth_date": "出生日期", "phone": "联系电话", "tags": "人员类别"}  # fmt: skip
RELATION_WORDS = {
    "户主": "户主", "本人": "户主",
    "配偶": "配偶", "妻": "配偶", "妻子": "配偶", "夫": "配偶", "丈夫": "配偶",
    "子女": "子女", "子": "子女", "女": "子女", "儿子": "子女", "女儿": "子女", "长子": "子女", "次子": "子女",
    "三子": "子女", "长女": "子女", "次女": "子女", "三女": "子女", "养子": "子女", "养女": "子女",
    "父母": "父母", "父亲": "父母", "母亲": "父母", "父": "父母", "母": "父母",
    "孙子女": "孙子女", "孙子": "孙子女", "孙女": "孙子女", "外孙": "孙子女", "外孙女": "孙子女",
    "祖父母": "祖父母", "祖父": "祖父母", "祖母": "祖父母", "外祖父": "祖父母", "外祖母": "祖父母",
    "兄弟姐妹": "兄弟姐妹", "兄": "兄弟姐妹", "弟": "兄弟姐妹", "姐": "兄弟姐妹", "妹": "兄弟姐妹",
    "哥哥": "兄弟姐妹", "弟弟": "兄弟姐妹", "姐姐": "兄弟姐妹", "妹妹": "兄弟姐妹",
    "儿媳/女婿": "儿媳/女婿", "儿媳": "儿媳/女婿", "女婿": "儿媳/女婿", "其他": "其他",
}  # fmt: skip
_UNRESOLVED = object()  # a cadre named in the file but not matched: keep what the ledger has
UNKNOWN_CADRE = "联系干部在系统中没有同名用户，未设置联系干部"
AMBIGUOUS_CADRE = "联系干部有多个同名用户，未设置联系干部"
UNKNOWN_RELATION = "与户主关系未识别，记为“其他”"
EMPTY = "（空）"

Progress = Callable[[float], None]


class _Aborted(Exception):
    """Raised inside the write transaction to roll it back."""


# --- Reading ---------------------------------------------------------------------------------


def _batches(iterable, size=BATCH):
    iterator = iter(iterable)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


class _Ticker:
    """After each batch of rows, reports to ``progress`` the share of the file read so far."""

    def __init__(self, book: LedgerFile, progress: Progress | None):
        self.book, self.progress = book, progress

    def __call__(self, rows: int) -> None:
        if self.progress is not None:
            self.progress(self.book.share_read())


# --- Reference data, loaded once per run ---------------------------------------------------------


def the_township(township: Township | None) -> Township:
    """The township a ledger is imported into: the one given, else the only one there is. A ledger names its
    villages by name, and two townships may each have a 和平村."""
    if township is not None:
        return township
    townships = list(Township.objects.all()[:2])
    if len(townships) != 1:
        raise ImportFileError("请指定导入哪个乡镇的台账（各乡镇的村名可能相同）。")
    return townships[0]


class _Reference:
    def __init__(self, township: Township):
        self.township = township
        self.villages = {v.name: v for v in Village.objects.filter(township=township)}
        self.village_names = {v.pk: v.name for v in self.villages.values()}
        self.group_names: dict[int, str] = {}
        self.groups: dict[tuple[int, str], int] = {}  # (village, name as written) → group
        self.group_keys: dict[tuple[int, str], int] = {}  # (village, group_key(name)) → the oldest such group
        groups = Group.objects.filter(village__township=township).order_by("pk")
        for pk, village_id, name in groups.values_list("pk", "village_id", "name"):
            self._add_group(pk, village_id, name)
        self.tags: dict[str, dict[str, int]] = defaultdict(dict)
        self.tag_names: dict[int, str] = {}
        for tag in Tag.objects.all():
            self.tags[tag.kind][tag.name] = tag.pk
            self.tag_names[tag.pk] = tag.name
        users = (
            get_user_model().objects.filter(is_active=True).prefetch_related("groups", "liaison_villages", "townships")
        )
        self.users_by_name: dict[str, list] = defaultdict(list)
        self.user_labels: dict[int, str] = {}
        self.user_villages: dict[int, set[int] | None] = {}  # None: sees every village
        for user in users:
            self.user_labels[user.pk] = cadre_label(user)
            names = {cadre_label(user), user.username}
            for name in names:
                self.users_by_name[name].append(user)
            roles = {g.name for g in user.groups.all()}
            if user.is_superuser or (roles & CENTER_ROLES and township in user.townships.all()):
                self.user_villages[user.pk] = None
            else:
                self.user_villages[user.pk] = {v.pk for v in user.liaison_villages.all()}
        self.new_groups: dict[tuple[int, str], str] = {}  # (village, key) → the name first written in the file

    def _add_group(self, pk: int, village_id: int, name: str) -> None:
        self.group_names[pk] = name
        self.groups[(village_id, name)] = pk
        self.group_keys.setdefault((village_id, group_key(name)), pk)

    def group_id(self, village_id: int, name: str) -> int | None:
        """The group ``name`` means in the village: the one of that very name, else one that means the same."""
        return self.groups.get((village_id, name)) or self.group_keys.get((village_id, group_key(name)))

    def tag_ids(self, names: list[str], prefer: str) -> tuple[frozenset[int], list[str]]:
        """Tag names → ids (a name of the preferred kind first, then any kind); and the unknown names."""
        other = Tag.Kind.PERSON if prefer == Tag.Kind.HOUSEHOLD else Tag.Kind.HOUSEHOLD
        ids, unknown = set(), []
        for name in names:
            pk = self.tags[prefer].get(name) or self.tags[other].get(name)
            if pk:
                ids.add(pk)
            else:
                unknown.append(name)
        return frozenset(ids), unknown

    def cadre(self, name: str, village_id: int, number: int) -> tuple[object, Problem | None]:
        """A 联系干部 cell → (user id, None or _UNRESOLVED; a note on row ``number`` or None)."""
        if not name:
            return None, None
        users = self.users_by_name.get(name, [])
        if not users:
            message, kind = f"联系干部“{name}”在系统中没有同名用户，未设置联系干部", UNKNOWN_CADRE
        elif len({u.pk for u in users}) > 1:
            message, kind = f"联系干部“{name}”有多个同名用户，未设置联系干部", AMBIGUOUS_CADRE
        else:
            villages = self.user_villages[users[0].pk]
            if villages is None or village_id in villages:
                return users[0].pk, None
            village = self.village_names[village_id]
            message = f"联系干部“{name}”不负责{village}，未设置联系干部"
            kind = f"联系干部不负责{village}，未设置联系干部"
        return _UNRESOLVED, Problem(number, message, kind=kind, subject=name)

    def shown(self, name: str, value) -> str:
        """A household field's value as the preview shows it (old → new)."""
        if value is None or value == "" or value is _UNRESOLVED:
            return EMPTY
        if name == "village_id":
            return self.village_names.get(value, str(value))
        if name == "group_id":
            return self.group_names.get(value, str(value))
        if name == "contact_cadre_id":
            return self.user_labels.get(value, "（已停用的账号）")
        if name in ("tags",):
            return "、".join(sorted(self.tag_names[t] for t in value)) or EMPTY
        return str(value)


# --- Cells checked on the way in (both sheets) ---------------------------------------------------------


def _id_cell(row: dict, column: str, errors: list[str]):
    """The ID number in ``column``: its IdCardInfo, None when blank; a bad one adds to ``errors``."""
    raw = cell_text(row[column])
    if not raw:
        return None
    try:
        return parse_id_number(raw)
    except ValidationError as exc:
        errors.append(f"{column}“{raw}”有误：{exc.messages[0]}")
        return None


def _phone_cell(row: dict, errors: list[str]) -> str:
    raw = cell_text(row["联系电话"])
    if not raw:
        return ""
    try:
        return normalize_phone(raw)
    except ValidationError:
        errors.append(f"联系电话“{raw}”有误：应为1开头的11位手机号或带区号的座机号")
        return ""


# --- Sheet 1: households ---------------------------------------------------------------------------


@dataclass(slots=True)
class _HouseholdRow:
    row: int
    values: dict  # field name → value, only for the columns the file has
    tag_ids: frozenset[int] | None  # None: no 户类别 column
    group_name: str | None  # the group to look up / create when values has group_id

    @property
    def key(self):
        return (self.values["village_id"], self.values["household_no"])


def _parse_household(number: int, row: dict, ref: _Reference, report: ImportReport) -> _HouseholdRow | None:
    if formula := formula_problem(number, row):
        report.add_problem(formula)
        return None
    errors = []
    values: dict = {}
    village_name = clean_name(row.get("村"))
    village = ref.villages.get(village_name)
    if not village_name:
        errors.append("没有填村")
    elif village is None:
        errors.append(f"村“{village_name}”不存在")
    else:
        values["village_id"] = village.pk
    values["household_no"] = clean_code(row.get("户号"))
    if not values["household_no"]:
        errors.append("没有填户号")
    values["head_name"] = clean_name(row.get("户主姓名"))
    if not values["head_name"]:
        errors.append("没有户主姓名")
    if "户主身份证号" in row:
        info = _id_cell(row, "户主身份证号", errors)
        values["head_id_number"] = info.number if info else None
    if "联系电话" in row:
        values["phone"] = _phone_cell(row, errors)
    if "家庭住址" in row:
        values["address"] = cell_text(row["家庭住址"])
    if "家庭人口" in row:
        try:
            values["size"] = parse_size(row["家庭人口"])
        except ValueError:
            errors.append(f"家庭人口“{cell_text(row['家庭人口'])}”不是正整数")
    if "备注" in row:
        values["notes"] = cell_text(row["备注"])
    tag_ids = None
    if "户类别" in row:
        tag_ids, unknown = ref.tag_ids(split_tags(row["户类别"]), Tag.Kind.HOUSEHOLD)
        if unknown:
            errors.append(f"户类别“{'、'.join(unknown)}”不存在")
    if errors:
        for error in errors:
            report.add_problem(Problem(number, error))
        return None
    group_name = None
    if "村民小组" in row:
        group_name = clean_name(row["村民小组"])
        values["group_id"] = ref.group_id(village.pk, group_name) if group_name else None
        key = (village.pk, group_key(group_name))
        if group_name and values["group_id"] is None and key not in ref.new_groups:
            ref.new_groups[key] = group_name
            report.notices.append(f"将新建村民小组：{village.name}{group_name}")
    if "联系干部" in row:
        cadre_id, note = ref.cadre(clean_name(row["联系干部"]), village.pk, number)
        values["contact_cadre_id"] = cadre_id
        if note is not None:
            report.add_note(note)
    return _HouseholdRow(number, values, tag_ids, group_name)


class _HouseholdPass:
    """One pass over sheet 1: classify each row against the ledger; with ``write``, also save."""

    def __init__(self, ref: _Reference, report: ImportReport, *, write: bool, by=None, now=None, tick=None):
        self.ref, self.report, self.write, self.by, self.now = ref, report, write, by, now
        self.tick = tick or (lambda rows: None)
        self.rows_by_key: dict[tuple, int] = {}
        self.rows_by_id: dict[str, int] = {}
        self.rows_by_household: dict[int, int] = {}

    def run(self, rows) -> None:
        for batch in _batches(rows):
            parsed = [p for n, r in batch if (p := self._parse(n, r)) is not None]
            self._classify(parsed)
            self.tick(len(batch))
        # Only the file's keys are needed from here on (the member sheet refers to them).
        self.rows_by_id, self.rows_by_household = {}, {}

    def _parse(self, number: int, row: dict) -> _HouseholdRow | None:
        parsed = _parse_household(number, row, self.ref, self.report)
        if parsed is None:
            self.report.households.rejected += 1
            return None
        village = self.ref.village_names[parsed.values["village_id"]]
        first = self.rows_by_key.setdefault(parsed.key, number)
        if first != number:
            return self._reject(parsed, f"村和户号（{village} {parsed.values['household_no']}）与第{first}行重复")
        head_id = parsed.values.get("head_id_number")
        if head_id:
            first = self.rows_by_id.setdefault(head_id, number)
            if first != number:
                return self._reject(parsed, f"户主身份证号与第{first}行重复")
        return parsed

    def _reject(self, parsed: _HouseholdRow, message: str) -> None:
        self.report.add_problem(Problem(parsed.row, message))
        self.report.households.rejected += 1

    def _classify(self, rows: list[_HouseholdRow]) -> None:
        if not rows:
            return
        keys = {r.key for r in rows}
        head_ids = {r.values["head_id_number"] for r in rows if r.values.get("head_id_number")}
        found = Household.objects.filter(
            village_id__in={k[0] for k in keys}, household_no__in={k[1] for k in keys}
        ) | Household.objects.filter(exact_in("head_id_number", head_ids))
        existing = {h.pk: h for h in found}
        by_key = {(h.village_id, h.household_no): h for h in existing.values()}
        by_head_id = {h.head_id_number: h for h in existing.values() if h.head_id_number}
        tags: dict[int, set[int]] = defaultdict(set)
        for household_id, tag_id in Household.tags.through.objects.filter(household_id__in=list(existing)).values_list(
            "household_id", "tag_id"
        ):
            tags[household_id].add(tag_id)

        new, updated = [], []
        for r in rows:
            head_id = r.values.get("head_id_number")
            same_number = by_key.get(r.key)
            household = same_number or (by_head_id.get(head_id) if head_id else None)
            owner = by_head_id.get(head_id) if head_id else None
            if owner is not None and household is not None and owner.pk != household.pk:
                self._reject(r, f"户主身份证号已是{self._where(owner)}的户主")
                continue
            if household is None:
                self.report.households.new += 1
                self.report.add_change(f"第{r.row}行：新增 {self._label(r.values)}")
                new.append(r)
                continue
            first = self.rows_by_household.setdefault(household.pk, r.row)
            if first != r.row:
                self._reject(r, f"与第{first}行对应系统中的同一户（{self._where(household)}）")
                continue
            conflict = self._conflict(household, r) if household is same_number else None
            if conflict is not None:
                self.report.conflicts.append(conflict)
                self.report.households.conflicts += 1
                if not self.report.replace_conflicts:
                    continue
            changed = self._changed_fields(household, r, tags[household.pk])
            if not changed:
                self.report.households.unchanged += 1
                continue
            self.report.households.updated += 1
            self.report.add_update(
                f"第{r.row}行：{'更换户主' if conflict else '更新'} {self._where(household)}："
                + self._describe(household, r, changed, tags[household.pk])
            )
            updated.append((household, r, changed, conflict))
        if self.write:
            self._save(new, updated)

    def _where(self, household: Household) -> str:
        return f"{self.ref.village_names[household.village_id]} {household.household_no}号户"

    def _label(self, values: dict) -> str:
        return f"{self.ref.village_names[values['village_id']]} {values['household_no']} {values['head_name']}"

    def _conflict(self, household: Household, r: _HouseholdRow) -> Conflict | None:
        """Does the row name another head for the household of its village and number?"""
        new_name = r.values["head_name"]
        new_id = r.values.get("head_id_number", household.head_id_number)  # no ID column: the ID stays
        old_id = household.head_id_number
        if new_name == household.head_name and not (old_id and new_id and old_id != new_id):
            return None
        return Conflict(r.row, self._where(household), household.head_name, old_id or "", new_name, new_id or "")

    def _changed_fields(self, household: Household, r: _HouseholdRow, tag_ids: set[int]) -> list[str]:
        changed = []
        for name, value in r.values.items():
            if name == "contact_cadre_id" and value is _UNRESOLVED:
                continue
            if name == "group_id" and value is None and r.group_name:
                changed.append(name)  # a group still to be created
                continue
            if getattr(household, name) != value:
                changed.append(name)
        if r.tag_ids is not None and set(r.tag_ids) != tag_ids:
            changed.append("tags")
        return sorted(changed, key=FIELD_ORDER.__getitem__)

    def _describe(self, household: Household, r: _HouseholdRow, changed: list[str], tag_ids: set[int]) -> str:
        """``联系电话 13812345678 → 13900001111；家庭人口 3 → 4``."""
        parts = []
        for name in changed:
            if name == "tags":
                old, new = self.ref.shown("tags", tag_ids), self.ref.shown("tags", r.tag_ids)
            elif name == "group_id" and r.values[name] is None:
                old, new = self.ref.shown(name, household.group_id), f"{r.group_name}（新建）"
            else:
                old, new = self.ref.shown(name, getattr(household, name)), self.ref.shown(name, r.values[name])
            parts.append(f"{FIELD_LABELS[name]} {old} → {new}")
        return "；".join(parts)

    # -- writing (only with write=True, inside the caller's transaction) --

    def _group_ids(self, rows: list[_HouseholdRow]) -> None:
        """Create the missing village groups these rows name (one per meaning, as first written), then fill in
        their ids."""
        wanted: dict[tuple[int, str], str] = {}
        for r in rows:
            if r.group_name and self.ref.group_id(r.values["village_id"], r.group_name) is None:
                wanted.setdefault((r.values["village_id"], group_key(r.group_name)), r.group_name)
        if wanted:
            Group.objects.bulk_create([Group(village_id=v, name=n) for (v, _), n in wanted.items()])
            created = Group.objects.filter(village_id__in={v for v, _ in wanted}).order_by("pk")
            for pk, village_id, name in created.values_list("pk", "village_id", "name"):
                self.ref._add_group(pk, village_id, name)
        for r in rows:
            if r.group_name:
                r.values["group_id"] = self.ref.group_id(r.values["village_id"], r.group_name)

    def _save(self, new: list[_HouseholdRow], updated: list[tuple]) -> None:
        self._group_ids(new + [r for _, r, _, _ in updated])
        by, by_name = self.by, _actor_name(self.by)
        events, links = [], []
        created = Household.objects.bulk_create(
            [Household(**_resolved(r.values)) for r in new],
            batch_size=BATCH,
        )
        for household, r in zip(created, new, strict=True):
            links += [Household.tags.through(household_id=household.pk, tag_id=t) for t in r.tag_ids or ()]
            events.append(self._event(household, HouseholdEvent.Action.CREATED, "Excel 导入", by, by_name))
        fields: set[str] = set()
        retagged = []
        for household, r, changed, conflict in updated:
            for name in changed:
                if name != "tags":
                    setattr(household, name, r.values[name])
                    fields.add(name)
            household.updated_at = self.now
            if "tags" in changed:
                retagged.append(household.pk)
                links += [Household.tags.through(household_id=household.pk, tag_id=t) for t in r.tag_ids]
            if conflict is not None:
                others = "、".join(FIELD_LABELS[f] for f in changed if f not in ("head_name", "head_id_number"))
                note = f"{conflict.change}（Excel 导入" + (f"，同时修改：{others}）" if others else "）")
                events.append(self._event(household, HouseholdEvent.Action.HEAD_CHANGED, note, by, by_name))
            else:
                labels = "、".join(FIELD_LABELS[f] for f in changed)
                events.append(
                    self._event(household, HouseholdEvent.Action.UPDATED, f"Excel 导入，修改：{labels}", by, by_name)
                )
        if updated:
            Household.objects.bulk_update([h for h, _, _, _ in updated], [*fields, "updated_at"], batch_size=BATCH)
        if retagged:
            Household.tags.through.objects.filter(household_id__in=retagged).delete()
        Household.tags.through.objects.bulk_create(links, batch_size=2000)
        HouseholdEvent.objects.bulk_create(events, batch_size=BATCH)

    def _event(self, household, action, note: str, by, by_name: str) -> HouseholdEvent:
        return HouseholdEvent(
            household=household, action=action, actor=by, actor_name=by_name, created_at=self.now, note=note[:300]
        )


def _resolved(values: dict) -> dict:
    return {k: (None if v is _UNRESOLVED else v) for k, v in values.items()}


def _actor_name(user) -> str:
    return cadre_label(user) if user is not None else "Excel 导入（命令行）"


# --- Sheet 家庭成员: members ------------------------------------------------------------------------


@dataclass(slots=True)
class _MemberRow:
    row: int
    key: tuple
    values: dict
    tag_ids: frozenset[int] | None


class _MemberPass:
    def __init__(self, ref, report, file_keys, *, write: bool, by=None, now=None, tick=None):
        self.ref, self.report, self.file_keys = ref, report, file_keys  # file_keys: (village, number) → row
        self.write, self.by, self.now = write, by, now
        self.tick = tick or (lambda rows: None)
        self.rows_by_id: dict[str, int] = {}
        self.matched: set[int] = set()

    def _reject(self, number: int, message: str) -> None:
        self.report.add_problem(Problem(number, message, MEMBER_SHEET))
        self.report.members.rejected += 1

    def run(self, rows) -> None:
        for batch in _batches(rows):
            parsed = [p for n, r in batch if (p := self._parse(n, r)) is not None]
            self._classify(parsed)
            self.tick(len(batch))

    def _parse(self, number: int, row: dict) -> _MemberRow | None:
        if formula := formula_problem(number, row, MEMBER_SHEET):
            self.report.add_problem(formula)
            self.report.members.rejected += 1
            return None
        errors, values = [], {}
        village_name = clean_name(row.get("村"))
        village = self.ref.villages.get(village_name)
        household_no = clean_code(row.get("户号"))
        if not village_name:
            errors.append("没有填村")
        elif village is None:
            errors.append(f"村“{village_name}”不存在")
        if not household_no:
            errors.append("没有填户号")
        values["name"] = clean_name(row.get("姓名"))
        if not values["name"]:
            errors.append("没有姓名")
        if "与户主关系" in row:
            word = clean_name(row["与户主关系"])
            values["relation"] = RELATION_WORDS.get(word, Person.Relation.OTHER)
            if word and word not in RELATION_WORDS:
                self.report.add_note(
                    Problem(number, f"与户主关系“{word}”未识别，记为“其他”", MEMBER_SHEET, UNKNOWN_RELATION, word)
                )
        if "身份证号" in row:
            info = _id_cell(row, "身份证号", errors)
            values.update(id_number=None, sex="", birth_date=None)
            if info:
                values.update(id_number=info.number, sex=info.sex, birth_date=info.birth_date)
        if "联系电话" in row:
            values["phone"] = _phone_cell(row, errors)
        tag_ids = None
        if "人员类别" in row:
            tag_ids, unknown = self.ref.tag_ids(split_tags(row["人员类别"]), Tag.Kind.PERSON)
            if unknown:
                errors.append(f"人员类别“{'、'.join(unknown)}”不存在")
        if errors:
            for error in errors:
                self.report.add_problem(Problem(number, error, MEMBER_SHEET))
            self.report.members.rejected += 1
            return None
        id_number = values.get("id_number")
        if id_number:
            first = self.rows_by_id.setdefault(id_number, number)
            if first != number:
                self._reject(number, f"身份证号与第{first}行重复")
                return None
        return _MemberRow(number, (village.pk, household_no), values, tag_ids)

    def _classify(self, rows: list[_MemberRow]) -> None:
        if not rows:
            return
        keys = {r.key for r in rows}
        households = {
            (h.village_id, h.household_no): h
            for h in Household.objects.filter(
                village_id__in={k[0] for k in keys}, household_no__in={k[1] for k in keys}
            )
        }
        people: dict[int, list[Person]] = defaultdict(list)
        for person in Person.objects.filter(household_id__in=[h.pk for h in households.values()]).prefetch_related(
            "tags"
        ):
            people[person.household_id].append(person)
        ids = {r.values["id_number"] for r in rows if r.values.get("id_number")}
        id_owners = {
            p.id_number: p for p in Person.objects.filter(exact_in("id_number", ids)).select_related("household")
        }

        new, updated = [], []
        for r in rows:
            household = households.get(r.key)
            where = f"{self.ref.village_names[r.key[0]]} {r.key[1]}号户"
            if household is None and r.key not in self.file_keys:
                self._reject(r.row, f"找不到户：{where}（第一张表和系统中都没有）")
                continue
            person = self._match(r, people[household.pk]) if household else None
            owner = id_owners.get(r.values.get("id_number"))
            if owner is not None and (person is None or owner.pk != person.pk):
                owner_where = f"{self.ref.village_names[owner.household.village_id]} {owner.household.household_no}号户"
                self._reject(r.row, f"身份证号已登记为{owner_where}的成员{owner.name}")
                continue
            if person is None:
                self.report.members.new += 1
                self.report.add_change(f"第{r.row}行（{MEMBER_SHEET}）：新增成员 {where} {r.values['name']}")
                new.append(r)
                continue
            self.matched.add(person.pk)
            changed = [n for n, v in r.values.items() if getattr(person, n) != v]
            old_tags = {t.pk for t in person.tags.all()}
            if r.tag_ids is not None and set(r.tag_ids) != old_tags:
                changed.append("tags")
            if not changed:
                self.report.members.unchanged += 1
                continue
            self.report.members.updated += 1
            self.report.add_update(
                f"第{r.row}行（{MEMBER_SHEET}）：更新成员 {where} {person.name}："
                + self._describe(person, r, changed, old_tags)
            )
            updated.append((person, r, changed))
        if self.write:
            self._save(new, updated)

    def _describe(self, person: Person, r: _MemberRow, changed: list[str], old_tags: set[int]) -> str:
        sexes = dict(Person.Sex.choices)
        parts = []
        for name in changed:
            if name == "tags":
                old, new = self.ref.shown("tags", old_tags), self.ref.shown("tags", r.tag_ids)
            elif name == "sex":
                old, new = sexes.get(person.sex) or EMPTY, sexes.get(r.values["sex"]) or EMPTY
            else:
                old, new = self.ref.shown(name, getattr(person, name)), self.ref.shown(name, r.values[name])
            parts.append(f"{MEMBER_LABELS[name]} {old} → {new}")
        return "；".join(parts)

    def _match(self, r: _MemberRow, candidates: list[Person]) -> Person | None:
        free = [p for p in candidates if p.pk not in self.matched]
        id_number = r.values.get("id_number")
        if id_number:
            for p in free:
                if p.id_number == id_number:
                    return p
        for p in free:
            if p.name == r.values["name"] and (not id_number or not p.id_number):
                return p
        return None

    def _save(self, new: list[_MemberRow], updated: list[tuple]) -> None:
        keys = {r.key for r in new}
        household_ids = {
            (h.village_id, h.household_no): h.pk
            for h in Household.objects.filter(
                village_id__in={k[0] for k in keys}, household_no__in={k[1] for k in keys}
            )
        }
        created = Person.objects.bulk_create(
            [Person(household_id=household_ids[r.key], **r.values) for r in new], batch_size=BATCH
        )
        links = []
        added: dict[int, list[str]] = defaultdict(list)
        for person, r in zip(created, new, strict=True):
            self.matched.add(person.pk)
            links += [Person.tags.through(person_id=person.pk, tag_id=t) for t in r.tag_ids or ()]
            added[person.household_id].append(person.name)
        fields: set[str] = set()
        retagged = []
        changed_names: dict[int, list[str]] = defaultdict(list)
        for person, r, changed in updated:
            for name in changed:
                if name != "tags":
                    setattr(person, name, r.values[name])
                    fields.add(name)
            if "tags" in changed:
                retagged.append(person.pk)
                links += [Person.tags.through(person_id=person.pk, tag_id=t) for t in r.tag_ids]
            changed_names[person.household_id].append(person.name)
        if fields:
            Person.objects.bulk_update([p for p, _, _ in updated], list(fields), batch_size=BATCH)
        if retagged:
            Person.tags.through.objects.filter(person_id__in=retagged).delete()
        Person.tags.through.objects.bulk_create(links, batch_size=2000)
        by, by_name = self.by, _actor_name(self.by)
        events = [
            HouseholdEvent(
                household_id=household_id,
                action=action,
                actor=by,
                actor_name=by_name,
                created_at=self.now,
                note=f"Excel 导入：{'、'.join(names)}",
            )
            for action, group in (
                (HouseholdEvent.Action.MEMBER_ADDED, added),
                (HouseholdEvent.Action.MEMBER_UPDATED, changed_names),
            )
            for household_id, names in group.items()
        ]
        HouseholdEvent.objects.bulk_create(events, batch_size=BATCH)


# --- Entry points ------------------------------------------------------------------------------


def _run(
    source,
    *,
    write: bool,
    by=None,
    replace_conflicts: bool = False,
    progress: Progress | None = None,
    township: Township | None = None,
):
    report = ImportReport(replace_conflicts=replace_conflicts)
    township = the_township(township)
    book = LedgerFile(source)
    try:
        ref = _Reference(township)
        now = timezone.now()
        tick = _Ticker(book, progress)
        households = _HouseholdPass(ref, report, write=write, by=by, now=now, tick=tick)
        households.run(book.household_rows())
        report.has_member_sheet = book.members is not None
        members = _MemberPass(ref, report, households.rows_by_key, write=write, by=by, now=now, tick=tick)
        members.run(book.member_rows())
    finally:
        book.close()
    report.sort()
    return report


def preview(
    source: str | IO[bytes],
    *,
    replace_conflicts: bool = False,
    progress: Progress | None = None,
    township: Township | None = None,
) -> ImportReport:
    """What importing ``source`` into ``township`` (the only one, when there is one) would do. Reads the ledger,
    writes nothing. Raises ImportFileError."""
    return _run(source, write=False, replace_conflicts=replace_conflicts, progress=progress, township=township)


def apply(
    source: str | IO[bytes],
    *,
    by=None,
    replace_conflicts: bool = False,
    progress: Progress | None = None,
    township: Township | None = None,
) -> ImportReport:
    """Import ``source`` if no row is rejected (and no head conflicts, unless ``replace_conflicts``), all in one
    transaction; else write nothing. Raises ImportFileError.

    Returns the report; ``report.applied`` says whether anything was written.
    """
    report = preview(
        source, replace_conflicts=replace_conflicts, progress=_share(progress, 0.0, CHECK_SHARE), township=township
    )
    if not report.ok:
        return report
    if not any((report.households.new, report.households.updated, report.members.new, report.members.updated)):
        report.applied = True  # the ledger already says what the file says: nothing to write
        return report
    del report  # the write pass makes its own: do not hold two in memory
    try:
        with transaction.atomic():
            written = _run(
                source,
                write=True,
                by=by,
                replace_conflicts=replace_conflicts,
                progress=_share(progress, CHECK_SHARE, 1.0),
                township=township,
            )
            if not written.ok:  # the ledger changed between the two passes
                raise _Aborted
    except _Aborted:
        return written
    written.applied = True
    return written


#: The share of ``apply``'s time spent checking the whole file before writing (the write pass takes the rest).
CHECK_SHARE = 0.35


def _share(progress: Progress | None, start: float, end: float) -> Progress | None:
    if progress is None:
        return None
    return lambda fraction: progress(start + (end - start) * fraction)
