"""Nova's versioned objects (the part of them this feature uses)."""


def register_all() -> None:
    """Import every object module so the registry knows every class."""
    __import__('nova.objects.flavor')
    __import__('nova.objects.image_meta')
    __import__('nova.objects.instance')
    __import__('nova.objects.request_spec')
