"""The web container's health check (docker-compose.yml): GET /healthz from gunicorn, which answers 200 only
when the database answers and a real page renders (templates and the collected static files). Asked with the
first name in ALLOWED_HOSTS, as the proxy would ask. Exits 0 when healthy.

    python deploy/healthcheck.py [URL]        (default http://127.0.0.1:8000/healthz)
"""

import os
import sys
import urllib.error
import urllib.request


def main(url: str) -> int:
    hosts = [host.strip().lstrip(".") for host in os.environ.get("ALLOWED_HOSTS", "").split(",")]
    host = next((h for h in hosts if h and h != "*"), "localhost")
    request = urllib.request.Request(url, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as e:  # HTTPError (503…) is a URLError
        print(f"{url}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/healthz"))
