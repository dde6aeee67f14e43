import io

from lxml import html
from PIL import Image
from PyPDF2 import PdfReader

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .common import LoyaltyB2bCommon

CARD_REPORT = "loyalty_b2b.action_report_loyalty_card"
# ID-1 card, 85.60 x 53.98 mm, in PDF points (1/72 inch); paper formats count
# whole millimetres, hence a page of 86 x 54 mm.
ID1_POINTS = (85.60 * 72 / 25.4, 53.98 * 72 / 25.4)


def _modules(png):
    """The black and white modules a PNG code draws: its pixels, thresholded
    (two drawings of one code differ in their anti-aliasing only)."""
    image = Image.open(io.BytesIO(png)).convert("L")
    return image.point(lambda value: 255 if value > 127 else 0).tobytes()


def _count_images(page):
    """Images drawn on a PDF page, in its resources or its forms'."""

    def count(resources):
        total = 0
        for xobject in resources.get("/XObject", {}).values():
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Image":
                total += 1
            elif "/Resources" in xobject:
                total += count(xobject["/Resources"].get_object())
        return total

    return count(page.get("/Resources", {}).get_object())


@tagged("post_install", "-at_install")
class TestCardReport(LoyaltyB2bCommon, HttpCase):
    """The printed card: its content, its codes, its size."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program_cashback.write(
            {"card_background_color": "#14532D", "card_text_color": "#FFFFFF"}
        )
        cls.card = cls._create_card(cls.program_cashback)
        cls.card._recompute_tiers()
        cls.other_card = cls._create_card(cls.program_stamp, cls.other_customer)

    def _render_html(self, cards):
        content = self.env["ir.actions.report"]._render_qweb_html(
            CARD_REPORT, cards.ids
        )[0]
        return html.fromstring(content)

    def test_print_action(self):
        action = self.card.action_print_card()
        self.assertEqual(action["type"], "ir.actions.report")
        self.assertEqual(action["report_name"], "loyalty_b2b.report_loyalty_card")
        self.assertEqual(action["context"]["active_ids"], self.card.ids)
        report = self.env.ref(CARD_REPORT)
        self.assertEqual(report.binding_model_id.model, "loyalty.b2b.card")
        self.assertEqual(
            safe_eval(report.print_report_name, {"object": self.card}),
            f"Loyalty Card {self.card.name}",
        )

    def test_report_html(self):
        page = self._render_html(self.card | self.other_card)
        # The front and the back of each card, each on its own page.
        self.assertEqual(len(page.xpath("//div[hasclass('o_b2b_card_page')]")), 4)
        fronts = page.xpath("//div[hasclass('o_b2b_card_face')]")
        self.assertEqual(len(fronts), 2)
        self.assertEqual(len(page.xpath("//div[hasclass('o_b2b_card_back')]")), 2)
        for front, card, tier in (
            (fronts[0], self.card, "Base"),
            (fronts[1], self.other_card, ""),
        ):
            with self.subTest(card=card.name):
                text = front.text_content()
                self.assertIn(card.name, text)
                self.assertIn(card.partner_id.name, text)
                self.assertIn(card.program_id.name, text)
                self.assertIn(self.company.name, text)
                if tier:
                    self.assertIn(tier, text)
                else:
                    self.assertFalse(front.xpath(".//*[hasclass('o_b2b_card_tier')]"))
                self.assertIn(
                    f"background-color: {card.program_id.card_background_color}",
                    front.get("style"),
                )
                qr = front.xpath(".//img[hasclass('o_b2b_card_qr')]/@src")
                code128 = front.xpath(".//img[hasclass('o_b2b_card_barcode')]/@src")
                self.assertEqual(qr, [card._get_card_qr_url()])
                self.assertEqual(code128, [card._get_card_code128_url()])
                self.assertIn(f"barcode_type=QR&value={card.name}&", qr[0])
                self.assertIn(f"barcode_type=Code128&value={card.name}&", code128[0])
        self.assertIn("#14532D", fronts[0].get("style"))
        self.assertNotIn("#14532D", fronts[1].get("style"))

    def test_codes_are_served_as_png(self):
        Report = self.env["ir.actions.report"]
        for url, kind, size in (
            (self.card._get_card_qr_url(), "QR", (300, 300)),
            (self.card._get_card_code128_url(), "Code128", (600, 120)),
        ):
            with self.subTest(kind=kind):
                response = self.url_open(url)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.headers["Content-Type"], "image/png")
                self.assertTrue(response.content.startswith(b"\x89PNG\r\n\x1a\n"))
                self.assertEqual(Image.open(io.BytesIO(response.content)).size, size)
                # The image draws the card number, not another one.
                width, height = size
                expected = Report.barcode(
                    kind, self.card.name, width=width, height=height
                )
                other = Report.barcode(
                    kind, self.other_card.name, width=width, height=height
                )
                self.assertEqual(_modules(response.content), _modules(expected))
                self.assertNotEqual(_modules(response.content), _modules(other))

    def test_pdf(self):
        if self.env["ir.actions.report"].get_wkhtmltopdf_state() != "ok":
            self.skipTest("wkhtmltopdf is not available")
        # The codes are fetched from this test server; a wkhtmltopdf built on
        # an unpatched Qt warns about the options it ignores.
        with mute_logger("odoo.addons.base.models.ir_actions_report"):
            pdf = (
                self.env["ir.actions.report"]
                .with_context(force_report_rendering=True)
                ._render_qweb_pdf(CARD_REPORT, (self.card | self.other_card).ids)[0]
            )
        self.assertTrue(pdf.startswith(b"%PDF"))
        pages = PdfReader(io.BytesIO(pdf)).pages
        self.assertEqual(len(pages), 4)
        for page in pages:
            width, height = float(page.mediabox.width), float(page.mediabox.height)
            # 86 x 54 mm: within 1.5 pt of the card's size.
            self.assertAlmostEqual(width, ID1_POINTS[0], delta=1.5)
            self.assertAlmostEqual(height, ID1_POINTS[1], delta=1.5)
        # Each front carries its QR code and barcode, fetched from the server.
        for front in (pages[0], pages[2]):
            self.assertGreaterEqual(_count_images(front), 2)
        self.assertEqual(_count_images(pages[1]), 0)
