"""Migrations of the test-only echo connector."""
