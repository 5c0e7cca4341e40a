#!/usr/bin/env python3
"""Writes data/types.root with ROOT itself: one branch per type rask must read, and a few it must
keep as unreadable, with values given by closed formulas of the entry number (the Rust test
`crates/io-root/tests/it/types.rs` recomputes them).

Usage (needs PyROOT: `python3 -m venv v && v/bin/pip install root`):
    python make_types_root.py data/types.root
The committed file was written by ROOT 6.40.00 (PyPI package `root` 0.1a12), zlib level 1.
"""
import array
import sys

import ROOT

N = 5000
out = sys.argv[1] if len(sys.argv) > 1 else "types.root"
f = ROOT.TFile(out, "RECREATE", "rask type coverage", 101)
t = ROOT.TTree("types", "rask type coverage")
t.SetAutoFlush(700)  # many clusters

def leaf(name, code, size=1, spec=None):
    buf = array.array(code, [0] * size)
    t.Branch(name, buf, spec or name)
    return buf

n = leaf("n", "I", spec="n/i")                 # UInt_t counter, as in CMS NanoAOD
x = leaf("x", "f", 8, "x[n]/F")                # counter-indexed float
c = leaf("c", "d", 16, "c[n][2]/D")            # counter-indexed with an inner fixed dimension
p = leaf("p", "f", 3, "p[3]/F")                # fixed array
m = leaf("m", "i", 6, "m[2][3]/I")             # fixed 2-D array
sc = leaf("sc", "b", spec="sc/B")              # Char_t
uc = leaf("uc", "B", spec="uc/b")              # UChar_t
ss = leaf("ss", "h", spec="ss/S")              # Short_t
us = leaf("us", "H", spec="us/s")              # UShort_t
ii = leaf("ii", "i", spec="ii/I")              # Int_t
ui = leaf("ui", "I", spec="ui/i")              # UInt_t
ll = leaf("ll", "q", spec="ll/L")              # Long64_t
ul = leaf("ul", "Q", spec="ul/l")              # ULong64_t
ob = leaf("ob", "b", spec="ob/O")              # Bool_t
ff = leaf("ff", "f", spec="ff/F")
dd = leaf("dd", "d", spec="dd/D")
d32 = leaf("d32", "d", spec="d32/d")           # Double32_t without range: float on disk
text = array.array("b", [0] * 400)
t.Branch("text", text, "text/C")               # char*
vf = ROOT.std.vector("float")()
vi = ROOT.std.vector("int")()
vd = ROOT.std.vector("double")()
t.Branch("vf", vf)
t.Branch("vi", vi)
t.Branch("vd", vd)
ts = ROOT.TString()
t.Branch("ts", ts)                             # an object branch rask keeps as unreadable
lv = ROOT.TLorentzVector()
t.Branch("lv", lv)                             # a split object branch, unreadable too
t.SetBasketSize("*", 1024)                     # many baskets per branch

for i in range(N):
    k = i % 5
    n[0] = k
    for j in range(k):
        x[j] = i + j / 8
        for a in range(2):
            c[2 * j + a] = i * 2 + j + 0.25 * a
    for a in range(3):
        p[a] = i * 0.5 + a
    for a in range(6):
        m[a] = i + 10 * (a // 3) + a % 3
    sc[0] = (i % 256) - 128
    uc[0] = i % 256
    ss[0] = i - 2500
    us[0] = i * 13
    ii[0] = -i * 1000
    ui[0] = i * 800000
    ll[0] = -i * 10**12
    ul[0] = i * 3 * 10**15
    ob[0] = 1 if i % 3 == 0 else 0
    ff[0] = i / 7
    dd[0] = i / 7
    d32[0] = i / 3
    s = ("x" * 300 if i % 1000 == 999 else f"evt{i}").encode()
    for a, ch in enumerate(s):
        text[a] = ch
    text[len(s)] = 0
    vf.clear(); vi.clear(); vd.clear()
    for a in range(i % 4):
        vf.push_back(i + a / 4)
        vd.push_back(i * 0.1 + a)
    for a in range(i % 3):
        vi.push_back(i * a)
    ts.Form(f"ts{i}")
    lv.SetPxPyPzE(i, 1, 2, 3)
    t.Fill()

t.Write()
sub = f.mkdir("sub")
sub.cd()
inner = ROOT.TTree("inner", "a tree in a subdirectory")
v = array.array("i", [0])
inner.Branch("v", v, "v/I")
for i in range(10):
    v[0] = i * i
    inner.Fill()
inner.Write()
f.Close()
print(f"wrote {out}")
