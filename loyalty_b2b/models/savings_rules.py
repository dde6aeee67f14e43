from odoo.tools import float_compare


def card_savings(currency, line_values):
    """What a loyalty card saves on one order or invoice line, untaxed, in the
    line's currency: the value of a free stamp reward, or the card's share of
    the line's discount. ``line_values``: ``price_unit``, ``quantity``,
    ``discount``, ``subtotal``, ``card_discount`` (the card's part of
    ``discount``), ``reward_kind``, ``manual`` (a discount typed by hand stands
    instead of the card's). The one rule of the quotation, the printed
    documents and the portal."""
    price_unit = line_values["price_unit"]
    quantity = line_values["quantity"]
    if line_values["reward_kind"] == "stamp_reward":
        return currency.round(price_unit * quantity * line_values["discount"] / 100.0)
    card_discount = line_values["card_discount"]
    if line_values["reward_kind"] or line_values["manual"] or not card_discount:
        return 0.0
    if float_compare(card_discount, 100.0, precision_digits=2) >= 0:
        return currency.round(price_unit * quantity)
    return currency.round(
        line_values["subtotal"] * card_discount / (100.0 - card_discount)
    )
