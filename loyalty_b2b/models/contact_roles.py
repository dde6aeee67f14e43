"""Which contacts of a customer (``res.partner`` ``b2b_loyalty_role``) read
which of the loyalty program's messages."""

# Monthly statements.
ACCOUNTANT_ROLES = ("accountant",)
# Cashback expiry warnings, downgrade risks and tier upgrades.
DECISION_MAKER_ROLES = ("decision_maker",)
