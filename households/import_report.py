"""What an Excel import of the ledger found (households.importer): counts, bad rows, conflicts of head, notes,
and the changes it makes, old → new. The command prints it; the import page stores ``as_dict()`` on its job
row and shows that.

Rows are named as Excel shows them (``第12行``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: How many lines of each list a stored report keeps for the page (the command prints every line).
MAX_LISTED = 1000
#: How many lines of new households and members the preview lists.
MAX_NEW_LISTED = 200
NO_ID = "无身份证号"


@dataclass(frozen=True)
class Problem:
    """A bad row (a *problem*: nothing is imported) or a *note* about a row that still imports.

    Notes that repeat (the same unknown contact cadre on forty rows) are shown once, grouped by ``kind`` — what
    the note says — with ``subject``, what varies (the name), and the rows of each."""

    row: int
    message: str
    sheet: str = ""  # "" for sheet 1, MEMBER_SHEET for the members
    kind: str = ""
    subject: str = ""

    def __str__(self) -> str:
        where = f"（{self.sheet}）" if self.sheet else ""
        return f"第{self.row}行{where}：{self.message}"


@dataclass(frozen=True)
class Conflict:
    """A row that matches a household by village + household number but names another head (a different name,
    or a different ID number where both have one): importing it would put another family in that household's
    place, so it is written only when the clerk asks for it (``replace_conflicts``)."""

    row: int
    where: str  # 和平村 001号户
    old_name: str
    old_id: str
    new_name: str
    new_id: str

    @property
    def change(self) -> str:
        return f"户主 {self.old_name} ({self.old_id or NO_ID}) → {self.new_name} ({self.new_id or NO_ID})"

    def __str__(self) -> str:
        return f"第{self.row}行 冲突：{self.where} {self.change}"

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "where": self.where,
            "old_name": self.old_name,
            "old_id": self.old_id or NO_ID,
            "new_name": self.new_name,
            "new_id": self.new_id or NO_ID,
        }


@dataclass
class Counts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    conflicts: int = 0

    def __str__(self) -> str:
        text = f"新增 {self.new}，更新 {self.updated}，未变 {self.unchanged}，有误 {self.rejected}"
        return text + (f"，户主冲突 {self.conflicts}" if self.conflicts else "")

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("new", "updated", "unchanged", "rejected", "conflicts")}


def _rows(rows: list[int]) -> str:
    """[3, 7, 12] → 第3、7、12行; more than five → 第3、7、12、15、20行等9行."""
    shown = "、".join(str(r) for r in rows[:5])
    return f"第{shown}行" + (f"等{len(rows)}行" if len(rows) > 5 else "")


def grouped_notes(notes: list[Problem]) -> list[str]:
    """One line per kind of note: a note on one row as it is, a repeated one once with its count and rows."""
    groups: dict[tuple[str, str], list[Problem]] = {}
    for note in notes:
        groups.setdefault((note.sheet, note.kind or note.message), []).append(note)
    lines = []
    for (sheet, kind), items in groups.items():
        if len(items) == 1:
            lines.append(str(items[0]))
            continue
        by_subject: dict[str, list[int]] = {}
        for note in items:
            by_subject.setdefault(note.subject, []).append(note.row)
        parts = [f"{subject} {_rows(rows)}" if subject else _rows(rows) for subject, rows in by_subject.items()]
        where = f"，{sheet}" if sheet else ""
        lines.append(f"{kind}（共{len(items)}行{where}）：{'；'.join(parts)}")
    return lines


@dataclass
class ImportReport:
    households: Counts = field(default_factory=Counts)
    members: Counts = field(default_factory=Counts)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # groups to be created
    changes: list[str] = field(default_factory=list)  # the first new households and members
    updates: list[str] = field(default_factory=list)  # updated households and members, old → new
    has_member_sheet: bool = False
    replace_conflicts: bool = False
    applied: bool = False

    @property
    def ok(self) -> bool:
        """Can it be applied? No bad row, and no conflict unless the clerk chose to replace the heads."""
        return not self.problems and (self.replace_conflicts or not self.conflicts)

    @property
    def rejected(self) -> int:
        return self.households.rejected + self.members.rejected

    def summary_lines(self) -> list[str]:
        lines = [f"户：{self.households}"]
        if self.has_member_sheet:
            lines.append(f"家庭成员：{self.members}")
        return lines

    def note_lines(self) -> list[str]:
        return grouped_notes(self.warnings)

    def add_change(self, line: str) -> None:
        if len(self.changes) < MAX_NEW_LISTED:
            self.changes.append(line)

    def add_update(self, line: str) -> None:
        if len(self.updates) < MAX_LISTED:
            self.updates.append(line)

    def sort(self) -> None:
        for rows in (self.problems, self.warnings):
            rows.sort(key=lambda p: (p.sheet != "", p.row))

    def as_dict(self) -> dict:
        """What the import page shows, as JSON for the job row (each list cut at MAX_LISTED, with its length)."""
        return {
            "households": self.households.as_dict(),
            "members": self.members.as_dict(),
            "summary": self.summary_lines(),
            "has_member_sheet": self.has_member_sheet,
            "ok": self.ok,
            "applied": self.applied,
            "replace_conflicts": self.replace_conflicts,
            "rejected": self.rejected,
            "problems": [str(p) for p in self.problems[:MAX_LISTED]],
            "problem_count": len(self.problems),
            "conflicts": [c.as_dict() for c in self.conflicts[:MAX_LISTED]],
            "conflict_count": len(self.conflicts),
            "notes": self.note_lines()[:MAX_LISTED],
            "notices": self.notices[:MAX_LISTED],
            "changes": self.changes,
            "updates": self.updates,
            "update_count": self.households.updated + self.members.updated,
        }
