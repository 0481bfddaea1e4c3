# Stories Between Generations: `make run` starts everything, `make test` runs the whole suite.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.deps-installed
# The settings make's commands run with: the environment's, else the one .env names, else development (`make run` is
# the platform tried out on one machine). .env is read by config/entrypoints.py itself, so make and the entry points
# agree; entry points run by hand default to production.
MAKEFILE_DIR := $(dir $(abspath $(firstword $(MAKEFILE_LIST))))
DJANGO_SETTINGS_MODULE ?= $(or $(shell $(PYTHON) -c 'import importlib.util as u, pathlib; s = u.spec_from_file_location("e", "$(MAKEFILE_DIR)config/entrypoints.py"); m = u.module_from_spec(s); s.loader.exec_module(m); print(m.settings_module_from_dotenv(pathlib.Path(".env")) or "")' 2>/dev/null),config.settings.dev)
export DJANGO_SETTINGS_MODULE

.PHONY: setup run test lint messages makemessages lock clean bench-data

# Dependencies are installed from the fully pinned lock; re-done only when it changes.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	# --no-deps: the lock lists every package. It leaves out triton (1 GB, GPU-only), which the CPU path never uses.
	$(BIN)/pip install --quiet --no-deps -r requirements.lock
	touch $@

setup: $(STAMP)
	bash scripts/system_packages.sh gettext
	$(BIN)/python manage.py compilemessages --ignore=.venv --verbosity 0
	# wagtail_modeltranslation's migrate also adds the page translation columns (sync_page_translation_fields).
	$(BIN)/python manage.py migrate --noinput --verbosity 0
	$(BIN)/python manage.py update_translation_fields --verbosity 0
	$(BIN)/python manage.py set_translation_url_paths --verbosity 0
	$(BIN)/python manage.py load_demo_content
	$(BIN)/python manage.py create_demo_accounts
	$(BIN)/python manage.py load_demo_programme
	$(BIN)/python manage.py whisper_install_model
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0

run: setup
	$(BIN)/python manage.py run_platform --host $(HOST) --port $(PORT)

test: $(STAMP)
	bash scripts/system_packages.sh gettext espeak-ng sox chromium festvox-ru pocketsphinx-testdata
	$(BIN)/python manage.py compilemessages --ignore=.venv --verbosity 0
	# Lint, formatting, the one-way import contract (pyproject.toml [tool.importlinter]), no missing migration.
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	# A fresh base temp dir per run: pytest prunes old ones, which would pull files from under a parallel run.
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python -m pytest --basetemp="$$(mktemp -d -t sbg-pytest-XXXXXX)" $(PYTEST_ARGS)

# Real human speech for bench/quality.py (festvox-ru, pocketsphinx-testdata) and ffmpeg for bench/transcribe.py.
bench-data:
	bash scripts/system_packages.sh festvox-ru pocketsphinx-testdata ffmpeg espeak-ng

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

makemessages:
	for lang in kk ru en; do $(BIN)/python manage.py makemessages -l $$lang --ignore=.venv --ignore=static_collected --no-obsolete; done

messages:
	$(BIN)/python manage.py compilemessages --ignore=.venv

# Re-resolve pyproject.toml's ranges in a scratch virtualenv and pin the result.
lock:
	rm -rf /tmp/sbg-lock && $(PYTHON) -m venv /tmp/sbg-lock
	/tmp/sbg-lock/bin/pip install --quiet torch==2.13.0 && /tmp/sbg-lock/bin/pip install --quiet ".[test]"
	( head -2 requirements.lock; /tmp/sbg-lock/bin/pip freeze | grep -v -E '^(triton|stories-between-generations|-e )' | sed 's/+cpu$$//' ) > requirements.lock.new
	mv requirements.lock.new requirements.lock

clean:
	rm -rf $(VENV) var static_collected
