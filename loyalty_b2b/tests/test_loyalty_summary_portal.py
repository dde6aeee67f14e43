import hashlib
import io

from lxml import html

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools.pdf import PdfFileReader

from .test_summary_common import LoyaltySummaryCommon


@tagged("post_install", "-at_install")
class TestLoyaltySummaryPortal(LoyaltySummaryCommon, HttpCase):
    """The customer sees the loyalty block of their own order and invoice on the
    portal, and in the PDFs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = cls._create_card(cls.program_discount)
        cls.other_card = cls._create_card(cls.program_discount, cls.other_customer)
        cls.order = cls._create_order(cls.contact)
        cls.order.action_confirm()
        cls.invoice = cls.order._create_invoices()
        cls.invoice.action_post()
        portal_vals = {
            "groups": "base.group_portal",
            "company_id": cls.company.id,
            "company_ids": [Command.set(cls.company.ids)],
        }
        cls.portal_user = new_test_user(
            cls.env, login="b2b_portal", partner_id=cls.contact.id, **portal_vals
        )
        cls.other_portal_user = new_test_user(
            cls.env,
            login="b2b_other_portal",
            partner_id=cls.env["res.partner"]
            .create({"name": "Gil Other", "parent_id": cls.other_customer.id})
            .id,
            **portal_vals,
        )

    def _get_page(self, url):
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        return response, html.fromstring(response.content)

    def _assert_own_block(self, page):
        self.assertEqual(
            self._blocks(page),
            [
                (
                    f"Loyalty card {self.card.name} (Dealer 10%)",
                    {"b2b_savings": "Your savings $ 100.00"},
                )
            ],
        )
        self.assertNotIn(self.other_card.name, page.text_content())

    def test_order_portal_page(self):
        self.authenticate(self.portal_user.login, self.portal_user.login)
        _response, page = self._get_page(f"/my/orders/{self.order.id}")
        self._assert_own_block(page.xpath("//section[@id='b2b_loyalty']")[0])
        # Another company's customer is sent away, and sees no card.
        self.authenticate(self.other_portal_user.login, self.other_portal_user.login)
        response, page = self._get_page(f"/my/orders/{self.order.id}")
        self.assertNotIn(f"/my/orders/{self.order.id}", response.url)
        self.assertFalse(page.xpath("//*[@id='b2b_loyalty_summary']"))
        self.assertNotIn(self.card.name, page.text_content())

    def test_invoice_portal_page(self):
        # With the access token of a link sent by e-mail, not logged in.
        _response, page = self._get_page(self.invoice.get_portal_url())
        [frame] = page.xpath("//iframe[@id='invoice_html']")
        self.assertIn("report_type=html", frame.get("src"))
        _response, report = self._get_page(frame.get("src"))
        self._assert_own_block(report)
        self.assertEqual(self._card_discount_notes(report), ["incl. card 10.00 %"])
        # The portal user of the customer reads it too.
        self.authenticate(self.portal_user.login, self.portal_user.login)
        _response, report = self._get_page(
            f"/my/invoices/{self.invoice.id}?report_type=html"
        )
        self._assert_own_block(report)

    def _pdf_drawing(self, report, record):
        """A digest of what the pages of ``record``'s PDF draw (their content
        streams)."""
        pdf, report_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(report, record.ids)
        )
        self.assertEqual(report_type, "pdf")
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        return hashlib.sha256(
            b"".join(page.get_contents().get_data() for page in reader.pages)
        ).hexdigest()

    def test_pdf(self):
        """The PDFs draw the block. Debian's wkhtmltopdf draws the report's web
        fonts as shapes, leaving no text to extract: the program's name, which
        only the block shows, is renamed, and the pages must change."""
        if self.env["ir.actions.report"].get_wkhtmltopdf_state() != "ok":
            self.skipTest(
                "wkhtmltopdf is not installed: no PDF can be rendered "
                "(on Debian: apt-get install wkhtmltopdf)."
            )
        for report, record in (
            (self.SALE_REPORT, self.order),
            (self.INVOICE_REPORT, self.invoice),
        ):
            self.program_discount.name = "Dealer 10%"
            before = self._pdf_drawing(report, record)
            self.assertEqual(self._pdf_drawing(report, record), before)
            self.program_discount.name = "Preferred dealers of the year 10%"
            self.assertNotEqual(self._pdf_drawing(report, record), before)
