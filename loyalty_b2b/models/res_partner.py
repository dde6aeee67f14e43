from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    b2b_card_ids = fields.One2many(
        "loyalty.b2b.card",
        compute="_compute_b2b_card_ids",
        string="Loyalty Cards",
        help="Cards of the commercial partner, shown on each of its contacts.",
    )
    b2b_card_count = fields.Integer(compute="_compute_b2b_card_ids")
    b2b_loyalty_role = fields.Selection(
        [
            ("decision_maker", "Decision maker"),
            ("accountant", "Accountant"),
            ("procurement", "Procurement manager"),
            ("other", "Other"),
        ],
        string="Loyalty Role",
        help="Role of this contact in its company's loyalty program.",
    )
    b2b_loyalty_mail = fields.Boolean(
        string="Receives Loyalty Mail",
        help="This contact receives the loyalty program's emails (tier upgrades...).",
    )

    @api.depends("commercial_partner_id")
    def _compute_b2b_card_ids(self):
        cards = self.env["loyalty.b2b.card"].search(
            [("partner_id", "in", self.commercial_partner_id.ids)]
        )
        cards_by_partner = cards.grouped("partner_id")
        empty = self.env["loyalty.b2b.card"]
        for partner in self:
            partner_cards = cards_by_partner.get(partner.commercial_partner_id, empty)
            partner.b2b_card_ids = partner_cards
            partner.b2b_card_count = len(partner_cards)

    def action_view_b2b_cards(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_b2b.loyalty_b2b_card_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def write(self, vals):
        result = super().write(vals)
        if "b2b_loyalty_role" in vals and self.sudo().user_ids:
            # The portal's record rules read the user's loyalty role: they
            # are cached per user, so a new role needs a fresh cache.
            self.env.registry.clear_cache()
        return result
