"""Make a deterministic corpus for `make bench`: the real site plus N stories.

    python scripts/synthetic_corpus.py /tmp/corpus-1000 --stories 1000
    python scripts/synthetic_corpus.py /tmp/pictures-1000 --stories 1000 --kind pictures

Two kinds:

- ``synthetic`` (text only): made-up stories, described below.
- ``pictures``: the real content/ with its stories padded to N by copying the real stories
  in turn (each copy with a new Title and Slug), so the share of stories that carry a
  picture is the real one (one real story in three today). Pictures are the costly part
  of a build that the text-only corpus leaves out.

The synthetic corpus folder is a copy of content/ (pages, services, news, data, images) with the
real stories left out and N made-up stories added in stories/, so both the plain Pelican
baseline and the site's full configuration build exactly the same Markdown files.

Each story looks like a real one (see content/stories/): the same front matter
(Title, Date, Slug, Summary of at most 160 characters, Pseudonym, Quote, Quote_by,
Service, Consent_reference, Consent_date, Example), about 500 words in short sentences,
`##` headings only, a bulleted list and links to a page, the service, another story and
an allowed outside site. The same seed always gives byte-for-byte the same files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
DEFAULT_SEED = 20251126
TARGET_WORDS = 500
SUMMARY_LIMIT = 160

NAMES = [
    ("Amy", "mum"), ("Bea", "mum"), ("Cara", "mum"), ("Dana", "mum"), ("Ella", "mum"),
    ("Fay", "mum"), ("Gina", "mum"), ("Hana", "mum"), ("Isla", "mum"), ("Jade", "mum"),
    ("Kira", "mum"), ("Lena", "mum"), ("Mina", "mum"), ("Nora", "mum"), ("Olga", "mum"),
    ("Priya", "mum"), ("Rosa", "mum"), ("Sara", "mum"), ("Tara", "mum"), ("Vera", "mum"),
    ("Adam", "dad"), ("Ben", "dad"), ("Carl", "dad"), ("Dev", "dad"), ("Ed", "dad"),
    ("Femi", "dad"), ("Gus", "dad"), ("Hugo", "dad"), ("Ivan", "dad"), ("Jon", "dad"),
    ("Kofi", "dad"), ("Leo", "dad"), ("Max", "dad"), ("Omar", "dad"), ("Raj", "dad"),
]
BABIES = [("son", "him", "his"), ("daughter", "her", "her"), ("baby", "them", "their")]
AGES = ["a 3-month-old", "a 5-month-old", "a 6-month-old", "an 8-month-old",
        "a 10-month-old", "a 1-year-old", "an 18-month-old", "a 2-year-old"]
TOWNS = ["Oxford", "Didcot", "Banbury", "Bicester", "Witney", "Abingdon", "Wantage",
         "Thame", "Henley", "Wallingford", "Kidlington", "Carterton"]
WHO_TOLD = ["health visitor", "GP", "midwife", "friend", "family hub worker", "sister"]
CAUSES = [
    "a hard birth", "a long wait to get pregnant", "a hard childhood", "feeling very low",
    "a lot of worry", "a move to a new town", "money worries", "a lonely first year",
]
TITLES = [
    "{name}’s story: learning to feel close to my {baby}",
    "{name}’s story: when the bond did not come at once",
    "{name}’s story: finding our way, one day at a time",
    "{name}’s story: after {cause}",
    "{name}’s story: a safe place to talk",
]
QUOTES = [
    "I did not have to pretend any more. That was where things started to change.",
    "No one judged me. They just helped me understand what was going on.",
    "I feel like a {role} now. We are a team.",
    "I understand my {baby} so much better now. And I understand myself.",
    "It helped so much to say it out loud.",
]
HEADINGS = [
    ["Before {name} came to us", "How it started", "A hard start"],
    ["Feeling stuck", "Keeping it inside", "Feeling alone"],
    ["Getting help", "Meeting a therapist", "A safe space"],
    ["What helped", "Small steps", "Things that made a difference"],
    ["Now", "Where things are now", "Looking ahead"],
]
SENTENCES = [
    "{name} lives near {town} with {pos} {baby}.",
    "{name} had waited a long time for this {baby}.",
    "Things were hard after {cause}.",
    "{name} loved {pos} {baby}, but did not feel close.",
    "Some days felt very long.",
    "{name} felt tired all the time.",
    "It was hard to enjoy the good moments.",
    "{name} felt guilty about how things were.",
    "Other parents seemed to find it easy.",
    "{name} did not want anyone to know.",
    "A {who} asked how {name} was really feeling.",
    "{name} cried and told the {who} the truth.",
    "The {who} told {name} about our work.",
    "{name} filled in our form at home one evening.",
    "We called back at a time that was safe.",
    "The first meeting was at home, with the {baby} there too.",
    "The therapist did not rush.",
    "They talked about everyday things, like bath time and bedtime.",
    "Over time, {name} talked about the past as well.",
    "Some memories were hard to talk about.",
    "{name} began to see why things felt so hard.",
    "There is always a reason why bonding is hard.",
    "Bit by bit, things began to change.",
    "{name} started to notice small smiles and little noises.",
    "The {baby} began to reach out more.",
    "Play time became fun, not a chore.",
    "{name} still has hard days.",
    "But the hard days feel smaller now.",
    "{name} wants other parents to know they are not alone.",
    "Asking for help was the first step.",
]
LIST_INTRO = "What helped {name} most:"
LIST_ITEMS = [
    "being listened to without being judged",
    "meeting at home, with the {baby} there",
    "going at a pace that felt right",
    "talking about memories from the past",
    "noticing small signs of love",
    "having the same therapist each time",
    "knowing the help was free",
    "learning that many parents feel like this",
]
EXTERNAL = [
    ("NHS advice on feeling low after having a baby",
     "https://www.nhs.uk/mental-health/conditions/post-natal-depression/overview/"),
    ("NHS 111 online", "https://111.nhs.uk/"),
    ("the Samaritans", "https://www.samaritans.org/"),
]


def slug_for(index: int, name: str) -> str:
    return f"{name.lower()}-synthetic-{index:05d}"


def _fill(template: str, values: dict) -> str:
    return template.format(**values)


def story_text(index: int, total: int, rng: random.Random,
               consent_numbers: dict | None = None) -> tuple[str, str]:
    """One story: (slug, file text). Uses only `rng`, so the output is deterministic.

    `consent_numbers` counts consent references per year (CONSENT-YYYY-NNN, like the
    real stories); pass the same dict for every story of one corpus.
    """
    consent_numbers = {} if consent_numbers is None else consent_numbers
    name, role = NAMES[index % len(NAMES)]
    baby, obj, pos = rng.choice(BABIES)
    values = {
        "name": name, "role": role, "baby": baby, "obj": obj, "pos": pos,
        "town": rng.choice(TOWNS), "who": rng.choice(WHO_TOLD), "cause": rng.choice(CAUSES),
    }
    slug = slug_for(index, name)
    date = dt.date(2014, 1, 6) + dt.timedelta(days=index * 3 // 4 + rng.randrange(3))
    consent = date - dt.timedelta(days=7 + rng.randrange(40))
    title = _fill(rng.choice(TITLES), values)
    quote = _fill(rng.choice(QUOTES), values)
    summary = _fill(
        "{name} found it hard to feel close to {pos} {baby} after {cause}. "
        "Therapy helped {name} understand why, and things changed.", values)
    if len(summary) > SUMMARY_LIMIT:
        summary = summary[: SUMMARY_LIMIT - 1].rsplit(" ", 1)[0] + "."
    other_index = (index + 1 + rng.randrange(total - 1)) % total if total > 1 else index
    other = slug_for(other_index, NAMES[other_index % len(NAMES)][0])
    ext_label, ext_url = rng.choice(EXTERNAL)

    body: list[str] = [f"{name} is not {'her' if role == 'mum' else 'his'} real name."]
    words = len(body[0].split())
    for section, choices in enumerate(HEADINGS):
        body.append("## " + _fill(rng.choice(choices), values))
        paragraphs = 2 if section in (1, 2, 3) else 1
        for _ in range(paragraphs):
            chosen = [_fill(s, values) for s in rng.sample(SENTENCES, 4)]
            body.append(" ".join(chosen))
            words += sum(len(s.split()) for s in chosen)
        if section == 1:
            body.append(f'{name} says: "{quote}"')
            words += len(quote.split()) + 2
        if section == 3:
            items = rng.sample(LIST_ITEMS, 4)
            body.append(_fill(LIST_INTRO, values) + "\n\n" + "\n".join(
                "- " + _fill(item, values) for item in items))
            words += 5 + sum(len(item.split()) for item in items)
    # Fill up to about TARGET_WORDS with more short paragraphs under the last heading.
    while words < TARGET_WORDS - 70:
        chosen = [_fill(s, values) for s in rng.sample(SENTENCES, 5)]
        body.append(" ".join(chosen))
        words += sum(len(s.split()) for s in chosen)
    body.append("## If this sounds like you")
    body.append(
        "It is not your fault, and you are not alone. Find out "
        "[how we can help you]({filename}/pages/get-support.md), read about "
        "[our therapy sessions]({filename}/services/therapy-sessions.md), or read "
        f"[another parent's story]({{filename}}/stories/{other}.md). You can also read "
        f"[{ext_label}]({ext_url})."
    )
    number = consent_numbers[consent.year] = consent_numbers.get(consent.year, 0) + 1
    front = [
        f"Title: {title}",
        f"Date: {date.isoformat()}",
        f"Slug: {slug}",
        f"Summary: {summary}",
        "Pseudonym: yes",
        f"Quote: {quote}",
        f"Quote_by: {name}, {role} to {rng.choice(AGES)}",
        "Service: therapy-sessions",
        f"Consent_reference: CONSENT-{consent.year}-{number:03d}",
        f"Consent_date: {consent.isoformat()}",
        "Example: true",
    ]
    return slug, "\n".join(front) + "\n\n" + "\n\n".join(body) + "\n"


def make_corpus(dest: Path | str, stories: int, seed: int = DEFAULT_SEED,
                source: Path = CONTENT) -> Path:
    """Copy the real content (without its stories) into `dest` and add `stories` stories."""
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("__pycache__", ".*"))
    story_dir = dest / "stories"
    if story_dir.exists():
        shutil.rmtree(story_dir)
    story_dir.mkdir()
    rng = random.Random(seed)
    consent_numbers: dict = {}
    for index in range(stories):
        slug, text = story_text(index, stories, rng, consent_numbers)
        (story_dir / f"{slug}.md").write_text(text, encoding="utf-8")
    return dest


def copy_title(title: str, number: int) -> str:
    """A new title for the nth copy of a real story (still a story-like title)."""
    return f"{title} (copy {number})"


def make_picture_corpus(dest: Path | str, stories: int, source: Path = CONTENT) -> Path:
    """Copy the real content and pad its stories to `stories` by copying the real ones in
    turn (sorted by file name), each copy with a new Title and Slug. Deterministic: no
    randomness, no dates. With `stories` below the number of real stories, the first ones."""
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("__pycache__", ".*"))
    story_dir = dest / "stories"
    real = sorted(story_dir.glob("*.md"))
    if not real:
        raise ValueError(f"{source / 'stories'} has no stories to copy")
    for extra in real[stories:]:
        extra.unlink()
    for index in range(len(real), stories):
        original = real[index % len(real)]
        number = index // len(real)
        head, _, body = original.read_text(encoding="utf-8").partition("\n\n")
        lines = []
        for line in head.splitlines():
            key, _, value = line.partition(":")
            if key.strip().lower() == "title":
                line = f"{key}: {copy_title(value.strip(), number)}"
            elif key.strip().lower() == "slug":
                line = f"{key}: {value.strip()}-copy-{number:05d}"
            lines.append(line)
        if not any(l.lower().startswith("slug:") for l in lines):
            lines.append(f"Slug: {original.stem}-copy-{number:05d}")
        (story_dir / f"{original.stem}-copy-{number:05d}.md").write_text(
            "\n".join(lines) + "\n\n" + body, encoding="utf-8")
    return dest


KINDS = {"synthetic": make_corpus, "pictures": make_picture_corpus}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--stories", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="synthetic corpus only")
    parser.add_argument("--kind", choices=sorted(KINDS), default="synthetic")
    args = parser.parse_args()
    if args.kind == "synthetic":
        make_corpus(args.dest, args.stories, args.seed)
    else:
        make_picture_corpus(args.dest, args.stories)
    print(f"{args.stories} stories written to {args.dest / 'stories'}")


if __name__ == "__main__":
    main()
