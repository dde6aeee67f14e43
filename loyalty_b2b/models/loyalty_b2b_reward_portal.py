from odoo import fields, models
from odoo.tools import format_amount

from .loyalty_b2b_reward import COUNTED_REQUEST_STATES


class LoyaltyB2bReward(models.Model):
    """The catalogue on the card's portal page: what a contact may request
    now, or in a few words why not."""

    _inherit = "loyalty.b2b.reward"

    def _get_portal_status(self, card, contact):
        """``(can_request, label)`` of this reward for ``contact`` of the
        company holding ``card``: ``label`` is None when it may be requested,
        else why not ("2 more stamps", "Gold only", "Out of stock"...)."""
        self.ensure_one()
        return self._get_portal_statuses(card, contact)[self]

    def _get_portal_statuses(self, card, contact):
        """``{reward: (can_request, label)}`` for rewards of ``card``'s
        catalogue: the same rules as a request's (tier, role, card state,
        stock, limit, free balance), with counts read once for all rewards.
        The rules are enforced again when the request is created."""
        today = fields.Date.context_today(self)
        taken = self._get_taken_counts()
        limit_counts = self._get_portal_limit_counts(card, today)
        level = card._get_partner_access_level(contact)
        card_active = card.state == "active" and card.program_id._is_valid_on(today)
        statuses = {}
        for reward in self:
            if reward.tier_ids and card.tier_id not in reward.tier_ids:
                label = self.env._(
                    "%(tiers)s only", tiers=", ".join(reward.tier_ids.mapped("name"))
                )
            elif not reward._is_requestable_by(contact):
                label = reward._get_portal_role_label()
            elif not card_active:
                label = self.env._("Card not active")
            elif not reward._is_available_on(today):
                label = self.env._("Not available")
            elif reward.has_stock and taken.get(reward, 0) >= reward.stock_quantity:
                label = self.env._("Out of stock")
            elif reward.limit_count and limit_counts.get(reward, 0) >= (
                reward.limit_count
            ):
                label = (
                    self.env._("Limit reached")
                    if reward.limit_period == "always"
                    else self.env._("Limit reached for this period")
                )
            else:
                label = reward._get_portal_missing_label(card, level)
            statuses[reward] = (not label, label or None)
        return statuses

    def _get_portal_limit_counts(self, card, date):
        """``{reward: requests of card's company counting against its limit
        in the current period}``, in one query for all rewards: the requests
        are counted per month, then summed from each reward's period start."""
        limited = self.filtered("limit_count")
        if not limited:
            return {}
        # sudo: the company's requests, of the card the caller checked.
        groups = (
            self.env["loyalty.b2b.reward.request"]
            .sudo()
            ._read_group(
                [
                    ("reward_id", "in", limited.ids),
                    ("partner_id", "=", card.partner_id.id),
                    ("state", "in", COUNTED_REQUEST_STATES),
                ],
                ["reward_id", "request_date:month"],
                ["__count"],
            )
        )
        starts = {reward: reward._get_limit_period_start(date) for reward in limited}
        counts = {}
        for reward, month, count in groups:
            start = starts[reward]
            if not start or month >= start:
                counts[reward] = counts.get(reward, 0) + count
        return counts

    def _get_portal_role_label(self):
        """Who may request the reward, for a contact who may not."""
        self.ensure_one()
        labels = {
            "decision_maker": self.env._("For decision makers"),
            "accountant": self.env._("For accountants"),
            "procurement": self.env._("For procurement managers"),
            "other": self.env._("For other contacts"),
        }
        # No role: the decision makers (and the company itself) only.
        return labels[self.contact_role or "decision_maker"]

    def _get_portal_missing_label(self, card, level):
        """What ``card`` lacks to pay the reward ("2 more stamps", "45.00 €
        more cashback"), or None. The figure only for contacts who see the
        card's balances (``level``), the plain fact for the others."""
        self.ensure_one()
        if self.program_type == "stamp":
            missing = self.cost_stamps - max(card.stamps_available, 0)
            if missing <= 0:
                return None
            if level == "card":
                return self.env._("Not enough stamps")
            if missing == 1:
                return self.env._("1 more stamp")
            return self.env._("%(count)s more stamps", count=missing)
        currency = card.currency_id
        missing = currency.round(self.cost_amount - max(card.cashback_available, 0.0))
        if currency.compare_amounts(missing, 0.0) <= 0:
            return None
        if level != "full":
            return self.env._("Not enough cashback")
        return self.env._(
            "%(amount)s more cashback",
            amount=format_amount(self.env, missing, currency),
        )

    def _get_portal_stock_label(self):
        """Units left of a stocked reward: "3 seats left" for a service."""
        self.ensure_one()
        if not self.has_stock:
            return None
        count = self.stock_left
        if self.reward_type == "service":
            if count == 1:
                return self.env._("1 seat left")
            return self.env._("%(count)s seats left", count=count)
        return self.env._("%(count)s left", count=count)
