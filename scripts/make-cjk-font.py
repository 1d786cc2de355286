#!/usr/bin/env python3
"""Makes assets/fonts/NotoSansSC-GB2312.otf, the font the PDFs embed.

The subset of Noto Sans CJK SC Regular (SIL OFL 1.1) covering ASCII,
GB 2312 (all 7445 characters: 6763 hanzi plus symbols) and the few
characters the templates use outside it. The PDF writer subsets it again
per document, so this file only bounds what the repository carries.

Needs Debian's fonts-noto-cjk and fonttools (pip install fonttools):
    python3 scripts/make-cjk-font.py [path/to/NotoSansCJK-Regular.ttc]
"""
import sys
from fontTools.ttLib import TTCollection
from fontTools import subset

SRC = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
OUT = "assets/fonts/NotoSansSC-GB2312.otf"

chars = set(chr(c) for c in range(0x20, 0x7F))
for hi in range(0xA1, 0xF8):
    for lo in range(0xA1, 0xFF):
        try:
            chars.add(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
# Outside GB 2312 but used by the templates or common in names and numbers.
chars.update("〔〕·•—–‘’“”…№℃㎡㎏￥ 　")

font = next(f for f in TTCollection(SRC).fonts if f["name"].getDebugName(4) == "Noto Sans CJK SC")
opts = subset.Options()
opts.layout_features = []
opts.name_IDs = ["*"]
opts.notdef_outline = True
opts.hinting = False
sub = subset.Subsetter(opts)
sub.populate(unicodes=[ord(c) for c in chars])
sub.subset(font)
font.save(OUT)
print(OUT, len(chars), "characters")
