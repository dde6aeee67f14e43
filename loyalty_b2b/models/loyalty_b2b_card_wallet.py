import base64
import hashlib
import hmac
import secrets

from odoo import api, fields, models

from .loyalty_b2b_program_design import DEFAULT_CARD_BACKGROUND, DEFAULT_CARD_TEXT

# What a wallet pass shows of its card, besides the ledger totals: a write to
# one of these fields makes the card's pass out of date (see write()).
WALLET_CARD_FIELDS = {
    "name",
    "state",
    "program_id",
    "partner_id",
    "tier_id",
    "spent_amount",
}
# Registrations of one card (phones and watches holding its pass) kept at most.
MAX_WALLET_REGISTRATIONS = 20
# The passes of a card: "full" for the contacts who see its money, "benefits"
# (tier, rates, stamps; no balance) for its procurement managers.
WALLET_LEVELS = ("full", "benefits")
# Serial number of a card's benefits pass: the card number, then this.
BENEFITS_SERIAL_SUFFIX = "-benefits"
# Key of the cards whose pass changed in this transaction (cursor precommit data).
CHANGED_CARDS_KEY = "loyalty_b2b.wallet_changed_card_ids"


class LoyaltyB2bCard(models.Model):
    """The card as a wallet pass: when its pass last changed, the secret the
    holder's phone proves it holds the pass with, the pass's colours and code.

    The ledger totals are not copied on the card (earning inserts a ledger row
    and never updates the card, see ``_compute_ledger_totals``): the pass of
    a card changed at the later of ``wallet_updated_at`` and the card's last
    ledger entry (``_get_wallet_modified_at``)."""

    _inherit = "loyalty.b2b.card"

    wallet_updated_at = fields.Datetime(
        string="Pass Updated On",
        default=fields.Datetime.now,
        readonly=True,
        copy=False,
        help="Last change of what the card's wallet pass shows, its ledger "
        "aside: number, state, tier, program.",
    )
    wallet_auth_token = fields.Char(
        string="Wallet Token",
        readonly=True,
        copy=False,
        groups="base.group_system",
        help="Secret of the card's wallet passes: a phone presents it to fetch "
        "the latest pass. Rotating it stops the passes issued so far from "
        "updating.",
    )
    has_apple_wallet = fields.Boolean(related="company_id.b2b_has_apple_wallet")
    wallet_registration_ids = fields.One2many(
        "loyalty.b2b.wallet.registration", "card_id", string="Wallet Registrations"
    )

    def write(self, vals):
        if WALLET_CARD_FIELDS & vals.keys() and "wallet_updated_at" not in vals:
            # In the same UPDATE: the tier engine writes tier and spend anyway.
            vals = {**vals, "wallet_updated_at": fields.Datetime.now()}
        res = super().write(vals)
        if "wallet_updated_at" in vals:
            self._b2b_wallet_changed()
        return res

    def action_rotate_wallet_token(self):
        """Give the cards a new wallet secret: the passes issued so far no
        longer update (their phones' registrations are dropped); the holders
        add the card to their wallet again."""
        self.check_access("write")
        cards = self.sudo()
        cards.wallet_registration_ids.unlink()
        for card in cards:
            card.wallet_auth_token = self._b2b_new_wallet_token()
        cards._b2b_touch_wallet()
        return True

    # What the pass shows -------------------------------------------------------

    def _get_wallet_design(self):
        """Hook: colours and images of the card's wallet passes:
        ``{"background_color", "foreground_color", "label_color"}`` as
        ``#RRGGBB``, ``"logo"`` and ``"strip"`` (base64 or False): the
        program's card design (colours checked for contrast), its logo and
        background image, as on the printed card and the portal."""
        self.ensure_one()
        program = self.sudo().program_id
        background = program.card_background_color or DEFAULT_CARD_BACKGROUND
        text = program.card_text_color or DEFAULT_CARD_TEXT
        return {
            "background_color": background.upper(),
            "foreground_color": text.upper(),
            "label_color": text.upper(),
            "logo": program.logo or False,
            "strip": program.card_background_image or False,
        }

    # When the pass changed ------------------------------------------------------

    def _b2b_touch_wallet(self):
        """Mark the cards' passes as changed now."""
        if self:
            self.sudo().with_context(tracking_disable=True).write(
                {"wallet_updated_at": fields.Datetime.now()}
            )

    def _get_wallet_modified_at(self):
        """``{card: datetime}``: when each card's pass last changed, the later
        of ``wallet_updated_at`` and its last ledger entry (one query)."""
        # sudo: when the ledger of cards the caller holds last moved.
        ledger = self.env["loyalty.b2b.transaction"].sudo()
        last_entries = dict(
            ledger._read_group(
                [("card_id", "in", self.ids)], ["card_id"], ["create_date:max"]
            )
        )
        result = {}
        for card in self:
            dates = [card.wallet_updated_at, last_entries.get(card)]
            result[card] = max(date for date in dates if date) if any(dates) else False
        return result

    def _b2b_wallet_changed(self):
        """Queue the cards whose pass changed for the wallet notifier, once
        per transaction, for the companies that send updates."""
        cards = self.filtered(lambda card: card.company_id.b2b_wallet_send_updates)
        if not cards:
            return
        precommit = self.env.cr.precommit
        if CHANGED_CARDS_KEY not in precommit.data:
            precommit.data[CHANGED_CARDS_KEY] = set()
            precommit.add(self._b2b_send_wallet_changes)
        precommit.data[CHANGED_CARDS_KEY].update(cards.ids)

    def _b2b_send_wallet_changes(self):
        card_ids = self.env.cr.precommit.data.pop(CHANGED_CARDS_KEY, set())
        # sudo: the registrations of the cards whose pass changed.
        cards = self.sudo().browse(card_ids).exists()
        if cards:
            self.env["loyalty.b2b.wallet.notifier"].sudo()._notify_changes(cards)

    # The pass levels ------------------------------------------------------------

    @api.model
    def _get_wallet_level(self):
        """The pass level the environment asks for (context key
        ``b2b_wallet_level``), ``"full"`` by default."""
        level = self.env.context.get("b2b_wallet_level") or "full"
        if level not in WALLET_LEVELS:
            raise ValueError(f"Unknown wallet pass level: {level!r}")
        return level

    def _get_wallet_serial(self, level=None):
        """Hook: the serial number of the card's pass of ``level`` (the
        environment's by default): the card number for the full pass, with
        a suffix for the benefits pass."""
        self.ensure_one()
        level = level or self._get_wallet_level()
        if level == "benefits":
            return self.name + BENEFITS_SERIAL_SUFFIX
        return self.name

    @api.model
    def _parse_wallet_serial(self, serial):
        """Hook, the reverse of ``_get_wallet_serial``: ``(card number,
        level)`` of a pass's serial number."""
        if serial.endswith(BENEFITS_SERIAL_SUFFIX):
            return serial.removesuffix(BENEFITS_SERIAL_SUFFIX), "benefits"
        return serial, "full"

    # The wallet secret --------------------------------------------------------

    @staticmethod
    def _b2b_new_wallet_token():
        return secrets.token_urlsafe(32)

    def _get_wallet_auth_token(self, level=None):
        """Hook: the authentication token of the card's pass of ``level``
        (the environment's by default). The full pass carries the card's
        wallet secret, created on first use; the benefits pass a token
        derived from it, which does not reveal it: rotating the secret
        rotates both, and one pass's token never opens the other."""
        self.ensure_one()
        level = level or self._get_wallet_level()
        # sudo: the card's secret.
        card = self.sudo()
        if not card.wallet_auth_token:
            card.wallet_auth_token = self._b2b_new_wallet_token()
        secret = card.wallet_auth_token
        if level == "full":
            return secret
        digest = hmac.new(secret.encode(), level.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
