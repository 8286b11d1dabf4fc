"""Texts with planted personal data and its look-alikes, each planted value known to be redacted or kept, as the
redaction tests read them. Whether an address is public comes from the ranges it is drawn from (IANA's special-
purpose registries, RFC 1918, 3927, 4193, 5737, 3849, 4291), not from the code under test."""

import ipaddress
import random

# Allocated unicast blocks outside every special-purpose range (IANA IPv4 and IPv6 address space registries).
PUBLIC_V4 = ["8.0.0.0/9", "23.0.0.0/8", "81.0.0.0/8", "151.0.0.0/10", "213.0.0.0/8"]
PUBLIC_V6 = ["2a00::/12", "2606:4700::/32", "2400::/12"]
KEPT_V4 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "192.0.2.0/24",
           "198.51.100.0/24", "203.0.113.0/24"]
KEPT_V6 = ["fe80::/64", "fc00::/7", "2001:db8::/32", "::1/128"]
# Things with an @ or dotted numbers that are no one's address.
LOOK_ALIKES = ["user@localhost", "root@server", "@handle", "@scope/pkg@1.2.3", "pkg@1.2.3", "lodash@4.17.21",
               "someone@example.org", "x@mail.example.com", "a@b.test", "1.2.3.4.5", "999.1.1.1", "10.0.0.256",
               "v2.10.3.1.7", "12:30:45", "std::vector", "256.256.256.256", "1.2.3"]
NAMES = ["jane.doe", "j_smith", "max+news", "o'brien", "info", "m.muster"]
DOMAINS = ["gmail.com", "uni-bonn.de", "mail.co.uk", "web.de", "company.io"]


def _address(rng: random.Random, network: str) -> str:
    block = ipaddress.ip_network(network)
    return str(block[rng.randrange(block.num_addresses)] if block.num_addresses < 2**32 else
               block.network_address + rng.randrange(2**32))


def planted(rng: random.Random, items: int = 6) -> tuple[str, list[tuple[str, str, bool]]]:
    """A text and what was planted in it: (kind, value, redacted), kind `emails` or `ips`."""
    plants = []
    for _ in range(items):
        choice = rng.randrange(5)
        if choice == 0:
            plants.append(("emails", f"{rng.choice(NAMES)}{rng.randrange(100)}@{rng.choice(DOMAINS)}", True))
        elif choice == 1:
            plants.append(("ips", _address(rng, rng.choice(PUBLIC_V4 + PUBLIC_V6)), True))
        elif choice == 2:
            plants.append(("ips", _address(rng, rng.choice(KEPT_V4 + KEPT_V6)), False))
        else:
            plants.append(("look-alike", rng.choice(LOOK_ALIKES), False))
    words = []
    for _, value, _ in plants:
        words += [rng.choice(["Write to", "see", "host", "(", "at", "from"]), value,
                  rng.choice([".", ",", ")", "and more", "\n"])]
    return " ".join(words), plants
