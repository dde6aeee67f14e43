from collections import defaultdict

from markupsafe import Markup

from odoo import fields, models


class SaleOrder(models.Model):
    """Automatic enrolment: cards issued at a company's first confirmed order."""

    _inherit = "sale.order"

    def _b2b_enroll(self):
        """Issue the cards of the automatic-enrolment programs to the confirmed
        orders' companies that have none. An order confirmed without a card gets
        its company's enrolment card issued after the quotation was created: the
        one issued now, or the one a concurrent confirmation issued an instant
        before (its discount is not applied after the fact: the price was
        agreed)."""
        orders = self.filtered("partner_id")
        if not orders:
            return
        programs = self.env["loyalty.b2b.program"]._get_auto_enroll_programs(
            orders.company_id
        )
        if not programs:
            return
        card_model = self.env["loyalty.b2b.card"].sudo()
        partners = orders.partner_id.commercial_partner_id
        cards = card_model.search(
            [("program_id", "in", programs.ids), ("partner_id", "in", partners.ids)]
        )
        enrolled = {(card.program_id, card.partner_id) for card in cards}
        today = fields.Date.context_today(self)
        programs = programs.filtered(lambda program: program._is_valid_on(today))
        eligible = {
            program: program._filter_eligible_partners(partners) for program in programs
        }
        vals_list, issuing_orders = [], []
        for order in orders:
            partner = order.partner_id.commercial_partner_id
            for program in programs:
                if (
                    program.company_id
                    not in order.company_id._b2b_get_program_companies()
                    or (program, partner) in enrolled
                    or partner not in eligible[program]
                ):
                    continue
                enrolled.add((program, partner))
                vals_list.append({"program_id": program.id, "partner_id": partner.id})
                issuing_orders.append(order)
        if vals_list:
            card_model._lock_enrolment(
                self.env["res.partner"].browse(
                    {vals["partner_id"] for vals in vals_list}
                )
            )
            new_cards = card_model.create(vals_list)
            new_cards._message_log_batch(
                bodies={
                    card.id: self.env._(
                        "Card issued automatically at the confirmation of order "
                        "%(order)s.",
                        order=order.name,
                    )
                    for card, order in zip(new_cards, issuing_orders, strict=True)
                }
            )
            self._b2b_log_enrolment(new_cards, issuing_orders)
            cards |= new_cards
        cards = cards.filtered(
            lambda card: card.state == "active" and card.program_id in programs
        ).sorted(lambda card: (card.program_id.sequence, card.program_id.id))
        for order in orders:
            new_cards = cards.filtered(
                lambda card, order=order: (
                    card.partner_id == order.partner_id.commercial_partner_id
                    and card.company_id in order.company_id._b2b_get_program_companies()
                    and card.create_date >= order.create_date
                    and card not in order.b2b_card_ids
                )
            ).sudo(False)
            if new_cards:
                # The order now uses them too: its invoice earns their cashback.
                order = order.with_context(b2b_allow_card_set_change=True)
                order.b2b_card_ids |= new_cards
                if not order.b2b_card_id:
                    order.b2b_card_id = new_cards[:1]

    def _b2b_log_enrolment(self, cards, orders):
        """Log on each order the cards its confirmation issued (``cards`` and
        ``orders`` side by side): the salesperson sees the enrolment where it
        happened, not only on the card."""
        lines = defaultdict(list)
        for card, order in zip(cards, orders, strict=True):
            lines[order].append(
                self.env._(
                    "Card %(card)s of program %(program)s issued to %(partner)s.",
                    card=card.name,
                    program=card.program_id.display_name,
                    partner=card.partner_id.display_name,
                )
            )
        issuing = self.browse([order.id for order in lines])
        issuing._message_log_batch(
            bodies={
                order.id: Markup("<br/>").join(order_lines)
                for order, order_lines in lines.items()
            }
        )
