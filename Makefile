# The two commands of the README. Each does all the set-up it needs first (idempotent).
#   make serve   set up, build the site and serve it on http://127.0.0.1:8000
#   make test    set up (Chromium included) and run the whole test suite
export NO_MKDOCS_2_WARNING := 1
export DISABLE_MKDOCS_2_WARNING := true
export MPLBACKEND := Agg

.PHONY: serve test setup build bench

setup:
	scripts/setup.sh

serve: setup
	.venv/bin/mkdocs serve --dev-addr 127.0.0.1:8000

build: setup
	.venv/bin/mkdocs build --strict

test:
	scripts/setup.sh --browser
	.venv/bin/python -m pytest --codeblocks tests docs README.md
