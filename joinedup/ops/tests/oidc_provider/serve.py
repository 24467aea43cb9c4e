"""Start the test provider: `python -m joinedup.ops.tests.oidc_provider.serve SETUP_JSON`.

SETUP_JSON names the port, the database file, the relying party's redirect
URI and client credentials, and the people who may sign in. The provider
migrates its own database, makes its signing key, registers the client,
prints "ready" and serves until it is stopped. `... serve --disable NAME`
(with the same OP_DATABASE) disables a person, as an admin would at Entra ID.
"""

import json
import os
import sys


def main() -> None:
    if sys.argv[1] == "--disable":
        os.environ.setdefault("OP_SITE_URL", "http://127.0.0.1")
        os.environ["DJANGO_SETTINGS_MODULE"] = "joinedup.ops.tests.oidc_provider.settings"
        import django

        django.setup()
        from django.contrib.auth.models import User

        User.objects.filter(username=sys.argv[2]).update(is_active=False)
        return
    setup = json.loads(sys.argv[1])
    os.environ["OP_SITE_URL"] = f"http://127.0.0.1:{setup['port']}"
    os.environ["OP_DATABASE"] = setup["database"]
    os.environ["DJANGO_SETTINGS_MODULE"] = "joinedup.ops.tests.oidc_provider.settings"
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from oidc_provider.models import Client, ResponseType

    call_command("migrate", verbosity=0)
    call_command("creatersakey", verbosity=0)
    for person in setup["people"]:
        User.objects.create_user(username=person["username"], password=person["password"], email=person["email"])
    client = Client.objects.create(
        name="Joined Up",
        client_id=setup["client_id"],
        client_secret=setup["client_secret"],
        client_type="confidential",
        jwt_alg="RS256",
        require_consent=False,
    )
    client.redirect_uris = [setup["redirect_uri"]]
    client.save()
    client.response_types.add(ResponseType.objects.get(value="code"))
    print("ready", flush=True)
    call_command("runserver", f"127.0.0.1:{setup['port']}", use_reloader=False, use_threading=True, verbosity=0)


if __name__ == "__main__":
    main()
