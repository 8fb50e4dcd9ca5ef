"""``junheng serve`` and the commands around it: ``users``, ``db upgrade``, ``db backup``, ``audit verify`` (docs/server.md,
docs/security.md).

Thin like the rest of the CLI: each command opens the data folder (``--data``, ``--db``), calls one function of the
web package, prints, exits. The web package (FastAPI, SQLAlchemy, uvicorn) is imported inside each command: the other
commands of ``junheng`` never pay for it.

Exit status: 0 done; 1 ``audit verify`` found the chain broken (the log was read and checked, like ``check`` finding
a problem); 2 a request that cannot be done (bad option, unknown user, a database that cannot be opened or is not
migrated); 3 an internal error.

``serve`` logs JSON lines to stderr (``web.middleware.JsonLines``): its own start-up lines too, so that a log
collector reads every line the same way.
"""

from __future__ import annotations

import ipaddress
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from junheng.cli.bilingual import Command, Group, bad_parameter, lang_option, language, tr
from junheng.errors import ExitStatus

if TYPE_CHECKING:  # for annotations only: at run time each command imports what it calls
    import asyncio

    from junheng.web.settings import Settings
    from junheng.web.workbench import Workbench

__all__ = ["audit", "db", "serve", "users"]

_F = TypeVar("_F", bound=Callable[..., Any])
_LANG = lang_option()
_ROLES = ("filer", "officer", "reviewer", "admin")


def _store_options(command: _F) -> _F:
    """``--data`` and ``--db``, which every command of the server takes."""
    command = click.option("--db", "db_url", default=None, metavar="URL",
                           help=tr("数据库的 SQLAlchemy URL（默认：数据文件夹中的 SQLite，sqlite:///DIR/junheng.db）；"
                                   "支持 postgresql://用户@主机/库",
                                   "SQLAlchemy URL of the database (default: SQLite in the data folder, sqlite:///DIR/junheng.db); "
                                   "postgresql://user@host/db is supported"))(command)
    return click.option("--data", "data", default="junheng-data", show_default=True, metavar="DIR",
                        type=click.Path(file_okay=False, path_type=Path),
                        help=tr("服务器的数据文件夹：SQLite 数据库（未给 --db 时）、可修改的规则",
                                "The server's folder: the SQLite database (without --db), the editable rules"))(command)


def _size(ctx: click.Context, _param: click.Parameter, value: str) -> int:
    """``--max-upload``: ``20MiB``, ``512KiB`` or a number of bytes."""
    from junheng.web.settings import parse_size  # imported here, not at the top: start-up time of the other commands

    try:
        return parse_size(value)
    except ValueError as exc:
        raise bad_parameter(language(ctx), f"“{value}” 不是大于 0 的大小：写成 20MiB、512KiB 或字节数", str(exc)) from None


def _settings(data: Path, db_url: str | None, **more: Any) -> Settings:
    from junheng.web.settings import Settings  # imported here, not at the top: start-up time of the other commands

    return Settings(data=data, db=db_url, **more)


def _say(lang: str, zh: str, en: str, err: bool = False) -> None:
    click.echo(en if lang == "en" else zh, err=err)


def _open(ctx: click.Context, settings: Settings, lang: str) -> Workbench:
    """The data folder opened (created and migrated on first use); a database that cannot be opened is exit 2."""
    from sqlalchemy.exc import SQLAlchemyError  # imported here, not at the top: start-up time of the other commands

    from junheng.web.workbench import open_workbench  # imported here, not at the top: start-up time of the other commands

    try:
        return open_workbench(settings)
    except (SQLAlchemyError, OSError) as exc:
        _say(lang, f"无法打开数据库或数据文件夹：{exc}", f"cannot open the database or the data folder: {exc}", err=True)
        ctx.exit(int(ExitStatus.INVALID_INPUT))


def _refused(ctx: click.Context, exc: Any, lang: str) -> None:
    """A ``Refused`` from the service layer, said on stderr: exit 2."""
    _say(lang, f"错误：{exc.zh}", f"error: {exc.en}", err=True)
    for problem in exc.problems:
        click.echo(problem.render(lang), err=True)
    ctx.exit(int(ExitStatus.INVALID_INPUT))


# ---------------------------------------------------------------- serve


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@click.command("serve", cls=Command, short_help=tr("启动督导工作台（网页和 JSON 接口）", "Start the workbench (web pages and JSON API)."),
               help=tr("启动督导工作台：区县上传申报、查看结果，督导室修改规则并审批，每一步留有审计记录（见 docs/server.md）。"
                       "首次启动会创建数据文件夹、数据库结构和一份规则副本（DIR/rules/）。",
                       "Start the workbench: districts upload filings and read results, the office changes the rules with "
                       "approval, every step is in the audit log (see docs/server.md). The first start creates the data folder, "
                       "the database schema and a copy of the rules (DIR/rules/)."))
@_store_options
@click.option("--host", default="127.0.0.1", show_default=True, help=tr("监听地址", "Listen address."))
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help=tr("监听端口", "Listen port."))
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path(file_okay=False, exists=True, path_type=Path),
              help=tr("数据文件夹规则之下的附加规则层（同 junheng check --rules DIR --rules DATA/rules）；可重复；不会被修改",
                      "Extra rule layers under the data folder's rules (as junheng check --rules DIR --rules DATA/rules); "
                      "repeatable; never written to."))
@click.option("--max-upload", default="20MiB", show_default=True, metavar="SIZE", callback=_size,
              help=tr("允许上传的最大文件（超过为 413）", "The largest upload accepted (413 above it)."))
@click.option("--session-idle", default=30, show_default=True, metavar="MINUTES", type=click.FloatRange(min=0.01),
              help=tr("会话闲置多少分钟后失效（最长仍为 12 小时）",
                      "Minutes without a request after which a session ends (12 hours at most)."))
@click.option("--request-timeout", default=30, show_default=True, metavar="SECONDS", type=click.FloatRange(min=0.1),
              help=tr("请求头须在这么多秒内收完（否则断开连接）；请求内容停止传输这么多秒后中断（408；总时长上限为其 10 倍）",
                      "Seconds within which a request's headers must arrive (else the connection is closed), and that its "
                      "body may stall before it is cut off (408; ten times this in all)."))
@click.option("--checkers", default=None, metavar="N", type=click.IntRange(min=0),
              help=tr("检查上传申报的工作进程数（默认：环境变量 JUNHENG_CHECKERS，否则每个 CPU 核一个；0：在服务进程内依次检查）",
                      "Worker processes that check uploads (default: JUNHENG_CHECKERS, else one per core; 0: none, checks take "
                      "turns in the server's process)."))
@_LANG
@click.pass_context
def serve(ctx: click.Context, data: Path, db_url: str | None, host: str, port: int, rules_dirs: tuple[Path, ...], max_upload: int,
          session_idle: float, request_timeout: float, checkers: int | None, lang: str) -> None:
    """Start the workbench (启动督导工作台)."""
    # imported here, not at the top: start-up time of the other commands
    import uvicorn
    from junheng.web.app import create_app
    from junheng.web.middleware import log_config
    from junheng.web.service.accounts import limits

    settings = _settings(data, db_url, host=host, port=port, rules=rules_dirs, max_upload=max_upload, checkers=checkers)
    wb = _open(ctx, settings, lang)
    version = _ready(ctx, wb, lang)
    if not _loopback(host):
        _log(lang, "warning", f"警告：正在监听 {host}，其他计算机可以访问；请在前面加一层 HTTPS 反向代理（见 docs/server.md）",
             f"warning: listening on {host}, reachable from other machines: put an HTTPS reverse proxy in front (see docs/server.md)")
    shown = f"[{host}]" if ":" in host else host
    _log(lang, "info", f"junheng 工作台：http://{shown}:{port}/（数据：{data}，规则版本 {version}）",
         f"junheng workbench: http://{shown}:{port}/ (data: {data}, rules version {version})")
    limits(wb).idle_seconds = max(1, round(session_idle * 60))
    app = create_app(settings, wb)
    app.state.body_timeout = request_timeout
    try:
        uvicorn.run(app, host=host, port=port, proxy_headers=True, log_config=log_config(), access_log=False, server_header=False,
                    timeout_keep_alive=5, http=_head_deadline(request_timeout))
    finally:
        wb.close()


def _head_deadline(seconds: float) -> type:
    """uvicorn's HTTP/1.1 protocol with a deadline for every request's line and headers, as nginx's
    ``client_header_timeout``: a connection that has not sent a whole request head within ``seconds`` of opening (or of
    its last response) is closed. Without it a client that sends half a head and waits holds its connection forever
    (uvicorn's keep-alive timer stops at the first byte), and enough of them exhaust the server's connections."""
    from uvicorn.protocols.http.h11_impl import H11Protocol  # imported here, not at the top: start-up time of the other commands

    class HeadDeadline(H11Protocol):
        # The one deadline pending, cancelled when the next is set and when the connection is gone: a timer left to
        # run out would hold the closed connection (its buffers, its last request) for ``seconds`` — at a hundred
        # connections a second, some 50 MiB of the server's memory at any time.
        _head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._await_head()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._await_head()

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_waiting()
            super().connection_lost(exc)

        def _stop_waiting(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _await_head(self) -> None:
            self._stop_waiting()
            waiting = self.cycle  # a new request replaces it as soon as its head is in

            def late() -> None:
                self._head_timer = None
                if self.cycle is waiting and not self.transport.is_closing():
                    self.transport.close()
            self._head_timer = self.loop.call_later(seconds, late)

    return HeadDeadline


def _ready(ctx: click.Context, wb: Workbench, lang: str) -> str:
    """Before serving: an approval the last run died in finished or undone, the rules compiled (a broken rule file
    stops the start, as it stops ``junheng check``); the rules version."""
    # imported here, not at the top: start-up time of the other commands
    from junheng.errors import InputErrors
    from junheng.web.service.accounts import list_users
    from junheng.web.service.changes import recover_rule_writes

    recovered = recover_rule_writes(wb)
    if recovered is not None:
        _log(lang, "warning", "上次运行在写入已批准的规则修改时中断："
             + ("修改已记录为批准，规则文件已补全为新版本" if recovered == "forward" else "修改未记录为批准，规则文件已恢复为原版本"),
             "the last run stopped while writing an approved rule change: " + (
                 "it is recorded as applied, the rule files were completed" if recovered == "forward"
                 else "it is not recorded as applied, the rule files were put back"))
    try:
        version, _ = wb.rules.current()
    except InputErrors as exc:
        for error in exc.errors:
            click.echo(error.render(lang), err=True)
        wb.close()
        ctx.exit(int(ExitStatus.INVALID_INPUT))
    if not list_users(wb):
        _log(lang, "info", "提示：还没有用户；先用 junheng users add NAME --role admin --password-stdin 添加",
             "note: there are no users yet; add one with junheng users add NAME --role admin --password-stdin")
    return version


def _log(lang: str, level: str, zh: str, en: str) -> None:
    """A line of the server's log before the server runs: JSON, as every later line (``web.middleware.JsonLines``)."""
    import logging  # imported here, not at the top: start-up time of the other commands

    from junheng.web.middleware import JsonLines  # imported here, not at the top: start-up time of the other commands

    record = logging.LogRecord("junheng.serve", logging.getLevelName(level.upper()), __file__, 0, en if lang == "en" else zh, None, None)
    click.echo(JsonLines().format(record), err=True)


# ---------------------------------------------------------------- users


@click.group("users", cls=Group, short_help=tr("工作台的用户：添加、令牌、列表、停用", "The workbench's users: add, token, list, disable."),
             help=tr("管理工作台的用户：add 添加（角色 filer、officer、reviewer、admin；filer 绑定一个区县），"
                     "token 生成 API 令牌，list 列出，disable 停用。",
                     "Manage the workbench's users: add (roles filer, officer, reviewer, admin; a filer is bound to a district), "
                     "token makes an API token, list, disable."))
def users() -> None:
    """The workbench's users (工作台用户)."""


def _password(ctx: click.Context, lang: str) -> str:
    text = sys.stdin.read()
    password = text[:-1] if text.endswith("\n") else text  # the newline `<<<` and `echo` add is not part of it
    password = password[:-1] if password.endswith("\r") else password
    if not password:
        _say(lang, "错误：标准输入中没有密码", "error: no password on standard input", err=True)
        ctx.exit(int(ExitStatus.INVALID_INPUT))
    return password


@users.command("add", short_help=tr("添加用户", "Add a user."),
               help=tr("添加用户 NAME。密码从标准输入读取（--password-stdin），不出现在命令行或历史记录中；"
                       "不给密码的用户只能使用 API 令牌。",
                       "Add the user NAME. The password is read from standard input (--password-stdin), never from the "
                       "command line or history; a user without one can use API tokens only."))
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(_ROLES), help=tr("角色", "The role."))
@click.option("--district", default=None, metavar="CODE", help=tr("filer 的 6 位区县代码", "A filer's 6-digit district code."))
@click.option("--password-stdin", is_flag=True, help=tr("从标准输入读取密码", "Read the password from standard input."))
@_store_options
@_LANG
@click.pass_context
def add_cmd(ctx: click.Context, name: str, role: str, district: str | None, password_stdin: bool, data: Path, db_url: str | None,
            lang: str) -> None:
    """Add a user (添加用户)."""
    # imported here, not at the top: start-up time of the other commands
    from junheng.web.problems import Refused
    from junheng.web.service.accounts import add_user, cli_actor

    password = _password(ctx, lang) if password_stdin else None
    wb = _open(ctx, _settings(data, db_url), lang)
    try:
        made = add_user(wb, cli_actor(), name, role, district, password)
    except Refused as exc:
        _refused(ctx, exc, lang)
    finally:
        wb.close()
    where, where_en = (f"，区县 {district}", f", district {district}") if district else ("", "")
    _say(lang, f"已添加用户 {made['name']}（{role}{where}）", f"added user {made['name']} ({role}{where_en})")


@users.command("token", short_help=tr("生成 API 令牌", "Make an API token."),
               help=tr("为用户 NAME 生成新的 API 令牌并打印（只显示这一次；服务器只保存其哈希）。"
                       "用法：Authorization: Bearer 令牌。",
                       "Make a new API token for NAME and print it (shown this once; the server keeps only its hash). "
                       "Use it as Authorization: Bearer TOKEN."))
@click.argument("name")
@_store_options
@_LANG
@click.pass_context
def token_cmd(ctx: click.Context, name: str, data: Path, db_url: str | None, lang: str) -> None:
    """Make an API token (生成 API 令牌)."""
    # imported here, not at the top: start-up time of the other commands
    from junheng.web.problems import Refused
    from junheng.web.service.accounts import cli_actor, create_token

    wb = _open(ctx, _settings(data, db_url), lang)
    try:
        token = create_token(wb, cli_actor(), name)
    except Refused as exc:
        _refused(ctx, exc, lang)
    finally:
        wb.close()
    click.echo(token)


@users.command("list", short_help=tr("列出用户", "List the users."),
               help=tr("列出用户及其角色、区县和状态。", "List the users, their roles, districts and status."))
@click.option("--format", "fmt", default="text", type=click.Choice(["text", "json"]), show_default=True,
              help=tr("输出格式", "Output format."))
@_store_options
@_LANG
@click.pass_context
def list_cmd(ctx: click.Context, fmt: str, data: Path, db_url: str | None, lang: str) -> None:
    """List the users (列出用户)."""
    from junheng.web.service.accounts import list_users  # imported here, not at the top: start-up time of the other commands

    wb = _open(ctx, _settings(data, db_url), lang)
    try:
        found = list_users(wb)
    finally:
        wb.close()
    if fmt == "json":
        click.echo(json.dumps({"users": found}, ensure_ascii=False, indent=2, sort_keys=True))
        return
    for user in found:
        state = ("disabled" if lang == "en" else "已停用") if user["disabled"] else ("active" if lang == "en" else "启用")
        click.echo(f"{user['name']}\t{user['role']}\t{user['district'] or '-'}\t{state}")


@users.command("disable", short_help=tr("停用用户", "Disable a user."),
               help=tr("停用用户 NAME：其会话立即失效、令牌不再可用（记录保留，审计日志仍可查到）。",
                       "Disable NAME: their sessions end and their tokens stop working at once (the records stay for the audit log)."))
@click.argument("name")
@_store_options
@_LANG
@click.pass_context
def disable_cmd(ctx: click.Context, name: str, data: Path, db_url: str | None, lang: str) -> None:
    """Disable a user (停用用户)."""
    # imported here, not at the top: start-up time of the other commands
    from junheng.web.problems import Refused
    from junheng.web.service.accounts import cli_actor, disable_user

    wb = _open(ctx, _settings(data, db_url), lang)
    try:
        disable_user(wb, cli_actor(), name)
    except Refused as exc:
        _refused(ctx, exc, lang)
    finally:
        wb.close()
    _say(lang, f"已停用用户 {name}", f"disabled user {name}")


# ---------------------------------------------------------------- db, audit


@click.group("db", cls=Group, short_help=tr("工作台的数据库", "The workbench's database."),
             help=tr("工作台的数据库：upgrade 把数据库结构升级到本版本（可重复运行）；backup 在服务器运行时做一份完整备份。",
                     "The workbench's database: upgrade brings its schema to this version (safe to run again); backup makes a "
                     "whole copy while the server runs."))
def db() -> None:
    """The workbench's database (数据库)."""


@db.command("upgrade", short_help=tr("升级数据库结构", "Upgrade the database schema."),
            help=tr("创建或升级数据库结构（迁移有版本号；已是最新时什么也不做）。升级 junheng 之后、启动 serve 之前运行。",
                    "Create or upgrade the database schema (versioned migrations; nothing to do when it is up to date). "
                    "Run it after upgrading junheng, before serve."))
@_store_options
@_LANG
@click.pass_context
def upgrade_cmd(ctx: click.Context, data: Path, db_url: str | None, lang: str) -> None:
    """Create or upgrade the schema (升级数据库结构)."""
    from sqlalchemy.exc import SQLAlchemyError  # imported here, not at the top: start-up time of the other commands

    from junheng.web.store.database import Database  # imported here, not at the top: start-up time of the other commands

    settings = _settings(data, db_url)
    settings.data.mkdir(parents=True, exist_ok=True)
    database = Database(settings.url)
    try:
        before, after = database.upgrade()
    except SQLAlchemyError as exc:
        _say(lang, f"无法升级数据库：{exc}", f"cannot upgrade the database: {exc}", err=True)
        ctx.exit(int(ExitStatus.INVALID_INPUT))
    finally:
        database.dispose()
    if before == after:
        _say(lang, f"数据库结构已是最新（{after}）", f"the database schema is up to date ({after})")
    else:
        _say(lang, f"数据库结构已从 {before or '空'} 升级到 {after}", f"upgraded the database schema from {before or 'none'} to {after}")


@db.command("backup", short_help=tr("备份数据库和规则", "Back up the database and the rules."),
            help=tr("把数据文件夹备份到新文件夹 DEST：SQLite 数据库（在线备份，服务器可继续运行）、规则（rules/）和规则版本（versions/），"
                    "备份期间写操作稍候，使规则与数据库一致。DEST 本身就是一个数据文件夹：恢复时停止服务器，把 DEST 复制为数据文件夹，"
                    "再启动。打印审计日志的条数和最后的哈希，请与备份一同记录。PostgreSQL 请用 pg_dump（退出码 2）。",
                    "Back up the data folder into the new folder DEST: the SQLite database (online: the server may keep "
                    "running), the rules (rules/) and the rules versions (versions/), writes waiting meanwhile so that the "
                    "rules match the database. DEST is itself a data folder: to restore, stop the server, copy DEST in place "
                    "of the data folder, start it. Prints the audit log's count and last hash: note them with the backup. "
                    "PostgreSQL: use pg_dump (exit 2)."))
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@_store_options
@_LANG
@click.pass_context
def backup_cmd(ctx: click.Context, dest: Path, data: Path, db_url: str | None, lang: str) -> None:
    """Back up the data folder (备份)."""
    # imported here, not at the top: start-up time of the other commands
    from sqlalchemy.exc import SQLAlchemyError
    from junheng.web.settings import DATABASE_FILE
    from junheng.web.store.database import Database

    settings = _settings(data, db_url)
    database = Database(settings.url)
    try:
        if database.file is None:
            _say(lang, "PostgreSQL 数据库请用 pg_dump 备份：pg_dump -Fc 库名 > 备份.dump（用 pg_restore 恢复），"
                 f"再备份规则：tar czf rules.tgz -C {data} rules versions",
                 f"back up a PostgreSQL database with pg_dump: pg_dump -Fc DBNAME > backup.dump (restore with pg_restore), then "
                 f"the rules: tar czf rules.tgz -C {data} rules versions", err=True)
            ctx.exit(int(ExitStatus.INVALID_INPUT))
        if not database.file.is_file() or (dest.exists() and any(dest.iterdir())):
            _say(lang, f"无法备份：找不到数据库 {database.file}，或 {dest} 已存在且不为空",
                 f"cannot back up: no database at {database.file}, or {dest} exists and is not empty", err=True)
            ctx.exit(int(ExitStatus.INVALID_INPUT))
        dest.mkdir(parents=True, exist_ok=True)
        database.backup(dest / DATABASE_FILE, lambda: _copy_rules(settings.data, dest))
    except (SQLAlchemyError, OSError) as exc:
        _say(lang, f"备份失败：{exc}", f"the backup failed: {exc}", err=True)
        ctx.exit(int(ExitStatus.INVALID_INPUT))
    finally:
        database.dispose()
    verified = _verified(ctx, _settings(dest, None), lang)
    _say(lang, f"已备份到 {dest}：数据库、规则和规则版本；审计日志共 {verified.count} 条，"
         f"最后的哈希 {verified.last_hash or '-'}（请与备份一同记录）",
         f"backed up to {dest}: the database, the rules and their versions; the audit log has {verified.count} entries, last hash "
         f"{verified.last_hash or '-'} (note them with the backup)")


def _copy_rules(data: Path, dest: Path) -> None:
    """The data folder's rules, their kept versions, and an approval's journal if the server died writing one."""
    import shutil  # imported here, not at the top: start-up time of the other commands

    from junheng.web.service.changes import JOURNAL  # imported here, not at the top: start-up time of the other commands

    for folder in ("rules", "versions", JOURNAL):
        if (data / folder).is_dir():
            shutil.copytree(data / folder, dest / folder, ignore=shutil.ignore_patterns(".*.tmp"))


@click.group("audit", cls=Group, short_help=tr("审计日志", "The audit log."),
             help=tr("审计日志：verify 检查哈希链，指出第一条被改动或删除的记录。",
                     "The audit log: verify checks its hash chain and names the first entry changed or deleted."))
def audit() -> None:
    """The audit log (审计日志)."""


@audit.command("verify", short_help=tr("检查审计日志的哈希链", "Check the audit log's hash chain."),
               help=tr("逐条检查审计日志的哈希链。退出码：0 完整，1 有记录被改动或删除（指出第一条的序号），2 无法打开数据库。",
                       "Check the audit log's hash chain entry by entry. Exit status: 0 intact, 1 an entry was changed or "
                       "deleted (the first one's seq is named), 2 the database cannot be opened."))
@_store_options
@_LANG
@click.pass_context
def verify_cmd(ctx: click.Context, data: Path, db_url: str | None, lang: str) -> None:
    """Check the audit chain (检查审计日志)."""
    verified = _verified(ctx, _settings(data, db_url), lang)
    if verified.broken is not None:
        _say(lang, f"审计日志第 {verified.broken.seq} 条不符：{verified.broken.zh}",
             f"audit log entry {verified.broken.seq} does not fit: {verified.broken.en}")
        ctx.exit(int(ExitStatus.FINDINGS))
    _say(lang, f"审计日志完整：共 {verified.count} 条，最后的哈希 {verified.last_hash or '-'}",
         f"the audit log is intact: {verified.count} entries, last hash {verified.last_hash or '-'}")


def _verified(ctx: click.Context, settings: Settings, lang: str) -> Any:
    """The chain checked, reading the database only (nothing is created or migrated)."""
    # imported here, not at the top: start-up time of the other commands
    from sqlalchemy.exc import SQLAlchemyError
    from junheng.web.service.logbook import verify_chain
    from junheng.web.settings import DATABASE_FILE
    from junheng.web.store.database import Database

    file = settings.data / DATABASE_FILE
    if settings.db is None and not file.is_file():  # never create an empty database only to say its log is intact
        _say(lang, f"找不到数据库：{file}", f"no database at {file}", err=True)
        ctx.exit(int(ExitStatus.INVALID_INPUT))
    database = Database(settings.url)
    try:
        return verify_chain(database)
    except SQLAlchemyError as exc:
        _say(lang, f"无法读取审计日志：{exc}", f"cannot read the audit log: {exc}", err=True)
        ctx.exit(int(ExitStatus.INVALID_INPUT))
    finally:
        database.dispose()
