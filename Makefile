# Minqing — two commands on a fresh machine with Python 3.11 and make:
#   make run    install, migrate, load the demo township, serve http://127.0.0.1:8000
#   make test   install, run the whole suite (SQLite; PostgreSQL/Redis/browser tests skip, saying why)

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Two test processes (pytest-xdist); tests that share Redis or the browser are grouped (tests/conftest.py).
PYTEST_WORKERS ?= 2

.PHONY: install run test lint format check bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { echo "需要 Python 3.11（$(PYTHON) 不是）"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "民情信息中心已启动：http://$(HOST):$(PORT)/  （Ctrl+C 停止；后台任务在进程内执行）"
	DJANGO_RUNSERVER_HIDE_WARNING=true $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: install
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

# County-scale benchmark (not part of make test): needs DATABASE_URL=postgres://… ; BENCH_SCALE=0.01 for a quick run.
bench: install
	$(BIN)/python bench/county.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
