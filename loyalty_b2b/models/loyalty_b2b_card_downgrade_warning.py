from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.osv import expression

from .contact_roles import DECISION_MAKER_ROLES

DOWNGRADE_TEMPLATE_XMLID = "loyalty_b2b.mail_template_b2b_downgrade_risk"
# How long before a held tier ends the decision makers hear of it.
DOWNGRADE_WARNING_MONTHS = 1


class LoyaltyB2bCard(models.Model):
    """A warning to the customer's decision makers one month before the tier
    hold of a card ends while its spend no longer reaches its tier: which
    tier it falls to and what spend keeps it; once per hold end."""

    _inherit = "loyalty.b2b.card"

    @api.model
    def _get_downgrade_warning_start(self, kept_until):
        """The first day of the warning about a hold that keeps a tier until
        ``kept_until``: ``DOWNGRADE_WARNING_MONTHS`` before the card would move
        down (the day after)."""
        return kept_until + relativedelta(days=1, months=-DOWNGRADE_WARNING_MONTHS)

    @api.model
    def _get_downgrade_warning_cards(self, today):
        """Tiered cards (see the tier engine) of programs with a tier hold
        whose hold ends within ``DOWNGRADE_WARNING_MONTHS`` from ``today``;
        whether their spend keeps the tier is the rule's (see
        ``_get_downgrade_risks``)."""
        programs = (
            self.env["loyalty.b2b.program"]
            .sudo()
            .search([("tier_hold_months", ">", 0)])
        )
        if not programs:
            return self.sudo().browse()
        # Reached on or before this day, the hold ends by the warning horizon.
        horizon = today + relativedelta(months=DOWNGRADE_WARNING_MONTHS)
        by_program = expression.OR(
            [
                [
                    ("program_id", "=", program.id),
                    (
                        "tier_reached_date",
                        "<=",
                        horizon - relativedelta(months=program.tier_hold_months),
                    ),
                ]
                for program in programs
            ]
        )
        return self.sudo().search(
            [
                *self._get_tier_card_domain(today),
                ("tier_id", "!=", False),
                *by_program,
            ],
            order="id",
        )

    def _get_downgrade_risks(self, today):
        """``{card: kept_until}``: the cards of ``self`` whose tier is held on
        ``today`` although their spend no longer reaches it, and whose hold
        ends within the warning period (see ``_get_downgrade_warning_start``)."""
        risks = {}
        for card in self:
            kept_until = card.program_id._get_tier_kept_until(
                card.tier_id, card.spent_amount, card.tier_reached_date, today
            )
            if kept_until and today >= self._get_downgrade_warning_start(kept_until):
                risks[card] = kept_until
        return risks

    @api.model
    def _cron_send_downgrade_warnings(self, today=None, auto_commit=None):
        """Daily (after the tier recomputation): warn the decision makers of
        the customers whose held tier ends within a month and whose spend does
        not keep it, once per card and hold end. Returns the notices sent."""
        today = today or fields.Date.context_today(self)
        cards = self._get_downgrade_warning_cards(today)
        return cards._run_notice_job(
            lambda batch: batch._send_downgrade_warnings(today),
            auto_commit=auto_commit,
        )

    def _send_downgrade_warnings(self, today):
        """Warn of the downgrade risks of ``self`` on ``today``, unless warned
        before for the same hold end. Returns the notices sent."""
        Notice = self.env["loyalty.b2b.card.notice"].sudo()
        template = self.env.ref(DOWNGRADE_TEMPLATE_XMLID, raise_if_not_found=False)
        risks = self._get_downgrade_risks(today)
        if not template or not risks:
            return Notice
        cards = self.browse([card.id for card in risks])
        sent = cards._get_sent_notice_keys("downgrade_risk", set(risks.values()))
        recipients_by_customer = self.env["res.partner"]._get_b2b_loyalty_mail_contacts(
            cards.partner_id, DECISION_MAKER_ROLES
        )
        langs = template._render_lang(cards.ids)
        notices = Notice
        for card, kept_until in risks.items():
            recipients = recipients_by_customer.get(card.partner_id)
            if not recipients or (card, kept_until) in sent:
                continue
            notices |= card._send_role_notice(
                "downgrade_risk",
                kept_until,
                template,
                recipients,
                values=card.with_context(
                    lang=langs.get(card.id) or self.env.lang
                )._get_downgrade_warning_values(kept_until),
            )
        return notices

    def _get_downgrade_warning_values(self, kept_until):
        """Hook: what the downgrade warning's template reads (``ctx``), in the
        language of the environment (the mail's)."""
        self.ensure_one()
        program, tier, spend = self.program_id, self.tier_id, self.spent_amount
        lower = program._get_spend_tier(spend)
        return {
            "b2b_kept_until": fields.Date.to_string(kept_until),
            # The day the tier engine moves the card down.
            "b2b_downgrade_date": fields.Date.to_string(
                kept_until + relativedelta(days=1)
            ),
            "b2b_missing_amount": self.currency_id.round(
                tier.min_amount - max(spend, 0.0)
            ),
            "b2b_lower_tier": (
                program._get_tier_label(lower) if lower else self.env._("no tier")
            ),
            "b2b_downgrade_message": program._get_downgrade_risk_message(
                tier, spend, kept_until
            ),
        }
