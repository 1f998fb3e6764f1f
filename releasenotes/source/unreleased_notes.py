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

"""reno's ``release-notes`` directive, with a title for notes before any tag.

reno names notes after the last tag on the branch: ``1.2.0`` for those
that tag covers, ``1.2.0-3`` for the commits after it, which its
``unreleased-version-title`` option retitles.  On a branch with no tag yet
it names them all ``0.0.0``, a version this project never released, and
the option does not apply.  This directive takes the same options and, when
the repository has no ``0.0.0`` tag, gives those notes the unreleased title
too; with tags it changes nothing.
"""

from __future__ import annotations

from docutils import nodes
from dulwich import repo as dulwich_repo
from reno import defaults
from reno import sphinxext

# The version reno gives notes on a branch without any tag.
NO_TAG_VERSION = '0.0.0'
UNRELEASED_OPTION = 'unreleased-version-title'


class ReleaseNotesDirective(sphinxext.ReleaseNotesDirective):

    def _has_tag(self, name: str) -> bool:
        root = self._find_reporoot(
            self.options.get('reporoot', '.'),
            self.options.get('relnotessubdir',
                             defaults.RELEASE_NOTES_SUBDIR))
        tags = dulwich_repo.Repo(root).refs.as_dict(b'refs/tags')
        return name.encode() in tags

    def run(self) -> list[nodes.Node]:
        result = super().run()
        title = self.options.get(UNRELEASED_OPTION)
        if not title or self._has_tag(NO_TAG_VERSION):
            return result
        for node in result:
            if not isinstance(node, nodes.Element):
                continue
            for section in node.findall(nodes.section):
                heading = section.next_node(nodes.title)
                if heading is not None and \
                        heading.astext() == NO_TAG_VERSION:
                    heading.clear()
                    heading += nodes.Text(title)
                    section['ids'].insert(0, nodes.make_id(title))
        return result


def setup(app: object) -> dict[str, bool]:
    app.setup_extension('reno.sphinxext')  # type: ignore[attr-defined]
    app.add_directive(  # type: ignore[attr-defined]
        'release-notes', ReleaseNotesDirective, override=True)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
