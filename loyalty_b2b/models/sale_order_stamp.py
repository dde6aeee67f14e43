from collections import defaultdict

from odoo import models
from odoo.exceptions import UserError

from .sale_order_line import QUOTATION_STATES


class SaleOrder(models.Model):
    """Stamp cards on orders: the reward, the stamps earned and spent at
    confirmation, given back at cancellation."""

    _inherit = "sale.order"

    def _b2b_get_reward_cards(self):
        """The stamp cards of this quotation holding the stamps of their reward,
        whose reward is not on it yet."""
        self.ensure_one()
        if self.state not in QUOTATION_STATES:
            return self.env["loyalty.b2b.card"]
        rewarded = self.order_line.filtered(
            lambda line: line.b2b_reward_kind == "stamp_reward"
        ).b2b_card_id
        # The real cards: on a quotation being edited they are new records,
        # whose stamps are not read from the ledger.
        return self.b2b_card_ids._origin.filtered(
            lambda card: (
                card.state == "active"
                and card.is_stamp_reward_ready
                and card not in rewarded._origin
            )
        )

    def action_b2b_add_stamp_reward(self, card_id=None):
        """Add the reward of each stamp card of the order holding its stamps
        (or of the card ``card_id`` only), free of charge; confirming the order
        consumes the stamps."""
        self.ensure_one()
        cards = self._b2b_get_reward_cards()
        if card_id:
            cards = cards.filtered(lambda card: card.id == card_id)
        if not cards:
            raise UserError(
                self.env._(
                    "No stamp reward is available on %(order)s: it needs a "
                    "quotation with an active stamp card holding the stamps of "
                    "its reward, and that reward not on it yet.",
                    order=self.name,
                )
            )
        sequence = max(self.order_line.mapped("sequence"), default=10)
        vals_list = []
        for card in cards:
            sequence += 1
            vals_list.append(self._b2b_prepare_stamp_reward_line(card, sequence))
        self.env["sale.order.line"].create(vals_list)
        return True

    def _b2b_prepare_stamp_reward_line(self, card, sequence):
        """Values of the free reward line of stamp ``card`` on this order."""
        product = card.program_id.stamp_reward_product_id
        if not product.active:
            raise UserError(
                self.env._(
                    "Program %(program)s has no reward product any more: set one "
                    "on the program before adding the reward.",
                    program=card.program_id.display_name,
                )
            )
        return {
            "order_id": self.id,
            "b2b_card_id": card.id,
            "product_id": product.id,
            # In the customer's language, as sale names product lines.
            "name": self._b2b_customer_env()._(
                "%(product)s\nStamp reward: %(stamps)s stamps of card %(card)s",
                product=product.with_context(lang=self.partner_id.lang).display_name,
                stamps=card.stamps_required,
                card=card.name,
            ),
            "product_uom_qty": 1.0,
            "discount": 100.0,
            "b2b_reward_kind": "stamp_reward",
            "sequence": sequence,
        }

    def _b2b_get_stamp_reward_cost(self, line):
        """Hook: stamps the stamp reward ``line`` of this order spends at
        confirmation: its card's reward by default."""
        return line.b2b_card_id.stamps_required

    def _b2b_check_stamps(self):
        """The cards hold the stamps of the rewards of the orders ``self``, not
        counting the stamps held for approved reward requests (those of the
        requests these orders deliver were released just before)."""
        needed = defaultdict(int)
        for line in self.order_line:
            if line.b2b_reward_kind == "stamp_reward":
                needed[line.b2b_card_id] += line.order_id._b2b_get_stamp_reward_cost(
                    line
                )
        for card, count in needed.items():
            if card.stamps_available >= count:
                continue
            if card.stamps_reserved:
                raise UserError(
                    self.env._(
                        "Card %(card)s has %(count)s stamps, of which %(reserved)s "
                        "are reserved for approved rewards; the orders being "
                        "confirmed need %(needed)s for their rewards. Remove a "
                        "reward line or confirm later.",
                        card=card.display_name,
                        count=card.stamp_count,
                        reserved=card.stamps_reserved,
                        needed=count,
                    )
                )
            raise UserError(
                self.env._(
                    "Card %(card)s has %(count)s stamps; the orders being "
                    "confirmed need %(needed)s for their rewards. Remove a "
                    "reward line or confirm later.",
                    card=card.display_name,
                    count=card.stamp_count,
                    needed=count,
                )
            )

    def _b2b_record_stamps(self):
        """Ledger entries of the stamp cards of the orders just confirmed: one
        stamp on each stamp card of an order reaching its program's minimum, the
        stamps of each reward consumed."""
        vals_list = []
        for order in self:
            # sudo: see _b2b_check_confirmation.
            for card in order.b2b_card_ids.sudo():
                if card.program_id.program_type == "stamp":
                    vals_list += order._b2b_prepare_stamp_vals(card)
        # sudo: the ledger is append-only and written by business flows only.
        self.env["loyalty.b2b.transaction"].sudo().create(vals_list)

    def _b2b_get_stamps_earned(self, card):
        """Stamps this quotation earns on ``card`` once confirmed: one when its
        untaxed amount reaches the program's minimum, in company currency at
        the order's rate (the rule of ``_b2b_record_stamps``, of the
        quotation panel and of the printed documents)."""
        self.ensure_one()
        minimum = card.program_id.stamp_min_amount * self.currency_rate
        return int(self.currency_id.compare_amounts(self.amount_untaxed, minimum) >= 0)

    def _b2b_prepare_stamp_vals(self, card):
        """Ledger values of what confirming this order does to stamp ``card``."""
        self.ensure_one()
        vals_list = []
        if self._b2b_get_stamps_earned(card):
            vals_list.append(
                {
                    "card_id": card.id,
                    "kind": "stamp",
                    "stamps": 1,
                    "sale_order_id": self.id,
                    "note": self.env._("Order %(order)s", order=self.name),
                }
            )
        for line in self.order_line.filtered(
            lambda line: (
                line.b2b_reward_kind == "stamp_reward" and line.b2b_card_id == card
            )
        ):
            vals_list.append(
                {
                    "card_id": card.id,
                    "kind": "stamp_reward",
                    "stamps": -self._b2b_get_stamp_reward_cost(line),
                    "sale_order_id": self.id,
                    "reward_request_id": line.b2b_reward_request_id.id,
                    "note": self.env._("Reward of order %(order)s", order=self.name),
                }
            )
        return vals_list

    def _b2b_get_stamps_to_return(self):
        """``[(order, card, kind, stamps)]``: what the confirmation of the orders
        ``self`` did to stamp cards, still standing."""
        if not self:
            return []
        # sudo: the ledger of the cards of orders the user may cancel.
        return (
            self.env["loyalty.b2b.transaction"]
            .sudo()
            ._read_group(
                [
                    ("sale_order_id", "in", self.ids),
                    ("kind", "in", ("stamp", "stamp_reward")),
                ],
                ["sale_order_id", "card_id", "kind"],
                ["stamps:sum"],
            )
        )

    def _b2b_check_stamps_returnable(self):
        """Rule of a cancelled order whose stamp was already spent: the
        cancellation is refused, the card never goes below zero stamps. Its
        reward order must be cancelled first (which gives the stamps back)."""
        taken = defaultdict(int)
        orders = defaultdict(lambda: self.browse())
        for order, card, _kind, stamps in self._b2b_get_stamps_to_return():
            taken[card] += stamps
            orders[card] |= order
        for card, stamps in taken.items():
            if stamps > card.stamp_count:
                raise UserError(
                    self.env._(
                        "%(orders)s cannot be cancelled: the stamps earned on card "
                        "%(card)s were already spent on a reward (the card holds "
                        "%(count)s stamps, the cancellation takes back "
                        "%(stamps)s). Cancel the order of the reward first.",
                        orders=", ".join(orders[card].mapped("name")),
                        card=card.display_name,
                        count=card.stamp_count,
                        stamps=stamps,
                    )
                )

    def _b2b_return_stamps(self):
        """Cancelled orders give back what their confirmation did to the stamps:
        the stamp earned is taken back, the reward's stamps are returned."""
        self.env["loyalty.b2b.transaction"].sudo().create(
            [
                {
                    "card_id": card.id,
                    "kind": kind,
                    "stamps": -stamps,
                    "sale_order_id": order.id,
                    "note": self.env._("Order %(order)s cancelled", order=order.name),
                }
                for order, card, kind, stamps in self._b2b_get_stamps_to_return()
                if stamps
            ]
        )
