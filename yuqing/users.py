"""Users of the web UI (``web.users``): roles, street scopes, password hashes.

An entry is ``name: {role, token, password_hash, streets, projects}``:

* ``role`` — ``viewer`` (personal data masked, read only), ``analyst`` and ``responder`` (see phones
  and addresses, act on alerts), ``admin`` (an analyst who also reads the audit log), ``owner`` (项目
  负责人: a project owner, who sees only the 稳评 pages of their own projects — assessment, watch and
  the alerts routed to them — never the queue, searches or statistics; personal data masked).
* ``token`` — for ``Authorization: Bearer``, ``?token=`` and the sign-in form; give it as ``${ENV}``.
* ``password_hash`` — for signing in with name and password; a salted scrypt (or PBKDF2) hash made by
  ``python -m yuqing.users hash-password``, given as ``${ENV}`` too. The password itself is never stored.
* ``streets`` — the streets (街道) the user may see; absent means all. Not for owners.
* ``projects`` — the ids of the projects an owner owns (``yuqing assess`` cards' ``id``, or the id the
  web UI shows); an owner also owns the projects they create themselves.

``python -m yuqing.users hash-password`` reads the password from stdin (one line) or, on a terminal,
asks twice without echo, and prints the hash.
"""
from __future__ import annotations

import argparse
import base64
import getpass
import hashlib
import hmac
import secrets
import sys
from typing import Any, Mapping, Optional, Sequence

ROLES = ("viewer", "analyst", "responder", "admin", "owner")
ENTRY_KEYS = frozenset({"role", "token", "password_hash", "streets", "projects"})

#: scrypt cost: 16 MiB of memory and some tens of milliseconds per check (OWASP's minimum is n=2**17
#: with r=8 for stored hashes at rest; these hashes live in the environment, not a dump-able table)
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
PBKDF2_ITERATIONS = 600_000
MIN_PASSWORD_CHARS = 8


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, *, algorithm: str = "scrypt") -> str:
    """``scrypt$16384$8$1$<salt>$<hash>`` or ``pbkdf2_sha256$600000$<salt>$<hash>`` (URL-safe base64)."""
    salt = secrets.token_bytes(16)
    if algorithm == "scrypt":
        digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
        return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"
    if algorithm == "pbkdf2":
        digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, PBKDF2_ITERATIONS)
        return f"pbkdf2_sha256${PBKDF2_ITERATIONS}${_b64(salt)}${_b64(digest)}"
    raise ValueError(f"unknown password hash algorithm {algorithm!r}; use scrypt or pbkdf2")


def hash_problem(stored: str) -> Optional[str]:
    """Why ``stored`` is not a hash this module can check, or ``None`` when it is."""
    parts = (stored or "").split("$")
    try:
        if parts[0] == "scrypt" and len(parts) == 6:
            n, r, p = (int(x) for x in parts[1:4])
            if n < 2 ** 10 or n & (n - 1) or not (1 <= r <= 64) or not (1 <= p <= 16):
                return "scrypt parameters out of range"
            _unb64(parts[4]), _unb64(parts[5])
            return None
        if parts[0] == "pbkdf2_sha256" and len(parts) == 4:
            if int(parts[1]) < 100_000:
                return "pbkdf2 needs at least 100000 iterations"
            _unb64(parts[2]), _unb64(parts[3])
            return None
    except (ValueError, TypeError):
        pass
    return "not a hash made by `python -m yuqing.users hash-password` (scrypt$… or pbkdf2_sha256$…)"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored`` (compared in constant time); False for a malformed hash."""
    if not stored or hash_problem(stored):
        return False
    parts = stored.split("$")
    if parts[0] == "scrypt":
        n, r, p = (int(x) for x in parts[1:4])
        expected = _unb64(parts[5])
        digest = hashlib.scrypt(password.encode("utf-8"), salt=_unb64(parts[4]), n=n, r=r, p=p,
                                dklen=len(expected), maxmem=256 * n * r + 2 ** 20)
    else:
        expected = _unb64(parts[3])
        digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), _unb64(parts[2]), int(parts[1]),
                                     dklen=len(expected))
    return hmac.compare_digest(digest, expected)


def check_users(users: Any) -> Optional[str]:
    """The ``web.users`` check: a sentence naming the user and key that is wrong, or ``None``."""
    if not isinstance(users, Mapping):
        return "must be a mapping of user name → {role, token, password_hash, streets, projects}"
    for name, entry in users.items():
        entry = entry or {}
        if not isinstance(entry, Mapping):
            return f"user {name!r}: write {{role: …, token: …}}, not {entry!r}"
        unknown = sorted(set(map(str, entry)) - ENTRY_KEYS)
        if unknown:
            return f"user {name!r}: unknown key {unknown[0]!r}; use {', '.join(sorted(ENTRY_KEYS))}"
        role = entry.get("role") or "viewer"
        if role not in ROLES:
            return f"user {name!r}: role {role!r} is not one of {', '.join(ROLES)}"
        streets = entry.get("streets")
        if streets is not None and (not isinstance(streets, list) or not streets
                                    or not all(isinstance(s, str) and s.strip() for s in streets)):
            return (f"user {name!r}: streets must be a non-empty list of street names such as [民治街道]; "
                    f"leave it out for all streets")
        projects = entry.get("projects")
        if projects is not None and (not isinstance(projects, list)
                                     or not all(isinstance(p, str) and p.strip() for p in projects)):
            return f"user {name!r}: projects must be a list of project ids such as [langkou-market]"
        if role == "owner" and streets is not None:
            return (f"user {name!r}: an owner sees their projects, not streets; leave streets out and list "
                    f"the projects in projects: [id, …]")
        for key in ("token", "password_hash"):
            if entry.get(key) is not None and not isinstance(entry.get(key), str):
                return f"user {name!r}: {key} must be a string (give it as ${{ENV}})"
        problem = hash_problem(entry["password_hash"]) if entry.get("password_hash") else None
        if problem:
            return f"user {name!r}: password_hash is {problem}"
    return None


def streets_of(entry: Mapping[str, Any]) -> Optional[tuple[str, ...]]:
    """The streets a user entry is scoped to, or ``None`` for all streets."""
    streets = (entry or {}).get("streets")
    return tuple(s.strip() for s in streets) if streets else None


def projects_of(entry: Mapping[str, Any]) -> Optional[tuple[str, ...]]:
    """The projects a user entry lists (an owner's), or ``None`` when it lists none."""
    projects = (entry or {}).get("projects")
    return tuple(p.strip() for p in projects) if projects else None


# --- python -m yuqing.users hash-password ----------------------------------------------------------

def _read_password(stdin) -> Optional[str]:
    if stdin.isatty():
        first = getpass.getpass("密码 (password): ")
        if getpass.getpass("再输入一次 (again): ") != first:
            print("两次输入的密码不一致 (the passwords differ)", file=sys.stderr)
            return None
        return first
    line = stdin.readline()
    return line[:-1] if line.endswith("\n") else line


def main(argv: Optional[Sequence[str]] = None, stdin=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m yuqing.users",
                                     description="Users of the web UI: make a password hash for web.users.")
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    make = sub.add_parser("hash-password", help="read a password (stdin, or asked on a terminal) and print "
                                                "its salted hash for web.users.NAME.password_hash")
    make.add_argument("--algorithm", choices=("scrypt", "pbkdf2"), default="scrypt")
    args = parser.parse_args(argv)
    if args.action != "hash-password":
        parser.print_help(sys.stderr)
        return 2
    password = _read_password(stdin or sys.stdin)
    if password is None:
        return 1
    if len(password) < MIN_PASSWORD_CHARS:
        print(f"密码太短：至少 {MIN_PASSWORD_CHARS} 个字符 (password too short: at least {MIN_PASSWORD_CHARS} "
              f"characters)", file=sys.stderr)
        return 1
    print(hash_password(password, algorithm=args.algorithm))
    print("把它放进环境变量，在 config.yaml 里写 password_hash: ${变量名} "
          "(put it in an environment variable and write password_hash: ${NAME} in config.yaml)", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
