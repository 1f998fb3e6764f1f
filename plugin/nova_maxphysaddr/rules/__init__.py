"""The maxphysaddr rules, written once and imported by everyone.

Nothing here imports Nova or oslo: plain values in, a result or a typed
:mod:`~nova_maxphysaddr.rules.errors` error out.

* :mod:`.values`: the four keys, their values, and the mode traits;
* :mod:`.sizing`: how many bits a guest's memory map needs (QEMU's rule);
* :mod:`.request`: flavor + image -> the guest's request;
* :mod:`.host`: a host's width in ``cpu_info``, and whether it can honour
  a request;
* :mod:`.errors`: what a refusal carries and how it reads.
"""
