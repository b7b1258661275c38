"""python manage.py seed_demo [--no-sample-data] — the demo township 鼎新乡. Running twice changes nothing.

The demo accounts share a password published in the README, so they are created only on a development
machine (``settings.MINQING_DEMO_ACCOUNTS``, on with DEBUG=1). In production ``seed_demo --no-sample-data``
creates the configuration only, and ``createsuperuser`` makes the first admin; the sample data, which needs
the accounts, is refused.
"""

from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from minqing import demo

# Each app's demo module has seed_config(log) and seed_sample(log), in dependency order.
DEMO_MODULES = ["households.demo", "petitions.demo", "visits.demo", "meetings.demo", "duty.demo", "lists.demo"]


class Command(BaseCommand):
    help = "创建演示乡镇（鼎新乡）的配置、演示账号和示例数据；重复运行不会重复创建。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-sample-data",
            action="store_true",
            help="只创建配置和账号，不创建示例户籍、诉求和走访。",
        )

    def handle(self, *args, no_sample_data=False, **options):
        accounts = settings.MINQING_DEMO_ACCOUNTS
        if not accounts and not no_sample_data:
            raise CommandError(
                "生产环境（DEBUG=0）不加载演示数据：演示账号的密码是公开的。"
                "只创建配置请运行 seed_demo --no-sample-data，第一个管理员请用 createsuperuser 创建。"
            )
        modules = [import_module(name) for name in DEMO_MODULES]
        log = self.stdout.write
        with transaction.atomic():
            for module in modules:
                module.seed_config(log)
            if accounts:
                demo.seed_accounts(log)
        if not accounts:
            self.stdout.write(self.style.SUCCESS("配置已就绪。"))
            self.stdout.write(
                "生产环境（DEBUG=0）未创建演示账号（它们的密码是公开的）。"
                "请运行 python manage.py createsuperuser 创建第一个管理员，再登录 /admin/ 添加各岗位的用户。"
            )
            return
        if not no_sample_data:
            for module in modules:
                with transaction.atomic():
                    module.seed_sample(log)
        self.stdout.write(self.style.SUCCESS("演示数据已就绪。"))
        self.stdout.write(demo.describe_accounts())
