from . import test_program
from . import test_card
from . import test_ledger
from . import test_access
from . import test_settings
from . import test_program_tour
