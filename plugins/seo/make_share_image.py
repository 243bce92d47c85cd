"""Draw the default share image (theme/static/img/share.png, 1200 x 630) with Pillow.

Run it again only to change the design: `.venv/bin/python plugins/seo/make_share_image.py`.
The PNG is committed, so builds never need fonts or this script. Calm and plain: the
brand colours of theme/static/css/site.css, two overlapping circles (a parent and a baby),
the name and one line on what we do; text large enough to read as a phone thumbnail.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "theme" / "static" / "img" / "share.png"
FONT_DIRS = [Path("/usr/share/fonts/truetype/liberation"), Path("/usr/share/fonts/truetype/dejavu")]

BG = "#fffaf4"        # --ox-bg
BRAND = "#0b5c57"     # --ox-brand
BRAND_DARK = "#073e3b"
TINT = "#e3f1ee"      # --ox-brand-tint
WARM = "#fbe9dc"      # --ox-warm
WARM_BORDER = "#c4622d"
TEXT = "#1f1d1a"
TEXT_2 = "#4e4a45"


def font(bold: bool, size: int):
    names = ["LiberationSans-Bold.ttf", "DejaVuSans-Bold.ttf"] if bold else \
            ["LiberationSans-Regular.ttf", "DejaVuSans.ttf"]
    for folder in FONT_DIRS:
        for name in names:
            if (folder / name).is_file():
                return ImageFont.truetype(str(folder / name), size)
    sys.exit("No Liberation or DejaVu fonts: apt-get install fonts-liberation fonts-dejavu-core")


def draw(path: Path = OUT) -> Path:
    width, height = 1200, 630
    image = Image.new("RGB", (width, height), BG)
    d = ImageDraw.Draw(image)

    # Right: two soft overlapping circles, a parent and a baby, on a warm panel.
    d.rounded_rectangle((836, 60, 1140, 570), radius=48, fill=WARM)
    d.ellipse((858, 150, 1088, 380), fill=TINT, outline=BRAND, width=10)
    d.ellipse((960, 300, 1120, 460), fill=BG, outline=WARM_BORDER, width=10)

    # Left: the name and what we do.
    d.text((80, 110), "OXPIP", font=font(True, 120), fill=BRAND_DARK)
    d.text((84, 250), "Oxford Parent-Infant Project", font=font(False, 44), fill=TEXT)
    d.line((84, 330, 300, 330), fill=WARM_BORDER, width=8)
    d.text((84, 372), "Help to bond with your baby", font=font(True, 52), fill=TEXT)
    d.text((84, 446), "Free therapy for parents and carers", font=font(False, 38), fill=TEXT_2)
    d.text((84, 494), "in Oxfordshire, from pregnancy to age 2", font=font(False, 38), fill=TEXT_2)

    # A brand band along the bottom, as under the site header.
    d.rectangle((0, height - 24, width, height), fill=BRAND)

    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "PNG", optimize=True)
    return path


if __name__ == "__main__":
    print(draw())
