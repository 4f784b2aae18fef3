"""Certificate numbers: unguessable, so the public verify endpoint cannot be walked.

`COI-` and 20 characters of Crockford base32 from the OS's randomness (100 bits) in groups of
five, easy to read aloud and to type from paper: `COI-7K2M9-QXD4T-RBH8V-N3PQ2`.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS, GROUP = 4, 5


def certificate_number() -> str:
    characters = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP))
    groups = [characters[i : i + GROUP] for i in range(0, len(characters), GROUP)]
    return "COI-" + "-".join(groups)
