"""The main job's infrastructure, apart from the product code.

* :mod:`.embedded`: libvirt's embedded QEMU driver, set up for real QEMU
  without a daemon;
* :mod:`.simulated_hosts`: compute hosts that exist only as what their
  libvirt would answer;
* :mod:`.boot_path`: one boot request walked through API, scheduler and
  compute, each step recorded;
* :mod:`.qemu`: what QEMU actually gave a guest, and its refusals.
"""
