"""Command line entry points.

libvirt's embedded drivers run inside our process and log to its stderr,
including errors they recover from themselves (a missing /dev/mem for
dmidecode, lookups of guests that do not exist yet).  Operators reading the
main job's report should see our account of what happened, so libvirt's own
log goes to a file instead, unless LIBVIRT_LOG_OUTPUTS says otherwise.  It
must be set before libvirt is first imported.
"""

import os
import tempfile

LIBVIRT_LOG_FILE = os.path.join(tempfile.gettempdir(),
                                'nova-maxphysaddr-libvirt.log')
os.environ.setdefault('LIBVIRT_LOG_OUTPUTS', '3:file:' + LIBVIRT_LOG_FILE)
