"""A tiny Combo plugin used by the stand-in Combo's own tests."""
