"""Build hook: compile the gettext catalogues so wheels and Debian packages carry the .mo files."""

import glob
import subprocess

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogues(build_py):
    def run(self):
        for po in glob.glob('*/locale/*/LC_MESSAGES/django.po'):
            subprocess.check_call(['msgfmt', '--check', '-o', po[:-3] + '.mo', po])
        super().run()


setup(cmdclass={'build_py': BuildWithCatalogues})
