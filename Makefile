# 医保断缴补缴助手: `make run` and `make test` are the whole set-up on a fresh machine.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
INSTALLED := $(VENV)/.installed
ASSETS := build/.assets
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONHASHSEED := 0

.PHONY: help setup system assets model web run shell test test-unit validate eval bench coverage clean

help:
	@echo "make run    start the assistant (action server + Rasa server on localhost:5005)"
	@echo "make shell  chat in the terminal"
	@echo "make test   set up (system packages too) and run every test"
	@echo "make eval   NLU evaluation against the held-out set and two baselines"
	@echo "make coverage  which regional facts are known, for which 年度 (table + reports/coverage.png)"

setup: $(INSTALLED)

# Python 3.10 virtualenv with the pinned requirements (every transitive version fixed by
# constraints.txt); redone only when either file changes.
$(INSTALLED): requirements.txt constraints.txt
	@set -e; if [ ! -x $(PY) ]; then python=$$(scripts/find_python.sh); echo "Creating $(VENV) with $$python"; $$python -m venv $(VENV); fi
	@scripts/step.sh --count '^(Collecting|Requirement already satisfied)' $$(grep -vc '^#' constraints.txt) logs/pip-install.log \
	  "Installing Python packages (first run about 5-10 minutes, mostly downloads)..." -- \
	  $(PY) -m pip install --disable-pip-version-check --progress-bar off -r requirements.txt -c constraints.txt
	@touch $@

# Debian packages the browser and production-profile tests need, installed when missing.
system:
	@scripts/install_system_packages.sh

# spaCy zh pipeline (EntityRuler) and jieba dictionary, rebuilt when their sources change.
assets: $(ASSETS)
$(ASSETS): $(INSTALLED) scripts/build_nlu_assets.py $(shell find nlu -type f -not -path '*/__pycache__/*' 2>/dev/null)
	@scripts/step.sh logs/build-assets.log "Building the NLU assets (spaCy pipeline, jieba dictionary; about 1 minute)..." -- \
	  $(PY) scripts/build_nlu_assets.py
	@touch $@

# Trains only when config, domain, data or NLU components changed since the last model.
model: assets
	@$(PY) scripts/ensure_model.py > /dev/null

# Web chat widget (web/, @chatui/core + Vite), built when missing or stale; never committed.
WEB_SRC := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.js web/package.json
web: web/dist/index.html
web/dist/index.html: web/package-lock.json $(WEB_SRC)
	@command -v npm >/dev/null || { echo "error: npm not found; the web chat widget needs Node.js 20.19+ with npm (see README)" >&2; exit 1; }
	@[ -d web/node_modules ] && [ web/node_modules -nt web/package-lock.json ] || \
	  scripts/step.sh logs/npm-ci.log "Installing the widget's npm packages (first run about 1-2 minutes)..." -- \
	  npm --prefix web ci --no-audit --no-fund --loglevel=error
	@scripts/step.sh logs/npm-build.log "Building the web chat widget (about 20 s)..." -- npm --prefix web run build

run: model web
	@scripts/run.sh "$$($(PY) scripts/ensure_model.py 2>/dev/null)"

shell: model
	@scripts/run.sh "$$($(PY) scripts/ensure_model.py 2>/dev/null)" shell

validate: $(INSTALLED)
	$(RASA) data validate
	$(PY) -m policy_engine.schema

test-unit: assets
	$(PY) -m pytest -q tests --ignore=tests/e2e

# NLU floors: held-out set and entities 0.95; real questions (tests/nlu_real.yml): out_of_scope
# recall 0.85 and intent accuracy REAL_MIN_ACCURACY. Issue 11 asks 0.90. The classifier reached
# 0.873 on the 527-row set of stop 21. Stop 22 added 355 real questions (2,002 rows); the test set
# grew to 641 rows and the new ones are harder: 0.856 on the whole set, while on the 508 test rows
# the two sets share the same scikit-learn pipeline scores 0.880 trained on the old data and 0.876
# on the new (no loss). Stop 24's sentence-vector block took it to 0.872 (held-out 0.964 -> 0.983).
# Stop 26 holds out 20% of each intent instead of 32% (scripts/build_real_corpus.py TEST_SHARE):
# 400 test rows, a subset of the 641, and 241 more real rows in training. On those 400 rows the
# model trained on the old split scores 0.860 and the new one 0.868 (a harder subset than the
# whole: 0.872 on the 641). Training is seeded and deterministic, so the floor sits a few rows
# under what it reaches and guards against regressions. Stop 29 added 272 real questions (2,274
# rows), seven label fixes and the decisive neighbour words (nlu/lexicon/out_of_scope_topics.yml),
# and found 32 pairs of near-duplicates with one copy in training and one in the test set (one
# text holding the other: the same question copied from two pages). Near-duplicates now share one split
# (scripts/build_real_corpus.py): 456 test rows, 0.853 (0.851 after one more label fix), where
# the leaky split of the same data gave 0.874. The figures before stop 29 (0.868 and earlier) were flattered the same way. On the
# 414 test rows with no near-duplicate in stop 26's training either: 0.862 trained on stop 26's
# data, 0.865 with the new rule, 0.860 on today's (scikit-learn form; scripts/cv_intents.py --test).
# Stop 30's multilingual-e5-small block (chosen by CV, 0.854 -> 0.862): 0.871 on the same 456.
REAL_MIN_ACCURACY := 0.86
# Entities on the real questions (tests/entity_cases_real.yml), the half whose rows are in the
# test split: nobody looked at its failures while fixing the lexicons on the other half.
# Stop 23's fixes on the development half (0.918 -> 0.940) took the test half from 0.855 to 0.888;
# with the 80/20 split (stop 26) the test half has 126 cases, 0.879; stop 29, 132 cases, 0.885.
REAL_MIN_ENTITY := 0.85
test: system model web
	$(PY) -m pytest -q tests
	$(PY) scripts/eval_nlu.py --model "$$($(PY) scripts/ensure_model.py)" --min-accuracy 0.95 --min-entity 0.95 \
		--min-real-accuracy $(REAL_MIN_ACCURACY) --min-real-oos-recall 0.85 --min-real-entity $(REAL_MIN_ENTITY)

# Holdout and real questions side by side with both baselines; prints the training time
# (wall and CPU, recorded by scripts/ensure_model.py when `model` trains) beside the accuracy.
eval: model
	$(PY) scripts/eval_nlu.py --model "$$($(PY) scripts/ensure_model.py)"

# Load benchmark (not part of make test): embedded vs production profile, NLU-only baseline.
bench: model
	$(PY) scripts/bench.py --model "$$($(PY) scripts/ensure_model.py)" --users 20 --turns 5 --max-seconds 120

# Regional data coverage: per province and city, which facts are known, for which 年度 and status.
coverage: setup
	$(PY) scripts/coverage.py

clean:
	rm -rf build models reports .pytest_cache
