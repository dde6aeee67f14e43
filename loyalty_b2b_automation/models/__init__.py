from . import loyalty_b2b_card
from . import loyalty_b2b_reward_request
from . import loyalty_b2b_tier_history
from . import loyalty_b2b_transaction
