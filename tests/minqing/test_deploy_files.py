"""The deployment files, read as the tools read them: docker-compose.yml (start order, exec, no secret, one
proxy), the Dockerfile and .dockerignore, the systemd units, nginx's sites, and .env.example loaded the way the
README says. CI also runs `docker-compose config` on the compose file where Debian's package is installable
(.ci/run); the image itself is exercised in test_serving.py."""

from __future__ import annotations

import configparser
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import yaml

from tests.minqing.test_serving import dockerfile_instructions, image_command
from tests.minqing.test_settings import run_python

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("migrate", "web", "worker", "beat")
SHELLS = {"sh", "bash", "/bin/sh", "/bin/bash"}


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())  # resolves the x-app anchor (<<)


def env_example() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in (ROOT / ".env.example").read_text().splitlines() if "=" in line)
    return {key: value for key, value in pairs if not key.startswith("#")}


# --- docker-compose.yml -----------------------------------------------------------------------------------


def test_worker_beat_and_web_start_only_after_migrate_succeeded():
    services = compose()["services"]
    migrate = services["migrate"]
    assert migrate["command"][-3:] == ["manage.py", "migrate", "--noinput"]
    assert migrate["restart"] == "no"  # a one-shot
    assert migrate["depends_on"]["db"] == {"condition": "service_healthy"}
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
        assert "migrate" not in str(services[name].get("command", "")), f"{name} must not migrate itself"


def test_every_service_execs_its_process():
    """SIGTERM must reach gunicorn and Celery: exec form (no shell in between), or a shell line that execs."""
    services = compose()["services"]
    for name, service in services.items():
        command = service.get("command")
        if command is None:
            continue
        if isinstance(command, str):
            assert command.lstrip().startswith("exec "), f"{name}: {command}"
        else:
            assert command[0] not in SHELLS or command[-1].lstrip().startswith("exec "), f"{name}: {command}"
    assert "command" not in services["web"]  # the image's CMD, which is exec form too
    assert image_command()[0] == "gunicorn"
    for name in APP_SERVICES:
        assert services[name]["init"] is True, f"{name}: an init passes signals on and reaps Celery's children"


REFERENCE = re.compile(r"\$\{\w+(:?[-?][^}]*)?\}")  # ${NAME}, ${NAME:-default}, ${NAME:?message}: read from .env


def test_no_secret_is_written_in_the_compose_file():
    services = compose()["services"]
    for name, service in services.items():
        for key, value in (service.get("environment") or {}).items():
            value = str(value)
            assert key != "SECRET_KEY", f"{name}: SECRET_KEY belongs in .env"
            if re.search(r"PASSWORD|SECRET|TOKEN", key):
                assert REFERENCE.fullmatch(value), f"{name}: {key} is written in the file"
            password = urlparse(value).password if "://" in value else None
            if password is not None:
                assert REFERENCE.fullmatch(password), f"{name}: {key} carries a password"
    assert "${POSTGRES_PASSWORD" in services["web"]["environment"]["DATABASE_URL"]
    assert all(services[name]["env_file"] == ".env" for name in APP_SERVICES)


def test_only_the_proxy_is_published_and_the_app_trusts_exactly_that_one_proxy():
    services = compose()["services"]
    published = [name for name, service in services.items() if service.get("ports")]
    assert published == ["proxy"]
    assert services["proxy"]["image"].startswith("nginx:")  # the official image
    for name in APP_SERVICES:
        assert services[name]["environment"]["TRUSTED_PROXY_COUNT"] == "1", name
    proxy = (ROOT / "deploy/nginx/proxy.inc").read_text()
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in proxy  # appends exactly one entry
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in proxy


def test_docker_paths_are_set_in_the_compose_file_and_beat_keeps_its_schedule_in_a_state_volume():
    services = compose()["services"]
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert environment["MEDIA_ROOT"] == "/data/media" and environment["STATIC_ROOT"] == "/app/staticfiles"
    beat = services["beat"]
    assert "--schedule" in beat["command"]
    schedule = beat["command"][beat["command"].index("--schedule") + 1]
    assert schedule.startswith("/var/lib/minqing/")
    assert "beat:/var/lib/minqing" in beat["volumes"]


def test_the_proxy_site_follows_https_and_limits_uploads_as_the_app_does():
    from django.conf import settings

    proxy = compose()["services"]["proxy"]
    assert proxy["environment"]["HTTPS"] == "${HTTPS:-1}"
    assert "./deploy/nginx/40-minqing-site.sh:/docker-entrypoint.d/40-minqing-site.sh:ro" in proxy["volumes"]
    limit = f"client_max_body_size {settings.MINQING_MAX_REQUEST_MB}m;"
    assert limit in (ROOT / "deploy/nginx/proxy.inc").read_text()
    http = (ROOT / "deploy/nginx/minqing-http.conf").read_text()
    https = (ROOT / "deploy/nginx/minqing-https.conf").read_text()
    assert "listen 80" in http and "ssl" not in http
    assert "listen 443 ssl" in https and "return 301 https://" in https
    for site in (http, https):
        assert "include /etc/nginx/minqing/proxy.inc;" in site and "server web:8000;" in site
    assert (ROOT / "deploy/nginx/40-minqing-site.sh").stat().st_mode & 0o111, "the entrypoint runs only executables"


def run_site_script(tmp_path: Path, https: str, certificate: bool) -> tuple[int, str]:
    """deploy/nginx/40-minqing-site.sh with nginx's paths moved under tmp_path."""
    nginx = tmp_path / "etc/nginx"
    (nginx / "conf.d").mkdir(parents=True)
    (nginx / "certs").mkdir()
    if certificate:
        (nginx / "certs/fullchain.pem").write_text("cert")
        (nginx / "certs/privkey.pem").write_text("key")
    (nginx / "minqing").symlink_to(ROOT / "deploy/nginx")
    script = (ROOT / "deploy/nginx/40-minqing-site.sh").read_text().replace("/etc/nginx", str(nginx))
    result = subprocess.run(["sh", "-c", script], env={"HTTPS": https, "PATH": "/usr/bin:/bin"}, capture_output=True)
    site = (nginx / "conf.d/default.conf").read_text() if result.returncode == 0 else result.stderr.decode()
    return result.returncode, site


def test_the_site_script_serves_plain_http_with_https_0(tmp_path):
    assert run_site_script(tmp_path, "0", certificate=False) == (
        0,
        (ROOT / "deploy/nginx/minqing-http.conf").read_text(),
    )


def test_the_site_script_serves_tls_with_a_certificate(tmp_path):
    assert run_site_script(tmp_path, "1", certificate=True) == (
        0,
        (ROOT / "deploy/nginx/minqing-https.conf").read_text(),
    )


def test_the_site_script_refuses_https_without_a_certificate(tmp_path):
    code, message = run_site_script(tmp_path, "1", certificate=False)
    assert code != 0 and "HTTPS=0" in message


# --- The image ---------------------------------------------------------------------------------------------


def test_the_image_runs_as_a_non_root_user_and_carries_pg_dump_15():
    instructions = dockerfile_instructions()
    users = [args for name, args in instructions if name == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert any(name == "RUN" and "postgresql-client-15" in args for name, args in instructions)
    assert image_command() == ["gunicorn", "--config", "gunicorn.conf.py", "minqing.wsgi:application"]


def test_dockerignore_keeps_secrets_environments_and_data_out_of_the_image():
    patterns = set((ROOT / ".dockerignore").read_text().split())
    for required in (".env", ".env.*", ".venv/", "media/", "**/*.sqlite3", "**/*.sqlite3-*", "staticfiles/", ".git"):
        assert required in patterns, required
    assert "!.env.example" in patterns


def test_gunicorn_timeout_and_workers_are_set_in_one_place():
    namespace: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), namespace)
    assert namespace["workers"] == 3 and namespace["timeout"] == 120
    assert namespace["bind"] == "0.0.0.0:8000"
    compose_text = (ROOT / "docker-compose.yml").read_text()
    assert "--workers" not in compose_text and "--timeout" not in compose_text
    for unit in (ROOT / "deploy/systemd").glob("*.service"):
        assert "--workers" not in unit.read_text() and "--timeout" not in unit.read_text(), unit.name


# --- By hand: systemd and .env.example --------------------------------------------------------------------


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read(ROOT / "deploy/systemd" / name)
    return parser


def test_systemd_units_for_web_worker_and_beat():
    for name, program in (("minqing-web.service", "gunicorn"), ("minqing-worker.service", "celery")):
        service = unit(name)["Service"]
        assert service["EnvironmentFile"] == "/srv/minqing/.env"
        assert service["User"] == "minqing" and service["WorkingDirectory"] == "/srv/minqing"
        assert service["ExecStart"].startswith(f"/srv/minqing/.venv/bin/{program} ")
    assert "--config gunicorn.conf.py" in unit("minqing-web.service")["Service"]["ExecStart"]
    beat = unit("minqing-beat.service")["Service"]
    assert beat["StateDirectory"] == "minqing"
    assert "beat" in beat["ExecStart"] and "--schedule /var/lib/minqing/celerybeat-schedule" in beat["ExecStart"]


def test_env_example_has_a_plain_servers_paths():
    values = env_example()
    for key in ("MEDIA_ROOT", "STATIC_ROOT"):
        assert not values[key].startswith(("/data/", "/app/")), f"{key}: a Docker path"
    assert values["MEDIA_ROOT"].startswith("/var/lib/minqing/")  # the units' StateDirectory, owned by minqing
    assert urlparse(values["DATABASE_URL"]).hostname == "127.0.0.1"
    assert urlparse(values["REDIS_URL"]).hostname == "127.0.0.1"
    assert "SECURE_SSL_REDIRECT" not in values  # replaced by HTTPS


LOAD_AS_THE_README_SAYS = (
    "set -a; . {env}; set +a; SECRET_KEY=readme-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz exec {python} -c "
    '"import django; from django.conf import settings; django.setup(); '
    "print(settings.DEBUG, settings.HTTPS, settings.MEDIA_ROOT, settings.MINQING['COUNTY_NAME'], sep='|')\""
)


def test_env_example_loads_as_the_readme_says_with_spaces_and_quotes(tmp_path):
    env = tmp_path / "env"
    env.write_text((ROOT / ".env.example").read_text() + 'COUNTY_NAME="示范 县"\n')
    command = LOAD_AS_THE_README_SAYS.format(env=env, python=sys.executable)
    result = subprocess.run(["sh", "-c", command], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False|True|/var/lib/minqing/media|示范 县"


def test_env_example_passes_check_deploy_once_its_key_is_set():
    values = {**env_example(), "SECRET_KEY": "readme-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"}
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **values)
    assert result.returncode == 0, result.stdout + result.stderr
