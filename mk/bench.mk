# Benchmarks (issues 6 and 14): build speed and memory against plain Pelican on two corpora,
# warm rebuild, edit-to-preview, page weight and Lighthouse. Not tests: they print tables
# and write var/bench/*.json. What each figure means and the latest ones: docs/performance.md.
# One row: make bench-build BENCH_STORIES=1000 BENCH_CORPORA=pictures BENCH_PARTS=speed
BENCH_STORIES ?= 250 1000 4000
BENCH_CORPORA ?= synthetic pictures
BENCH_PARTS ?= speed,warm,preview,profile
.PHONY: bench-build
BENCH_BUILD = $(PY) scripts/bench_build.py --stories $(BENCH_STORIES) --corpora $(BENCH_CORPORA) --parts $(BENCH_PARTS)

bench/node_modules/.installed: bench/package.json bench/package-lock.json
	cd bench && npm ci --no-audit --no-fund --loglevel=error
	touch $@

bench-build: $(VENV)/.test ## Only the build part of make bench (BENCH_STORIES, BENCH_CORPORA, BENCH_PARTS pick rows)
	$(BENCH_BUILD)

bench: $(VENV)/.test ## Measure build speed and memory against plain Pelican, edit-to-preview, page weight and Lighthouse (minutes; tables, and JSON in var/bench/)
	@status=0; \
	$(BENCH_BUILD) || status=1; \
	echo; $(PY) scripts/bench_weight.py || status=1; \
	echo; if command -v npm >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory bench/node_modules/.installed && $(PY) scripts/bench_lighthouse.py || status=1; \
	else echo "Lighthouse: skipped (needs Node.js 20 with npm)."; fi; \
	echo; if grep -qs '^bench-referrals:' $(MAKEFILE_LIST); then \
		$(MAKE) --no-print-directory bench-referrals || status=1; \
	else echo "Referral service figures: not available yet (no bench-referrals target in mk/)."; fi; \
	exit $$status
