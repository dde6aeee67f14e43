from . import portal
from . import portal_wallet
from . import portal_documents
from . import passkit
from . import invitation
from . import signup
from . import portal_rewards
