"""The intake team's inbox: a second small Starlette app over the same store.

Staff sign in (a passkey, or a password plus a one-time code), load the team's private key
into the page, and the browser opens the sealed referrals itself with libsodium; the
server only ever serves ciphertext, references, statuses, times and staff ids. It runs on
its own origin (`python -m referrals inbox`), never on the public form's.

Modules: settings.py (REFERRALS_INBOX_*), app.py (routes, headers, time-outs),
sessions.py (server-side sessions and CSRF), signin.py (passwords, codes, rate limits),
passkeys.py (WebAuthn), api.py (the JSON the page uses), pages.py (the HTML), overdue.py
(the daily "still new" email), staff.py (sign-up links, used by the CLI too).
"""
