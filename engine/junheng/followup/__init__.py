"""The supervision loop across years (follow-up.md): the rectification ledger (整改台账), the site sample
(抽签选点) and the on-site verification (实地核查).

- ``ledger``: two checked filings of one district compared finding by finding (已整改 / 部分整改 / 未整改 /
  无法判断 / 新增问题), and its formats (``ledger_formats``);
- ``sample``: the reproducible stratified draw of schools to visit, and the 核查表 inspectors fill in;
- ``verify``: a filled 核查表 read back, and the filing checked with the verified figures (DATA-06).
"""
