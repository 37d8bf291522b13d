"""A minimal writer of Unicode Outlook PST files ([MS-PST]) for the tests.

No Python library writes PST and no small, openly licensed PST is at hand, so the tests build
real ones from the published format and read them back through the product's ingest (libpff).
Only what small test mailboxes need, in the three layers of [MS-PST]:

- NDB: the HEADER with its CRCs, AMap and PMap pages, data blocks with their BLOCKTRAILER,
  XBLOCKs for data over one block, SLBLOCKs for subnodes, and the node and block B-trees
  (BBT/NBT) with as many levels as the entries need; no encryption (NDB_CRYPT_NONE).
- LTP: heap-on-node (one block per heap), BTH, property contexts and table contexts.
- Messaging: the message store, the name-to-ID map, the root folder with its hierarchy,
  contents and associated contents tables, folders, messages (subject, plain text body,
  transport headers, sender, delivery time), recipient tables and by-value attachments.

Limits, checked by asserts: every heap fits one block (property values over `MAX_HEAP_VALUE`
bytes go to subnodes, as Outlook does), a table's rows fit one block (about 200 messages per
folder), a message has at most 340 subnodes, the file at most 8 AMap regions (about 2 MB).
Left out: the name-to-ID map's hash buckets, search folders and their queues, and the template
and search nodes Outlook adds; libpff does not need them.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

BLOCK_DATA_MAX = 8176  # 8192-byte blocks less their 16-byte trailer
PAGE = 512
AMAP_FIRST = 0x4400
AMAP_SPAN = 496 * 8 * 64  # bytes covered by one AMap page
MAX_HEAP_VALUE = 1024  # bigger property values live in subnodes; keeps every heap in one block
MAX_ALLOCATION = 3580  # [MS-PST] 2.3.1.1: the largest heap allocation

# Page types and B-tree page geometry (Unicode)
PTYPE_BBT, PTYPE_NBT, PTYPE_PMAP, PTYPE_AMAP = 0x80, 0x81, 0x83, 0x84
BT_ENTRIES_BYTES = 488

# Node IDs ([MS-PST] 2.2.2.1 and 2.4.1)
NID_TYPE_NORMAL_FOLDER, NID_TYPE_NORMAL_MESSAGE, NID_TYPE_ATTACHMENT = 0x02, 0x04, 0x05
NID_TYPE_LTP = 0x1F
NID_MESSAGE_STORE, NID_NAME_TO_ID_MAP, NID_ROOT_FOLDER = 0x21, 0x61, 0x122
NID_ATTACHMENT_TABLE, NID_RECIPIENT_TABLE = 0x671, 0x692
HIERARCHY, CONTENTS, ASSOC_CONTENTS = 0x0B, 0x0C, 0x0D  # added to a folder's NID

# Property tags (id << 16 | type)
PT_INT32, PT_BOOL, PT_INT64, PT_TIME, PT_UNICODE, PT_BINARY = 3, 0xB, 0x14, 0x40, 0x1F, 0x102
TAG_MESSAGE_CLASS = 0x001A001F
TAG_SUBJECT = 0x0037001F
TAG_CLIENT_SUBMIT_TIME = 0x00390040
TAG_TRANSPORT_HEADERS = 0x007D001F
TAG_RECIPIENT_TYPE = 0x0C150003
TAG_SENDER_NAME = 0x0C1A001F
TAG_DELIVERY_TIME = 0x0E060040
TAG_MESSAGE_FLAGS = 0x0E070003
TAG_MESSAGE_SIZE = 0x0E080003
TAG_HAS_ATTACHMENTS = 0x0E1B000B
TAG_ATTACH_SIZE = 0x0E200003
TAG_RECORD_KEY = 0x0FF90102
TAG_BODY = 0x1000001F
TAG_DISPLAY_NAME = 0x3001001F
TAG_EMAIL_ADDRESS = 0x3003001F
TAG_IPM_SUBTREE_ENTRY_ID = 0x35E00102
TAG_CONTENT_COUNT = 0x36020003
TAG_CONTENT_UNREAD = 0x36030003
TAG_SUBFOLDERS = 0x360A000B
TAG_CONTAINER_CLASS = 0x3613001F
TAG_ATTACH_DATA = 0x37010102
TAG_ATTACH_FILENAME = 0x3704001F
TAG_ATTACH_METHOD = 0x37050003
TAG_ATTACH_LONG_FILENAME = 0x3707001F
TAG_RENDERING_POSITION = 0x370B0003
TAG_LTP_ROW_ID, TAG_LTP_ROW_VER = 0x67F20003, 0x67F30003
TAG_NAMEID_BUCKET_COUNT = 0x00010003
TAG_NAMEID_GUIDS, TAG_NAMEID_ENTRIES, TAG_NAMEID_STRINGS = 0x00020102, 0x00030102, 0x00040102

MSGFLAG_READ, MSGFLAG_HASATTACH = 0x01, 0x10
ATTACH_BY_VALUE = 1
PSETID_COMMON = bytes.fromhex("0820060000000000c000000000000046")
NAMED = "x-contrefeu-test".encode("utf-16-le")
STORE_RECORD_KEY = bytes(range(0x10, 0x20))  # the store's provider UID in its entry IDs

Value = int | bool | bytes | str | datetime


@dataclass
class Msg:
    """One message of a test mailbox."""

    subject: str
    body: str
    headers: str | None = None  # PidTagTransportMessageHeaders, a full RFC 5322 header block
    sender: str = ""
    delivered: datetime | None = None
    attachments: list[tuple[str, bytes]] = field(default_factory=list)


def crc(data: bytes) -> int:
    """The [MS-PST] 5.3 CRC: CRC-32 tables, but seeded with 0 and not inverted at the end."""
    return zlib.crc32(data, 0xFFFFFFFF) ^ 0xFFFFFFFF


def signature(ib: int, bid: int) -> int:
    """ComputeSig ([MS-PST] 5.5) of a block or page at file offset `ib`."""
    value = (ib ^ bid) & 0xFFFFFFFF
    return ((value >> 16) ^ value) & 0xFFFF


def filetime(when: datetime) -> int:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int((when - datetime(1601, 1, 1, tzinfo=UTC)).total_seconds() * 10_000_000)


# ---------------------------------------------------------------- NDB layer


def _map_trailer(ptype: int, body: bytes, ib: int) -> bytes:
    """The PAGETRAILER of an AMap or PMap page: no signature, and the page's offset as its BID."""
    return struct.pack("<BBHIQ", ptype, ptype, 0, crc(body), ib)


class _Ndb:
    """Blocks and nodes, laid out into a file by `to_bytes`."""

    def __init__(self) -> None:
        self.blocks: dict[int, bytes] = {}  # bid -> data (without trailer)
        self.nodes: dict[int, tuple[int, int, int]] = {}  # nid -> (bidData, bidSub, nidParent)
        self.next_bid = 4  # bidNextB: data and internal blocks
        self.next_page = 4  # bidNextP: B-tree pages

    def _bid(self, internal: bool) -> int:
        bid = self.next_bid | (2 if internal else 0)
        self.next_bid += 4
        return bid

    def data(self, data: bytes) -> int:
        """The BID of `data`: one block, or an XBLOCK over several."""
        if len(data) <= BLOCK_DATA_MAX:
            bid = self._bid(False)
            self.blocks[bid] = data
            return bid
        chunks = [data[i : i + BLOCK_DATA_MAX] for i in range(0, len(data), BLOCK_DATA_MAX)]
        assert len(chunks) <= (BLOCK_DATA_MAX - 8) // 8, "data too large for one XBLOCK"
        bids = [self.data(chunk) for chunk in chunks]
        bid = self._bid(True)
        self.blocks[bid] = struct.pack("<BBHI", 1, 1, len(bids), len(data)) + b"".join(
            struct.pack("<Q", b) for b in bids
        )
        return bid

    def subnodes(self, entries: dict[int, tuple[int, int]]) -> int:
        """The BID of an SLBLOCK listing `entries` (nid -> (bidData, bidSub)); 0 if none."""
        if not entries:
            return 0
        assert len(entries) <= (BLOCK_DATA_MAX - 8) // 24, "too many subnodes"
        body = b"".join(
            struct.pack("<QQQ", nid, data, sub) for nid, (data, sub) in sorted(entries.items())
        )
        bid = self._bid(True)
        self.blocks[bid] = struct.pack("<BBHI", 2, 0, len(entries), 0) + body
        return bid

    def node(self, nid: int, data: bytes, subnodes: dict[int, tuple[int, int]], parent: int):
        self.nodes[nid] = (self.data(data), self.subnodes(subnodes), parent)

    def to_bytes(self) -> bytes:
        out = bytearray(AMAP_FIRST)
        cursor = AMAP_FIRST
        used: list[tuple[int, int]] = []  # (offset, size) of every allocation

        def allocate(size: int, align: int) -> int:
            nonlocal cursor
            start = -(-cursor // align) * align
            # AMap pages sit at fixed offsets; the first region also holds the PMap page.
            region = (start - AMAP_FIRST) // AMAP_SPAN
            fixed = AMAP_FIRST + region * AMAP_SPAN
            reserved = fixed + (2 * PAGE if region == 0 else PAGE)
            if start < reserved:
                start = reserved
            elif start + size > fixed + AMAP_SPAN:
                start = fixed + AMAP_SPAN + PAGE
            cursor = start + size
            used.append((start, size))
            return start

        def put(offset: int, data: bytes) -> None:
            if len(out) < offset + len(data):
                out.extend(b"\0" * (offset + len(data) - len(out)))
            out[offset : offset + len(data)] = data

        bbt: list[tuple[int, bytes]] = []
        for bid, data in sorted(self.blocks.items()):
            size = -(-(len(data) + 16) // 64) * 64
            ib = allocate(size, 64)
            trailer = struct.pack("<HHIQ", len(data), signature(ib, bid), crc(data), bid)
            put(ib, data.ljust(size - 16, b"\0") + trailer)
            bbt.append((bid, struct.pack("<QQHHI", bid, ib, len(data), 2, 0)))
        nbt = [
            (nid, struct.pack("<QQQII", nid, data, sub, parent, 0))
            for nid, (data, sub, parent) in sorted(self.nodes.items())
        ]

        def btree(entries: list[tuple[int, bytes]], ptype: int, cb_leaf: int) -> tuple[int, int]:
            level, cb = 0, cb_leaf
            while True:
                per_page = BT_ENTRIES_BYTES // cb
                parents: list[tuple[int, bytes]] = []
                for i in range(0, max(len(entries), 1), per_page):
                    chunk = entries[i : i + per_page]
                    bid = self.next_page
                    self.next_page += 4
                    ib = allocate(PAGE, PAGE)
                    body = b"".join(e for _, e in chunk).ljust(BT_ENTRIES_BYTES, b"\0")
                    body += struct.pack("<BBBBI", len(chunk), per_page, cb, level, 0)
                    trailer = struct.pack(
                        "<BBHIQ", ptype, ptype, signature(ib, bid), crc(body), bid
                    )
                    put(ib, body + trailer)
                    key = chunk[0][0] if chunk else 0
                    parents.append((key, struct.pack("<QQQ", key, bid, ib)))
                if len(parents) == 1:
                    return struct.unpack("<QQQ", parents[0][1])[1:]  # type: ignore[return-value]
                entries, level, cb = parents, level + 1, 24

        nbt_root = btree(nbt, PTYPE_NBT, 32)
        bbt_root = btree(bbt, PTYPE_BBT, 24)
        # Like Outlook, the file always ends where its last AMap region ends.
        regions = (cursor - AMAP_FIRST - 1) // AMAP_SPAN + 1
        assert regions <= 8, "PST writer: file too large (one PMap page only)"
        eof = AMAP_FIRST + regions * AMAP_SPAN
        put(eof - 1, b"\0")

        free = 0
        for region in range(regions):
            fixed = AMAP_FIRST + region * AMAP_SPAN
            bits = bytearray(496)  # one bit per 64 bytes, most significant bit first
            spans = [(fixed, 2 * PAGE if region == 0 else PAGE), *used]
            for start, size in spans:
                for slot in range((start - fixed) // 64, (start + size - fixed + 63) // 64):
                    if 0 <= slot < 496 * 8:
                        bits[slot // 8] |= 0x80 >> (slot % 8)
            free += 64 * sum(8 - bin(byte).count("1") for byte in bits)
            put(fixed, bytes(bits) + _map_trailer(PTYPE_AMAP, bytes(bits), fixed))
        pmap = b"\xff" * 496  # deprecated: every page marked allocated
        put(AMAP_FIRST + PAGE, pmap + _map_trailer(PTYPE_PMAP, pmap, AMAP_FIRST + PAGE))
        last_amap = AMAP_FIRST + (regions - 1) * AMAP_SPAN

        header = bytearray(564)
        struct.pack_into("<4sIHHHBBII", header, 0, b"!BDN", 0, 0x4D53, 23, 19, 1, 1, 0, 0)
        struct.pack_into("<QQI", header, 24, 0, self.next_page, 1)  # bidUnused, bidNextP, dwUnique
        rgnid = [0x400] * 32
        for nid in self.nodes:
            rgnid[nid & 0x1F] = max(rgnid[nid & 0x1F], (nid >> 5) + 1)
        struct.pack_into("<32I", header, 44, *rgnid)
        struct.pack_into(
            "<IQQQQQQQQBBH",
            header,
            180,
            0,
            eof,
            last_amap,
            free,
            0,
            nbt_root[0],
            nbt_root[1],
            bbt_root[0],
            bbt_root[1],
            2,  # fAMapValid = VALID_AMAP2
            0,
            0,
        )
        header[256:512] = b"\xff" * 256  # rgbFM, rgbFP (deprecated)
        struct.pack_into("<BBHQ", header, 512, 0x80, 0, 0, self.next_bid)
        struct.pack_into("<I", header, 4, crc(bytes(header[8 : 8 + 471])))
        struct.pack_into("<I", header, 524, crc(bytes(header[8 : 8 + 516])))
        out[0:564] = header
        return bytes(out)


# ---------------------------------------------------------------- LTP layer


class _Heap:
    """A heap-on-node in one block ([MS-PST] 2.3.1); values too big for it become subnodes."""

    def __init__(self, sub: dict[int, tuple[int, int]], ndb: _Ndb, next_sub: list[int]) -> None:
        self.allocations: list[bytes] = []
        self.sub, self.ndb, self.next_sub = sub, ndb, next_sub

    def alloc(self, data: bytes) -> int:
        assert len(data) <= MAX_ALLOCATION
        self.allocations.append(data)
        return len(self.allocations) << 5  # HID: hidType 0, hidIndex n, block 0

    def hnid(self, data: bytes) -> int:
        """A heap ID, or the NID of a new subnode for a big value."""
        if len(data) <= MAX_HEAP_VALUE:
            return self.alloc(data)
        nid = (self.next_sub[0] << 5) | NID_TYPE_LTP
        self.next_sub[0] += 1
        self.sub[nid] = (self.ndb.data(data), 0)
        return nid

    def to_bytes(self, client_sig: int, root: int) -> bytes:
        body = bytearray(12)
        offsets = []
        for data in self.allocations:
            offsets.append(len(body))
            body += data
        offsets.append(len(body))
        if len(body) % 2:
            body += b"\0"
        page_map = struct.pack(f"<HH{len(offsets)}H", len(self.allocations), 0, *offsets)
        struct.pack_into("<HBBI", body, 0, len(body), 0xEC, client_sig, root)
        data = bytes(body) + page_map
        assert len(data) <= BLOCK_DATA_MAX, "PST writer: heap over one block"
        return data

    def bth(self, key_size: int, records: list[tuple[bytes, bytes]]) -> int:
        """A one-level BTH over `records` (key, data); the HID of its header."""
        # Keys compare as little-endian integers, not as byte strings.
        ordered = sorted(records, key=lambda r: int.from_bytes(r[0], "little"))
        blob = b"".join(k + v for k, v in ordered)
        root = self.alloc(blob) if records else 0
        return self.alloc(
            struct.pack("<BBBBI", 0xB5, key_size, len(records[0][1]) if records else 4, 0, root)
        )


def _encode(tag: int, value: Value) -> bytes:
    kind = tag & 0xFFFF
    if kind == PT_UNICODE:
        assert isinstance(value, str)
        return value.encode("utf-16-le")
    if kind == PT_BINARY:
        assert isinstance(value, bytes)
        return value
    if kind == PT_TIME:
        assert isinstance(value, datetime)
        return struct.pack("<Q", filetime(value))
    if kind == PT_INT64:
        return struct.pack("<q", int(value))  # type: ignore[arg-type]
    if kind == PT_BOOL:
        return struct.pack("<B", bool(value))
    if kind == PT_INT32:
        return struct.pack("<i", int(value))  # type: ignore[arg-type]
    raise ValueError(f"PST writer: unsupported property type {kind:#x}")


def _fixed_size(tag: int) -> int:
    """Bytes a value takes in a table row (variable-size values are a 4-byte HNID)."""
    return {PT_BOOL: 1, PT_INT32: 4, PT_INT64: 8, PT_TIME: 8}.get(tag & 0xFFFF, 4)


class _Node:
    """One NDB node's data with its subnodes, built through LTP structures."""

    def __init__(self, ndb: _Ndb) -> None:
        self.ndb = ndb
        self.sub: dict[int, tuple[int, int]] = {}
        self.next_sub = [1]

    def heap(self) -> _Heap:
        return _Heap(self.sub, self.ndb, self.next_sub)

    def write_pc(self, nid: int, props: dict[int, Value], parent: int) -> None:
        self.ndb.node(nid, self.pc(props), self.sub, parent)

    def write_tc(self, nid: int, columns: list[int], rows: list[tuple[int, dict[int, Value]]]):
        self.ndb.node(nid, self.tc(columns, rows), self.sub, 0)

    def pc(self, props: dict[int, Value]) -> bytes:
        """A property context ([MS-PST] 2.3.3)."""
        heap = self.heap()
        records = []
        for tag, value in props.items():
            kind = tag & 0xFFFF
            raw = _encode(tag, value)
            if kind in (PT_INT32, PT_BOOL):
                cell = raw.ljust(4, b"\0")
            else:
                cell = struct.pack("<I", heap.hnid(raw))
            records.append((struct.pack("<H", tag >> 16), struct.pack("<H", kind) + cell))
        return heap.to_bytes(0xBC, heap.bth(2, records))

    def tc(self, columns: list[int], rows: list[tuple[int, dict[int, Value]]]) -> bytes:
        """A table context ([MS-PST] 2.3.4): `rows` are (row id, {tag: value})."""
        heap = self.heap()
        tags = [TAG_LTP_ROW_ID, TAG_LTP_ROW_VER] + [
            t for t in columns if t not in (TAG_LTP_ROW_ID, TAG_LTP_ROW_VER)
        ]
        # Row layout: 8- and 4-byte cells (row ID and version first), then 2-, then 1-byte
        # cells, then the cell existence bitmap.
        order = tags[:2] + sorted(tags[2:], key=lambda t: -_fixed_size(t))
        offset, where, ends = 0, {}, []
        for group in ((8, 4), (2,), (1,)):
            for tag in order:
                if _fixed_size(tag) in group:
                    where[tag] = offset
                    offset += _fixed_size(tag)
            ends.append(offset)
        bit = {tag: i for i, tag in enumerate(order)}
        row_size = offset + (len(order) + 7) // 8
        matrix = bytearray()
        for row_id, values in rows:
            row = bytearray(row_size)
            cells = {TAG_LTP_ROW_ID: row_id, TAG_LTP_ROW_VER: 1, **values}
            for tag, value in cells.items():
                raw = _encode(tag, value)
                if _fixed_size(tag) == 4 and (tag & 0xFFFF) not in (PT_INT32,):
                    raw = struct.pack("<I", heap.hnid(raw))
                row[where[tag] : where[tag] + len(raw)] = raw
                row[offset + bit[tag] // 8] |= 0x80 >> (bit[tag] % 8)
            matrix += row
        rows_hnid = heap.hnid(bytes(matrix)) if rows else 0
        assert len(matrix) <= BLOCK_DATA_MAX, "PST writer: table rows over one block"
        index = heap.bth(
            4,
            [
                (struct.pack("<I", row_id), struct.pack("<I", i))
                for i, (row_id, _) in enumerate(rows)
            ],
        )
        descriptors = b"".join(
            struct.pack("<IHBB", tag, where[tag], _fixed_size(tag), bit[tag])
            for tag in sorted(order)
        )
        info = struct.pack(
            "<BB4HIII", 0x7C, len(order), ends[0], ends[1], ends[2], row_size, index, rows_hnid, 0
        )
        return heap.to_bytes(0x7C, heap.alloc(info + descriptors))


# ---------------------------------------------------------------- messaging layer

HIERARCHY_COLUMNS = [TAG_DISPLAY_NAME, TAG_CONTENT_COUNT, TAG_CONTENT_UNREAD, TAG_SUBFOLDERS]
CONTENTS_COLUMNS = [
    TAG_MESSAGE_CLASS,
    TAG_SUBJECT,
    TAG_SENDER_NAME,
    TAG_DELIVERY_TIME,
    TAG_MESSAGE_FLAGS,
    TAG_MESSAGE_SIZE,
]
RECIPIENT_COLUMNS = [TAG_DISPLAY_NAME, TAG_EMAIL_ADDRESS, TAG_RECIPIENT_TYPE]
ATTACHMENT_COLUMNS = [
    TAG_ATTACH_SIZE,
    TAG_ATTACH_LONG_FILENAME,
    TAG_ATTACH_METHOD,
    TAG_RENDERING_POSITION,
]


def _message(ndb: _Ndb, nid: int, parent: int, msg: Msg) -> dict[int, Value]:
    """Write one message node; its contents-table row."""
    node = _Node(ndb)
    when = msg.delivered or datetime(2024, 1, 1, 10, 0, tzinfo=UTC)
    flags = MSGFLAG_READ | (MSGFLAG_HASATTACH if msg.attachments else 0)
    props: dict[int, Value] = {
        TAG_MESSAGE_CLASS: "IPM.Note",
        TAG_SUBJECT: msg.subject,
        TAG_CLIENT_SUBMIT_TIME: when,
        TAG_DELIVERY_TIME: when,
        TAG_MESSAGE_FLAGS: flags,
        TAG_MESSAGE_SIZE: len(msg.body) + sum(len(d) for _, d in msg.attachments),
        TAG_HAS_ATTACHMENTS: bool(msg.attachments),
        TAG_BODY: msg.body,
    }
    if msg.sender:
        props[TAG_SENDER_NAME] = msg.sender
    if msg.headers is not None:
        props[TAG_TRANSPORT_HEADERS] = msg.headers
    node.sub[NID_RECIPIENT_TABLE] = (ndb.data(node.tc(RECIPIENT_COLUMNS, [])), 0)
    if msg.attachments:
        rows = []
        for index, (name, data) in enumerate(msg.attachments):
            attach_nid = ((0x8000 + index) << 5) | NID_TYPE_ATTACHMENT
            attach = _Node(ndb)
            attach_props: dict[int, Value] = {
                TAG_ATTACH_METHOD: ATTACH_BY_VALUE,
                TAG_ATTACH_LONG_FILENAME: name,
                TAG_ATTACH_FILENAME: name[:12],
                TAG_ATTACH_DATA: data,
                TAG_ATTACH_SIZE: len(data),
                TAG_RENDERING_POSITION: -1,
            }
            pc = attach.pc(attach_props)
            node.sub[attach_nid] = (ndb.data(pc), ndb.subnodes(attach.sub))
            row = {t: v for t, v in attach_props.items() if t in ATTACHMENT_COLUMNS}
            rows.append((attach_nid, row))
        node.sub[NID_ATTACHMENT_TABLE] = (ndb.data(node.tc(ATTACHMENT_COLUMNS, rows)), 0)
    ndb.node(nid, node.pc(props), node.sub, parent)
    return {t: v for t, v in props.items() if t in CONTENTS_COLUMNS}


@dataclass
class _Folder:
    nid: int
    name: str
    messages: list[Msg] = field(default_factory=list)
    children: list[_Folder] = field(default_factory=list)


def _write_folder(ndb: _Ndb, folder: _Folder, parent: int, next_message: list[int]) -> None:
    rows = []
    for msg in folder.messages:
        nid = (next_message[0] << 5) | NID_TYPE_NORMAL_MESSAGE
        next_message[0] += 1
        rows.append((nid, _message(ndb, nid, folder.nid, msg)))
    props: dict[int, Value] = {
        TAG_DISPLAY_NAME: folder.name,
        TAG_CONTENT_COUNT: len(folder.messages),
        TAG_CONTENT_UNREAD: 0,
        TAG_SUBFOLDERS: bool(folder.children),
        TAG_CONTAINER_CLASS: "IPF.Note",
    }
    _Node(ndb).write_pc(folder.nid, props, parent)
    children = [
        (
            child.nid,
            {
                TAG_DISPLAY_NAME: child.name,
                TAG_CONTENT_COUNT: len(child.messages),
                TAG_CONTENT_UNREAD: 0,
                TAG_SUBFOLDERS: bool(child.children),
            },
        )
        for child in folder.children
    ]
    _Node(ndb).write_tc(folder.nid + HIERARCHY, HIERARCHY_COLUMNS, children)
    _Node(ndb).write_tc(folder.nid + CONTENTS, CONTENTS_COLUMNS, rows)
    _Node(ndb).write_tc(folder.nid + ASSOC_CONTENTS, CONTENTS_COLUMNS, [])
    for child in folder.children:
        _write_folder(ndb, child, folder.nid, next_message)


def pst_bytes(folders: dict[str, list[Msg]], *, display_name: str = "Test mailbox") -> bytes:
    """The bytes of a Unicode PST holding `folders` ("Inbox/Press" -> messages).

    Folders are created under the root folder in the order given (parents first, as needed);
    the key "" puts messages in the root folder itself.
    """
    root = _Folder(NID_ROOT_FOLDER, "Root")
    by_path = {"": root}
    next_folder = 0x400

    def folder_at(path: str) -> _Folder:
        nonlocal next_folder
        if path in by_path:
            return by_path[path]
        parent_path, _, name = path.rpartition("/")
        parent = folder_at(parent_path)
        folder = _Folder((next_folder << 5) | NID_TYPE_NORMAL_FOLDER, name)
        next_folder += 1
        parent.children.append(folder)
        by_path[path] = folder
        return folder

    for path, messages in folders.items():
        folder_at(path).messages.extend(messages)

    ndb = _Ndb()
    entry_id = struct.pack("<I", 0) + STORE_RECORD_KEY + struct.pack("<I", NID_ROOT_FOLDER)
    store = {
        TAG_RECORD_KEY: STORE_RECORD_KEY,
        TAG_DISPLAY_NAME: display_name,
        TAG_IPM_SUBTREE_ENTRY_ID: entry_id,
    }
    _Node(ndb).write_pc(NID_MESSAGE_STORE, store, 0)
    name_map: dict[int, Value] = {
        TAG_NAMEID_BUCKET_COUNT: 251,
        # One numeric (PidLidAgingDontAgeMe, PSETID_Common) and one string named property
        # (in PS_PUBLIC_STRINGS): libpff rejects empty streams.
        TAG_NAMEID_GUIDS: PSETID_COMMON,
        TAG_NAMEID_ENTRIES: struct.pack("<IHHIHH", 0x850E, 3 << 1, 0, 0, 2 << 1 | 1, 1),
        TAG_NAMEID_STRINGS: struct.pack("<I", len(NAMED)) + NAMED,
    }
    _Node(ndb).write_pc(NID_NAME_TO_ID_MAP, name_map, 0)
    _write_folder(ndb, root, NID_ROOT_FOLDER, [0x10000])
    return ndb.to_bytes()


def write_pst(path: Path, folders: dict[str, list[Msg]]) -> Path:
    """Write a PST holding `folders` (see `pst_bytes`) to `path`."""
    path.write_bytes(pst_bytes(folders))
    return path
