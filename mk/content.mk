# Volunteer publishing (issue 4): content checks, new stories, the web editor.
# The guide for volunteers, with every message the checks can print: docs/volunteers.md.
DECAP_PORT ?= 8081
TITLE ?=

.PHONY: check new-story editor-backend

check: $(VENV)/.site ## Check the content alone (consent, alt text, links, dates, readability...); nothing is built; exit 1 on any problem
	@PYTHONPATH=plugins $(PY) -m content_checks.run --settings pelicanconf.py

new-story: $(VENV)/.site ## Start a story from the commented template: make new-story TITLE="Sam's story: ..."
	@$(PY) scripts/new_story.py --title "$(TITLE)"

editor-backend: node_modules/.installed ## Run the web editor's local backend alone (for /admin/ on this computer), on port $(DECAP_PORT)
	BIND_HOST=127.0.0.1 PORT=$(DECAP_PORT) MODE=fs GIT_REPO_DIRECTORY=$(CURDIR) node node_modules/decap-server/dist/index.js

# The site's own words in other languages (plugins/languages, docs/volunteers.md section 8).
.PHONY: translations
translations: $(VENV)/.site ## Update translations/messages.pot and every catalogue from the templates and form (NEW_LANGUAGE=ro also starts a catalogue for Romanian)
	@$(PY) scripts/translations.py $(if $(NEW_LANGUAGE),--add $(NEW_LANGUAGE))
