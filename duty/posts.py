"""The rota posts every township keeps (值班岗位); the admin may add more. Used by the data migration, seed_demo
and the tests (a transactional test's flush removes what a migration made)."""

DEFAULT_POSTS = [
    # code, name, capacity, role ("" = any of the township's people), description
    ("leader_on_duty", "带班领导", 1, "leader", "领导带班接访；当日即该领导的接访日"),
    ("desk", "座班接待", 2, "reception", "中心前台座班，接待来访群众"),
    ("hotline", "民心电话值守", 1, "", "民心电话每日专人值守"),
    ("night_visit", "夜访值班", 3, "", "夜访值班干部"),
]


def ensure_default_posts(Post, log=None) -> int:
    """Create the default posts that are missing (by code); returns how many were created."""
    made = 0
    for order, (code, name, capacity, role, description) in enumerate(DEFAULT_POSTS, start=1):
        _, created = Post.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "capacity": capacity,
                "role": role,
                "description": description,
                "sort_order": order * 10,
            },
        )
        if created:
            made += 1
            if log:
                log(f"值班岗位：{name}")
    return made
