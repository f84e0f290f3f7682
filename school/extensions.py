"""Extension instances only; create_app() wires them."""
from flask_babel import Babel
from flask_compress import Compress
from flask_htmx import HTMX
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from school.models.base import Base

# Objects stay readable after commit: a save renders the changed cell without reloading what it just wrote.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
htmx = HTMX()
compress = Compress()
