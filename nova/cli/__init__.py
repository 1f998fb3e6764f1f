"""The ``nova-maxphysaddr`` operator tool: one module per command
(:mod:`.check`, :mod:`.audit`, :mod:`.advise`, :mod:`.host`, :mod:`.boot`),
the cliff application (:mod:`.app`), and what they share (:mod:`.common`,
:mod:`.inputs`, :mod:`.evaluate`, :mod:`.backends`)."""
