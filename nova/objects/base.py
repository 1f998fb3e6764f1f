"""Nova's object base and registry, on oslo.versionedobjects."""

from __future__ import annotations

from oslo_versionedobjects import base as ovo_base


class NovaObjectRegistry(ovo_base.VersionedObjectRegistry):
    """The registry of every ``nova.objects`` class.

    Registering also publishes the class as ``nova.objects.<Name>``, as Nova
    does, so callers write ``objects.Flavor`` and never import the module.
    """

    def registration_hook(self, cls, index):
        from nova import objects

        version = tuple(int(p) for p in cls.VERSION.split('.'))
        current = getattr(objects, cls.obj_name(), None)
        if current is None or version >= tuple(
                int(p) for p in current.VERSION.split('.')):
            setattr(objects, cls.obj_name(), cls)


class NovaObject(ovo_base.VersionedObject):
    """Base of every Nova object: the ``nova`` namespace and serialisation."""

    OBJ_SERIAL_NAMESPACE = 'nova_object'
    OBJ_PROJECT_NAMESPACE = 'nova'


class NovaObjectSerializer(ovo_base.VersionedObjectSerializer):
    OBJ_BASE_CLASS = NovaObject
