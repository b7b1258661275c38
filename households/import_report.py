"""What an Excel import of the ledger found (households.importer): counts, bad rows, conflicts of head, notes,
and the changes it makes, old → new. The command prints it; the import page stores ``as_dict()`` on its job
row and shows that.

Rows are named as Excel shows them (``第12行``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: How many lines of each list a stored report keeps for the page.
MAX_LISTED = 1000
#: How many bad rows and notes a report keeps, line by line (the command prints them); beyond, they are counted
#: (and notes still grouped), so a file of 200,000 bad rows costs no more memory than one of 10,000.
MAX_KEPT = 10_000
#: How many lines of new households and members the preview lists.
MAX_NEW_LISTED = 200
NO_ID = "无身份证号"


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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


def _rows(rows: list[int], count: int) -> str:
    """[3, 7, 12] → 第3、7、12行; more than five → 第3、7、12、15、20行等9行."""
    shown = "、".join(str(r) for r in rows[:5])
    return f"第{shown}行" + (f"等{count}行" if count > 5 else "")


OTHERS = "其他"


class _NoteGroups:
    """Notes grouped as they come: per (sheet, kind), per subject, the count and the first five rows."""

    def __init__(self):
        self.groups: dict[tuple[str, str], dict[str, list]] = {}
        self.first: dict[tuple[str, str], Problem] = {}

    MAX_SUBJECTS = 20  # beyond these, a group's other subjects are only counted

    def add(self, note: Problem) -> None:
        key = (note.sheet, note.kind or note.message)
        self.first.setdefault(key, note)
        subjects = self.groups.setdefault(key, {})
        subject = note.subject if note.subject in subjects or len(subjects) < self.MAX_SUBJECTS else OTHERS
        count_rows = subjects.setdefault(subject, [0, []])
        count_rows[0] += 1
        if len(count_rows[1]) < 5:
            count_rows[1].append(note.row)

    def lines(self) -> list[str]:
        """One line per kind of note: a note on one row as it is, a repeated one once with its count and rows."""
        ordered = sorted(self.groups.items(), key=lambda item: (item[0][0] != "", self.first[item[0]].row))
        lines = []
        for (sheet, kind), subjects in ordered:
            total = sum(count for count, _ in subjects.values())
            if total == 1:
                lines.append(str(self.first[(sheet, kind)]))
                continue
            parts = [
                f"{subject} {_rows(rows, count)}" if subject else _rows(rows, count)
                for subject, (count, rows) in subjects.items()
            ]
            where = f"，{sheet}" if sheet else ""
            lines.append(f"{kind}（共{total}行{where}）：{'；'.join(parts)}")
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
    problem_count: int = 0  # all of them; ``problems`` keeps the first MAX_KEPT
    note_count: int = 0
    notes: _NoteGroups = field(default_factory=_NoteGroups, repr=False)

    @property
    def ok(self) -> bool:
        """Can it be applied? No bad row, and no conflict unless the clerk chose to replace the heads."""
        return not self.problem_count and (self.replace_conflicts or not self.conflicts)

    def add_problem(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_KEPT:
            self.problems.append(problem)

    def add_note(self, note: Problem) -> None:
        self.note_count += 1
        self.notes.add(note)
        if len(self.warnings) < MAX_KEPT:
            self.warnings.append(note)

    @property
    def rejected(self) -> int:
        return self.households.rejected + self.members.rejected

    def summary_lines(self) -> list[str]:
        lines = [f"户：{self.households}"]
        if self.has_member_sheet:
            lines.append(f"家庭成员：{self.members}")
        return lines

    def note_lines(self) -> list[str]:
        return self.notes.lines()

    def unlisted_problems(self) -> int:
        return self.problem_count - len(self.problems)

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
            "problem_count": self.problem_count,
            "conflicts": [c.as_dict() for c in self.conflicts[:MAX_LISTED]],
            "conflict_count": len(self.conflicts),
            "notes": self.note_lines()[:MAX_LISTED],
            "notices": self.notices[:MAX_LISTED],
            "changes": self.changes,
            "updates": self.updates,
            "update_count": self.households.updated + self.members.updated,
        }
