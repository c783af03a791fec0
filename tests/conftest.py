"""Shared by every suite: Hypothesis profiles, chosen by the environment.

``dev`` (the default) keeps a local run quick; ``ci`` (chosen when ``CI=true``,
or with ``HYPOTHESIS_PROFILE=ci``) explores many more examples. Property tests
set no example count of their own, so that the profile decides; a test that
must explore more than others scales the profile's count with ``examples()``.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    'dev',
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    'ci',
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    print_blob=True,
)


def default_profile():
    if os.environ.get('HYPOTHESIS_PROFILE'):
        return os.environ['HYPOTHESIS_PROFILE']
    return 'ci' if os.environ.get('CI', '').lower() in ('1', 'true', 'yes') else 'dev'


settings.load_profile(default_profile())


def examples(factor):
    """``factor`` times the profile's example count, for a property that needs more (or fewer) examples."""
    return max(1, int(settings().max_examples * factor))
