# Benchmarks (issue 6): build speed against plain Pelican, warm rebuild, edit-to-preview,
# page weight and Lighthouse. Not tests: they print tables and write var/bench/*.json.
# What each figure means and the latest ones: docs/performance.md.
BENCH_STORIES ?= 250 1000 4000

bench/node_modules/.installed: bench/package.json bench/package-lock.json
	cd bench && npm ci --no-audit --no-fund --loglevel=error
	touch $@

bench: $(VENV)/.test ## Measure build speed against plain Pelican, edit-to-preview, page weight and Lighthouse (minutes; tables, and JSON in var/bench/)
	@status=0; \
	$(PY) scripts/bench_build.py --stories $(BENCH_STORIES) || status=1; \
	echo; $(PY) scripts/bench_weight.py || status=1; \
	echo; if command -v npm >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory bench/node_modules/.installed && $(PY) scripts/bench_lighthouse.py || status=1; \
	else echo "Lighthouse: skipped (needs Node.js 20 with npm)."; fi; \
	echo; if grep -qs '^bench-referrals:' $(MAKEFILE_LIST); then \
		$(MAKE) --no-print-directory bench-referrals || status=1; \
	else echo "Referral service figures: not available yet (no bench-referrals target in mk/)."; fi; \
	exit $$status
