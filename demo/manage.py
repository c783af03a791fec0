#!/usr/bin/env python3
"""Run the demo project's management commands (``make demo`` calls ``demo_serve``)."""

import os
import sys

if __name__ == '__main__':
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'demo.settings')
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
