import logging

from odoo import api, models

_logger = logging.getLogger(__name__)


class LoyaltyB2bWalletNotifier(models.AbstractModel):
    """Who tells the wallets that a card's pass changed: Apple's push service
    (APNs) for the phones registered through the PassKit web service, Google
    Wallet's REST API for the saved passes.

    Called once per transaction, just before it commits, with the cards whose
    pass changed, for the companies that turned on *Send wallet updates*.
    This add-on sends nothing itself (no outgoing connection): a deployment
    plugs its sender in by overriding ``_notify_apple`` and ``_notify_google``
    in a module of its own, and should send once the transaction committed
    (``self.env.cr.postcommit.add(...)``, or a queued job), so that a phone
    asking for the pass at once gets the new one."""

    _name = "loyalty.b2b.wallet.notifier"
    _description = "B2B Loyalty Wallet Update Notifier"

    @api.model
    def _notify_changes(self, cards):
        """Tell the wallets holding the passes of ``cards`` (sudo)."""
        registrations = cards.wallet_registration_ids.filtered(
            lambda registration: (
                registration.pass_type_identifier
                == registration.card_id.company_id.b2b_apple_pass_type_identifier
            )
        )
        if registrations:
            self._notify_apple(registrations)
        google_cards = cards.filtered("company_id.b2b_has_google_wallet")
        if google_cards:
            self._notify_google(google_cards)

    @api.model
    def _notify_apple(self, registrations):
        """Hook: send an empty APNs notification to the ``push_token`` of each
        of ``registrations`` (``loyalty.b2b.wallet.registration``), with the
        company's pass certificate and its Pass Type ID as topic."""
        _logger.info(
            "No Apple Wallet update sender is installed: %s device(s) not told "
            "that their pass changed.",
            len(registrations),
        )

    @api.model
    def _notify_google(self, cards):
        """Hook: update the loyalty objects of ``cards`` through Google
        Wallet's REST API (``loyaltyobject.patch`` of
        ``card._get_google_wallet_object()``, once per pass level:
        ``card.with_context(b2b_wallet_level=level)`` for each level of
        ``WALLET_LEVELS``)."""
        _logger.info(
            "No Google Wallet update sender is installed: %s card(s) not updated.",
            len(cards),
        )
