"""A minimal writer of OLE compound files ([MS-CFB], version 3) and of Outlook .msg files.

No Python library writes .msg, so the tests build real ones from the published formats
([MS-CFB] for the container, [MS-OXMSG] for the property streams) and read them back through
the product's ingest. Only what small test messages need: 512-byte sectors, a mini stream for
streams under 4096 bytes, up to 109 FAT sectors, storages and streams.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

SECTOR = 512
MINI = 64
CUTOFF = 4096
FREE, END, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF


@dataclass
class Node:
    name: str
    data: bytes | None = None  # None for a storage
    children: list[Node] = field(default_factory=list)


def _key(node: Node) -> tuple[int, str]:
    return (len(node.name), node.name.upper())


def write_cfb(root_children: list[Node]) -> bytes:
    """The bytes of a compound file whose root storage holds `root_children`."""
    root = Node("Root Entry", None, root_children)
    entries: list[Node] = []

    def collect(node: Node) -> None:
        entries.append(node)
        for child in node.children:
            collect(child)

    collect(root)
    index = {id(node): i for i, node in enumerate(entries)}

    # Sibling trees: a balanced binary search tree per storage (all nodes black).
    left = [NOSTREAM] * len(entries)
    right = [NOSTREAM] * len(entries)
    child_of = [NOSTREAM] * len(entries)

    def build(nodes: list[Node]) -> int:
        if not nodes:
            return NOSTREAM
        mid = len(nodes) // 2
        here = index[id(nodes[mid])]
        left[here] = build(nodes[:mid])
        right[here] = build(nodes[mid + 1 :])
        return here

    for node in entries:
        if node.data is None:
            child_of[index[id(node)]] = build(sorted(node.children, key=_key))

    # Mini stream for the small streams, regular sectors for the others.
    mini = bytearray()
    minifat: list[int] = []
    start = [END] * len(entries)
    big: list[tuple[int, bytes]] = []
    for i, node in enumerate(entries):
        if node.data is None or not node.data:
            continue
        if len(node.data) < CUTOFF:
            first = len(mini) // MINI
            count = -(-len(node.data) // MINI)
            minifat.extend(list(range(first + 1, first + count)) + [END])
            start[i] = first
            mini += node.data + b"\0" * (count * MINI - len(node.data))
        else:
            big.append((i, node.data))

    sectors: list[bytes] = []
    fat: list[int] = []

    def add_chain(data: bytes) -> int:
        first = len(sectors)
        count = max(1, -(-len(data) // SECTOR))
        for k in range(count):
            sectors.append(data[k * SECTOR : (k + 1) * SECTOR].ljust(SECTOR, b"\0"))
            fat.append(first + k + 1 if k < count - 1 else END)
        return first

    for i, data in big:
        start[i] = add_chain(data)
    mini_start = add_chain(bytes(mini)) if mini else END
    minifat_bytes = b"".join(struct.pack("<I", v) for v in minifat)
    minifat_start = add_chain(minifat_bytes) if minifat else END
    minifat_count = -(-len(minifat_bytes) // SECTOR) if minifat else 0

    directory = bytearray()
    for i, node in enumerate(entries):
        name = node.name.encode("utf-16-le") + b"\0\0"
        kind = 5 if i == 0 else (1 if node.data is None else 2)
        if i == 0:
            first, size = mini_start, len(mini)
        else:
            first, size = start[i], len(node.data or b"")
            if node.data is None:
                first = 0
        directory += struct.pack(
            "<64sHBBIII16sIQQIQ",
            name.ljust(64, b"\0"),
            len(name),
            kind,
            1,
            left[i],
            right[i],
            child_of[i],
            b"\0" * 16,
            0,
            0,
            0,
            first,
            size,
        )
    while len(directory) % SECTOR:
        directory += struct.pack(
            "<64sHBBIII16sIQQIQ",
            b"",
            0,
            0,
            0,
            NOSTREAM,
            NOSTREAM,
            NOSTREAM,
            b"\0" * 16,
            0,
            0,
            0,
            0,
            0,
        )
    dir_start = add_chain(bytes(directory))

    # FAT sectors describe themselves too.
    n_fat = 1
    while (len(sectors) + n_fat) > n_fat * (SECTOR // 4):
        n_fat += 1
    fat_first = len(sectors)
    fat.extend([FATSECT] * n_fat)
    fat.extend([FREE] * (n_fat * (SECTOR // 4) - len(fat)))
    fat_bytes = b"".join(struct.pack("<I", v) for v in fat)
    for k in range(n_fat):
        sectors.append(fat_bytes[k * SECTOR : (k + 1) * SECTOR])
    assert n_fat <= 109
    difat = [fat_first + k for k in range(n_fat)] + [FREE] * (109 - n_fat)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\0" * 16,
        0x3E,
        3,
        0xFFFE,
        9,
        6,
        b"\0" * 6,
        0,
        n_fat,
        dir_start,
        0,
        CUTOFF,
        minifat_start,
        minifat_count,
        END,
        0,
    ) + b"".join(struct.pack("<I", v) for v in difat)
    assert len(header) == SECTOR
    return header + b"".join(sectors)


def _string(tag: int, value: str) -> tuple[Node, bytes]:
    name = f"__substg1.0_{tag:08X}"
    data = value.encode("utf-16-le")
    entry = struct.pack("<IIII", tag, 6, len(data) + 2, 0)
    return Node(name, data), entry


def _binary(tag: int, value: bytes) -> tuple[Node, bytes]:
    return Node(f"__substg1.0_{tag:08X}", value), struct.pack("<IIII", tag, 6, len(value), 0)


def write_msg(
    *,
    subject: str,
    sender: str,
    body: str,
    headers: str | None = None,
    attachments: list[tuple[str, bytes]] = (),  # type: ignore[assignment]
) -> bytes:
    """A small Outlook .msg (IPM.Note) with the standard property streams ([MS-OXMSG])."""
    props: list[tuple[Node, bytes]] = [
        _string(0x001A001F, "IPM.Note"),
        _string(0x0037001F, subject),
        _string(0x0C1F001F, sender),
        _string(0x0C1A001F, sender.split("@")[0]),
        _string(0x1000001F, body),
    ]
    if headers is not None:
        props.append(_string(0x007D001F, headers))
    children = [node for node, _ in props]
    children.append(
        Node(
            "__nameid_version1.0",
            None,
            [
                Node("__substg1.0_00020102", b""),
                Node("__substg1.0_00030102", b""),
                Node("__substg1.0_00040102", b""),
            ],
        )
    )
    for n, (filename, data) in enumerate(attachments):
        attach_props = [
            _string(0x3707001F, filename),
            _string(0x3704001F, filename[:8]),
            _binary(0x37010102, data),
        ]
        method = struct.pack("<IIII", 0x37050003, 6, 1, 0)  # ATTACH_BY_VALUE
        stream = b"\0" * 8 + b"".join(e for _, e in attach_props) + method
        children.append(
            Node(
                f"__attach_version1.0_#{n:08X}",
                None,
                [node for node, _ in attach_props] + [Node("__properties_version1.0", stream)],
            )
        )
    header = struct.pack(
        "<8sIIII8s", b"\0" * 8, 0, len(attachments), 0, len(attachments), b"\0" * 8
    )
    children.append(Node("__properties_version1.0", header + b"".join(e for _, e in props)))
    return write_cfb(children)
