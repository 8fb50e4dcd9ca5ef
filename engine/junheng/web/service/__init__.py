"""The service layer: what a request may do, as plain functions of the workbench and the person asking.

The JSON API and the pages call these and nothing below them; these call the checker library (``check``,
``report``, ``policy``) and the store. Each function checks the role itself, reads or writes in one transaction,
records what it did in the audit log, and raises ``problems.Refused`` for anything it will not do.

- ``filings``: upload (validate and check, as ``junheng check`` does), list, read, re-check, reports
- ``accounts``: users, passwords, tokens, logins
- ``catalogue``: the rules in use
- ``changes``: rule change requests (proposal, impact, approval)
- ``logbook``: reading and verifying the audit log
"""
