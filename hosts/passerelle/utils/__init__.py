"""Stand-in for ``passerelle.utils``; only its ``api`` and ``jsonresponse`` modules are mirrored."""
