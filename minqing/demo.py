"""Demo accounts, one per role (and a second liaison and handler to show the scopes)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group as AuthGroup

from households.models import Village
from minqing.roles import Role
from petitions.models import Department

DEMO_PASSWORD = "minqing2026"

# username, full name, roles, liaison villages, departments
DEMO_ACCOUNTS = [
    ("reception", "王芳", ["reception"], [], []),
    ("leader", "李建国", ["leader"], [], []),
    ("handler", "张伟", ["handler"], [], ["民政办"]),
    ("handler2", "赵磊", ["handler"], [], ["自规所"]),
    ("liaison", "陈秀英", ["liaison"], ["和平村", "新发村"], []),
    ("liaison2", "刘强", ["liaison"], ["大井村"], []),
    ("admin", "系统管理员", ["admin"], [], []),
]


def seed_accounts(log) -> None:
    User = get_user_model()
    # The groups come from a migration; get_or_create keeps this safe after a test flush.
    groups = {r: AuthGroup.objects.get_or_create(name=r)[0] for r in Role.values}
    for username, full_name, roles, villages, departments in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": full_name,
                "is_staff": "admin" in roles,
                "is_superuser": "admin" in roles,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            log(f"账号：{username}（{full_name}）")
        user.groups.add(*(groups[r] for r in roles))
        for village in Village.objects.filter(name__in=villages):
            village.liaisons.add(user)
        for department in Department.objects.filter(name__in=departments):
            department.staff.add(user)


def describe_accounts() -> str:
    lines = [f"演示账号（密码均为 {DEMO_PASSWORD}）："]
    labels = {"reception": "前台接待", "leader": "领导", "handler": "承办人",
              "liaison": "村联络员", "admin": "管理员"}  # fmt: skip
    for username, full_name, roles, villages, departments in DEMO_ACCOUNTS:
        where = "、".join(villages + departments)
        role = "、".join(labels[r] for r in roles)
        lines.append(f"  {username:<10} {full_name} · {role}{'（' + where + '）' if where else ''}")
    return "\n".join(lines)
