from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import date_utils

STATEMENT_REPORT = "loyalty_b2b.action_report_loyalty_statement"


class LoyaltyB2bStatementWizard(models.TransientModel):
    _name = "loyalty.b2b.statement.wizard"
    _description = "Print Loyalty Card Statements"

    card_ids = fields.Many2many(
        "loyalty.b2b.card",
        string="Cards",
        required=True,
        default=lambda self: self._default_card_ids(),
    )
    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: self._default_date_from(),
    )
    date_to = fields.Date(
        string="To",
        required=True,
        default=lambda self: self._default_date_to(),
    )

    @api.model
    def _default_card_ids(self):
        if self.env.context.get("active_model") != "loyalty.b2b.card":
            return False
        return self.env["loyalty.b2b.card"].browse(
            self.env.context.get("active_ids") or []
        )

    @api.model
    def _get_previous_month(self):
        previous = fields.Date.context_today(self) - relativedelta(months=1)
        return date_utils.start_of(previous, "month"), date_utils.end_of(
            previous, "month"
        )

    @api.model
    def _default_date_from(self):
        return self._get_previous_month()[0]

    @api.model
    def _default_date_to(self):
        return self._get_previous_month()[1]

    def action_print(self):
        """The statements of the cards over the chosen period, in one PDF."""
        self.ensure_one()
        date_from, date_to = self.card_ids._get_statement_period(
            self.date_from, self.date_to
        )
        return self.env.ref(STATEMENT_REPORT).report_action(
            self.card_ids,
            data={
                "date_from": fields.Date.to_string(date_from),
                "date_to": fields.Date.to_string(date_to),
            },
        )
