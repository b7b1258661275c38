"""The ledger's Excel layout, its blank template and its export. Import lives in importer.py.

The export writes exactly what the importer reads, so exporting and importing again changes nothing.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Font

from minqing.xlsx import safe_row, safe_value

HOUSEHOLD_SHEET = "户籍台账"
MEMBER_SHEET = "家庭成员"
HOUSEHOLD_COLUMNS = [
    "村", "村民小组", "户号", "户主姓名", "户主身份证号", "联系电话",
    "家庭住址", "家庭人口", "户类别", "联系干部", "备注",
]  # fmt: skip
MEMBER_COLUMNS = ["村", "户号", "姓名", "与户主关系", "身份证号", "联系电话", "人员类别"]

# The template's second row. The importer skips a row equal to it, so the template imports as it is.
HOUSEHOLD_HINTS = [
    "必填，系统中已有的村名", "如：1组（没有的会新建）", "必填，本村唯一", "必填",
    "18位，末位可为X；可不填", "手机11位或带区号的座机", "", "正整数，如：5", "多个用、分隔，如：低保户、脱贫户",
    "系统用户姓名，可不填", "",
]  # fmt: skip
MEMBER_HINTS = [
    "必填",
    "必填，须与第一张表或系统中的户对应",
    "必填",
    "户主/配偶/子女/父母/孙子女…",
    "18位，可不填",
    "",
    "多个用、分隔",
]

COLUMN_WIDTHS = {"村": 10, "户号": 8, "户主身份证号": 21, "身份证号": 21, "联系电话": 14, "家庭住址": 28, "备注": 20}


def _header(ws, columns):
    ws.append(columns)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        safe_value(cell)
    for index, name in enumerate(columns):
        ws.column_dimensions[chr(ord("A") + index)].width = COLUMN_WIDTHS.get(name, 12)


def template_workbook() -> Workbook:
    """The blank ledger to download: each sheet's header and a row of hints."""
    wb = Workbook()
    ws = wb.active
    ws.title = HOUSEHOLD_SHEET
    _header(ws, HOUSEHOLD_COLUMNS)
    ws.append(HOUSEHOLD_HINTS)
    members = wb.create_sheet(MEMBER_SHEET)
    _header(members, MEMBER_COLUMNS)
    members.append(MEMBER_HINTS)
    for sheet in (ws, members):
        for cell in sheet[2]:
            cell.font = Font(italic=True, color="808080")
            safe_value(cell)
    return wb


def cadre_label(user) -> str:
    """How a contact cadre is written in the ledger (and matched on import): the full name, else the username."""
    if user is None:
        return ""
    return user.get_full_name().strip() or user.username


def write_ledger(households, out) -> int:
    """Write ``households`` (a queryset) and their members to ``out`` (a path or a binary file). Returns the count.

    openpyxl's write-only mode and chunked iteration keep memory flat however many households there are.
    Every row goes through ``minqing.xlsx.safe_row``: text typed as ``=…`` stays text.
    """
    from households.models import Person

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(HOUSEHOLD_SHEET)
    ws.append(safe_row(ws, HOUSEHOLD_COLUMNS))
    count = 0
    rows = (
        households.select_related("village", "group", "contact_cadre")
        .prefetch_related("tags")
        .order_by("village_id", "household_no")
    )
    for h in rows.iterator(chunk_size=1000):
        count += 1
        ws.append(
            safe_row(
                ws,
                [
                    h.village.name,
                    h.group.name if h.group else "",
                    h.household_no,
                    h.head_name,
                    h.head_id_number or "",
                    h.phone,
                    h.address,
                    h.size,
                    "、".join(sorted(t.name for t in h.tags.all())),
                    cadre_label(h.contact_cadre),
                    h.notes,
                ],
            )
        )
    members = wb.create_sheet(MEMBER_SHEET)
    members.append(safe_row(members, MEMBER_COLUMNS))
    people = (
        Person.objects.filter(household__in=households.values("pk"))
        .select_related("household__village")
        .prefetch_related("tags")
        .order_by("household_id", "pk")
    )
    for p in people.iterator(chunk_size=2000):
        members.append(
            safe_row(
                members,
                [
                    p.household.village.name,
                    p.household.household_no,
                    p.name,
                    p.relation,
                    p.id_number or "",
                    p.phone,
                    "、".join(sorted(t.name for t in p.tags.all())),
                ],
            )
        )
    wb.save(out)
    return count
