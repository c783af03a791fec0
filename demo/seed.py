"""Demo data, created or brought up to date on every start (idempotent).

Kept in one plain function so that the demo command and the end-to-end tests
seed exactly the same world.
"""

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

# The key printed in the reference text's example URLs. Demo only.
DEMO_API_KEY = 'abcdef'
AGENTS = [('agent', 'agent', '42'), ('agent2', 'agent2', '43')]
ADMIN = ('admin', 'admin')

# Profile phone numbers written the many ways people write them.
CITIZENS = [
    (
        'Camille',
        'Martin',
        '01 43 25 01 35',
        ['Inscription à la cantine scolaire', "Demande d'acte de naissance"],
    ),
    ('Lucas', 'Bernard', '06.12.34.56.78', ['Signalement : nid-de-poule rue des Lilas']),
    ('Léa', 'Dubois', '+33 6 98 76 54 32', []),
    ('Hugo', 'Thomas', '0478123456', ['Réservation de la salle des fêtes']),
    ('Chloé', 'Robert', '+33145678901', []),
    ('Nathan', 'Richard', '04 72 00 11 22', ['Permis de stationnement pour déménagement']),
    ('Manon', 'Petit', '07-81-22-33-44', []),
    ('Louis', 'Durand', '0033 1 40 00 00 00', ['Inscription sur les listes électorales']),
    ('Emma', 'Leroy', '05 56 10 20 30', ['Demande de carte de stationnement résident']),
    ('Jules', 'Moreau', '01.43.25.01.36', []),
    ('Inès', 'Simon', '+33 (0)6 11 22 33 44', ['Aide aux devoirs : inscription']),
    ('Paul', 'Martin', '02 40 41 42 43', []),
]


@transaction.atomic
def seed(base_url, signature_orig, signature_secret):
    """Create the connector, its API users, the agents, the portal page and the citizens.

    `base_url` is where the demo server answers (the cell calls the connector there).
    """
    from combo.apps.search.models import DirectoryUser, OpenRequest, SearchCell
    from combo.data.models import Page
    from passerelle.base.models import AccessRight, ApiUser

    from combo_phone_cell.models import AgentExtension, PhoneCallCell
    from passerelle_phonecalls.models import PhoneCalls

    connector, _ = PhoneCalls.objects.get_or_create(
        slug='ipbx', defaults={'title': 'IPBX', 'description': 'Demo phone system'}
    )
    resource_type = ContentType.objects.get_for_model(PhoneCalls)
    for username, keytype, key in [('ipbx', 'API', DEMO_API_KEY), (signature_orig, 'SIGN', signature_secret)]:
        api_user, _ = ApiUser.objects.update_or_create(
            username=username, defaults={'fullname': username, 'keytype': keytype, 'key': key}
        )
        AccessRight.objects.get_or_create(
            codename='can_access', apiuser=api_user, resource_type=resource_type, resource_pk=connector.pk
        )

    User = get_user_model()
    for username, password, extension in AGENTS:
        user, created = User.objects.get_or_create(
            username=username, defaults={'first_name': username.title()}
        )
        if created:
            user.set_password(password)
            user.save()
        AgentExtension.objects.update_or_create(user=user, defaults={'extension': extension})
    if not User.objects.filter(username=ADMIN[0]).exists():
        User.objects.create_superuser(ADMIN[0], 'admin@example.invalid', ADMIN[1])

    page, _ = Page.objects.get_or_create(
        slug='index', defaults={'title': 'Portail agent', 'public': False, 'order': 0}
    )
    PhoneCallCell.objects.update_or_create(
        page=page,
        slug='telephonie',
        defaults={'order': 0, 'public': False, 'connector_url': '%s/phonecalls/ipbx/' % base_url.rstrip('/')},
    )
    SearchCell.objects.get_or_create(page=page, slug='recherche', defaults={'order': 1, 'public': False})

    for first_name, last_name, phone, requests in CITIZENS:
        citizen, _ = DirectoryUser.objects.update_or_create(
            first_name=first_name,
            last_name=last_name,
            defaults={'phone': phone, 'email': '%s.%s@example.org' % (first_name.lower(), last_name.lower())},
        )
        for title in requests:
            OpenRequest.objects.get_or_create(user=citizen, title=title, defaults={'status': 'En cours'})
    return connector
