"""Every page the service answers with is valid HTML (Nu HTML Checker), not only the built ones."""

import json
import subprocess
from dataclasses import replace

from referral_helpers import ROOT, app_client, submit, valid_answers
from referrals.form_definition import PAGE_PATH

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def test_service_pages_are_valid_html(settings, data_dir, tmp_path):
    pages = {}
    with app_client(replace(settings, flood_limit_count=1)) as client:
        pages["form"] = client.get(PAGE_PATH).text
        pages["errors"] = submit(client, {"baby_status": "born", "relationship": "other", "worries": "<x>" * 900}).text
        pages["foreign"] = submit(client, valid_answers(), headers={"Origin": "https://evil.example"}).text
        done = submit(client, valid_answers(location="LS1 4AP"))
        pages["received"] = client.get(done.headers["location"]).text
        pages["held-back"] = submit(client, valid_answers(full_name='"quoted" & <tagged>')).text
    for name, html in pages.items():
        (tmp_path / f"{name}.html").write_text(html, encoding="utf-8")
    assert VNU.exists(), "vnu.jar is missing: run `npm ci`"
    proc = subprocess.run(
        ["java", "-jar", str(VNU), "--format", "json", *sorted(map(str, tmp_path.glob("*.html")))],
        capture_output=True, text=True, timeout=120,
    )
    messages = json.loads(proc.stderr)["messages"]
    problems = [
        f"{m['url'].rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m.get("type") in ("error", "non-document-error") or m.get("subType") == "warning"
    ]
    assert problems == []
    assert "Please wait before sending the form again" in pages["held-back"]
