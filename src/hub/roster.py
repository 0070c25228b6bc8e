"""The class roster: students and instructors as real Unix users of this machine, and as users of the hub.

Called by src/hub/hub.sh (npm run hub -- --add-students FILE / --remove-students FILE), as root.
A roster file has one person a line: a user name, then optionally "instructor" (a hub admin) or "student" (the
default); blank lines and text after "#" are ignored. Example:

    # CSC321, winter term
    alice
    bob
    grosse instructor

Adding checks every line first and creates nothing if any line is wrong (it names the line). Each new user gets
a home folder only they can read (mode 700), a random initial password (written to a file only root can read, for
the lecturer to hand out), and membership of the group eg-students, which marks the accounts this tool made: it
never changes or removes any other account. Removing deletes the account and the hub user; the home folder, with
the student's work, is kept.
Usage: roster.py add|remove FILE --state DIR [--hub-api URL]   (HUB_ADMIN_TOKEN: to update a running hub)
"""
import argparse
import datetime
import grp
import json
import os
import pwd
import re
import secrets
import subprocess
import sys
import urllib.error
import urllib.request

GROUP = "eg-students"
ROLES = ("student", "instructor")
# Debian's adduser NAME_REGEX, without the trailing "$" for machine accounts; at most 32 characters.
NAME = re.compile(r"^[a-z][-a-z0-9_]{0,31}$")


class RosterError(Exception):
    pass


def parse(path):
    """[(line_number, name, role)] of a roster file; RosterError naming every bad line."""
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except OSError as e:
        raise RosterError(f"cannot read the roster {path}: {e.strerror}")
    people, problems, seen = [], [], {}
    for number, line in enumerate(lines, 1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        name, role = fields[0], (fields[1] if len(fields) > 1 else "student")
        if len(fields) > 2:
            problems.append(f"{path}:{number}: expected a user name and optionally a role, got {line.strip()!r}")
        elif not NAME.match(name):
            problems.append(
                f"{path}:{number}: {name!r} is not a valid user name "
                "(lowercase letters, digits, '-' and '_', starting with a letter, at most 32 characters)"
            )
        elif role not in ROLES:
            problems.append(f"{path}:{number}: role {role!r} of {name}: expected 'student' or 'instructor'")
        elif name in seen:
            problems.append(f"{path}:{number}: {name} is already on line {seen[name]}")
        else:
            seen[name] = number
            people.append((number, name, role))
    if problems:
        raise RosterError("\n".join(problems) + "\nNothing was changed.")
    if not people:
        raise RosterError(f"{path}: no user names in it. Nothing was changed.")
    return people


def ours(name):
    """Whether `name` is an account this tool made (member of eg-students)."""
    try:
        return name in grp.getgrnam(GROUP).gr_mem
    except KeyError:
        return False


def exists(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def load(state):
    path = os.path.join(state, "roster.json")
    return json.load(open(path)) if os.path.exists(path) else {"users": {}}


def save(state, roster):
    path = os.path.join(state, "roster.json")
    with open(path + ".tmp", "w") as f:
        json.dump(roster, f, indent=1, sort_keys=True)
    os.replace(path + ".tmp", path)


def hub_api(url, method, path, body=None):
    """Calls a running hub's REST API with HUB_ADMIN_TOKEN; None when no hub answers there."""
    token = os.environ.get("HUB_ADMIN_TOKEN")
    if not url or not token:
        return None
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url + path, data=data, method=method,
                                     headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code
    except (urllib.error.URLError, OSError):
        return None


def run(*command):
    subprocess.run(command, check=True, capture_output=True, text=True)


def add(path, state, api):
    people = parse(path)
    roster = load(state)
    taken = [f"{path}:{n}: {name} is already a user of this machine and not one this tool made"
             for n, name, _ in people if exists(name) and not ours(name)]
    if taken:
        raise RosterError("\n".join(taken) + "\nNothing was changed.")
    run("groupadd", "-f", GROUP)
    created, passwords = [], []
    try:
        for _, name, role in people:
            if not exists(name):
                run("useradd", "--create-home", "--shell", "/bin/bash", "--groups", GROUP, name)
                created.append(name)
                password = secrets.token_urlsafe(9)
                subprocess.run(["chpasswd"], input=f"{name}:{password}\n", check=True, capture_output=True, text=True)
                passwords.append((name, password))
            os.chmod(pwd.getpwnam(name).pw_dir, 0o700)  # no student reads another's work
            roster["users"][name] = role
    except subprocess.CalledProcessError as e:
        for name in created:  # new and empty: undo them, so that nothing is half-made
            subprocess.run(["userdel", "--remove", name], capture_output=True)
        raise RosterError(f"{' '.join(e.cmd)} failed: {e.stderr.strip()}\nNothing was changed.")
    save(state, roster)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    if passwords:
        secret = os.path.join(state, f"passwords-{stamp}.txt")
        fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.writelines(f"{name} {password}\n" for name, password in passwords)
        print(f"roster: {len(passwords)} new account(s); their initial passwords are in {secret} (root only)")
    for _, name, role in people:
        status = hub_api(api, "POST", f"/users/{name}", {"admin": role == "instructor"})
        if status not in (None, 201, 409):
            print(f"roster: the running hub answered {status} when adding {name}; it will know them at its next start")
    print(f"roster: {len(people)} user(s) on the roster: " + ", ".join(f"{n} ({r})" for _, n, r in people))


def remove(path, state, api):
    people = parse(path)
    roster = load(state)
    strangers = [f"{path}:{n}: {name} is not on this hub's roster" for n, name, _ in people
                 if name not in roster["users"] or (exists(name) and not ours(name))]
    if strangers:
        raise RosterError("\n".join(strangers) + "\nNothing was changed.")
    for _, name, _ in people:
        hub_api(api, "DELETE", f"/users/{name}")
        if exists(name):
            home = pwd.getpwnam(name).pw_dir
            subprocess.run(["pkill", "--signal", "KILL", "--uid", name], capture_output=True)
            run("userdel", name)
            print(f"roster: removed {name}; their work is kept in {home}")
        del roster["users"][name]
    save(state, roster)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["add", "remove"])
    parser.add_argument("file")
    parser.add_argument("--state", required=True)
    parser.add_argument("--hub-api", default="")
    args = parser.parse_args()
    try:
        (add if args.command == "add" else remove)(args.file, args.state, args.hub_api)
    except RosterError as e:
        print(f"roster: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
