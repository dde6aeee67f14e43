from werkzeug.exceptions import Forbidden, NotFound

from odoo import http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from ..models.loyalty_b2b_transaction_reservation import RESERVATION_KINDS
from .portal import LoyaltyB2bCustomerPortal

# Session key of the notice the card page shows once after a request/cancel.
REWARD_ALERT_KEY = "b2b_reward_alert"


class LoyaltyB2bRewardPortal(LoyaltyB2bCustomerPortal):
    """The reward catalogue on the card's portal page: the company's contacts
    request rewards and follow (or cancel) their requests. Only logged-in
    contacts of the card's company: a shared link shows no catalogue."""

    _b2b_reward_note_max_length = 1000
    _b2b_reward_requests_shown = 50

    # Card page -----------------------------------------------------------------

    def _b2b_get_ledger_domain(self, card_sudo):
        # Reservations move no balance: the requests list shows them instead.
        return [
            *super()._b2b_get_ledger_domain(card_sudo),
            ("kind", "not in", RESERVATION_KINDS),
        ]

    def _b2b_prepare_card_page_values(self, card_sudo, level, page, url_args):
        values = super()._b2b_prepare_card_page_values(card_sudo, level, page, url_args)
        values.update(self._b2b_get_reward_values(card_sudo, level))
        return values

    def _b2b_get_reward_contact(self, card_sudo):
        """The logged-in contact of the card's company, or an empty recordset
        (visitors of a shared link, salespeople previewing the card)."""
        partner = request.env.user.partner_id
        if request.env.user._is_public() or not card_sudo._get_partner_access_level(
            partner
        ):
            return request.env["res.partner"]
        return partner

    def _b2b_get_reward_values(self, card_sudo, level):
        """Hook: the catalogue visible to the card with what the contact may
        request, the company's requests of the card, and the notice left by
        the last request or cancellation. A fixed number of queries, whatever
        the number of rewards."""
        contact = self._b2b_get_reward_contact(card_sudo)
        if not contact or card_sudo.program_type not in ("cashback", "stamp"):
            return {"shows_rewards": False}
        # sudo: the catalogue of the card's own program, checked by the caller.
        rewards = (
            request.env["loyalty.b2b.reward"]
            .sudo()
            .search([("program_id", "=", card_sudo.program_id.id)])
            .filtered(lambda reward: reward._is_visible_to(card_sudo))
        )
        statuses = rewards._get_portal_statuses(card_sudo, contact)
        requests = (
            request.env["loyalty.b2b.reward.request"]
            .sudo()
            .search(
                [("card_id", "=", card_sudo.id)], limit=self._b2b_reward_requests_shown
            )
        )
        needs_contact = any(
            reward.contact_role and statuses[reward][0] for reward in rewards
        )
        contacts = (
            self._b2b_get_reward_contacts(card_sudo)
            if needs_contact
            else request.env["res.partner"]
        )
        return {
            "shows_rewards": True,
            "rewards": rewards,
            "reward_statuses": statuses,
            "reward_requests": requests,
            "reward_cancellable": {
                req for req in requests if self._b2b_may_cancel(req, contact)
            },
            "reward_contacts": contacts,
            "reward_default_contacts": {
                reward: self._b2b_get_default_reward_contact(reward, contact, contacts)
                for reward in rewards
            },
            "reward_note_max_length": self._b2b_reward_note_max_length,
            "reward_alert": request.session.pop(REWARD_ALERT_KEY, None),
        }

    def _b2b_get_reward_contacts(self, card_sudo):
        """Hook: the contacts of the card's company a reward may be for."""
        # sudo: the card's company's own contacts (the card was checked).
        return (
            request.env["res.partner"]
            .sudo()
            .search(
                [
                    ("commercial_partner_id", "=", card_sudo.partner_id.id),
                    ("id", "!=", card_sudo.partner_id.id),
                    ("type", "=", "contact"),
                ],
                order="name, id",
            )
        )

    def _b2b_get_default_reward_contact(self, reward, contact, contacts):
        """Who a reward is for unless the requester chooses: the requester
        when it has the role the reward addresses, else the first contact
        who has it."""
        if not reward.contact_role or contact.b2b_loyalty_role == reward.contact_role:
            return contact
        return (
            contacts.filtered(
                lambda partner: partner.b2b_loyalty_role == reward.contact_role
            )[:1]
            or contact
        )

    def _b2b_may_cancel(self, request_sudo, contact):
        """Hook: may ``contact`` cancel the request on the portal: a request
        waiting for approval, that it made, or any of its company's when it is
        the company itself or a decision maker."""
        if request_sudo.state != "requested":
            return False
        return (
            request_sudo.create_uid.partner_id == contact
            or contact == contact.commercial_partner_id
            or contact.b2b_loyalty_role == "decision_maker"
        )

    # Routes --------------------------------------------------------------------

    def _b2b_check_reward_card(self, card_id):
        """``(card_sudo, contact)``: the card of the logged-in contact's
        company (404 for any other card) and the contact."""
        card_sudo, _level = self._b2b_check_card_access(card_id)
        contact = self._b2b_get_reward_contact(card_sudo)
        if not contact:
            raise NotFound()
        return card_sudo, contact

    def _b2b_reward_redirect(self, card_sudo, alert_type, message):
        request.session[REWARD_ALERT_KEY] = {"type": alert_type, "message": message}
        return request.redirect(f"{card_sudo.access_url}#b2b_rewards")

    def _b2b_parse_reward_contact(self, card_sudo, contact, contact_id):
        """The contact the reward is for: one of the card's company's
        contacts (404 for any other id), by default the requester."""
        if not contact_id:
            return contact
        try:
            contact_id = int(contact_id)
        except (TypeError, ValueError) as error:
            raise NotFound() from error
        if contact_id == contact.id:
            return contact
        target = self._b2b_get_reward_contacts(card_sudo).filtered(
            lambda partner: partner.id == contact_id
        )
        if not target:
            raise NotFound()
        return target

    def _b2b_prepare_reward_request_vals(self, card_sudo, reward_sudo, target, note):
        """Hook: the values of the request created from the portal."""
        return {
            "card_id": card_sudo.id,
            "reward_id": reward_sudo.id,
            "contact_id": target.id,
            "note": note or False,
        }

    @http.route(
        "/my/loyalty/<int:card_id>/reward/<int:reward_id>/request",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_b2b_reward_request(
        self, card_id, reward_id, note=None, contact_id=None, **kw
    ):
        card_sudo, contact = self._b2b_check_reward_card(card_id)
        # sudo: a reward of the checked card's program only.
        reward_sudo = (
            request.env["loyalty.b2b.reward"]
            .sudo()
            .search(
                [("id", "=", reward_id), ("program_id", "=", card_sudo.program_id.id)]
            )
        )
        if not reward_sudo or not reward_sudo._is_visible_to(card_sudo):
            raise NotFound()
        if not reward_sudo._is_requestable_by(contact):
            raise Forbidden()
        target = self._b2b_parse_reward_contact(card_sudo, contact, contact_id)
        note = (note or "").strip()
        if len(note) > self._b2b_reward_note_max_length:
            return self._b2b_reward_redirect(
                card_sudo,
                "danger",
                request.env._(
                    "Your message is too long: at most %(count)s characters.",
                    count=self._b2b_reward_note_max_length,
                ),
            )
        vals = self._b2b_prepare_reward_request_vals(
            card_sudo, reward_sudo, target, note
        )
        Request = request.env["loyalty.b2b.reward.request"].sudo()
        try:
            # A refused request leaves nothing behind (its number included).
            with request.env.cr.savepoint():
                reward_request = Request.with_company(card_sudo.company_id).create(vals)
        except (UserError, ValidationError) as error:
            return self._b2b_reward_redirect(card_sudo, "danger", error.args[0])
        # The requester follows the request, also when it is for a colleague.
        reward_request.message_subscribe(partner_ids=contact.ids)
        return self._b2b_reward_redirect(
            card_sudo,
            "success",
            request.env._(
                "Request %(request)s for %(reward)s sent: your salesperson will "
                "review it.",
                request=reward_request.name,
                reward=reward_sudo.name,
            ),
        )

    @http.route(
        "/my/loyalty/<int:card_id>/reward-request/<int:request_id>/cancel",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_b2b_reward_request_cancel(self, card_id, request_id, **kw):
        card_sudo, contact = self._b2b_check_reward_card(card_id)
        # sudo: a request of the checked card only.
        request_sudo = (
            request.env["loyalty.b2b.reward.request"]
            .sudo()
            .search([("id", "=", request_id), ("card_id", "=", card_sudo.id)])
        )
        if not request_sudo:
            raise NotFound()
        if request_sudo.state != "requested":
            return self._b2b_reward_redirect(
                card_sudo,
                "danger",
                request.env._(
                    "Request %(request)s is %(state)s: it can no longer be "
                    "cancelled here. Please contact your salesperson.",
                    request=request_sudo.name,
                    state=request_sudo._get_state_label(),
                ),
            )
        if not self._b2b_may_cancel(request_sudo, contact):
            raise Forbidden()
        try:
            with request.env.cr.savepoint():
                request_sudo.action_cancel()
        except (UserError, ValidationError) as error:
            return self._b2b_reward_redirect(card_sudo, "danger", error.args[0])
        return self._b2b_reward_redirect(
            card_sudo,
            "success",
            request.env._("Request %(request)s cancelled.", request=request_sudo.name),
        )
