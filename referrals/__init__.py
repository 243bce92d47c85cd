"""OXPIP self-referral service: a small web app that seals referrals, and a CLI for the intake team.

This package never imports Pelican or the site's plugins. The site's build may import
`referrals.form_definition` and `referrals.rendering` so that the static form page and the
service's validation come from one definition.
"""
