//! TTree metadata: branches, leaves, types and basket locations, decoded from the tree's record.
//!
//! ROOT writes a TTree with its class streamers; like uproot we decode the class versions found in
//! files written since ROOT 5.30 (TTree v19–20, TBranch v12–13, TBranchElement v9–10, TLeaf v2)
//! by hand. A branch or leaf of a class or version we do not know is skipped by its byte count and
//! kept in the schema as opaque, so that the rest of the tree stays readable.

mod errors;

pub use errors::{BranchError, Unreadable};

use crate::cursor::{Cursor, DecodeResult, ObjectHeader};
use crate::error::{Result, RootError};
use crate::file::{Key, RootFile};
use crate::types::{Layout, Prim};

/// Where one basket of a branch lies and which entries it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BasketLoc {
    /// Byte offset of the basket's key in the file.
    pub seek: u64,
    /// Bytes on disk, key included.
    pub bytes: u32,
    /// First entry (of the tree) in the basket.
    pub first_entry: u64,
    /// Number of entries in the basket.
    pub entries: u64,
}

/// One branch of a tree, as needed to read it.
#[derive(Debug, Clone)]
pub struct BranchMeta {
    /// Full name, as used to ask for the branch.
    pub name: String,
    /// The ROOT class of the branch (`TBranch`, `TBranchElement`, ...).
    pub class: String,
    /// The ROOT type as a C++ programmer writes it: `Float_t[nMuon]`, `vector<float>`, `char*`.
    pub root_type: String,
    /// How values are laid out in baskets, or why the branch cannot be read.
    pub layout: Result<Layout, Unreadable>,
    /// The counter branch of a counter-indexed jagged branch.
    pub counter: Option<String>,
    /// Entries of the branch.
    pub entries: u64,
    /// Compressed bytes of all baskets (fZipBytes).
    pub compressed_bytes: u64,
    /// Uncompressed bytes of all baskets (fTotBytes).
    pub uncompressed_bytes: u64,
    /// Baskets in entry order.
    pub baskets: Vec<BasketLoc>,
}

/// A TTree: its entries and branches (sub-branches flattened in file order).
#[derive(Debug, Clone)]
pub struct TreeMeta {
    pub name: String,
    pub entries: u64,
    pub branches: Vec<BranchMeta>,
}

impl TreeMeta {
    /// Decodes the record of a TTree key.
    pub fn parse(file: &RootFile, name: &str, key: &Key, record: &[u8]) -> Result<TreeMeta> {
        let mut parser = Parser {
            leaves: Vec::new(),
            branches: Vec::new(),
            unsupported: None,
        };
        let mut c = Cursor::new(record, key.key_len as u32);
        let entries = parser.ttree(&mut c);
        let entries = match (entries, parser.unsupported.take()) {
            (_, Some(what)) => {
                return Err(RootError::Unsupported {
                    path: file.path().to_path_buf(),
                    location: format!("tree '{name}'"),
                    what,
                });
            }
            (Ok(n), None) => n,
            (Err(e), None) => return Err(file.corrupt(format!("tree '{name}'"), e)),
        };
        let mut branches = Vec::with_capacity(parser.branches.len());
        for raw in parser.branches {
            branches.push(
                raw.finish(&parser.leaves, entries).map_err(|e| {
                    file.corrupt(format!("tree '{name}', branch '{}'", raw.name), e)
                })?,
            );
        }
        Ok(TreeMeta {
            name: name.to_string(),
            entries,
            branches,
        })
    }

    /// The branch called `name`.
    pub fn branch(&self, name: &str) -> Option<&BranchMeta> {
        self.branches.iter().find(|b| b.name == name)
    }
}

/// A leaf as read from the record.
#[derive(Debug, Clone)]
struct LeafMeta {
    class: String,
    name: String,
    title: String,
    len: i32,
    unsigned: bool,
    /// Index of the counter leaf, for `x[n]` leaves.
    count: Option<usize>,
    /// Set when the leaf's class is unknown.
    unknown: bool,
}

/// A branch as read from the record, before its leaves and baskets are checked.
struct RawBranch {
    name: String,
    class: String,
    leaves: Vec<usize>,
    entries: i64,
    tot_bytes: i64,
    zip_bytes: i64,
    write_basket: i32,
    basket_bytes: Vec<i32>,
    basket_entry: Vec<i64>,
    basket_seek: Vec<i64>,
    /// Why it cannot be read, decided while parsing (unknown version, unsplit object...).
    opaque: Option<(String, Unreadable)>,
    /// `vector<T>` class name of a top-level TBranchElement.
    element_class: Option<String>,
}

struct Parser {
    leaves: Vec<LeafMeta>,
    branches: Vec<RawBranch>,
    unsupported: Option<String>,
}

impl Parser {
    fn ttree(&mut self, c: &mut Cursor<'_>) -> DecodeResult<u64> {
        let v = c.version("TTree")?;
        if !(19..=20).contains(&v.version) {
            self.unsupported = Some(format!(
                "TTree class version {} (this reader knows 19 and 20: ROOT 5.30 and later)",
                v.version
            ));
            return Ok(0);
        }
        c.tnamed()?;
        c.skip_versioned("TAttLine")?;
        c.skip_versioned("TAttFill")?;
        c.skip_versioned("TAttMarker")?;
        let entries = c.i64()?;
        if entries < 0 {
            return Err(c.error(format!("negative entry count {entries}")));
        }
        c.skip(8 * 4)?; // fTotBytes, fZipBytes, fSavedBytes, fFlushedBytes
        c.skip(8 + 4 * 4)?; // fWeight, fTimerInterval, fScanField, fUpdate, fDefaultEntryOffsetLen
        let n_cluster_range = c.i32()?;
        c.skip(8 * 6)?; // fMaxEntries, fMaxEntryLoop, fMaxVirtualSize, fAutoSave, fAutoFlush, fEstimate
        let n = c.check_count("cluster range", n_cluster_range as i64, 16)?;
        c.marked_i64s(n)?; // fClusterRangeEnd
        c.marked_i64s(n)?; // fClusterSize
        if v.version >= 20 {
            c.skip_versioned("TIOFeatures")?;
        }
        self.branch_array(c, 0)?;
        Ok(entries as u64)
    }

    /// A TObjArray of branches.
    fn branch_array(&mut self, c: &mut Cursor<'_>, depth: usize) -> DecodeResult<()> {
        if depth > 64 {
            return Err(c.error("branches nested more than 64 deep"));
        }
        let n = self.objarray_header(c)?;
        for _ in 0..n {
            match c.object_header()? {
                ObjectHeader::New { class, start, end } => {
                    self.branch(c, &class, end, depth)?;
                    c.register_object(start, end.is_some(), usize::MAX);
                }
                ObjectHeader::Null | ObjectHeader::Reference(_) => {}
            }
        }
        Ok(())
    }

    fn objarray_header(&mut self, c: &mut Cursor<'_>) -> DecodeResult<usize> {
        let v = c.version("TObjArray")?;
        if v.version > 2 {
            c.tobject()?;
        }
        if v.version > 1 {
            c.string()?;
        }
        let n = c.count("TObjArray entry", 4)?;
        c.skip(4)?; // fLowerBound
        Ok(n)
    }

    /// Skips every object of a TObjArray (the in-memory baskets of a branch).
    fn skip_objarray(&mut self, c: &mut Cursor<'_>) -> DecodeResult<usize> {
        let n = self.objarray_header(c)?;
        let mut present = 0;
        for _ in 0..n {
            if let ObjectHeader::New { class, end, .. } = c.object_header()? {
                let end = end.ok_or_else(|| c.error(format!("{class} without a byte count")))?;
                c.seek(end)?;
                present += 1;
            }
        }
        Ok(present)
    }

    fn branch(
        &mut self,
        c: &mut Cursor<'_>,
        class: &str,
        end: Option<usize>,
        depth: usize,
    ) -> DecodeResult<()> {
        match class {
            "TBranch" => self.tbranch(c, class, depth),
            "TBranchElement" => self.tbranch_element(c, depth),
            other => {
                let end = end.ok_or_else(|| c.error(format!("{other} without a byte count")))?;
                let name = peek_name(c, &[1, 2]).unwrap_or_else(|| format!("<{other}>"));
                c.seek(end)?;
                self.branches
                    .push(RawBranch::opaque(name, other, Unreadable::BranchClass));
                Ok(())
            }
        }
    }

    /// A TBranch (also the base of TBranchElement). Returns the index of the branch pushed.
    fn tbranch(&mut self, c: &mut Cursor<'_>, class: &str, depth: usize) -> DecodeResult<()> {
        let v = c.version("TBranch")?;
        if !(12..=13).contains(&v.version) {
            let Some(end) = v.end else {
                return Err(c.error(format!("TBranch v{} without a byte count", v.version)));
            };
            let name = peek_name(c, &[0]).unwrap_or_else(|| "<TBranch>".to_string());
            c.seek(end)?;
            self.branches.push(RawBranch::opaque(
                name,
                class,
                Unreadable::TBranchVersion(v.version),
            ));
            return Ok(());
        }
        let (name, _title) = c.tnamed()?;
        c.skip_versioned("TAttFill")?;
        c.skip(4 * 3)?; // fCompress, fBasketSize, fEntryOffsetLen
        let write_basket = c.i32()?;
        c.skip(8)?; // fEntryNumber
        if v.version >= 13 {
            c.skip_versioned("TIOFeatures")?;
        }
        c.skip(4)?; // fOffset
        let max_baskets = c.i32()?;
        c.skip(4)?; // fSplitLevel
        let entries = c.i64()?;
        c.skip(8)?; // fFirstEntry
        let tot_bytes = c.i64()?;
        let zip_bytes = c.i64()?;
        let index = self.branches.len();
        self.branches.push(RawBranch {
            name,
            class: class.to_string(),
            leaves: Vec::new(),
            entries,
            tot_bytes,
            zip_bytes,
            write_basket,
            basket_bytes: Vec::new(),
            basket_entry: Vec::new(),
            basket_seek: Vec::new(),
            opaque: None,
            element_class: None,
        });
        self.branch_array(c, depth + 1)?;
        let leaves = self.leaf_array(c)?;
        let in_memory = self.skip_objarray(c)?;
        let n = c.check_count("basket", max_baskets as i64, 20)?;
        let basket_bytes = c.marked_i32s(n)?;
        let basket_entry = c.marked_i64s(n)?;
        let basket_seek = c.marked_i64s(n)?;
        c.string()?; // fFileName
        c.finish(v, "TBranch")?;
        let b = &mut self.branches[index];
        b.leaves = leaves;
        b.basket_bytes = basket_bytes;
        b.basket_entry = basket_entry;
        b.basket_seek = basket_seek;
        if in_memory > 0 && b.opaque.is_none() {
            let written: i64 = b
                .basket_entry
                .get(b.write_basket.max(0) as usize)
                .copied()
                .unwrap_or(0);
            if written < b.entries {
                b.opaque = Some((String::new(), Unreadable::BasketInRecord));
            }
        }
        Ok(())
    }

    fn tbranch_element(&mut self, c: &mut Cursor<'_>, depth: usize) -> DecodeResult<()> {
        let v = c.version("TBranchElement")?;
        let index = self.branches.len();
        if !(9..=10).contains(&v.version) {
            let Some(end) = v.end else {
                return Err(c.error(format!(
                    "TBranchElement v{} without a byte count",
                    v.version
                )));
            };
            let name =
                peek_name(c, &[1]).unwrap_or_else(|| format!("<TBranchElement v{}>", v.version));
            c.seek(end)?;
            self.branches.push(RawBranch::opaque(
                name,
                "TBranchElement",
                Unreadable::TBranchElementVersion,
            ));
            return Ok(());
        }
        self.tbranch(c, "TBranchElement", depth)?;
        let class_name = c.string()?;
        c.string()?; // fParentName
        c.string()?; // fClonesName
        c.skip(4)?; // fCheckSum
        if v.version >= 10 {
            c.skip(2)?; // fClassVersion
        } else {
            c.skip(4)?;
        }
        let _id = c.i32()?;
        let btype = c.i32()?;
        c.skip(4)?; // fStreamerType
        c.skip(4)?; // fMaximum
        for _ in 0..2 {
            // fBranchCount, fBranchCount2
            if let ObjectHeader::New { class, end, .. } = c.object_header()? {
                let end = end.ok_or_else(|| c.error(format!("{class} without a byte count")))?;
                c.seek(end)?;
            }
        }
        c.finish(v, "TBranchElement")?;
        if let Some(b) = self.branches.get_mut(index)
            && b.opaque.is_none()
        {
            let is_vector =
                class_name.starts_with("vector<") || class_name.starts_with("std::vector<");
            let top_level = btype == 0 || (class_name == "TString" && btype == -1);
            if top_level && (is_vector || class_name == "TString") {
                b.element_class = Some(class_name);
            } else {
                b.opaque = Some((
                    class_name.clone(),
                    Unreadable::ObjectBranch {
                        class: class_name,
                        btype,
                    },
                ));
            }
        }
        Ok(())
    }

    /// A TObjArray of leaves; returns their indices.
    fn leaf_array(&mut self, c: &mut Cursor<'_>) -> DecodeResult<Vec<usize>> {
        let n = self.objarray_header(c)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            if let Some(i) = self.leaf_pointer(c)? {
                out.push(i);
            }
        }
        Ok(out)
    }

    /// A pointer to a leaf: new, a reference to one read before, or null.
    fn leaf_pointer(&mut self, c: &mut Cursor<'_>) -> DecodeResult<Option<usize>> {
        match c.object_header()? {
            ObjectHeader::Null => Ok(None),
            ObjectHeader::Reference(i) => Ok(i),
            ObjectHeader::New { class, start, end } => {
                let index = self.leaves.len();
                // Register first: a leaf may point at itself.
                c.register_object(start, end.is_some(), index);
                self.leaves.push(LeafMeta {
                    class: class.clone(),
                    name: String::new(),
                    title: String::new(),
                    len: 0,
                    unsigned: false,
                    count: None,
                    unknown: true,
                });
                if leaf_prim(&class, false).is_some()
                    || class == "TLeafC"
                    || class == "TLeafElement"
                {
                    self.leaf(c, index, &class)?;
                }
                if let Some(end) = end {
                    c.seek(end)?;
                } else if self.leaves[index].unknown {
                    return Err(c.error(format!("{class} without a byte count")));
                }
                Ok(Some(index))
            }
        }
    }

    /// The body of a known leaf class: TLeaf's members, then the class's own (skipped by byte count).
    fn leaf(&mut self, c: &mut Cursor<'_>, index: usize, class: &str) -> DecodeResult<()> {
        let outer = c.version(class)?;
        let v = c.version("TLeaf")?;
        if v.version != 2 {
            c.finish(outer, class)?;
            return Ok(());
        }
        let (name, title) = c.tnamed()?;
        let len = c.i32()?;
        c.skip(4 + 4)?; // fLenType, fOffset
        c.skip(1)?; // fIsRange
        let unsigned = c.u8()? != 0;
        let count = self.leaf_pointer(c)?;
        c.finish(v, "TLeaf")?;
        c.finish(outer, class)?;
        let leaf = &mut self.leaves[index];
        leaf.name = name;
        leaf.title = title;
        leaf.len = len;
        leaf.unsigned = unsigned;
        leaf.count = count;
        leaf.unknown = false;
        Ok(())
    }
}

/// The name of a branch of unknown class or version, read ahead without moving the cursor: the
/// object starts with one or two version headers (the class, then its TBranch base) and a TNamed.
fn peek_name(c: &Cursor<'_>, header_counts: &[usize]) -> Option<String> {
    for &headers in header_counts {
        let mut ahead = c.ahead();
        let ok = (0..headers).all(|_| ahead.version("branch").is_ok());
        if let (true, Ok((name, _))) = (ok, ahead.tnamed())
            && !name.is_empty()
            && name.chars().all(|ch| !ch.is_control())
        {
            return Some(name);
        }
    }
    None
}

/// The primitive of a leaf class.
fn leaf_prim(class: &str, unsigned: bool) -> Option<Prim> {
    Some(match (class, unsigned) {
        ("TLeafO", _) => Prim::Bool,
        ("TLeafB", false) => Prim::I8,
        ("TLeafB", true) => Prim::U8,
        ("TLeafS", false) => Prim::I16,
        ("TLeafS", true) => Prim::U16,
        ("TLeafI", false) => Prim::I32,
        ("TLeafI", true) => Prim::U32,
        ("TLeafL" | "TLeafG", false) => Prim::I64,
        ("TLeafL" | "TLeafG", true) => Prim::U64,
        ("TLeafF", _) => Prim::F32,
        ("TLeafD", _) => Prim::F64,
        ("TLeafD32", _) => Prim::Double32,
        ("TLeafF16", _) => Prim::Float16,
        _ => return None,
    })
}

impl RawBranch {
    fn opaque(name: String, class: &str, why: Unreadable) -> Self {
        RawBranch {
            name,
            class: class.to_string(),
            leaves: Vec::new(),
            entries: 0,
            tot_bytes: 0,
            zip_bytes: 0,
            write_basket: 0,
            basket_bytes: Vec::new(),
            basket_entry: Vec::new(),
            basket_seek: Vec::new(),
            opaque: Some((class.to_string(), why)),
            element_class: None,
        }
    }

    /// Checks the basket tables and decides the layout.
    fn finish(&self, leaves: &[LeafMeta], tree_entries: u64) -> Result<BranchMeta, BranchError> {
        let (root_type, layout, counter) = self.layout(leaves);
        let entries = self.entries.max(0) as u64;
        let baskets = if layout.is_ok() {
            self.baskets(tree_entries)?
        } else {
            Vec::new()
        };
        Ok(BranchMeta {
            name: self.name.clone(),
            class: self.class.clone(),
            root_type,
            layout,
            counter,
            entries,
            compressed_bytes: self.zip_bytes.max(0) as u64,
            uncompressed_bytes: self.tot_bytes.max(0) as u64,
            baskets,
        })
    }

    fn baskets(&self, tree_entries: u64) -> Result<Vec<BasketLoc>, BranchError> {
        let n = self.write_basket;
        if n < 0 || n as usize > self.basket_seek.len() || n as usize > self.basket_entry.len() {
            return Err(BranchError::Tables {
                written: n,
                held: self.basket_seek.len(),
            });
        }
        let n = n as usize;
        let entries = self.entries;
        if entries < 0 || entries as u64 > tree_entries {
            return Err(BranchError::Entries {
                branch: entries,
                tree: tree_entries,
            });
        }
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let first = self.basket_entry[i];
            let next = if i + 1 < n {
                self.basket_entry[i + 1]
            } else {
                entries
            };
            let (seek, bytes) = (self.basket_seek[i], self.basket_bytes[i]);
            if first < 0 || next < first || next > entries || seek <= 0 || bytes <= 0 {
                return Err(BranchError::Bounds {
                    basket: i,
                    first,
                    next,
                    entries,
                    bytes,
                    seek,
                });
            }
            out.push(BasketLoc {
                seek: seek as u64,
                bytes: bytes as u32,
                first_entry: first as u64,
                entries: (next - first) as u64,
            });
        }
        let covered = out.last().map_or(0, |b| b.first_entry + b.entries);
        if covered != entries as u64 || out.first().is_some_and(|b| b.first_entry != 0) {
            return Err(BranchError::Coverage { covered, entries });
        }
        Ok(out)
    }

    /// (ROOT type name, layout or why not, counter branch).
    fn layout(&self, leaves: &[LeafMeta]) -> (String, Result<Layout, Unreadable>, Option<String>) {
        if let Some((class, why)) = &self.opaque {
            let t = if class.is_empty() {
                self.class.clone()
            } else {
                class.clone()
            };
            return (t, Err(why.clone()), None);
        }
        if let Some(class_name) = &self.element_class {
            if class_name == "TString" {
                // A TString entry is streamed like char*: a length byte (255: 4 more), the bytes.
                return (class_name.clone(), Ok(Layout::CharStar), None);
            }
            let inner = class_name
                .trim_start_matches("std::")
                .trim_start_matches("vector<")
                .trim_end_matches('>')
                .trim();
            return match vector_prim(inner) {
                Some(prim) => (class_name.clone(), Ok(Layout::Vector { prim }), None),
                None => (
                    class_name.clone(),
                    Err(Unreadable::VectorOf(inner.to_string())),
                    None,
                ),
            };
        }
        let [leaf] = self.leaves.as_slice() else {
            return (
                format!("{} leaves", self.leaves.len()),
                Err(Unreadable::LeafList),
                None,
            );
        };
        let Some(leaf) = leaves.get(*leaf) else {
            return ("?".to_string(), Err(Unreadable::LeafMissing), None);
        };
        let (dims, counter_in_title) = title_dims(&leaf.title);
        let counter = leaf
            .count
            .and_then(|i| leaves.get(i))
            .map(|l| l.name.clone())
            .or(counter_in_title);
        if leaf.class == "TLeafC" {
            return ("char*".to_string(), Ok(Layout::CharStar), None);
        }
        let type_name = root_type_name(&leaf.class, leaf.unsigned);
        let shown = format!(
            "{type_name}{}{}",
            counter
                .as_ref()
                .map(|c| format!("[{c}]"))
                .unwrap_or_default(),
            dims.iter().map(|d| format!("[{d}]")).collect::<String>()
        );
        let Some(prim) = leaf_prim(&leaf.class, leaf.unsigned) else {
            return (
                shown,
                Err(Unreadable::LeafClass(leaf.class.clone())),
                counter,
            );
        };
        if matches!(prim, Prim::Float16)
            || (matches!(prim, Prim::Double32)
                && leaf.title.contains('[')
                && leaf.title.matches('[').count() > dims.len() + usize::from(counter.is_some()))
        {
            return (shown, Err(Unreadable::PackedFloat), counter);
        }
        let fixed: usize = dims.iter().product();
        let dims = if leaf.len > 1 && fixed as i64 != leaf.len as i64 {
            vec![leaf.len as usize]
        } else {
            dims
        };
        let layout = match &counter {
            Some(_) => Layout::Jagged { prim, inner: dims },
            None => Layout::Fixed { prim, dims },
        };
        (shown, Ok(layout), counter)
    }
}

/// The dimensions in a leaf title `name[n][3]`: numeric ones, and a leading counter name.
fn title_dims(title: &str) -> (Vec<usize>, Option<String>) {
    let mut dims = Vec::new();
    let mut counter = None;
    let mut rest = title;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']') else {
            break;
        };
        let inside = rest[open + 1..open + close].trim();
        match inside.parse::<usize>() {
            Ok(n) => dims.push(n),
            Err(_) if dims.is_empty() && counter.is_none() => counter = Some(inside.to_string()),
            Err(_) => {}
        }
        rest = &rest[open + close + 1..];
    }
    (dims, counter)
}

fn root_type_name(class: &str, unsigned: bool) -> String {
    let base = match class {
        "TLeafO" => "Bool_t",
        "TLeafB" => "Char_t",
        "TLeafS" => "Short_t",
        "TLeafI" => "Int_t",
        "TLeafL" => "Long64_t",
        "TLeafG" => "Long_t",
        "TLeafF" => "Float_t",
        "TLeafD" => "Double_t",
        "TLeafF16" => "Float16_t",
        "TLeafD32" => "Double32_t",
        other => return other.to_string(),
    };
    if unsigned && class != "TLeafO" {
        format!("U{base}")
    } else {
        base.to_string()
    }
}

fn vector_prim(inner: &str) -> Option<Prim> {
    Some(match inner {
        "bool" => Prim::Bool,
        "char" | "signed char" | "Char_t" => Prim::I8,
        "unsigned char" | "UChar_t" => Prim::U8,
        "short" | "Short_t" => Prim::I16,
        "unsigned short" | "UShort_t" => Prim::U16,
        "int" | "Int_t" => Prim::I32,
        "unsigned int" | "UInt_t" => Prim::U32,
        "long" | "long long" | "Long64_t" | "Long_t" => Prim::I64,
        "unsigned long" | "unsigned long long" | "ULong64_t" | "ULong_t" => Prim::U64,
        "float" | "Float_t" => Prim::F32,
        "double" | "Double_t" => Prim::F64,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_give_counters_and_fixed_dims() {
        assert_eq!(
            title_dims("Jet_Px[NJet]"),
            (vec![], Some("NJet".to_string()))
        );
        assert_eq!(title_dims("p[3][4]"), (vec![3, 4], None));
        assert_eq!(title_dims("x[n][3]"), (vec![3], Some("n".to_string())));
        assert_eq!(title_dims("MET_pt"), (vec![], None));
    }
}
