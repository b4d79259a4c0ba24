"""Run wapiti and sqlmap against consult on loopback, with a seeded respondent session.

Starts gunicorn (deploy/gunicorn.conf.py, 2 workers) on a fresh SQLite database holding
Taking Stock and 20 links, opens one link to get a session cookie and CSRF token, then:

- wapiti (all its default attack modules) from /, /respond/, every section page,
  /respond/check and /get-a-link, sending the session cookie;
- sqlmap (batch, level 2, risk 1) on POST /respond/section/principles (every field,
  with the session cookie and CSRF token), POST /respond/about and POST /get-a-link.

Prints each tool's findings and writes the reports under --out; exits 1 on any finding or
on a 5xx in the server's access log.

    .venv/bin/python benchmarks/scan.py --out /tmp/consult-scan
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_load import (
    SECTION,
    answers_for_section,
    gunicorn,
    http_request,
    prepare_database,
)

# Injection and disclosure modules of wapiti 3.0.4; not ssrf or xxe, which need an outside endpoint.
MODULES = "xss,permanentxss,sql,timesql,exec,file,redirect,crlf,backup,htaccess,methods"
SECTIONS = ("principles", "assurance", "support", "childrens-adults-health", "conclusion")


def seeded_session(port: int, token: str) -> tuple[str, str, list[str]]:
    status, headers, _ = http_request(port, "GET", f"/r/{token}")
    assert status == 303
    cookie = re.match(r"\s*([^;]+)", headers["set-cookie"]).group(1)  # type: ignore[union-attr]
    status, headers, page = http_request(port, "GET", f"/respond/section/{SECTION}", cookie)
    if headers["set-cookie"]:
        cookie = re.match(r"\s*([^;]+)", headers["set-cookie"]).group(1)  # type: ignore[union-attr]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    shown = re.findall(r'name="shown" value="([^"]+)"', page)
    return cookie, csrf, shown


def run(command: list[str], log: Path, timeout: int) -> str:
    print("$ " + " ".join(command), flush=True)
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        output = result.stdout + result.stderr
    except subprocess.TimeoutExpired as exc:
        output = f"{exc.stdout or ''}{exc.stderr or ''}\n[timed out after {timeout} s]"
    log.write_text(output, encoding="utf-8")
    return output


def wapiti(port: int, cookie: str, out: Path, minutes: int) -> int:
    base = f"http://127.0.0.1:{port}/"
    report = out / "wapiti.json"
    command = ["wapiti", "-u", base, "--scope", "folder", "-H", f"Cookie: {cookie}", "--flush-session",
               "-f", "json", "-o", str(report), "--max-scan-time", str(minutes * 60), "-d", "4",
               "--max-attack-time", "30", "-m", MODULES,
               "--verify-ssl", "0"]  # fmt: skip
    # No -x exclusions: Debian's wapiti 3.0.4 cannot compile them on Python 3.11 (re.error);
    # a respondent session has no sign-out and no page links to /r/<token>.
    for path in ("", "respond/", "respond/about", "respond/check", "get-a-link", "sign-in",
                 *(f"respond/section/{s}" for s in SECTIONS)):  # fmt: skip
        command += ["-s", base + path]
    run(command, out / "wapiti.log", minutes * 60 + 600)
    if not report.exists():
        print("wapiti: no report written (see wapiti.log): counted as a finding")
        return 1
    data = json.loads(report.read_text(encoding="utf-8"))
    findings = 0
    for category, items in data.get("vulnerabilities", {}).items():
        for item in items:
            findings += 1
            print(f"wapiti: {category}: {item.get('method')} {item.get('path')} {item.get('info')}")
    anomalies = sum(len(v) for v in data.get("anomalies", {}).values())
    for category, items in data.get("anomalies", {}).items():
        for item in items:
            print(f"wapiti anomaly: {category}: {item.get('method')} {item.get('path')} {item.get('info')}")
    print(f"wapiti: {findings} vulnerabilities, {anomalies} anomalies")
    return findings + anomalies


def sqlmap(port: int, cookie: str, csrf: str, shown: list[str], out: Path) -> int:
    answers = answers_for_section()
    targets = {
        "section": (f"/respond/section/{SECTION}",
                    [("csrf_token", csrf), *(("shown", q) for q in shown), *((q, answers[q]) for q in shown),
                     ("action", "continue")]),
        "about": ("/respond/about",
                  [("csrf_token", csrf), ("role", "Leader"), ("organisation_type", "County"),
                   ("region", "Wales"), ("consent_to_be_named", "no"), ("action", "continue")]),
        "get-a-link": ("/get-a-link", [("csrf_token", csrf), ("email", "someone@example.org")]),
    }  # fmt: skip
    findings = 0
    for name, (path, fields) in targets.items():
        output = run(
            ["sqlmap", "-u", f"http://127.0.0.1:{port}{path}", "--data", urllib.parse.urlencode(fields),
             "--cookie", cookie, "--batch", "--level", "2", "--risk", "1", "--skip", "csrf_token",
             "--flush-session", "--output-dir", str(out / "sqlmap"), "--disable-coloring", "--threads", "2",
             "--ignore-code", "400,401,403,429"],
            out / f"sqlmap-{name}.log", 900,
        )  # fmt: skip
        vulnerable = re.findall(r"Parameter: (.+)", output)
        injectable = "is vulnerable" in output or bool(vulnerable)
        print(
            f"sqlmap {name}: {'INJECTABLE ' + ', '.join(vulnerable) if injectable else 'no injection found'}"
        )
        findings += int(injectable)
    return findings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "consult-scan")
    parser.add_argument("--wapiti-minutes", type=int, default=6)
    args = parser.parse_args()
    for tool in ("wapiti", "sqlmap"):
        if shutil.which(tool) is None:
            print(f"{tool} is not installed: apt-get install -y wapiti sqlmap", file=sys.stderr)
            return 2
    args.out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="consult-scan-"))
    try:
        url = f"sqlite:///{folder / 'consult.sqlite3'}"
        tokens = prepare_database(url, 20)
        with gunicorn(url, folder, 2, 1) as (port, access_log, _):
            cookie, csrf, shown = seeded_session(port, tokens[0])
            findings = wapiti(port, cookie, args.out, args.wapiti_minutes)
            findings += sqlmap(port, cookie, csrf, shown, args.out)
            log = access_log.read_text(encoding="utf-8", errors="replace")
            shutil.copy(access_log, args.out / "access.log")
        server_errors = re.findall(r'"[A-Z]+ [^"]*" 5\d\d ', log)
        print(f"requests served: {log.count(chr(10))}; 5xx responses: {len(server_errors)}")
        for line in server_errors[:20]:
            print("  " + line)
        total = findings + len(server_errors)
        print(f"TOTAL FINDINGS: {total}  (reports in {args.out})")
        return 1 if total else 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
