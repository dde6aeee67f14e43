from odoo import api, fields, models
from odoo.tools import format_amount

from .sale_order_line import QUOTATION_STATES


class SaleOrder(models.Model):
    """The loyalty panel of an order: each card of the customer company and
    what it gives on this order, explained."""

    _inherit = "sale.order"

    b2b_cards_panel = fields.Html(
        string="Loyalty Cards on this Order",
        compute="_compute_b2b_cards_panel",
        sanitize=False,
        help="Each card of the customer company and what it gives on this order.",
    )

    @api.depends(
        "b2b_card_ids",
        "b2b_card_id",
        "state",
        "amount_untaxed",
        "order_line.b2b_discount",
        "order_line.b2b_reward_kind",
        "order_line.b2b_card_id",
        "order_line.price_subtotal",
    )
    @api.depends_context("lang")
    def _compute_b2b_cards_panel(self):
        qweb = self.env["ir.qweb"]
        for order in self:
            effects = order._b2b_get_card_effects()
            order.b2b_cards_panel = (
                qweb._render(
                    "loyalty_b2b.sale_order_cards_panel",
                    {"order": order, "effects": effects},
                )
                if effects
                else False
            )

    def _b2b_get_card_effects(self):
        """``[{"card", "applied", "lines"}]``: each card of the order (those
        left out last), with the sentences saying what it gives on this order.
        Hook: extend ``_b2b_get_card_effect_lines`` for a new kind of card."""
        self.ensure_one()
        applied = self.b2b_card_ids._origin
        effects = [
            {
                "card": card,
                "applied": True,
                "lines": self._b2b_get_card_effect_lines(card),
            }
            for card in applied.sorted(lambda card: -card._get_benefit_rank(self)[0])
        ]
        if self.state in QUOTATION_STATES:
            effects += [
                {
                    "card": card,
                    "applied": False,
                    "lines": [self.env._("Left out of this order.")],
                }
                for card in self.b2b_removed_card_ids._origin
            ]
        return effects

    def _b2b_get_card_effect_lines(self, card):
        """Sentences saying what ``card`` gives on this order."""
        method = {
            "discount": self._b2b_get_discount_effect_lines,
            "accumulative": self._b2b_get_discount_effect_lines,
            "stamp": self._b2b_get_stamp_effect_lines,
            "cashback": self._b2b_get_cashback_effect_lines,
        }.get(card.program_type)
        sentences = method(card) if method else []
        # How far the company is from its next tier, and what keeps a held one.
        return sentences + [
            sentence
            for sentence in (card.tier_hold_message, card.next_tier_message)
            if sentence
        ]

    def _b2b_get_discount_effect_lines(self, card):
        if card not in self._b2b_get_discount_cards():
            return [
                self.env._(
                    "%(percent)s %% not applied: the discount of %(card)s applies "
                    "(the programs do not combine).",
                    percent=card.program_id._format_percent_number(
                        card._get_order_discount_percent(self)
                    ),
                    card=self.b2b_card_id.name,
                )
            ]
        lines = self.order_line._b2b_filter_eligible_lines(card)
        return [
            self.env._(
                "%(percent)s %% discount on %(count)s line(s).",
                percent=card.program_id._format_percent_number(
                    card._get_order_discount_percent(self)
                ),
                count=len(lines),
            )
        ]

    def _b2b_get_stamp_effect_lines(self, card):
        program = card.program_id
        sentences = []
        rewards = self.order_line.filtered(
            lambda line: (
                line.b2b_reward_kind == "stamp_reward"
                and line.b2b_card_id._origin == card
            )
        )
        if self._b2b_get_stamps_earned(card):
            if self.state in QUOTATION_STATES:
                sentences.append(
                    self.env._(
                        "Confirming earns a stamp: %(count)s → %(after)s of "
                        "%(required)s.",
                        count=card.stamp_count,
                        after=self._b2b_get_stamps_after(card),
                        required=card.stamps_required,
                    )
                )
        else:
            sentences.append(
                self.env._(
                    "No stamp: the order is below %(minimum)s untaxed.",
                    minimum=format_amount(
                        self.env,
                        program.stamp_min_amount * self.currency_rate,
                        self.currency_id,
                    ),
                )
            )
        if rewards:
            sentences.append(
                self.env._(
                    "Reward on this order: %(reward)s, for %(stamps)s stamps.",
                    reward=program.stamp_reward_product_id.display_name,
                    stamps=card.stamps_required,
                )
            )
        elif card in self._b2b_get_reward_cards():
            sentences.append(
                self.env._(
                    "Reward ready: %(reward)s, free of charge (Add the reward).",
                    reward=program.stamp_reward_product_id.display_name,
                )
            )
        return sentences

    def _b2b_get_cashback_effect_lines(self, card):
        spent = -sum(self._b2b_get_redemption_lines(card).mapped("price_subtotal"))
        sentences = [
            self.env._(
                "%(available)s available, %(spent)s used on this order.",
                available=format_amount(
                    self.env, card.cashback_available, card.currency_id
                ),
                spent=format_amount(self.env, spent, self.currency_id),
            )
        ]
        if card.cashback_percent:
            base = sum(
                self.order_line._b2b_filter_eligible_lines(card).mapped(
                    "price_subtotal"
                )
            )
            sentences.append(
                self.env._(
                    "The invoice earns %(percent)s %% cashback: about %(amount)s.",
                    percent=card.program_id._format_percent_number(
                        card.cashback_percent
                    ),
                    amount=format_amount(
                        self.env,
                        self.currency_id.round(base * card.cashback_percent / 100),
                        self.currency_id,
                    ),
                )
            )
        return sentences
