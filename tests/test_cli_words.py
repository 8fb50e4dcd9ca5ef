"""click's own words — usage errors, the help's headings and notes — speak the command line's language (``cli/clickzh``
through ``cli/bilingual``): Chinese unless ``--lang en`` or ``JUNHENG_LANG=en`` says English."""

from __future__ import annotations

import string

import pytest

from junheng.cli import bilingual
from junheng.cli.clickzh import PLURAL, WORDS
from junheng.cli.main import main
from shared import FIX, ROOT, invoke, run


def _fields(text: str) -> set[str]:
    return {f"{name}!{conv}" for _, name, _, conv in string.Formatter().parse(text) if name is not None}


def test_every_chinese_text_uses_only_its_englishs_placeholders() -> None:
    # click fills in the English text's placeholders: one more in the Chinese would be a KeyError, not a message
    pairs = [(en, zh) for en, zh in WORDS.items()]
    pairs += [pair for (one, many), (zh_one, zh_many) in PLURAL.items() for pair in ((one, zh_one), (many, zh_many))]
    wrong = [(en, zh) for en, zh in pairs if not _fields(zh) <= _fields(en)]
    assert not wrong
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in zh) for _, zh in pairs)


def _said(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as ended:
        main(list(args))
    return int(ended.value.code or 0), capsys.readouterr().err


@pytest.mark.parametrize(("args", "chinese", "english"), [
    (("check", "--bogus", "x"), "错误：没有选项 '--bogus'。 是不是 '--jobs'？", "Error: No such option '--bogus'. Did you mean '--jobs'?"),
    (("check",), "错误：缺少参数 'FILING…'", "Error: Missing argument 'FILING…'"),
    (("check", "--format", "pdf", "x"), "'pdf' 不是可选的值（'docx', 'github'", "'pdf' is not one of 'docx', 'github'"),
    (("check", "--jobs", "99", "x"), "'--jobs' 的值无效：99 不在范围 1<=x<=64 内。",
     "Invalid value for '--jobs': 99 is not in the range 1<=x<=64."),
    (("chek",), "错误：没有命令 'chek'。", "Error: No such command 'chek'."),
])
def test_a_usage_error_is_said_in_the_command_lines_language(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                                            args: tuple[str, ...], chinese: str, english: str) -> None:
    monkeypatch.delenv(bilingual.ENV, raising=False)
    code, err = _said(capsys, *args)
    assert code == 2 and chinese in err and "用法： junheng" in err and "查看帮助" in err and "Error" not in err, err
    lang = ("--lang", "en") if args[0] == "check" else ()
    if lang:  # written on the command line, before or after the mistake
        code, err = _said(capsys, args[0], *lang, *args[1:])
        assert code == 2 and english in err and "Usage: junheng" in err and "错误" not in err, err
    monkeypatch.setenv(bilingual.ENV, "en")
    code, err = _said(capsys, *args)
    assert code == 2 and english in err, err
    if lang:  # --lang zh on the command line wins over JUNHENG_LANG=en
        code, err = _said(capsys, *args, "--lang", "zh")
        assert code == 2 and chinese in err, err


def test_help_headings_and_notes_follow_the_language() -> None:
    code, out, _ = run("check", "--help")
    assert code == 0 and out.startswith("用法： junheng check") and "\n选项:\n" in out and "[默认：text]" in out, out
    assert "环境变量：JUNHENG_LANG" in out and "Usage" not in out and "default:" not in out, out
    code, out, _ = run("check", "--lang", "en", "--help")
    assert code == 0 and out.startswith("Usage: junheng check") and "\nOptions:\n" in out and "[default: text]" in out, out
    assert "用法" not in out and "默认：" not in out, out


def test_a_command_line_in_english_leaves_the_next_in_chinese(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(bilingual.ENV, raising=False)
    assert _said(capsys, "check", "--lang", "en", "--bogus")[0] == 2
    result = invoke("check", "--bogus")
    assert result.exit_code == 2 and "没有选项 '--bogus'" in result.stderr, result.stderr


@pytest.mark.parametrize(("args", "chinese", "english"), [
    (("check", "--standard", "qualty", "fixtures/filings/nanan-2011.yaml"),
     "--standard 的值无效：没有规则包 “qualty”（可用：basic、quality），是否应为 “quality”？",
     "Invalid value for --standard: unknown standard 'qualty' (known: basic, quality); did you mean 'quality'?"),
    (("template", "x.pdf"), "OUT 的值无效：无法从扩展名判断 “x.pdf” 的格式", "cannot tell the form of 'x.pdf' from its extension"),
    (("serve", "--max-upload", "12zz"), "“12zz” 不是大于 0 的大小：写成 20MiB、512KiB 或字节数", "not a size: '12zz'"),
    (("check", "--previous-result", "x.json", "fixtures/filings/nanan-2011.yaml"),
     "只用于 --format letter 或 docx（督导意见书），不用于 text", "only for --format letter or docx, not text"),
])
def test_our_own_bad_option_messages_speak_one_language(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                                        args: tuple[str, ...], chinese: str, english: str) -> None:
    monkeypatch.delenv(bilingual.ENV, raising=False)
    monkeypatch.chdir(ROOT)
    code, err = _said(capsys, *args)
    assert code == 2 and chinese in err and english not in err, err
    code, err = _said(capsys, args[0], "--lang", "en", *args[1:])
    assert code == 2 and english in err and chinese not in err, err


def test_lang_before_the_command_is_the_commands_language_too(monkeypatch: pytest.MonkeyPatch) -> None:
    # the group's help says "--lang en before --help": it works on `junheng` itself, and carries to its command
    monkeypatch.delenv(bilingual.ENV, raising=False)
    code, out, _ = run("--lang", "en", "--help")
    assert code == 0 and "Help is in Chinese by default" in out and "Options:" in out, out
    code, out, _ = run("--lang", "en", "check", FIX / "beibei-2012.yaml")
    assert code == 1 and "Verdict: deferred" in out and "结论" not in out, out
    code, out, _ = run("--lang", "en", "rules", "list")  # through a group below it
    assert code == 0 and "Basic balance" in out, out
    code, out, _ = run("--lang", "en", "check", "--lang", "zh", FIX / "beibei-2012.yaml")  # the command's own wins
    assert code == 1 and "结论：推迟认定" in out, out
    code, out, _ = run("check", FIX / "beibei-2012.yaml")  # and nothing is left behind for the next run
    assert "结论：推迟认定" in out, out
