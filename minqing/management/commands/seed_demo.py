"""python manage.py seed_demo [--no-sample-data] — the demo township 鼎新乡. Running twice changes nothing."""

from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

from minqing import demo

# Each app's demo module has seed_config(log) and seed_sample(log), in dependency order.
DEMO_MODULES = ["households.demo", "petitions.demo", "visits.demo"]


class Command(BaseCommand):
    help = "创建演示乡镇（鼎新乡）的配置、演示账号和示例数据；重复运行不会重复创建。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-sample-data",
            action="store_true",
            help="只创建配置和账号，不创建示例户籍、诉求和走访。",
        )

    def handle(self, *args, no_sample_data=False, **options):
        modules = [import_module(name) for name in DEMO_MODULES]
        log = self.stdout.write
        with transaction.atomic():
            for module in modules:
                module.seed_config(log)
            demo.seed_accounts(log)
        if not no_sample_data:
            for module in modules:
                with transaction.atomic():
                    module.seed_sample(log)
        self.stdout.write(self.style.SUCCESS("演示数据已就绪。"))
        self.stdout.write(demo.describe_accounts())
