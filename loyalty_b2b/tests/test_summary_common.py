from lxml import html

from .test_sale_common import LoyaltyB2bSaleCommon


class LoyaltySummaryCommon(LoyaltyB2bSaleCommon):
    """Reading the loyalty block of rendered quotations and invoices."""

    SALE_REPORT = "sale.action_report_saleorder"
    INVOICE_REPORT = "account.account_invoices"

    def _render(self, report, records):
        content, _type = self.env["ir.actions.report"]._render_qweb_html(
            report, records.ids
        )
        return html.fromstring(content)

    @staticmethod
    def _text(element):
        return " ".join(element.text_content().split())

    def _blocks(self, page):
        """``[(heading, {row name: text})]``: each card of the loyalty block."""
        return [
            (
                self._text(table.xpath(".//th")[0]),
                {
                    row.get("name"): self._text(row)
                    for row in table.xpath(".//tr[@name]")
                },
            )
            for table in page.xpath(
                "//div[@id='b2b_loyalty_summary']//table[@name='b2b_loyalty_card']"
            )
        ]

    def _card_discount_notes(self, page):
        return [
            self._text(note) for note in page.xpath("//div[@name='b2b_card_discount']")
        ]
