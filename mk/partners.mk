# Partners, discoverability and impact (issue 5): redirects, SEO metadata and feeds, Open
# Referral UK data, the partner kit, the impact chart and funders page, search and host
# headers. All of it is made by `make html` / `make publish` (plugins run inside Pelican);
# these targets only test it or make things the build does not. Guide: docs/partners.md.
.PHONY: test-partners share-image

test-partners: $(VENV)/.test node_modules/.installed ## Test redirects, metadata, feeds, Open Referral data, partner kit, search and security headers
	$(PY) -m pytest tests/partners

share-image: $(VENV)/.site ## Redraw the default link-preview image theme/static/img/share.png (1200 x 630)
	$(PY) plugins/seo/make_share_image.py
