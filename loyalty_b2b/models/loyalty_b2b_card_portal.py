from odoo import api, models
from odoo.exceptions import AccessError
from odoo.tools import consteq

# What each portal access level of a card shows, from least to most. The
# company itself and its decision makers and accountants see everything.
PORTAL_LEVELS = ("card", "benefits", "full")
FULL_ACCESS_ROLES = ("decision_maker", "accountant")
BENEFITS_ACCESS_ROLES = ("procurement",)


class LoyaltyB2bCard(models.Model):
    """The card on the customer's portal: its address, who of the company sees
    what (by the contact's loyalty role), and the fields a portal user may read
    through RPC at each level."""

    _name = "loyalty.b2b.card"
    _inherit = ["loyalty.b2b.card", "portal.mixin"]

    def _compute_access_url(self):  # pylint: disable=missing-return
        super()._compute_access_url()
        for card in self:
            card.access_url = f"/my/loyalty/{card.id}"

    def _get_report_base_filename(self):
        self.ensure_one()
        return self.env._("Loyalty Card %(number)s", number=self.name)

    # Who sees what ----------------------------------------------------------

    @api.model
    def _get_portal_access_level(self, partner):
        """Hook: ``"full"`` (balances, ledger, statements), ``"benefits"``
        (tier, discount, next tier, stamps, rewards) or ``"card"`` (number,
        code, tier) for a contact of the card's company, by its loyalty role."""
        if partner == partner.commercial_partner_id:
            return "full"
        if partner.b2b_loyalty_role in FULL_ACCESS_ROLES:
            return "full"
        if partner.b2b_loyalty_role in BENEFITS_ACCESS_ROLES:
            return "benefits"
        return "card"

    def _get_partner_access_level(self, partner):
        """The level ``partner`` has on this card, or False when it is not a
        contact of the card's company."""
        self.ensure_one()
        if not partner or partner.commercial_partner_id != self.partner_id:
            return False
        return self._get_portal_access_level(partner)

    def _get_signed_partner(self, pid, signature):
        """The contact a shared link was signed for (``pid``/``hash`` of
        portal.mixin's share URL), or an empty recordset."""
        self.ensure_one()
        partner = self.env["res.partner"]
        try:
            pid = int(pid)
        except (TypeError, ValueError):
            return partner
        if not signature or not consteq(str(signature), self._sign_token(pid)):
            return partner
        return partner.sudo().browse(pid).exists()

    @api.model
    def _is_level_at_least(self, level, minimum):
        return bool(level) and PORTAL_LEVELS.index(level) >= PORTAL_LEVELS.index(
            minimum
        )

    # Field access of portal users --------------------------------------------

    @api.model
    def _get_portal_readable_fields(self):
        """Hook: ``{level: fields}`` a portal user of that level may read on
        its company's cards; the "full" level reads every field."""
        card_fields = {
            "id",
            "name",
            "display_name",
            "program_id",
            "program_type",
            "partner_id",
            "company_id",
            "currency_id",
            "state",
            "tier_id",
            "color",
            "logo",
            "access_url",
            "access_warning",
        }
        benefits_fields = card_fields | {
            "discount_percent",
            "cashback_percent",
            "tier_reached_date",
            "next_tier_id",
            "next_tier_missing_amount",
            "next_tier_message",
            "tier_kept_until",
            "tier_hold_message",
            "stamp_count",
            "stamps_required",
            "is_stamp_reward_ready",
        }
        return {"card": card_fields, "benefits": benefits_fields}

    def _get_portal_forbidden_fields(self, field_names):
        """The fields of ``field_names`` the current portal user's loyalty
        role does not let it read (none for internal users)."""
        user = self.env.user
        if self.env.su or not user.share or user._is_public():
            return []
        level = self._get_portal_access_level(user.partner_id)
        if level == "full":
            return []
        readable = self._get_portal_readable_fields()[level]
        return [
            name
            for name in field_names
            if name in self._fields and name not in readable
        ]

    @api.model
    def check_field_access_rights(self, operation, field_names):
        # Reading "all fields" gives a portal user those of its role.
        result = super().check_field_access_rights(operation, field_names)
        if field_names:
            return result
        forbidden = set(self._get_portal_forbidden_fields(result))
        return [name for name in result if name not in forbidden]

    def _check_portal_field_access(self, field_names):
        forbidden = self._get_portal_forbidden_fields(field_names)
        if forbidden:
            raise AccessError(
                self.env._(
                    "Your role in your company's loyalty program does not give "
                    "access to: %(fields)s.",
                    fields=", ".join(forbidden),
                )
            )

    @staticmethod
    def _get_domain_field_names(domain):
        return [
            leaf[0].split(".")[0]
            for leaf in domain or []
            if isinstance(leaf, (list, tuple)) and isinstance(leaf[0], str)
        ]

    # What a portal user reads (read, search_read, web_read), filters and
    # groups by is checked against its loyalty role; record rules already
    # limit the cards to its company's. Not in check_field_access_rights:
    # fetching one column prefetches the other columns of the table.

    def _read_format(self, fnames, load="_classic_read"):
        self._check_portal_field_access(fnames)
        return super()._read_format(fnames, load=load)

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, **kwargs):
        self._check_portal_field_access(self._get_domain_field_names(domain))
        return super()._search(
            domain, offset=offset, limit=limit, order=order, **kwargs
        )

    @api.model
    def _read_group(self, domain, groupby=(), aggregates=(), **kwargs):
        self._check_portal_field_access(
            [
                spec.split(":")[0].split(".")[0]
                for spec in (*groupby, *aggregates)
                if spec != "__count"
            ]
            + self._get_domain_field_names(domain)
        )
        return super()._read_group(domain, groupby, aggregates, **kwargs)
