"""Demo data: what is missing is created, what is there is left as an administrator or agent set it.

Kept in one plain function so that the demo command, the end-to-end tests
and the benchmarks seed exactly the same world.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.text import slugify

# The key printed in the reference text's example URLs. Demo only.
DEMO_API_KEY = 'abcdef'
AGENTS = [('agent', 'agent', '42'), ('agent2', 'agent2', '43')]
ADMIN = ('admin', 'admin')

# Profiles as Authentic keeps them: most numbers in a *phone number* attribute
# (E.164); Paul Martin's in a *French phone number* one (ten digits); Jules
# Moreau's only in an older text field, written the way someone typed it.
PHONE = ('Téléphone', 'phone_number')
CITIZENS = [
    ('Camille', 'Martin', [PHONE + ('+33143250135',)]),
    ('Lucas', 'Bernard', [('Téléphone portable', 'phone_number', '+33612345678')]),
    ('Léa', 'Dubois', [PHONE + ('+33698765432',)]),
    ('Hugo', 'Thomas', [PHONE + ('+33478123456',)]),
    ('Chloé', 'Robert', [PHONE + ('+33145678901',)]),
    ('Nathan', 'Richard', [PHONE + ('+33472001122',)]),
    ('Manon', 'Petit', [PHONE + ('+33781223344',)]),
    ('Louis', 'Durand', [PHONE + ('+33140000000',)]),
    ('Emma', 'Leroy', [PHONE + ('+33556102030',)]),
    ('Inès', 'Simon', [PHONE + ('+33611223344',)]),
    ('Paul', 'Martin', [('Téléphone fixe', 'fr_phone_number', '0240414243')]),
    ('Jules', 'Moreau', [('Téléphone (ancien champ)', 'string', '01.43.25.01.36')]),
]


def follow_seed(instance, field, value):
    """Give ``instance.field`` the new ``value`` only if it still holds what the seed last wrote.

    So a new ``PORT`` moves the seeded URLs along, while a URL an
    administrator changed stays.
    """
    from demo.models import SeededValue

    name = f'{instance._meta.label}.{instance.pk}.{field}'
    seeded, _ = SeededValue.objects.get_or_create(name=name, defaults={'value': value})
    if seeded.value != value and getattr(instance, field) == seeded.value:
        setattr(instance, field, value)
        instance.save(update_fields=[field])
        seeded.value = value
        seeded.save()


@transaction.atomic
def seed(base_url, signature_orig, signature_secret):
    """The connector and its API users, the agents, the portal page and its cells, the citizens.

    ``base_url`` is where the demo server answers (the cell calls the connector there).
    """
    from combo.apps.search.models import ProfileAttribute, SearchCell
    from combo.data.models import Page
    from passerelle.base.models import AccessRight, ApiUser

    from combo_phone_cell.models import AgentExtension, PhoneCallCell
    from passerelle_phonecalls.models import PhoneCalls

    connector, _ = PhoneCalls.objects.get_or_create(
        slug='ipbx', defaults={'title': 'IPBX', 'description': 'Téléphonie de la mairie (démo)'}
    )
    resource_type = ContentType.objects.get_for_model(PhoneCalls)
    for username, keytype, key in [('ipbx', 'API', DEMO_API_KEY), (signature_orig, 'SIGN', signature_secret)]:
        api_user, _ = ApiUser.objects.get_or_create(
            username=username, defaults={'fullname': username, 'keytype': keytype, 'key': key}
        )
        AccessRight.objects.get_or_create(
            codename='can_access', apiuser=api_user, resource_type=resource_type, resource_pk=connector.pk
        )

    User = get_user_model()
    agents_group, _ = Group.objects.get_or_create(name=settings.DEMO_AGENTS_GROUP)
    for username, password, extension in AGENTS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={'first_name': username.title(), 'email': f'{username}@mairie.example'},
        )
        if created:
            user.set_password(password)
            user.save()
            user.groups.add(agents_group)
        AgentExtension.objects.get_or_create(user=user, defaults={'extension': extension})
    if not User.objects.filter(username=ADMIN[0]).exists():
        User.objects.create_superuser(ADMIN[0], 'admin@mairie.example', ADMIN[1], first_name='Admin')

    page, _ = Page.objects.get_or_create(
        slug='index', parent=None, defaults={'title': 'Portail agent', 'public': False}
    )
    connector_url = '%s/phonecalls/ipbx/' % base_url.rstrip('/')
    cell_defaults = {
        'order': 0,
        'public': False,
        'connector_url': connector_url,
        # During a call, the w.c.s. forms the agent may submit in back office (two in the demo).
        'forms_offer': 'all',
    }
    cell, _ = PhoneCallCell.objects.get_or_create(page=page, slug='telephonie', defaults=cell_defaults)
    follow_seed(cell, 'connector_url', connector_url)
    SearchCell.objects.get_or_create(page=page, slug='recherche', defaults={'order': 1, 'public': False})

    for first_name, last_name, attributes in CITIZENS:
        username = f'{slugify(first_name)}.{slugify(last_name)}'
        citizen, created = User.objects.get_or_create(
            username=username,
            defaults={'first_name': first_name, 'last_name': last_name, 'email': f'{username}@example.org'},
        )
        if created:
            citizen.set_unusable_password()
            citizen.save()
            for label, kind, value in attributes:
                ProfileAttribute.objects.create(user=citizen, label=label, kind=kind, value=value)
    return connector
