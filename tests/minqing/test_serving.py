"""The Docker image's two commands and a plain-HTTP intranet, proved outside Docker (CI builds no image).

The Dockerfile's collectstatic line runs exactly as written, read from the Dockerfile, into a temporary
STATIC_ROOT. Then the image's CMD (gunicorn with gunicorn.conf.py) serves a migrated SQLite database with
DEBUG=0 and HTTPS=0 on a free loopback port, asked under the intranet host name ``minqing.lan``. The client is
a real HTTP client (requests) that keeps cookies as a browser does: it never sends a ``Secure`` cookie back over
plain HTTP, so with Secure cookies the sign-in would not stick and every form would answer 403.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
HOST = "minqing.lan"
PASSWORD = "plain-http-test-password-1"

# Both tests share one server; under pytest-xdist they run in one process.
pytestmark = pytest.mark.xdist_group("deploy-server")


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    lines = [line for line in (ROOT / "Dockerfile").read_text().splitlines() if not line.lstrip().startswith("#")]
    text = re.sub(r"\\\n", " ", "\n".join(lines))
    return [
        (instruction.upper(), arguments.strip())
        for instruction, arguments in (line.split(None, 1) for line in text.splitlines() if line.strip())
    ]


def collectstatic_line() -> str:
    (line,) = [args for name, args in dockerfile_instructions() if name == "RUN" and "collectstatic" in args]
    return line


def image_command() -> list[str]:
    (cmd,) = [args for name, args in dockerfile_instructions() if name == "CMD"]
    return json.loads(cmd)  # exec form: gunicorn is PID 1's child and gets SIGTERM itself


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, base: str, static_root: Path, env: dict):
        self.base, self.static_root, self.env = base, static_root, env

    def session(self) -> requests.Session:
        session = requests.Session()
        session.headers["Host"] = HOST
        return session


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serving")
    base_env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "DATABASE_URL", "REDIS_URL", "DEBUG", "HTTPS", "SECRET_KEY", "ALLOWED_HOSTS", "STATIC_ROOT",
            "MEDIA_ROOT", "PUBLIC_BASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "GUNICORN_CMD_ARGS",
        )
    }  # fmt: skip
    base_env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{base_env.get('PATH', '')}"
    static_root = tmp / "static"

    # 1. The image's collectstatic, as the Dockerfile writes it (WORKDIR /app is the project folder).
    collected = subprocess.run(
        ["sh", "-c", collectstatic_line()],
        cwd=ROOT,
        env={**base_env, "STATIC_ROOT": str(static_root)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collected.returncode == 0, collected.stdout + collected.stderr

    # 2. A migrated database with one account.
    port = free_port()
    env = {
        **base_env,
        "DEBUG": "0",
        "HTTPS": "0",
        "SECRET_KEY": "serving-test-secret-key-0123456789-abcdefghijklmnop",
        "ALLOWED_HOSTS": HOST,
        "PUBLIC_BASE_URL": f"http://{HOST}",
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "STATIC_ROOT": str(static_root),
        "MEDIA_ROOT": str(tmp / "media"),
        "LOG_LEVEL": "WARNING",
        "GUNICORN_CMD_ARGS": f"--bind 127.0.0.1:{port} --workers 1",
    }
    setup = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup()\n"
            "from django.core.management import call_command\n"
            "from django.contrib.auth import get_user_model\n"
            "from django.contrib.auth.models import Group\n"
            "call_command('migrate', verbosity=0)\n"
            f"user = get_user_model().objects.create_user('reception', password={PASSWORD!r}, first_name='王芳')\n"
            "user.groups.add(Group.objects.get_or_create(name='reception')[0])\n",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "minqing.settings"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert setup.returncode == 0, setup.stderr

    # 3. The image's command.
    log = open(tmp / "gunicorn.log", "w+")
    proc = subprocess.Popen(image_command(), cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"gunicorn exited with {proc.returncode}:\n{log.read()}")
            try:
                requests.get(f"{base}/healthz", headers={"Host": HOST}, timeout=5)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    pytest.fail("gunicorn did not answer within 60 s")
                time.sleep(0.3)
        yield Server(base, static_root, env)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


def csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def set_cookies(response: requests.Response) -> list[str]:
    return response.raw.headers.getlist("Set-Cookie")


def test_the_image_collects_static_files_for_the_production_storage_and_serves_pages(server):
    assert (server.static_root / "staticfiles.json").is_file()  # the manifest DEBUG=0 reads
    session = server.session()
    page = session.get(f"{server.base}/accounts/login/", allow_redirects=False)
    assert page.status_code == 200, page.text[:500]
    assert "民情信息中心 · 登录" in page.text
    css = re.search(r'href="(/static/bootstrap/css/bootstrap\.min\.[0-9a-f]{12}\.css)"', page.text)
    assert css, "the page links the hashed name from the manifest"
    asset = session.get(server.base + css.group(1))
    assert asset.status_code == 200 and asset.headers["Content-Type"].startswith("text/css")
    assert session.get(f"{server.base}/public/", allow_redirects=False).status_code == 200


def test_the_container_health_check_passes_against_the_image_command(server):
    health = server.session().get(f"{server.base}/healthz")
    assert health.json() == {"status": "ok", "database": "ok", "pages": "ok", "broker": "eager"}
    result = subprocess.run(
        [sys.executable, "deploy/healthcheck.py", f"{server.base}/healthz"],
        cwd=ROOT,
        env=server.env,  # ALLOWED_HOSTS gives the host name it asks with
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr


def test_a_plain_http_intranet_signs_in_and_posts_a_form(server):
    session = server.session()
    origin = {"Origin": f"http://{HOST}"}  # as a browser sends with every POST
    login = session.get(f"{server.base}/accounts/login/", allow_redirects=False)
    assert login.status_code == 200  # not redirected to https://
    signed_in = session.post(
        f"{server.base}/accounts/login/",
        data={"username": "reception", "password": PASSWORD, "csrfmiddlewaretoken": csrf_token(login.text)},
        headers=origin,
        allow_redirects=False,
    )
    assert signed_in.status_code == 302, signed_in.text[:500]
    cookies = set_cookies(signed_in)
    assert any(c.startswith("sessionid=") for c in cookies)
    assert not [c for c in cookies if "secure" in c.lower()], cookies
    assert "Strict-Transport-Security" not in signed_in.headers

    form = session.get(f"{server.base}/accounts/password_change/", allow_redirects=False)
    assert form.status_code == 200  # the session cookie came back over plain HTTP
    changed = session.post(
        f"{server.base}/accounts/password_change/",
        data={
            "old_password": PASSWORD,
            "new_password1": "a-new-intranet-password-2",
            "new_password2": "a-new-intranet-password-2",
            "csrfmiddlewaretoken": csrf_token(form.text),
        },
        headers=origin,
        allow_redirects=False,
    )
    assert changed.status_code == 302, changed.text[:500]  # not 403 页面已过期
    assert changed.headers["Location"].endswith("/accounts/password_change/done/")
