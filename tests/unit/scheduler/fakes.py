"""Request specs and compute node records for the scheduler tests."""

import json

from nova import objects
from nova.scheduler import host_manager

objects.register_all()

# cpu_info as the libvirt driver stores it (abridged feature list).
BASE_CPU_INFO = {
    'arch': 'x86_64',
    'model': 'EPYC-Milan',
    'vendor': 'AMD',
    'topology': {'cells': 1, 'sockets': 1, 'cores': 8, 'threads': 2},
    'features': ['avx', 'avx2', 'sse4.2', 'pdpe1gb', 'svm'],
}
SUPPORTED_INSTANCES = [['x86_64', 'qemu', 'hvm'], ['i686', 'qemu', 'hvm']]
# Absent key, marker for "no maxphysaddr in cpu_info".
NO_MAXPHYSADDR = object()

# Host width values that are not a usable width: the filters must treat
# every one as unknown (fail closed) and never raise.
JUNK_BITS = [None, 'abc', '', -1, 0, 65, True, False, 48.0, '48.0', ' 48',
             [48], {'bits': 48}, '4_8']


def cpu_info(bits=NO_MAXPHYSADDR, as_json=True, **maxphysaddr):
    """A compute node's cpu_info, with ``maxphysaddr: {mode, bits}``."""
    info = dict(BASE_CPU_INFO)
    if bits is not NO_MAXPHYSADDR:
        info['maxphysaddr'] = dict({'mode': 'emulate', 'bits': bits},
                                   **maxphysaddr)
    return json.dumps(info) if as_json else info


def compute_node(cpu_info_value=None, **overrides):
    """A record shaped like the driver's get_available_resource()."""
    record = {
        'cpu_info': cpu_info(48) if cpu_info_value is None
        else cpu_info_value,
        'hypervisor_type': 'QEMU',
        'hypervisor_version': 7002000,
        'hypervisor_hostname': 'node1',
        'supported_instances': SUPPORTED_INSTANCES,
        'vcpus': 16,
        'memory_mb': 65536,
        'local_gb': 500,
    }
    record.update(overrides)
    return record


def host(name='host1', cpu_info_value=None, **overrides):
    state = host_manager.HostState(name, name)
    state.update(compute_node(cpu_info_value, **overrides))
    return state


def host_with_bits(bits, as_json=True, name=None):
    return host(name or 'host-%r' % (bits,), cpu_info(bits, as_json))


def flavor(memory_mb=2048, vcpus=2, root_gb=1, **extra_specs):
    return objects.Flavor(memory_mb=memory_mb, vcpus=vcpus, root_gb=root_gb,
                          extra_specs=extra_specs)


def spec(extra_specs=None, image_props=None, memory_mb=2048, **flavor_kw):
    """A RequestSpec; image_props None means no image at all."""
    image = None
    if image_props is not None:
        image = objects.ImageMeta.from_dict({'properties': image_props})
    return objects.RequestSpec(
        flavor=flavor(memory_mb, **flavor_kw, **(extra_specs or {})),
        image=image)


def flavor_bits(bits, **extra):
    return spec(dict({'hw:maxphysaddr_mode': 'emulate',
                      'hw:maxphysaddr_bits': str(bits)}, **extra))


def image_bits(bits, **props):
    return spec(image_props=dict({'hw_maxphysaddr_mode': 'emulate',
                                  'hw_maxphysaddr_bits': bits}, **props))
