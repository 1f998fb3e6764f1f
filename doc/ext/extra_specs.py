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

"""Sphinx directive that documents extra specs from the validators themselves.

``.. extra-specs:: hw:maxphysaddr`` renders every registered validator whose
name starts with the argument, with its allowed values and description, and
the matching image property where one exists, so the reference cannot drift
from what the API enforces.
"""

import re

from docutils import nodes
from docutils.parsers.rst import Directive
from docutils.statemachine import ViewList
from sphinx.util.nodes import nested_parse_with_titles

from nova.api.validation.extra_specs import validators
from nova.objects import image_meta


def _escape(text: str) -> str:
    """Keep regular expressions and the like literal in reStructuredText."""
    return re.sub(r'([\\`*_|\[\]])', r'\\\1', text)


def _image_property(name: str) -> str | None:
    prop = name.replace(':', '_', 1)
    return prop if prop in image_meta.ImageMetaProps.fields else None


class ExtraSpecsDirective(Directive):
    required_arguments = 1

    def run(self):
        prefix = self.arguments[0]
        lines = ViewList()
        source = 'extra-specs:%s' % prefix
        found = sorted(name for name in validators.VALIDATORS
                       if name.startswith(prefix))
        if not found:
            raise self.error('no extra spec validator starts with %r'
                             % prefix)
        for name in found:
            validator = validators.VALIDATORS[name]
            rst = ['.. describe:: %s' % name, '']
            rst.append('   :Allowed: %s' % _escape(validator.allowed()))
            prop = _image_property(name)
            if prop:
                rst.append('   :Image property: ``%s`` (same values)' % prop)
            rst += ['', '   ' + validator.description, '']
            for line in rst:
                lines.append(line, source)
        node = nodes.section()
        node.document = self.state.document
        nested_parse_with_titles(self.state, lines, node)
        return node.children


def setup(app):
    app.add_directive('extra-specs', ExtraSpecsDirective)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
