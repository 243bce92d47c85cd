# Self-referral service (issue 3). Deployment, keys, backups, spam design: docs/referrals.md.
bench-referrals: $(VENV)/.test ## Referrals/s and p50/p99 latency at 1, 10, 50 clients vs a plain Starlette handler, on SQLite and PostgreSQL (about 80 s)
	$(PY) -m pelican content -s pelicanconf.py -o $(OUTPUT) >/dev/null
	$(PY) scripts/bench_referrals.py --site $(OUTPUT)

test-referrals: $(VENV)/.test node_modules/.installed ## Run only the referral service's tests
	$(PY) -m pytest tests/referrals
