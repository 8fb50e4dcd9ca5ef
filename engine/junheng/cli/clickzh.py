"""click's own words in Chinese: its usage errors ("No such option …", "Missing argument …", "… is not one of …"),
the headings and notes of ``--help`` ("Usage:", "Options", "[default: …]").

click writes them through ``gettext`` with its English text as the key; ``bilingual`` hands click a ``gettext`` that
looks them up here when the command line speaks Chinese. A text missing here (a newer click's new wording) stays
English, as click writes it: nothing is lost, it is only not translated. Placeholders (``{name!r}``) are click's
and are kept as they are (a text may leave one out, never add one). ``--version``'s line ("junheng, version …") is
left English on purpose: scripts read it.
"""

from __future__ import annotations

__all__ = ["PLURAL", "WORDS"]

WORDS: dict[str, str] = {
    # the help's headings and notes
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "位置参数",
    "env var: {var}": "环境变量：{var}",
    "default: {default}": "默认：{default}",
    "(dynamic)": "（动态）",
    "required": "必填",
    "deprecated": "已弃用",
    "Show this message and exit.": "显示本帮助并退出",
    "Show the version and exit.": "显示版本并退出",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    # errors
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看帮助。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "No such option: {name}": "没有选项：{name}",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "No such command '{name}'.": "没有命令 '{name}'。",
    "Missing command.": "缺少命令。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing {param_type}": "缺少 {param_type}",
    "Invalid value: {message}": "值无效：{message}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Option {name!r} does not take a value.": "选项 {name!r} 不带值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 须有 {nargs} 个值。",
    "Invalid start character for option ({option})": "选项的开头字符无效（{option}）",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的数（{number_type}）。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} 不是有效的是/否值。可用的值：{states}",
    "{value!r} is not a valid UUID.": "{value!r} 不是有效的 UUID。",
    # ``{name}`` is click's "file", "directory" or "path", named when an option is made (its metavar): left out
    "{name} {filename!r} does not exist.": "{filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{filename!r} 是文件，不是文件夹。",
    "{name} {filename!r} is a directory.": "{filename!r} 是文件夹，不是文件。",
    "{name} {filename!r} is not readable.": "{filename!r} 不可读。",
    "{name} {filename!r} is not writable.": "{filename!r} 不可写。",
    "{name} {filename!r} is not executable.": "{filename!r} 不可执行。",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "Value must be an iterable.": "值须为一组。",
    "unknown error": "未知错误",
    "Aborted!": "已中止。",
    "Do you want to continue?": "是否继续？",
    "Confirm the action without prompting.": "不询问，直接确认。",
}

# (singular, plural) → their Chinese, each with the placeholders of its English (the test holds them to it)
PLURAL: dict[tuple[str, str], tuple[str, str]] = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"): ("多余的参数（{args}）", "多余的参数（{args}）"),
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"):
        ("是不是 {possibility}？", "（是不是其中之一：{possibilities}？）"),
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."):
        ("选项 {name!r} 须带一个值。", "选项 {name!r} 须带 {nargs} 个值。"),
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."):
        ("{value!r} 不是可选的值 {choice}。", "{value!r} 不是可选的值（{choices}）之一。"),
    ("{value!r} does not match the format {format}.", "{value!r} does not match the formats {formats}."):
        ("{value!r} 不符合格式 {format}。", "{value!r} 不符合格式 {formats} 中的任何一种。"),
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."):
        ("须有 {nargs} 个值，实有 1 个。", "须有 {nargs} 个值，实有 {len} 个。"),
    ("{len_type} values are required, but {len_value} was given.", "{len_type} values are required, but {len_value} were given."):
        ("须有 {len_type} 个值，实有 {len_value} 个。", "须有 {len_type} 个值，实有 {len_value} 个。"),
}
