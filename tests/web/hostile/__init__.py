"""What the security tests (``test_security_*.py``) share: hostile workbooks made on the spot (``workbooks``), a real
``junheng serve`` process to attack, kill and measure (``process``), and the tallies the run prints (``tally``)."""
