from odoo import api, models
from odoo.osv import expression
from odoo.tools import escape_psql

# Operators of a name search that look for what the user typed or scanned.
CARD_NUMBER_OPERATORS = ("ilike", "like", "=ilike", "=like", "=")


class ResPartner(models.Model):
    """A company is found by the number of a card it holds: a salesperson
    scans or types it in the customer field of a quotation."""

    _inherit = "res.partner"

    @api.model
    def _search_display_name(self, operator, value):
        domain = super()._search_display_name(operator, value)
        if operator not in CARD_NUMBER_OPERATORS or not isinstance(value, str):
            return domain
        card_domain = self._get_card_number_search_domain(value)
        Card = self.env["loyalty.b2b.card"]
        if not card_domain or not Card.has_access("read"):
            return domain
        # One subquery, under the user's record rules: the cards of its
        # companies only.
        holders = Card._search(card_domain).subselect("partner_id")
        return expression.OR([domain, [("id", "in", holders)]])

    @api.model
    def _get_card_number_search_domain(self, value):
        """Hook: the domain of the cards whose number is ``value`` (whole
        number, any case, spaces around ignored), or None to skip."""
        number = value.strip()
        if not number:
            return None
        return [("name", "=ilike", escape_psql(number))]
