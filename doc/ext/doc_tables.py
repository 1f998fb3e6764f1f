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

"""The docutils table both of the project's Sphinx extensions build."""

from __future__ import annotations

from collections.abc import Sequence

from docutils import nodes


def table(header: Sequence[object], rows: Sequence[Sequence[object]],
          literal_first: bool = False,
          widths: Sequence[int] | None = None) -> nodes.table:
    """A table of text cells (``str()`` of each value).

    :param literal_first: show each row's first cell as code
    :param widths: relative column widths; equal when None
    """
    node = nodes.table()
    group = nodes.tgroup(cols=len(header))
    node += group
    for width in widths or [1] * len(header):
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    group += head
    body = nodes.tbody()
    group += body
    for target, cells in ((head, [header]), (body, rows)):
        for cells_row in cells:
            row = nodes.row()
            for i, cell in enumerate(cells_row):
                entry = nodes.entry()
                paragraph = nodes.paragraph()
                if i == 0 and literal_first and target is body:
                    paragraph += nodes.literal(text=str(cell))
                else:
                    paragraph += nodes.Text(str(cell))
                entry += paragraph
                row += entry
            target += row
    return node
