# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

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
