# The two commands of the README. Each does all the set-up it needs first (idempotent).
#   make serve   set up, build the site and serve it on http://127.0.0.1:8000
#   make test    set up (Chromium included) and run the whole test suite
export NO_MKDOCS_2_WARNING := 1
export DISABLE_MKDOCS_2_WARNING := true
export MPLBACKEND := Agg
# One BLAS/OpenMP thread: the references work on small matrices, where extra threads cost
# more than they give (3-10x slower page builds were measured on this 2-core machine when
# other work ran), and single-threaded sums make the printed numbers reproducible.
export OPENBLAS_NUM_THREADS := 1
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1

.PHONY: serve test test-thorough setup build bench experiments

setup:
	scripts/setup.sh

serve: setup
	.venv/bin/mkdocs serve --dev-addr 127.0.0.1:8000

build: setup
	.venv/bin/mkdocs build --strict

test:
	scripts/setup.sh --browser
	.venv/bin/python -m pytest --codeblocks tests docs README.md

# Explore: the unit tests with the thorough hypothesis profile (400 freshly drawn examples per
# test instead of 40 fixed ones). Slow (tens of minutes); not part of `make test`. Run it after
# changing an implementation.
test-thorough: setup
	HYPOTHESIS_PROFILE=thorough .venv/bin/python -m pytest -p no:cacheprovider tests --ignore=tests/site

# Re-measure the benchmarks (not part of the tests: timings are measured, not asserted) and
# save the results the benchmarks page renders.
bench: setup
	.venv/bin/python benchmarks/conv2d.py --write --threads 1
	.venv/bin/python benchmarks/lstm.py --write --threads 1
	.venv/bin/python benchmarks/attention.py --write --threads 1

# Rerun the recorded runs (trainings too long for the tests; minutes each) and save the
# records the pages render (experiments/results/*.json). The tests run each with --quick.
experiments: setup
	for script in experiments/[a-z]*.py; do \
	  [ "$$script" = experiments/common.py ] || .venv/bin/python "$$script" --write || exit 1; \
	done
