# JupyterHub for a class (npm run hub): every student is a real Unix user with their own JupyterLab, the project
# kernel and their own workspace (the student edition of the tutorials), all served from ONE shared install of this
# checkout (node_modules, .venv, the native kernels). Read by src/hub/hub.sh, which sets the environment below.
#
# Environment (hub.sh sets every one): EG_ROOT (the checkout), EG_STATE (the hub's own folder: database, secrets,
# roster), EG_BIND_URL, EG_PORT, EG_IDLE_TIMEOUT (s), EG_MEM_LIMIT; HUB_ADMIN_TOKEN (optional, an admin API token).
import json
import os
import sys

root = os.environ["EG_ROOT"]
state = os.environ["EG_STATE"]
port = int(os.environ["EG_PORT"])

c = get_config()  # noqa: F821 (provided by JupyterHub)

# --- where the hub listens, and what it keeps ---------------------------------------------------------------
c.JupyterHub.bind_url = os.environ["EG_BIND_URL"]
c.JupyterHub.hub_ip = "127.0.0.1"  # the hub's own API: on this machine only, whatever bind_url says
c.JupyterHub.hub_port = port + 2
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{port + 1}"
c.ConfigurableHTTPProxy.command = [os.path.join(root, "node_modules", ".bin", "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = os.path.join(state, "proxy.pid")
with open(os.path.join(state, "proxy_token")) as f:
    c.ConfigurableHTTPProxy.auth_token = f.read().strip()
c.JupyterHub.cookie_secret_file = os.path.join(state, "cookie_secret")
c.JupyterHub.db_url = "sqlite:///" + os.path.join(state, "jupyterhub.sqlite")
c.JupyterHub.pid_file = os.path.join(state, "jupyterhub.pid")

# --- who may log in: the roster (src/hub/roster.py keeps it) -------------------------------------------------
roster_file = os.path.join(state, "roster.json")
roster = json.load(open(roster_file)) if os.path.exists(roster_file) else {"users": {}}
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.open_sessions = False
c.Authenticator.allowed_users = set(roster["users"])
instructors = sorted(name for name, role in roster["users"].items() if role == "instructor")

# --- each student's server: JupyterLab on their own workspace, the project kernel --------------------------
c.Spawner.cmd = [os.path.join(root, "src", "hub", "singleuser.sh")]
c.Spawner.default_url = "/lab"
c.Spawner.environment = {"EXPLODING_GRADIENTS_ROOT": root}
c.Spawner.http_timeout = 60
c.Spawner.start_timeout = 120
# The local process spawner cannot enforce it (hub.sh says so); it is passed on as MEM_LIMIT for the record.
c.Spawner.mem_limit = os.environ.get("EG_MEM_LIMIT") or None

# --- services: the idle culler, and an admin token for automation -----------------------------------------
c.JupyterHub.services = [
    {
        "name": "idle-culler",
        "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={int(os.environ['EG_IDLE_TIMEOUT'])}"],
    }
]
admin = {"name": "admin", "users": instructors, "services": []}  # instructors are the hub's admins
c.JupyterHub.load_roles = [
    {
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    },
    admin,
]
admin_token = os.environ.get("HUB_ADMIN_TOKEN")
if admin_token:
    c.JupyterHub.services.append({"name": "automation", "api_token": admin_token})
    admin["services"].append("automation")
