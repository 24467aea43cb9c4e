"""What the test provider asserts about a person: an opaque stable subject, and an email."""

import uuid

NAMESPACE = uuid.UUID("2f1c6a34-5d1e-4b8e-9a51-3c0f5d2b7e10")


def subject(user):  # type: ignore[no-untyped-def]
    # Opaque, like Entra ID's object id: derived from the account, never from its email.
    return str(uuid.uuid5(NAMESPACE, user.username))


def userinfo(claims, user):  # type: ignore[no-untyped-def]
    claims["email"] = user.email
    claims["email_verified"] = True
    claims["name"] = user.get_full_name() or user.username
    return claims
