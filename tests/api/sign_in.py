"""Signs a demo staff account in through the JSON API alone, as a department system would:
password, then the current code (read from the demo login page, which stands in for the
phone). Prints `COOKIE CSRF` for the session, or, with `token ROLE`, issues and prints an
API token carrying that role.

    python3 sign_in.py BASE_URL LOGIN session
    python3 sign_in.py BASE_URL LOGIN token ROLE
"""
import http.cookiejar
import json
import re
import ssl
import sys
import urllib.request

base, login, want = sys.argv[1], sys.argv[2], sys.argv[3]
jar = http.cookiejar.CookieJar()
insecure = ssl.create_default_context()
insecure.check_hostname = False
insecure.verify_mode = ssl.CERT_NONE
opener = urllib.request.build_opener(
    urllib.request.HTTPCookieProcessor(jar), urllib.request.HTTPSHandler(context=insecure)
)


def call(method, path, body=None, csrf=None):
    headers = {"Content-Type": "application/json"}
    if csrf:
        headers["X-CSRF-Token"] = csrf
    data = None if body is None else json.dumps(body).encode()
    with opener.open(urllib.request.Request(base + path, data, headers, method=method)) as r:
        text = r.read()
        return json.loads(text) if text else None


first = call("POST", "/api/v1/session", {"login": login, "password": "onetrip-demo-2026"})
page = opener.open(base + "/login").read().decode()
row = re.search(r"<tr[^>]*>\s*<td[^>]*>" + re.escape(login) + r"</td>.*?</tr>", page, re.S)
code = re.findall(r"<td[^>]*>([^<]*)</td>", row.group(0))[2].strip()
done = call("POST", "/api/v1/session/second-factor", {"code": code}, first["csrf_token"])
if want == "token":
    issued = call("POST", "/api/v1/me/tokens", {"name": "fuzz", "scopes": [sys.argv[4]]}, done["csrf_token"])
    print(issued["token"])
else:
    cookie = next(c for c in jar if c.name.endswith("onetrip-session"))
    print(f"{cookie.name}={cookie.value} {done['csrf_token']}")
