"""The Go checksum database, checked offline first and with proofs.

- :mod:`.note`: verifier keys and signed notes (golang.org/x/mod/sumdb/note);
- :mod:`.tlog`: RFC 6962 hashing, stored-hash indexes, tiles, tree heads,
  inclusion and consistency proofs (golang.org/x/mod/sumdb/tlog);
- :mod:`.remote`: the GOSUMDB setting, finding the database through GOPROXY,
  fetching with timeouts, retries and bounded concurrency (``--online`` only);
- :mod:`.client`: the verifier: what the go command cached, what gozt-lint
  cached, what was fetched, all re-authenticated against signed tree heads.
- :mod:`.check`: one run over a :class:`~gozt_lint.context.Context`: every go.sum
  line and cached module version in scope, as a report the rules read.

Nothing here imports ``cryptography`` at module level: signatures are checked
only when a note is opened.
"""
