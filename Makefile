# OXPIP website: build, serve and test. `make help` lists the targets.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
INBOX_PORT ?= 8001
OUTPUT ?= output
CONTENT ?= content

.DEFAULT_GOAL := help
.PHONY: help serve html publish test test-fast screenshots bench bench-referrals clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 18

$(VENV)/.site: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.test: $(VENV)/.site requirements-test.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
	touch $@

# The web editor (Decap CMS) and the browser tests' tools, pinned in package-lock.json.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "make: the web editor and the tests need Node.js 20 with npm (Debian: sudo apt-get install nodejs npm)." >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

serve: $(VENV)/.site node_modules/.installed ## Serve the site, referral form and web editor at http://127.0.0.1:$(PORT)/ and the staff inbox at http://localhost:$(INBOX_PORT)/, rebuilding on changes
	$(PY) scripts/serve.py --port $(PORT) --inbox-port $(INBOX_PORT) --output $(OUTPUT)

html: $(VENV)/.site ## Build the site into output/ for local preview (content problems are warnings)
	$(PY) -m pelican content -s pelicanconf.py -o $(OUTPUT)

# The production build is made beside output/ and takes its place only when it is complete:
# a build that stops (a content problem, a missing part) leaves the last site as it was.
publish: $(VENV)/.site node_modules/.installed ## Build the site for production with every part (any problem stops the build, and output/ is left as it was)
	@rm -rf $(OUTPUT).new
	$(PY) -m pelican $(CONTENT) -s publishconf.py -o $(OUTPUT).new --fatal errors || { rm -rf $(OUTPUT).new; exit 1; }
	@rm -rf $(OUTPUT).old; if [ -d $(OUTPUT) ]; then mv $(OUTPUT) $(OUTPUT).old; fi; mv $(OUTPUT).new $(OUTPUT); rm -rf $(OUTPUT).old

test: $(VENV)/.test node_modules/.installed ## Run every test (built site, browser, HTML checker, referral service)
	$(PY) -m pytest tests

screenshots: $(VENV)/.test ## Save PNGs of each kind of page at 390px and 1280px wide into screenshots/
	$(PY) scripts/screenshots.py

# Each area adds its own targets in mk/ (referrals, content checks, partners, benchmarks).
-include mk/*.mk

clean: ## Remove build output, screenshots and caches
	rm -rf $(OUTPUT) $(OUTPUT).new $(OUTPUT).old screenshots .pytest_cache tests/.artifacts
