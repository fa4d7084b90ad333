"""Importing another community's content (a Stack Exchange dump): the write side. Readers in
`app/importers/` parse files and hand rows in batches to these service functions."""
from community.imports.content import import_links, import_posts
from community.imports.people import import_users
from community.imports.run import (ImportRun, LinkRow, PostRow, Site, UserRow, begin_import,
                                   finish_import)

__all__ = ["ImportRun", "LinkRow", "PostRow", "Site", "UserRow", "begin_import",
           "finish_import", "import_links", "import_posts", "import_users"]
