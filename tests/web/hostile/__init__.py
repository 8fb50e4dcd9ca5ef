"""What the security tests (``test_security_*.py``) share: every route of the application (``routes``), hostile filings
(``corpus``) and workbooks (``workbooks``) made on the spot, a real ``junheng serve`` process to attack, kill and
measure (``process``), and the tallies the run prints at its end (``tally``)."""
