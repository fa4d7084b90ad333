"""Small Stack Exchange dumps written by tests: the old schema (tags `<a><b>`, no licence), the
new one (tags `|a|b|`, ContentLicense per row) and a partial one (Posts.xml + PostLinks.xml)."""
import xml.etree.ElementTree as ET
from pathlib import Path

XSS_BODY = ("<p>I want to brew <strong>pale</strong> ale.</p><script>alert('xss')</script>"
            "<img src=x onerror=alert(1)><a href=\"javascript:alert(2)\">click</a>")

USERS = [
    {"Id": "-1", "Reputation": "1", "DisplayName": "Community", "CreationDate": "2014-01-21T17:45:53.587"},
    {"Id": "5", "Reputation": "101", "DisplayName": "Ann Example", "CreationDate": "2014-01-22T10:00:00.000"},
    {"Id": "6", "Reputation": "11", "DisplayName": "Ann Example", "CreationDate": "2014-01-22T11:00:00.000"},
    {"Id": "7", "Reputation": "5000", "DisplayName": "<script>alert(3)</script>",
     "CreationDate": "2014-01-23T10:00:00.000"},
    {"Id": "8", "Reputation": "1", "DisplayName": "x", "CreationDate": "2014-01-24T10:00:00.000"},
    {"DisplayName": "no id at all"},
]


def _question(id_, title, tags, owner=None, name=None, accepted=None, score="0", body=None):
    row = {"Id": id_, "PostTypeId": "1", "CreationDate": "2014-02-01T10:00:00.000",
           "Score": score, "ViewCount": "42", "Title": title, "Tags": tags,
           "Body": body or f"<p>Body of question {id_}, long enough to read.</p>",
           "LastActivityDate": "2014-02-03T10:00:00.000"}
    row.update({k: v for k, v in (("OwnerUserId", owner), ("OwnerDisplayName", name),
                                  ("AcceptedAnswerId", accepted)) if v})
    return row


def _answer(id_, parent, owner=None, score="0", name=None):
    row = {"Id": id_, "PostTypeId": "2", "ParentId": parent, "Score": score,
           "CreationDate": "2014-02-02T10:00:00.000",
           "Body": f"<p>Answer {id_}: use <code>more hops</code>.</p><pre><code>boil 60 min\n"
                   f"</code></pre>"}
    row.update({k: v for k, v in (("OwnerUserId", owner), ("OwnerDisplayName", name)) if v})
    return row


def posts(tags=lambda *names: "".join(f"<{n}>" for n in names)):
    return [
        _question("10", "How do I brew a pale ale at home?", tags("beer", "ale"), owner="5",
                  accepted="12", score="7", body=XSS_BODY),
        _answer("11", "10", owner="6", score="2"),
        _answer("12", "10", owner="7", score="9"),
        _question("13", "Which yeast ferments lagers best?",
                  tags("ok-tag", "this-tag-is-far-too-long-for-the-rules-of-tags", "Bad Tag!"),
                  name="Gone Person"),
        _question("14", "Brewing pale ale at home, how?", tags("ale"), owner="5"),
        _answer("15", "999", owner="5"),
        _question("16", "Is mead a kind of beer or a wine?", tags("mead"), owner="6",
                  accepted="998"),
        {"Id": "17", "PostTypeId": "5", "Body": "<p>tag wiki</p>"},
        {"Id": "18", "PostTypeId": "9", "Body": "<p>unknown</p>"},
        {"PostTypeId": "1", "Title": "No id on this question"},
        _answer("19", "13"),
        _question("20", "", tags("ale"), owner="5"),
    ]


LINKS = [
    {"Id": "1", "PostId": "14", "RelatedPostId": "10", "LinkTypeId": "3"},
    {"Id": "2", "PostId": "13", "RelatedPostId": "10", "LinkTypeId": "1"},
    {"Id": "3", "PostId": "16", "RelatedPostId": "777", "LinkTypeId": "3"},
    {"Id": "4", "PostId": "14", "RelatedPostId": "14", "LinkTypeId": "3"},
]


def write_xml(path: Path, root: str, rows: list[dict]) -> None:
    element = ET.Element(root)
    for attrs in rows:
        ET.SubElement(element, "row", attrs)
    ET.ElementTree(element).write(path, encoding="utf-8", xml_declaration=True)


def write_dump(directory: Path, schema: str = "old") -> Path:
    """A dump of `schema` "old", "new" or "partial" in `directory` (named like the site)."""
    directory.mkdir(parents=True, exist_ok=True)
    rows = posts() if schema != "new" else posts(lambda *n: "|" + "|".join(n) + "|")
    if schema == "new":
        for row in rows:
            row["ContentLicense"] = "CC BY-SA 4.0"
    write_xml(directory / "Posts.xml", "posts", rows)
    write_xml(directory / "PostLinks.xml", "postlinks", LINKS)
    if schema != "partial":
        write_xml(directory / "Users.xml", "users", USERS)
    return directory
