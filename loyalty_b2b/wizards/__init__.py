from . import loyalty_b2b_adjust_wizard
from . import loyalty_b2b_cashback_wizard
from . import loyalty_b2b_issue_card_wizard
from . import loyalty_b2b_statement_wizard
from . import loyalty_b2b_invitation_wizard
from . import loyalty_b2b_application_approve_wizard
from . import loyalty_b2b_application_reject_wizard
from . import loyalty_b2b_reward_reject_wizard
