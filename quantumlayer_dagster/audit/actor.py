"""Who acts from a command line, as far as the machine can tell: the login name, the host
and the address it reaches a server from. Nothing here can be trusted against a user who
controls the machine; it says who a normal invocation came from."""

import getpass
import re
import socket
from dataclasses import dataclass

_NOT_IN_USER = re.compile(r"[^A-Za-z0-9_.@+-]")
_NOT_IN_HOST = re.compile(r"[^A-Za-z0-9_.-]")


@dataclass(frozen=True)
class CliActor:
    user_name: str | None
    client: str | None

    def fields(self) -> dict[str, str | None]:
        """The actor fields of an ``AuditEvent``."""
        return {"actor": "cli", "user_name": self.user_name, "client": self.client}


def cli_actor(server_host: str | None = None) -> CliActor:
    """The CLI's user and ``<host name>/<address>``: the address the machine reaches
    ``server_host`` from (no packet is sent), else the address its name resolves to."""
    try:
        user: str | None = _NOT_IN_USER.sub("_", getpass.getuser())[:128] or None
    except (KeyError, OSError):  # no login name and no passwd entry (a bare container uid)
        user = None
    host = _NOT_IN_HOST.sub("_", socket.gethostname())[:200] or "unknown"
    address = _address_toward(server_host) if server_host else None
    if address is None:
        try:
            address = socket.gethostbyname(socket.gethostname())
        except OSError:
            address = None
    client = f"{host}/{address}" if address else host
    return CliActor(user_name=user, client=client[:255])


def _address_toward(server_host: str) -> str | None:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect((server_host, 9))  # UDP connect: routes, sends nothing
            return str(probe.getsockname()[0])
    except OSError:
        return None
