"""The workbench server (``junheng serve``): the checker behind a JSON API and web pages, with a store, roles and an audit log.

Layout, bottom to top: ``settings`` (what the command line says), ``store/`` (the tables and their
migrations), ``ruleset`` (the data folder's editable rules and their versions), ``audit`` (the hash
chain), ``credentials`` (passwords and tokens, hashed), ``roles`` and ``problems`` (who may do what,
and the refusals), ``workbench`` (all of it opened together), ``checkers`` (the processes uploads are
checked in), ``service/`` (what a request may do, calling the library), then the HTTP side:
``middleware`` (body limit, same-origin writes, security headers), ``auth`` (who is asking), ``api``
(JSON routes), ``pages`` with ``templating`` (HTML) and ``app`` (``create_app``). docs/server.md describes it for the people who run it.
"""
