"""Spreadsheet formula safety of the CSV exports, whatever separator a spreadsheet splits on.

One table of cases (data/formula_safety_cases.json) for both: the CLI's export (Python,
referrals/spreadsheet.py) and the staff inbox's in-browser CSV (JavaScript,
referrals/inbox/static/inbox-csv.js, run here by Node).
"""

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from referrals.spreadsheet import formula_safe
from referrals.validation import clean_text

from referral_helpers import ROOT, run_cli, submit, valid_answers

TABLE = json.loads((Path(__file__).parent / "data" / "formula_safety_cases.json").read_text(encoding="utf-8"))
SEPARATORS = tuple(TABLE["separators"])
TRIGGERS = tuple(TABLE["triggers"])


@pytest.mark.parametrize("given, expected", TABLE["cases"], ids=[repr(c[0])[:30] for c in TABLE["cases"]])
def test_formula_safe_follows_the_table(given, expected):
    assert formula_safe(given) == expected


def test_the_inbox_csv_follows_the_same_table():
    node = shutil.which("node")
    assert node, "Node.js is needed (apt-get install nodejs)"
    script = (
        "global.window = {};"
        f"require({json.dumps(str(ROOT / 'referrals' / 'inbox' / 'static' / 'inbox-csv.js'))});"
        "const table = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "const wrong = table.cases.filter(([given, expected]) => window.Ix.csv.cell(given) !== "
        "'\"' + expected.replace(/\"/g, '\"\"') + '\"');"
        "process.stdout.write(JSON.stringify(wrong));"
    )
    table = (Path(__file__).parent / "data" / "formula_safety_cases.json").read_text(encoding="utf-8")
    proc = subprocess.run([node, "-e", script], input=table, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [], "the inbox's CSV differs from the table"


def test_formula_safe_takes_any_value():
    assert formula_safe(None) == ""
    assert formula_safe(12) == "12"
    assert formula_safe(-3) == "'-3"


def parts_a_spreadsheet_could_split_off(line: str):
    """Every piece of a raw CSV line, split naively on each separator a spreadsheet might use."""
    for sep in SEPARATORS:
        for part in line.split(sep):
            yield part.lstrip(" ").removeprefix('"').lstrip(" ")


def test_the_semicolon_bypass_is_closed_in_the_real_export(client, settings, keys):
    """Issue input: a name of `Jane;=SUM(1+1);` must not become a formula in a `;` spreadsheet."""
    answers = valid_answers(
        full_name="Jane;=SUM(1+1);",
        safe_times="mornings|=cmd|' /C calc'!A0",
        heard_about="a friend\t@SUM(1)",
        worries="first line\n=HYPERLINK(\"http://evil.example\")\r\n+1, -2; @3",
        location="OX4 1AA, =1",
    )
    assert submit(client, answers).status_code == 303
    proc = run_cli("export", "--database", settings.database, "--key", keys[0], "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    raw = proc.stdout  # (read as text: line ends are already "\n")
    for line in raw.splitlines():
        for part in parts_a_spreadsheet_could_split_off(line):
            assert not part.startswith(TRIGGERS), f"a spreadsheet could run {part!r}"
    header, row = list(csv.reader(io.StringIO(raw, newline="")))
    first_line = raw.splitlines()[0]
    assert first_line == ",".join(f'"{c}"' for c in header), "every cell is quoted"
    values = dict(zip(header, row))
    assert values["full_name"] == "Jane;'=SUM(1+1);"
    for name in ("full_name", "safe_times", "heard_about", "worries", "location"):
        stored = clean_text(answers[name], multiline=name == "worries")  # as the service keeps it
        assert values[name] == formula_safe(stored), name
