from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare, float_round

from .savings_rules import card_savings

# Lines the add-on adds to an order itself; also on the invoice lines made from them.
B2B_REWARD_KINDS = [
    ("cashback", "Cashback redemption"),
    ("stamp_reward", "Stamp reward"),
]
QUOTATION_STATES = ("draft", "sent")


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    b2b_reward_kind = fields.Selection(
        B2B_REWARD_KINDS,
        string="Loyalty Reward",
        readonly=True,
        help="Set on the lines a loyalty card adds: they never get the card's "
        "discount and never earn cashback.",
    )
    b2b_card_id = fields.Many2one(
        "loyalty.b2b.card",
        string="Spent Card",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The loyalty card whose cashback or stamps this line spends.",
    )
    b2b_discount = fields.Float(
        string="Card %",
        digits="Discount",
        compute="_compute_b2b_discount",
        store=True,
        precompute=True,
        help="Discount of the order's loyalty card for this line, included in "
        "Disc.% (after any pricelist discount). When you type a discount "
        "yourself, your discount stands for the line instead and the card no "
        "longer changes it; 'Apply card discount' on the order gives the line "
        "the card's discount back.",
    )
    # What _compute_discount set last: a discount that differs was typed by hand
    # (same technique as sale's technical_price_unit for prices).
    b2b_technical_discount = fields.Float(
        digits="Discount",
        compute="_compute_discount",
        store=True,
        precompute=True,
        readonly=False,
    )
    b2b_has_manual_discount = fields.Boolean(
        string="Manual Discount",
        compute="_compute_b2b_has_manual_discount",
        help="The discount of this line was typed by hand: it stands instead of "
        "the loyalty card's.",
    )

    @api.depends(
        "order_id.b2b_card_id",
        "order_id.b2b_card_ids",
        "product_id",
        "display_type",
        "is_downpayment",
        "b2b_reward_kind",
        # A discount by order size follows the amount of the whole order,
        # before the card's discount (never price_subtotal: it would loop).
        "order_id.order_line.price_unit",
        "order_id.order_line.product_uom_qty",
        "order_id.order_line.product_id",
        "order_id.order_line.pricelist_item_id",
        "order_id.currency_rate",
        "order_id.b2b_card_ids.program_id.discount_basis",
        "order_id.b2b_card_ids.program_id.order_bracket_ids.min_amount",
        "order_id.b2b_card_ids.program_id.order_bracket_ids.discount_percent",
    )
    def _compute_b2b_discount(self):
        frozen = self.filtered(lambda line: line._b2b_is_frozen())
        for line in frozen:
            line.b2b_discount = line.b2b_discount
        lines = self - frozen
        eligible = lines._b2b_get_discount_cards_lines()
        precision = self.env["decimal.precision"].precision_get("Discount")
        # The percentage of each card on each order, once per order.
        percents = {}
        for line in lines:
            remaining = 100.0
            for card, card_lines in eligible.items():
                if line in card_lines:
                    key = (line.order_id, card)
                    if key not in percents:
                        percents[key] = card._get_order_discount_percent(line.order_id)
                    remaining *= (100.0 - percents[key]) / 100.0
            line.b2b_discount = float_round(
                100.0 - remaining, precision_digits=precision
            )

    @api.depends("b2b_discount")
    def _compute_discount(self):
        """Fold the card's discount into the line's, after the pricelist's.

        Lines whose discount was typed by hand, reward lines and lines of
        confirmed orders keep theirs; ``b2b_force_discount`` in the context
        gives every other line its computed discount back.
        """
        force = self.env.context.get("b2b_force_discount")
        # Called directly (not as a recomputation), the assignments are writes.
        all_lines = self.with_context(sale_write_from_compute=True)
        kept = all_lines.filtered(
            lambda line: (
                line.b2b_reward_kind
                or line._b2b_is_frozen()
                or (not force and line._b2b_has_manual_discount())
            )
        )
        for line in kept:
            line.discount = line.discount
            if line.b2b_reward_kind:
                line.b2b_technical_discount = line.discount
            else:
                line.b2b_technical_discount = line.b2b_technical_discount
        lines = all_lines - kept
        # The pricelist part, recomputed by sale; 0 when it does not compute one.
        for line in lines:
            line.discount = 0.0
        res = super(SaleOrderLine, lines)._compute_discount()
        precision = self.env["decimal.precision"].precision_get("Discount")
        for line in lines:
            line.discount = float_round(
                100.0 - (100.0 - line.discount) * (100.0 - line.b2b_discount) / 100.0,
                precision_digits=precision,
            )
            line.b2b_technical_discount = line.discount
        return res

    @api.depends("discount", "b2b_technical_discount", "b2b_reward_kind")
    def _compute_b2b_has_manual_discount(self):
        for line in self:
            line.b2b_has_manual_discount = (
                not line.b2b_reward_kind and line._b2b_has_manual_discount()
            )

    def _compute_price_unit(self):
        # A redemption line's price is the cashback spent, not the product's.
        return super(
            SaleOrderLine,
            self.filtered(lambda line: line.b2b_reward_kind != "cashback"),
        )._compute_price_unit()

    @api.constrains("product_uom_qty", "b2b_reward_kind")
    def _check_b2b_reward_quantity(self):
        for line in self.filtered("b2b_reward_kind"):
            if float_compare(
                line.product_uom_qty, 1.0, precision_rounding=line.product_uom.rounding
            ):
                raise ValidationError(
                    self.env._(
                        "The loyalty line %(line)s is for exactly one unit.",
                        line=line.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if "b2b_technical_discount" in vals and "discount" not in vals:
                # As sale does for technical_price_unit: the discount column was
                # not in the view, let both be computed.
                vals.pop("b2b_technical_discount")
        return super().create(vals_list)

    # BaseModel's returns nothing.
    def _add_precomputed_values(self, vals_list):  # pylint: disable=missing-return
        # A discount given without its computed reference (an import, an
        # integration, sale's own discount wizard...) stands as typed by hand
        # when it differs from what the card and the pricelist would give.
        given = {}
        for index, vals in enumerate(vals_list):
            if (
                "discount" in vals
                and "b2b_technical_discount" not in vals
                and not vals.get("b2b_reward_kind")
            ):
                given[index] = vals.pop("discount")
        super()._add_precomputed_values(vals_list)
        for index, discount in given.items():
            vals_list[index]["discount"] = discount

    def write(self, vals):
        if (
            "b2b_technical_discount" in vals
            and "discount" not in vals
            and not self.env.context.get("sale_write_from_compute")
        ):
            vals = dict(vals)
            vals.pop("b2b_technical_discount")
        return super().write(vals)

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        for line, vals in zip(self, vals_list, strict=True):
            if line._b2b_has_manual_discount():
                vals["b2b_technical_discount"] = line.b2b_technical_discount
            elif not line.b2b_reward_kind:
                # The copy gets the discount of the card it has now.
                vals.pop("discount", None)
        return vals_list

    def _is_not_sellable_line(self):
        return bool(self.b2b_reward_kind) or super()._is_not_sellable_line()

    def _prepare_invoice_line(self, **optional_values):
        res = super()._prepare_invoice_line(**optional_values)
        if self.b2b_reward_kind:
            res["b2b_reward_kind"] = self.b2b_reward_kind
            res["b2b_card_id"] = self.b2b_card_id.id
        if self.b2b_reward_kind == "cashback":
            if "quantity" not in optional_values:
                res.update(self._b2b_prepare_redemption_share())
            if "account_id" not in optional_values:
                # Spending cashback settles part of what the seller owes: the
                # invoice itself clears the liability.
                res["account_id"] = self.b2b_card_id.program_id.liability_account_id.id
        return res

    def _b2b_prepare_redemption_share(self):
        """Quantity and unit price of the part of this redemption line an
        invoice made now carries (see sale.order._b2b_get_redemption_quantity).
        The amount is the line's total at the share invoiced so far, rounded,
        less what was invoiced already: the parts add up to the cent (35.50 in
        shares of 0.33, 0.33 and 0.34 is 11.72, 11.71 and 12.07, where rounding
        each part alone would give 11.72, 11.72 and 12.07)."""
        self.ensure_one()
        quantity = self.order_id._b2b_get_redemption_quantity(self)
        if not quantity:
            return {"quantity": 0.0}
        invoiced = sum(
            line.price_subtotal * -line.move_id.direction_sign
            for line in self.invoice_lines
            if line.parent_state != "cancel"
        )
        share = self.currency_id.round(
            self.price_subtotal * (self.qty_invoiced + quantity) / self.product_uom_qty
        )
        return {"quantity": quantity, "price_unit": (share - invoiced) / quantity}

    def _b2b_get_discount_cards_lines(self):
        """``{card: lines}``: the cards whose discount the lines of ``self`` get,
        each with the lines it applies to. The order's discount card, and the
        other cards of the order whose program combines with others; each only
        on the lines eligible to its program (see
        ``_b2b_filter_eligible_lines``). Percentages of several cards apply one
        after the other (10 % then 5 % is 14.5 %)."""
        result = {}
        for order, order_lines in self.grouped("order_id").items():
            for card in order._b2b_get_discount_cards():
                result.setdefault(card, self.browse())
                result[card] |= order_lines._b2b_filter_eligible_lines(card)
        return result

    def _b2b_filter_eligible_lines(self, card=None):
        """Hook: the lines of ``self`` that get the benefit of ``card`` (default:
        their order's discount card).

        Never sections, notes, down payments, deliveries, reward or redemption
        lines (ours or another module's), and only products of the card
        program's categories.
        """
        lines = self.filtered(
            lambda line: (
                (card or line.order_id.b2b_card_id) and line._b2b_is_benefit_line()
            )
        )
        eligible = self.browse()
        for program, program_lines in lines.grouped(
            lambda line: (card or line.order_id.b2b_card_id).program_id
        ).items():
            products = program._filter_eligible_products(program_lines.product_id)
            eligible |= program_lines.filtered(
                lambda line, products=products: line.product_id in products
            )
        return eligible

    def _b2b_is_benefit_line(self):
        """The one rule of the lines that get a card's benefit and earn its
        cashback, on orders and (through their order lines) on invoices: goods
        or services bought, never a section or note, a down payment, a
        delivery, a reward or a redemption (ours or another module's)."""
        self.ensure_one()
        return bool(
            self.product_id
            and not self.display_type
            and not self.is_downpayment
            and not self.b2b_reward_kind
            and not self._is_delivery()
            and not self._is_not_sellable_line()
        )

    def _b2b_is_frozen(self):
        """A line of a confirmed or cancelled order keeps its discount."""
        self.ensure_one()
        return bool(self._origin) and self.order_id.state not in QUOTATION_STATES

    def _b2b_has_manual_discount(self):
        self.ensure_one()
        precision = self.env["decimal.precision"].precision_get("Discount")
        return bool(
            float_compare(
                self.discount, self.b2b_technical_discount, precision_digits=precision
            )
        )

    def _b2b_get_savings(self):
        """What the card saves the customer on this line, untaxed, in the order's
        currency: the card's share of the discount, or a free reward's value."""
        self.ensure_one()
        return card_savings(
            self.currency_id,
            {
                "price_unit": self.price_unit,
                "quantity": self.product_uom_qty,
                "discount": self.discount,
                "subtotal": self.price_subtotal,
                "card_discount": self.b2b_discount,
                "reward_kind": self.b2b_reward_kind,
                "manual": self._b2b_has_manual_discount(),
            },
        )
