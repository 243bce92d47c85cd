"""The referral crib sheet as a one-page A5 PDF, made at build time with fpdf2.

fpdf2 is pure Python and works offline. The text is the crib sheet page's own HTML
(content/pages/crib-sheet.md after the build), so the PDF never says something the page
does not; only the frame (header, QR code, contact line) is drawn here. The HTML page is
the accessible version; the PDF is for printing and emailing.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import segno

BRAND = (7, 62, 59)       # --ox-brand-dark
TEXT = (31, 29, 26)       # --ox-text
WIDTH, HEIGHT, MARGIN = 148, 210, 12   # A5 portrait, mm
QR_SIZE = 32              # mm, with its quiet zone


def clean_html(html: str) -> str:
    """Only what fpdf2's HTML renderer needs: tags without ids or classes; links kept."""
    html = re.sub(r'\s(?:id|class|rel|target|aria-[a-z]+)="[^"]*"', "", html)
    return html.strip()


def draw_qr(pdf, url: str, x: float, y: float, size: float, error: str = "m", border: int = 4) -> None:
    """The QR code as filled squares (crisp at any print size)."""
    matrix = segno.make(url, error=error, micro=False).matrix
    modules = len(matrix) + 2 * border
    step = size / modules
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(0, 0, 0)
    for row, bits in enumerate(matrix):
        start = None
        for col, bit in enumerate(list(bits) + [0]):
            if bit and start is None:
                start = col
            elif not bit and start is not None:  # one rectangle per run of dark modules
                pdf.rect(x + (start + border) * step, y + (row + border) * step,
                         (col - start) * step, step, style="F")
                start = None


def crib_sheet_pdf(*, body_html: str, org: str, title: str, lead: str, qr_url: str,
                   contact_line: str, modified: datetime | None = None) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace, TextStyle

    pdf = FPDF(format=(WIDTH, HEIGHT), unit="mm")
    pdf.core_fonts_encoding = "windows-1252"   # curly quotes, dashes and bullets
    pdf.set_title(title)
    pdf.set_author(org)
    pdf.set_subject(lead)
    pdf.set_lang("en-GB")
    pdf.set_creation_date(modified or datetime(2026, 1, 1, tzinfo=timezone.utc))
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(False)
    pdf.add_page()

    pdf.set_text_color(*BRAND)
    pdf.set_font("helvetica", "B", 8.5)
    pdf.cell(0, 4.5, org, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*TEXT)
    pdf.set_font("helvetica", "B", 19)
    pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 10.5)
    pdf.multi_cell(0, 5, lead, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)

    top = pdf.get_y()
    qr_x = WIDTH - MARGIN - QR_SIZE
    draw_qr(pdf, qr_url, qr_x, top, QR_SIZE)
    pdf.set_xy(qr_x, top + QR_SIZE + 1)
    pdf.set_font("helvetica", "B", 8)
    pdf.multi_cell(QR_SIZE, 3.8, "Refer yourself online:", align="L", new_x="LEFT", new_y="NEXT")
    pdf.set_font("courier", "", 6.5)
    pdf.multi_cell(QR_SIZE, 3.2, qr_url.replace("https://", ""), align="L")

    pdf.set_xy(MARGIN, top)
    pdf.set_right_margin(MARGIN + QR_SIZE + 5)
    pdf.set_font("helvetica", "", 10)
    pdf.write_html(
        clean_html(body_html),
        ul_bullet_char="\u2022",
        li_prefix_color=BRAND,
        tag_styles={
            "h2": TextStyle(font_family="helvetica", font_style="B", font_size_pt=11.5, color=BRAND,
                            t_margin=3.5, b_margin=1),
            "p": TextStyle(t_margin=1.5, b_margin=0),
            "li": TextStyle(l_margin=4, t_margin=0.8),
            "ul": TextStyle(t_margin=1),
            "ol": TextStyle(t_margin=1),
            "a": FontFace(color=TEXT, emphasis=""),
        },
    )
    pdf.set_right_margin(MARGIN)
    line_y = HEIGHT - MARGIN - 7
    if pdf.page_no() != 1 or pdf.get_y() > line_y - 2:
        raise ValueError("the crib sheet no longer fits on one A5 page")

    pdf.set_draw_color(*BRAND)
    pdf.set_line_width(1)
    pdf.line(MARGIN, line_y, WIDTH - MARGIN, line_y)
    pdf.set_xy(MARGIN, line_y + 1.5)
    pdf.set_font("helvetica", "B", 9)
    pdf.cell(0, 5, contact_line)
    return bytes(pdf.output())
