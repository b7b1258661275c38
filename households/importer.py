"""Excel import of the ledger: ``preview(path)`` says what would happen; ``apply(path, by=user)`` does it.

- Sheet 1 holds households (excel.HOUSEHOLD_COLUMNS); an optional sheet 家庭成员 holds members.
- The header row is found by its column names (ledgers put a title and "who filled it in" above it);
  a column missing from the file leaves that field untouched.
- Values are tidied as the forms tidy them (cleaning.py, idcard.py, phones.py).
- A household is matched by village + household number, else by the head's ID number; a member by
  ID number, else by name, inside its household.
- All or nothing: ``apply`` first runs the whole preview; if any row is rejected, nothing is written.
  Then one transaction writes everything in batches (bulk_create / bulk_update, one ``in`` query per
  batch to find what exists), reading the file a second time in openpyxl's read-only mode rather than
  holding it in memory.

Rows are named as Excel shows them (``第12行``).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO
from zipfile import BadZipFile

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from households.cleaning import cell_text, clean_code, clean_name, parse_size, split_tags
from households.excel import (
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_HINTS,
    MEMBER_COLUMNS,
    MEMBER_HINTS,
    MEMBER_SHEET,
    cadre_label,
)
from households.idcard import parse_id_number
from households.models import Group, Household, HouseholdEvent, Person, Tag, Village
from households.phones import normalize_phone
from households.querysets import exact_in
from minqing.access import CENTER_ROLES

BATCH = 500
HEADER_SCAN_ROWS = 30
HOUSEHOLD_REQUIRED = ("村", "户号", "户主姓名")
MEMBER_REQUIRED = ("村", "户号", "姓名")
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
MEMBER_FIELDS = {"与户主关系": "relation", "身份证号": "id_number", "联系电话": "phone"}
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


class ImportFileError(Exception):
    """The file cannot be read as a ledger at all (not xlsx, no header row)."""


class _Aborted(Exception):
    """Raised inside the write transaction to roll it back."""


@dataclass(frozen=True)
class Problem:
    row: int
    message: str
    sheet: str = ""  # "" for sheet 1, MEMBER_SHEET for the members

    def __str__(self) -> str:
        where = f"（{self.sheet}）" if self.sheet else ""
        return f"第{self.row}行{where}：{self.message}"


@dataclass
class Counts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    def __str__(self) -> str:
        return f"新增 {self.new}，更新 {self.updated}，未变 {self.unchanged}，有误 {self.rejected}"


@dataclass
class ImportReport:
    households: Counts = field(default_factory=Counts)
    members: Counts = field(default_factory=Counts)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # groups to be created
    changes: list[str] = field(default_factory=list)  # the first few new/updated rows, for the preview page
    has_member_sheet: bool = False
    applied: bool = False

    MAX_CHANGES = 200

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def rejected(self) -> int:
        return self.households.rejected + self.members.rejected

    def summary_lines(self) -> list[str]:
        lines = [f"户：{self.households}"]
        if self.has_member_sheet:
            lines.append(f"家庭成员：{self.members}")
        return lines

    def add_change(self, line: str) -> None:
        if len(self.changes) < self.MAX_CHANGES:
            self.changes.append(line)


# --- Reading ---------------------------------------------------------------------------------


def _header_key(value) -> str:
    return "".join(cell_text(value).split()).replace("*", "").replace("＊", "")


def _sheet_rows(ws, columns: list[str], required: tuple[str, ...], hints: list[str]) -> Iterator[tuple[int, dict]]:
    """Yield (Excel row number, {column: value}) for each non-blank data row below the header."""
    ws.reset_dimensions()  # some writers record wrong dimensions; read to the real end
    rows = ws.iter_rows(min_row=1, values_only=True)
    colmap, header_row = None, 0
    for header_row, values in enumerate(rows, start=1):
        if header_row > HEADER_SCAN_ROWS:
            break
        keys = [_header_key(v) for v in values]
        if all(name in keys for name in required):
            colmap = {name: keys.index(name) for name in columns if name in keys}
            break
    if colmap is None:
        raise ImportFileError(
            f"工作表“{ws.title}”的前{HEADER_SCAN_ROWS}行中找不到表头（需要列：{'、'.join(required)}）。"
        )
    hint_values = {name: hint for name, hint in zip(columns, hints, strict=True) if hint}
    for number, values in enumerate(rows, start=header_row + 1):
        row = {name: values[i] if i < len(values) else None for name, i in colmap.items()}
        if all(cell_text(v) == "" for v in row.values()):
            continue  # blank line
        if all(cell_text(row.get(name)) == hint for name, hint in hint_values.items() if name in row):
            continue  # the template's row of hints
        yield number, row


def _batches(iterable, size=BATCH):
    iterator = iter(iterable)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


class _Workbook:
    """The uploaded file, opened read-only; its household sheet and optional member sheet."""

    def __init__(self, source: str | IO[bytes]):
        if hasattr(source, "seek"):
            source.seek(0)
        try:
            self.wb = load_workbook(source, read_only=True, data_only=True)
        except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError) as exc:
            raise ImportFileError("无法读取这个文件：请上传 Excel 2007 及以上格式（.xlsx）的文件。") from exc
        self.households = self.wb.worksheets[0]
        self.members = next((ws for ws in self.wb.worksheets[1:] if ws.title.strip() == MEMBER_SHEET), None)

    def household_rows(self):
        return _sheet_rows(self.households, HOUSEHOLD_COLUMNS, HOUSEHOLD_REQUIRED, HOUSEHOLD_HINTS)

    def member_rows(self):
        if self.members is None:
            return iter(())
        return _sheet_rows(self.members, MEMBER_COLUMNS, MEMBER_REQUIRED, MEMBER_HINTS)

    def close(self):
        self.wb.close()


# --- Reference data, loaded once per run ---------------------------------------------------------


class _Reference:
    def __init__(self):
        self.villages = {v.name: v for v in Village.objects.all()}
        self.village_names = {v.pk: v.name for v in self.villages.values()}
        self.groups = {(g.village_id, g.name): g.pk for g in Group.objects.all()}
        self.tags: dict[str, dict[str, int]] = defaultdict(dict)
        self.tag_names: dict[int, str] = {}
        for tag in Tag.objects.all():
            self.tags[tag.kind][tag.name] = tag.pk
            self.tag_names[tag.pk] = tag.name
        users = get_user_model().objects.filter(is_active=True).prefetch_related("groups", "liaison_villages")
        self.users_by_name: dict[str, list] = defaultdict(list)
        self.user_villages: dict[int, set[int] | None] = {}  # None: sees every village
        for user in users:
            names = {cadre_label(user), user.username}
            for name in names:
                self.users_by_name[name].append(user)
            roles = {g.name for g in user.groups.all()}
            if user.is_superuser or roles & CENTER_ROLES:
                self.user_villages[user.pk] = None
            else:
                self.user_villages[user.pk] = {v.pk for v in user.liaison_villages.all()}
        self.new_groups: set[tuple[int, str]] = set()

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

    def cadre(self, name: str, village_id: int) -> tuple[object, str]:
        """A 联系干部 cell → (user id, None or _UNRESOLVED; a warning or "")."""
        if not name:
            return None, ""
        users = self.users_by_name.get(name, [])
        if not users:
            return _UNRESOLVED, f"联系干部“{name}”在系统中没有同名用户，未设置联系干部"
        if len({u.pk for u in users}) > 1:
            return _UNRESOLVED, f"联系干部“{name}”有多个同名用户，未设置联系干部"
        user = users[0]
        villages = self.user_villages[user.pk]
        if villages is not None and village_id not in villages:
            return _UNRESOLVED, f"联系干部“{name}”不负责{self.village_names[village_id]}，未设置联系干部"
        return user.pk, ""


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
        report.problems += [Problem(number, error) for error in errors]
        return None
    group_name = None
    if "村民小组" in row:
        group_name = clean_name(row["村民小组"])
        values["group_id"] = ref.groups.get((village.pk, group_name)) if group_name else None
        if group_name and values["group_id"] is None and (village.pk, group_name) not in ref.new_groups:
            ref.new_groups.add((village.pk, group_name))
            report.notices.append(f"将新建村民小组：{village.name}{group_name}")
    if "联系干部" in row:
        cadre_id, warning = ref.cadre(clean_name(row["联系干部"]), village.pk)
        values["contact_cadre_id"] = cadre_id
        if warning:
            report.warnings.append(Problem(number, warning))
    return _HouseholdRow(number, values, tag_ids, group_name)


class _HouseholdPass:
    """One pass over sheet 1: classify each row against the ledger; with ``write``, also save."""

    def __init__(self, ref: _Reference, report: ImportReport, *, write: bool, by=None, now=None):
        self.ref, self.report, self.write, self.by, self.now = ref, report, write, by, now
        self.rows_by_key: dict[tuple, int] = {}
        self.rows_by_id: dict[str, int] = {}
        self.rows_by_household: dict[int, int] = {}

    def run(self, rows) -> None:
        for batch in _batches(rows):
            parsed = [p for n, r in batch if (p := self._parse(n, r)) is not None]
            self._classify(parsed)

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
        self.report.problems.append(Problem(parsed.row, message))
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
            household = by_key.get(r.key) or (by_head_id.get(head_id) if head_id else None)
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
            changed = self._changed_fields(household, r, tags[household.pk])
            if not changed:
                self.report.households.unchanged += 1
                continue
            self.report.households.updated += 1
            labels = "、".join(FIELD_LABELS[f] for f in changed)
            self.report.add_change(f"第{r.row}行：更新 {self._where(household)}（{labels}）")
            updated.append((household, r, changed))
        if self.write:
            self._save(new, updated)

    def _where(self, household: Household) -> str:
        return f"{self.ref.village_names[household.village_id]} {household.household_no}号户"

    def _label(self, values: dict) -> str:
        return f"{self.ref.village_names[values['village_id']]} {values['household_no']} {values['head_name']}"

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
        return changed

    # -- writing (only with write=True, inside the caller's transaction) --

    def _group_ids(self, rows: list[_HouseholdRow]) -> None:
        """Create the missing village groups these rows name, then fill in their ids."""
        wanted = {(r.values["village_id"], r.group_name) for r in rows if r.group_name}
        missing = [Group(village_id=v, name=n) for v, n in wanted if (v, n) not in self.ref.groups]
        if missing:
            Group.objects.bulk_create(missing, ignore_conflicts=True)
            for g in Group.objects.filter(village_id__in={g.village_id for g in missing}):
                self.ref.groups[(g.village_id, g.name)] = g.pk
        for r in rows:
            if r.group_name:
                r.values["group_id"] = self.ref.groups[(r.values["village_id"], r.group_name)]

    def _save(self, new: list[_HouseholdRow], updated: list[tuple]) -> None:
        self._group_ids(new + [r for _, r, _ in updated])
        by, by_name = self.by, _actor_name(self.by)
        events, links = [], []
        created = Household.objects.bulk_create(
            [Household(**_resolved(r.values)) for r in new],
            batch_size=BATCH,
        )
        for household, r in zip(created, new, strict=True):
            links += [Household.tags.through(household_id=household.pk, tag_id=t) for t in r.tag_ids or ()]
            events.append(
                HouseholdEvent(
                    household=household,
                    action=HouseholdEvent.Action.CREATED,
                    actor=by,
                    actor_name=by_name,
                    created_at=self.now,
                    note="Excel 导入",
                )
            )
        fields: set[str] = set()
        retagged = []
        for household, r, changed in updated:
            for name in changed:
                if name != "tags":
                    setattr(household, name, r.values[name])
                    fields.add(name)
            household.updated_at = self.now
            if "tags" in changed:
                retagged.append(household.pk)
                links += [Household.tags.through(household_id=household.pk, tag_id=t) for t in r.tag_ids]
            labels = "、".join(FIELD_LABELS[f] for f in changed)
            events.append(
                HouseholdEvent(
                    household=household,
                    action=HouseholdEvent.Action.UPDATED,
                    actor=by,
                    actor_name=by_name,
                    created_at=self.now,
                    note=f"Excel 导入，修改：{labels}",
                )
            )
        if updated:
            Household.objects.bulk_update([h for h, _, _ in updated], [*fields, "updated_at"], batch_size=BATCH)
        if retagged:
            Household.tags.through.objects.filter(household_id__in=retagged).delete()
        Household.tags.through.objects.bulk_create(links, batch_size=2000)
        HouseholdEvent.objects.bulk_create(events, batch_size=BATCH)


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
    def __init__(self, ref, report, file_keys: set, *, write: bool, by=None, now=None):
        self.ref, self.report, self.file_keys = ref, report, file_keys
        self.write, self.by, self.now = write, by, now
        self.rows_by_id: dict[str, int] = {}
        self.matched: set[int] = set()

    def _reject(self, number: int, message: str) -> None:
        self.report.problems.append(Problem(number, message, MEMBER_SHEET))
        self.report.members.rejected += 1

    def run(self, rows) -> None:
        for batch in _batches(rows):
            parsed = [p for n, r in batch if (p := self._parse(n, r)) is not None]
            self._classify(parsed)

    def _parse(self, number: int, row: dict) -> _MemberRow | None:
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
                self.report.warnings.append(Problem(number, f"与户主关系“{word}”未识别，记为“其他”", MEMBER_SHEET))
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
            self.report.problems += [Problem(number, error, MEMBER_SHEET) for error in errors]
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
            if r.tag_ids is not None and set(r.tag_ids) != {t.pk for t in person.tags.all()}:
                changed.append("tags")
            if not changed:
                self.report.members.unchanged += 1
                continue
            self.report.members.updated += 1
            self.report.add_change(f"第{r.row}行（{MEMBER_SHEET}）：更新成员 {where} {person.name}")
            updated.append((person, r, changed))
        if self.write:
            self._save(new, updated)

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


def _run(source, *, write: bool, by=None) -> ImportReport:
    report = ImportReport()
    book = _Workbook(source)
    try:
        ref = _Reference()
        now = timezone.now()
        households = _HouseholdPass(ref, report, write=write, by=by, now=now)
        households.run(book.household_rows())
        report.has_member_sheet = book.members is not None
        _MemberPass(ref, report, set(households.rows_by_key), write=write, by=by, now=now).run(book.member_rows())
    finally:
        book.close()
    report.problems.sort(key=lambda p: (p.sheet != "", p.row))
    report.warnings.sort(key=lambda p: (p.sheet != "", p.row))
    return report


def preview(source: str | IO[bytes]) -> ImportReport:
    """What importing ``source`` would do. Reads the ledger, writes nothing. Raises ImportFileError."""
    return _run(source, write=False)


def apply(source: str | IO[bytes], *, by=None) -> ImportReport:
    """Import ``source`` if no row is rejected, all in one transaction; else write nothing.

    Returns the report; ``report.applied`` says whether anything was written.
    """
    report = preview(source)
    if not report.ok:
        return report
    if not any((report.households.new, report.households.updated, report.members.new, report.members.updated)):
        report.applied = True  # the ledger already says what the file says: nothing to write
        return report
    try:
        with transaction.atomic():
            written = _run(source, write=True, by=by)
            if not written.ok:  # the ledger changed between the two passes
                raise _Aborted
    except _Aborted:
        return written
    written.applied = True
    return written
