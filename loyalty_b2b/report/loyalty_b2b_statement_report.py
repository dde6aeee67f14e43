from odoo import api, fields, models
from odoo.tools import date_utils


class ReportLoyaltyB2bStatement(models.AbstractModel):
    """The statement PDF of loyalty cards over the period of ``data``
    (``date_from``, ``date_to``, ISO dates), by default the current month."""

    _name = "report.loyalty_b2b.report_loyalty_statement"
    _description = "B2B Loyalty Card Statement"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        cards = self.env["loyalty.b2b.card"].browse(docids)
        today = fields.Date.context_today(self)
        date_from, date_to = cards._get_statement_period(
            data.get("date_from") or date_utils.start_of(today, "month"),
            data.get("date_to") or date_utils.end_of(today, "month"),
        )
        return {
            "doc_ids": docids,
            "doc_model": "loyalty.b2b.card",
            "docs": cards,
            # In the language the report prints each card in: its customer's.
            "statements": {
                card: card.with_context(
                    lang=card.partner_id.lang or self.env.lang
                )._get_statement_data(date_from, date_to)
                for card in cards
            },
        }
