"""The sign-in form as plain HTML (no script), Chinese first then English; every text is
escaped."""

from __future__ import annotations

import re
from html import escape
from urllib.parse import quote

#: The page's own policy: nothing loads from anywhere, the form posts only here.
PAGE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)

_STYLE = (
    "body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;max-width:24rem;margin:4rem auto;"
    "padding:0 1rem;color:#262730}label{display:block;margin-top:1rem}"
    "input{width:100%;padding:.5rem;box-sizing:border-box;font-size:1rem}"
    "button{margin-top:1.5rem;padding:.5rem 1.5rem;font-size:1rem}"
    ".keep input{width:auto;margin-right:.5rem}"
    ".error{color:#b00020;margin-top:1rem}.en{color:#555;font-size:.9em}"
    ".sso{display:block;margin-top:1.5rem;padding:.5rem;text-align:center;"
    "border:1px solid #262730;color:#262730;text-decoration:none}"
)

_LOCKED = re.compile(r"until (\S+) \(UTC\)")
_NO_ACCOUNT = re.compile(r"No campusgrid account for (.+): ask an admin to add it\.")


def chinese(message: str) -> str:
    """Return the Chinese of a sign-in refusal (:class:`zoning.errors.SignInFailed`);
    an unknown message is returned as it is."""
    if message.startswith("Wrong account name or password"):
        return "账号或密码错误。"
    if message.startswith("This account is disabled"):
        return "该账号已停用：请管理员启用。"
    no_account = _NO_ACCOUNT.fullmatch(message)
    if no_account:
        return f"没有与 {no_account.group(1)} 对应的 campusgrid 账号：请管理员先添加。"
    locked = _LOCKED.search(message)
    if message.startswith("This account is locked") and locked:
        until = locked.group(1)
        return f"密码连续输错 5 次，账号锁定至 {until}（UTC）：请稍候，或请管理员重设密码。"
    return message


def sign_in_page(
    *,
    csrf: str,
    next_path: str,
    name: str = "",
    error: str | None = None,
    sso_label: str | None = None,
) -> str:
    """Return the sign-in page: the form posting to ``/signin`` with the double-submit
    token ``csrf`` and the path to go to after signing in; ``error`` shown in both
    languages above the form; with ``sso_label``, a link of that text to single sign-on
    (``/signin/sso``) below it. "Keep me signed in" is ticked for the phone page ``/m``."""
    sso = ""
    if sso_label:
        target = "/signin/sso?next=" + quote(next_path, safe="")
        sso = (
            f'<p class="en">或 or</p><a class="sso" href="{escape(target)}">{escape(sso_label)}</a>'
        )
    problem = ""
    if error:
        problem = (
            f'<p class="error" role="alert">{escape(chinese(error))}'
            f'<br><span class="en">{escape(error)}</span></p>'
        )
    keep = " checked" if next_path == "/m" or next_path.startswith(("/m/", "/m?")) else ""
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>登录 · Sign in — campusgrid</title><style>{_STYLE}</style></head>
<body><main>
<h1>登录 <span class="en">Sign in</span></h1>
<p>campusgrid 校园网格化安全管理 <span class="en">campus grid safety</span></p>
{problem}
<form method="post" action="/signin">
<input type="hidden" name="csrf" value="{escape(csrf)}">
<input type="hidden" name="next" value="{escape(next_path)}">
<label for="name">账号 <span class="en">Account</span></label>
<input id="name" name="name" autocomplete="username" required maxlength="64"
 value="{escape(name)}" autofocus>
<label for="password">密码 <span class="en">Password</span></label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<label class="keep"><input type="checkbox" name="remember" value="1"{keep}>
 在此设备上保持登录 <span class="en">Keep me signed in on this device</span></label>
<button type="submit">登录 <span class="en">Sign in</span></button>
</form>
{sso}
<p class="en">忘记密码请联系管理员。 Forgot your password? Ask an admin.</p>
</main></body></html>
"""


def refused_page(message_zh: str, message_en: str) -> str:
    """Return a one-line page saying why a form was refused, with a link back to the form."""
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>campusgrid</title><style>{_STYLE}</style></head><body><main>"
        f'<p class="error">{escape(message_zh)}<br><span class="en">{escape(message_en)}</span>'
        '</p><p><a href="/signin">登录 Sign in</a></p></main></body></html>'
    )
