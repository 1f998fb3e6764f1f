"""Nova's versioned objects (the part of them this feature uses).

Registering a class publishes it here (``objects.Flavor``), as in Nova; the
names below are for the type checker.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nova.objects.flavor import Flavor  # noqa: F401
    from nova.objects.image_meta import ImageMeta  # noqa: F401
    from nova.objects.image_meta import ImageMetaProps  # noqa: F401
    from nova.objects.instance import Instance  # noqa: F401
    from nova.objects.request_spec import RequestSpec  # noqa: F401


def register_all() -> None:
    """Import every object module so the registry knows every class."""
    __import__('nova.objects.flavor')
    __import__('nova.objects.image_meta')
    __import__('nova.objects.instance')
    __import__('nova.objects.request_spec')
