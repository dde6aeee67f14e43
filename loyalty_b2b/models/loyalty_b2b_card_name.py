from odoo import api, fields, models

from .loyalty_b2b_program_benefit import NAME_SEPARATOR


class LoyaltyB2bCard(models.Model):
    """A card's name says what it gives: "Volume · Gold 7 % (B2B-000001)", in
    pickers, lists, chatter and many2one fields alike."""

    _inherit = "loyalty.b2b.card"
    # The name is composed: searching it looks at the number and the program.
    _rec_names_search = ["name", "program_id.name"]

    benefit_label = fields.Char(
        string="Benefit",
        compute="_compute_benefit_label",
        help="What the card gives now: its discount, its cashback or its stamps.",
    )

    @api.depends(
        "name",
        "program_id.name",
        "program_id.program_type",
        "tier_id.name",
        "discount_percent",
        "cashback_percent",
        "stamp_count",
        "stamps_required",
    )
    @api.depends_context("lang")
    def _compute_display_name(self):
        # Reads stored fields, and the stamps of stamp cards summed in one
        # query for the whole batch: never a query per card.
        for card in self:
            card.display_name = card._get_display_name()

    @api.depends(
        "program_id.program_type",
        "discount_percent",
        "cashback_percent",
        "stamp_count",
        "stamps_required",
    )
    @api.depends_context("lang")
    def _compute_benefit_label(self):
        for card in self:
            card.benefit_label = card._get_benefit_label()

    def _get_display_name(self):
        """The program, the tier and benefit, then the card number."""
        self.ensure_one()
        label = NAME_SEPARATOR.join(filter(None, self._get_display_name_parts()))
        if not self.name or self.name == "/":
            return label
        if not label:
            return self.name
        return self.env._("%(card)s (%(number)s)", card=label, number=self.name)

    def _get_display_name_parts(self):
        """Hook: the pieces of the name before the number."""
        self.ensure_one()
        return [
            self.program_id.name,
            " ".join(filter(None, [self.tier_id.name, self._get_benefit_label()])),
        ]

    def _get_benefit_label(self):
        """What the card gives now: "7 %", "5 % cashback", "3/5 stamps"."""
        self.ensure_one()
        if not self.program_id:
            return False
        if self.program_id.program_type == "stamp":
            return self.env._(
                "%(count)s/%(required)s stamps",
                count=self.stamp_count,
                required=self.stamps_required,
            )
        return self.program_id._get_benefit_label(
            self.discount_percent, self.cashback_percent
        )
