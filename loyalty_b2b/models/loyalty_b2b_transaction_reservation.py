from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_amount

# Entries that hold part of a card's cashback or stamps for an approved reward
# request, and give it back. They move no money: the balance, the liability and
# the general ledger stay as they are; only what the card may still spend falls.
RESERVATION_KINDS = ("reserve", "release")


class LoyaltyB2bTransaction(models.Model):
    """Reservations in the ledger: approving a reward request holds its cost
    on the card under the card's lock, so that nothing else spends it; the
    fulfilment, a rejection or a cancellation releases it."""

    _inherit = "loyalty.b2b.transaction"

    kind = fields.Selection(
        selection_add=[
            ("reserve", "Reward reserved"),
            ("release", "Reservation released"),
        ],
        ondelete={"reserve": "cascade", "release": "cascade"},
    )
    reserved_amount = fields.Monetary(
        string="Reserved Cashback",
        readonly=True,
        help="Signed cashback held for a reward request: positive when held, "
        "negative when released. Not part of the balance.",
    )
    reserved_stamps = fields.Integer(
        readonly=True,
        help="Signed stamps held for a reward request: positive when held, "
        "negative when released. Not part of the stamp count.",
    )
    reward_request_id = fields.Many2one(
        "loyalty.b2b.reward.request",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )

    @api.model
    def _check_entry_kind(self, card, vals):
        if vals.get("kind") not in RESERVATION_KINDS:
            if vals.get("reserved_amount") or vals.get("reserved_stamps"):
                raise ValidationError(
                    self.env._(
                        "Only reservation entries hold cashback or stamps for a "
                        "reward (card %(card)s).",
                        card=card.display_name,
                    )
                )
            return super()._check_entry_kind(card, vals)
        return self._check_reservation_entry(card, vals)

    @api.model
    def _check_reservation_entry(self, card, vals):
        """A reservation holds (``reserve``, positive) or gives back
        (``release``, negative, the exact mirror of the reservation it ends)
        cashback of a cashback card or stamps of a stamp card, for a reward
        request of that card; it never moves the balance."""
        program_type = card.program_id.program_type
        currency = card.currency_id
        reserved_amount = vals.get("reserved_amount", 0.0)
        reserved_stamps = vals.get("reserved_stamps", 0)
        self._check_entry_numbers(
            {"amount": reserved_amount, "stamps": reserved_stamps}
        )
        reserved_amount = currency.round(float(reserved_amount))
        vals["reserved_amount"] = reserved_amount
        vals["reserved_stamps"] = int(reserved_stamps)
        request = self.env["loyalty.b2b.reward.request"].browse(
            vals.get("reward_request_id")
        )
        if (
            vals["amount"]
            or vals["stamps"]
            or not request
            or request.sudo().card_id != card
            or program_type not in ("cashback", "stamp")
            or (program_type == "stamp" and not currency.is_zero(reserved_amount))
            or (program_type == "cashback" and reserved_stamps)
        ):
            raise ValidationError(
                self.env._(
                    "A reservation of card %(card)s holds its cashback or stamps "
                    "for one of its reward requests, and moves no balance.",
                    card=card.display_name,
                )
            )
        sign = 1 if vals["kind"] == "reserve" else -1
        if (
            currency.compare_amounts(reserved_amount * sign, 0.0) < 0
            or reserved_stamps * sign < 0
            or (currency.is_zero(reserved_amount) and not reserved_stamps)
        ):
            raise ValidationError(
                self.env._(
                    "A reservation of card %(card)s holds a positive amount or "
                    "number of stamps; its release gives back the same.",
                    card=card.display_name,
                )
            )
        if vals["kind"] == "release":
            held = self.browse(vals.get("reversed_entry_id"))
            if (
                held.kind != "reserve"
                or held.card_id != card
                or held.reward_request_id != request
                or currency.compare_amounts(held.reserved_amount, -reserved_amount)
                or held.reserved_stamps != -reserved_stamps
            ):
                raise ValidationError(
                    self.env._(
                        "A release of card %(card)s gives back exactly the "
                        "reservation it ends.",
                        card=card.display_name,
                    )
                )

    @api.model
    def _is_spending(self, vals):
        # A new reservation takes from what the card may spend.
        return super()._is_spending(vals) or (
            vals.get("kind") == "reserve"
            and (
                vals.get("reserved_amount", 0.0) > 0
                or vals.get("reserved_stamps", 0) > 0
            )
        )

    @api.model
    def _check_balances(self, vals_list):
        """Besides the balance itself (super), what these entries spend or hold
        must fit in what the card has free: its balance less the cashback or
        stamps held for approved rewards, and for a new reservation also less
        the cashback committed on confirmed orders."""
        super()._check_balances(vals_list)
        spending = [vals for vals in vals_list if self._is_spending(vals)]
        if not spending:
            return
        cards = self.env["loyalty.b2b.card"].browse(
            sorted({vals["card_id"] for vals in spending})
        )
        # Locked by super() already; the totals below are read after the lock.
        changes = defaultdict(lambda: [0.0, 0, 0.0, 0, False])
        for vals in vals_list:
            change = changes[vals["card_id"]]
            change[0] += vals.get("amount", 0.0)
            change[1] += vals.get("stamps", 0)
            change[2] += vals.get("reserved_amount", 0.0)
            change[3] += vals.get("reserved_stamps", 0)
            change[4] = change[4] or vals.get("kind") == "reserve"
        for card in cards:
            amount, stamps, held_amount, held_stamps, reserves = changes[card.id]
            currency = card.currency_id
            free = (
                card.cashback_balance
                + amount
                - card.cashback_reserved
                - held_amount
                - (card.cashback_committed if reserves else 0.0)
            )
            if (amount < 0 or held_amount > 0) and currency.compare_amounts(
                free, 0.0
            ) < 0:
                raise UserError(
                    self.env._(
                        "Card %(card)s cannot pay %(needed)s of cashback: "
                        "%(available)s is free (balance %(balance)s, of which "
                        "%(reserved)s is reserved for approved rewards and "
                        "%(committed)s committed on confirmed orders).",
                        card=card.display_name,
                        needed=format_amount(
                            self.env, max(held_amount, 0.0) - min(amount, 0.0), currency
                        ),
                        available=format_amount(
                            self.env,
                            max(
                                card.cashback_balance
                                - card.cashback_reserved
                                - card.cashback_committed,
                                0.0,
                            ),
                            currency,
                        ),
                        balance=format_amount(
                            self.env, card.cashback_balance, currency
                        ),
                        reserved=format_amount(
                            self.env, card.cashback_reserved, currency
                        ),
                        committed=format_amount(
                            self.env, card.cashback_committed, currency
                        ),
                    )
                )
            free_stamps = card.stamp_count + stamps - card.stamps_reserved - held_stamps
            if (stamps < 0 or held_stamps > 0) and free_stamps < 0:
                raise UserError(
                    self.env._(
                        "Card %(card)s cannot pay %(needed)s stamps: %(free)s of "
                        "its %(count)s stamps are free (%(reserved)s are reserved "
                        "for approved rewards).",
                        card=card.display_name,
                        needed=max(held_stamps, 0) - min(stamps, 0),
                        free=max(card.stamp_count - card.stamps_reserved, 0),
                        count=card.stamp_count,
                        reserved=card.stamps_reserved,
                    )
                )
