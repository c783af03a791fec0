"""SQLite for the demo's threaded server: WAL mode, and writing transactions that wait their turn.

With the default deferred ``BEGIN``, a transaction that has read and then
writes while another thread commits fails at once with "database is
locked", whatever the busy timeout. ``BEGIN IMMEDIATE`` takes the write lock
first, so concurrent webhooks queue for up to the ``timeout`` option
instead. WAL lets the agents' polls read meanwhile. Django 5.1 offers the
same through the ``transaction_mode`` option; this also runs on Django 4.2.
"""

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        connection.execute('PRAGMA journal_mode=WAL')
        return connection

    def _start_transaction_under_autocommit(self):
        self.cursor().execute('BEGIN IMMEDIATE')
