# CounterSign: `make run` and `make test` set up everything they need on Debian 12.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
COUNTERSIGN_HOME ?= $(CURDIR)/.demo
FACES := build/fixtures/face_recognition
FACE_SDIST := build/downloads/face_recognition-1.3.0.tar.gz
FACE_SDIST_SHA256 := 5e5efdd1686aa566af0d3cc1313b131e4b197657a8ffd03669e6d3fad92705ec

export COUNTERSIGN_HOME

.PHONY: run demo test test-quick bench fixtures setup clean

run: setup
	@if [ -n "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then \
		$(BIN)/countersign kiosk --faces $(FACES); \
	else \
		echo "No display found: running the same session headless (countersign demo)."; \
		$(BIN)/countersign demo --faces $(FACES); \
	fi

demo: setup
	$(BIN)/countersign demo --faces $(FACES)

test: setup
	QT_QPA_PLATFORM=offscreen COUNTERSIGN_DEMO_FACES=$(CURDIR)/$(FACES) $(BIN)/python -m pytest -q

bench: setup
	COUNTERSIGN_DEMO_FACES=$(CURDIR)/$(FACES) $(BIN)/python benchmarks/session_stages.py --runs 10

setup: build/.system-packages $(VENV)/.installed $(FACES)/.complete

# The kiosk's strings: the Qt Linguist files compiled to .qm with PySide6's lrelease.
# tools/strings_to_ts.py adds a string to both .ts files and compiles them too.
TRANSLATIONS := resources/translations
QM_FILES := $(TRANSLATIONS)/countersign_zh_CN.qm $(TRANSLATIONS)/countersign_en.qm
.PHONY: translations
translations: $(QM_FILES)
setup: $(QM_FILES)

$(TRANSLATIONS)/%.qm: $(TRANSLATIONS)/%.ts | $(VENV)/.installed
	$(BIN)/pyside6-lrelease -silent $< -qm $@

build/.system-packages: tools/setup-debian.sh
	./tools/setup-debian.sh
	@mkdir -p build && touch $@

$(VENV)/.installed: pyproject.toml build/.system-packages
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

# Real photographs for the demo and the tests: the MIT-licensed test images of
# face_recognition 1.3.0, taken from its source distribution on PyPI. The package
# itself is not installed (it would build dlib from source).
$(FACES)/.complete: $(VENV)/.installed
	@mkdir -p build/downloads $(FACES)
	@if [ ! -f $(FACE_SDIST) ]; then \
		$(BIN)/pip download --quiet --no-deps --no-binary :all: face_recognition==1.3.0 -d build/downloads; \
	fi
	echo "$(FACE_SDIST_SHA256)  $(FACE_SDIST)" | sha256sum -c --quiet
	tar -xzf $(FACE_SDIST) -C $(FACES) --strip-components=3 face_recognition-1.3.0/tests/test_images
	@touch $@

fixtures: $(FACES)/.complete

clean:
	rm -rf $(VENV) build .demo .pytest_cache

# Render and sealing of one contract beside pyhanko sign addsig, then archive verify
# on 10,000 stored contracts (about 2 minutes on 2 cores). Not part of `make test`.
.PHONY: bench-contracts
bench-contracts: setup
	$(BIN)/python benchmarks/contract_signing.py --runs 30
	COUNTERSIGN_DEMO_FACES=$(CURDIR)/$(FACES) $(BIN)/python benchmarks/archive_verify.py --contracts 10000

# SQLCipher store beside plain SQLite on the store's write pattern, then a keyed-hash
# lookup among 1,000,000 blacklist entries (about 40 s). Not part of `make test`.
.PHONY: bench-store
bench-store: setup
	$(BIN)/python benchmarks/store_vs_sqlite.py --rentals 500 --lookups 500 --folder build
	$(BIN)/python benchmarks/hmac_lookup.py --entries 1000000 --folder build

# The crash-safety test with 1,000 SIGKILL points instead of the 10 of `make test`.
# COUNTERSIGN_CRASH_SEED=N repeats a run.
.PHONY: soak
soak: setup
	COUNTERSIGN_KILL_POINTS=1000 COUNTERSIGN_ARCHIVE_CHECK_EVERY=50 QT_QPA_PLATFORM=offscreen \
		COUNTERSIGN_DEMO_FACES=$(CURDIR)/$(FACES) $(BIN)/python -m pytest -q -s -p no:cacheprovider tests/test_crash_safety.py

# Start-up integrity checks on a 1 GiB store built in a temporary folder (about a
# minute on 2 cores, and 1 GiB of free space in $TMPDIR). Not part of `make test`.
.PHONY: bench-store-integrity
bench-store-integrity: setup
	$(BIN)/python benchmarks/store_integrity.py --size-mb 1024 --runs 3

# The sync fault test with 1,000 randomised runs instead of the 6 of `make test`: HQ and
# `countersign sync now` killed, responses dropped, the link cut and slowed, batches
# repeated and reordered. COUNTERSIGN_SYNC_FAULT_SEED=N repeats a run.
.PHONY: sync-soak
sync-soak: setup
	COUNTERSIGN_SYNC_FAULT_RUNS=1000 QT_QPA_PLATFORM=offscreen COUNTERSIGN_DEMO_FACES=$(CURDIR)/$(FACES) \
		$(BIN)/python -m pytest -q -s -p no:cacheprovider tests/test_sync_faults.py -k randomised

# One session's risk evaluation at a branch caching 1,000,000 blacklist entries and
# 100,000 credit scores, then HQ's recomputation of 1,000,000 scores on SQLite and on a
# PostgreSQL 15 started in a temporary folder (about 25 minutes on 2 cores). Not part of `make test`.
.PHONY: bench-risk
bench-risk: setup
	$(BIN)/python benchmarks/risk_branch.py --folder build
	$(BIN)/python benchmarks/risk_recompute.py --folder build

# The sync benchmarks, each with its own PostgreSQL 15 server in a temporary folder:
# ingest at HQ, a 10,000-event upload from a branch store, and the first pull of a
# 1,000,000-entry blacklist (about 8 minutes on 2 cores). Not part of `make test`.
.PHONY: bench-sync
bench-sync: setup
	$(BIN)/python benchmarks/hq_ingest.py --events 20000
	COUNTERSIGN_DEMO_FACES=$(CURDIR)/$(FACES) $(BIN)/python benchmarks/sync_upload.py --events 10000 --contracts 1000
	COUNTERSIGN_DEMO_FACES=$(CURDIR)/$(FACES) $(BIN)/python benchmarks/blacklist_pull.py --entries 1000000
