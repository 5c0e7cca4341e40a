//! ROOT's TLatex spelling of labels (`p_{T}`, `E_{T}^{miss}`, `#mu`, `#Delta#phi`, `fb^{-1}`)
//! parsed into runs of text with a size and a baseline shift, which the text renderer draws as
//! real sub- and superscripts.
//!
//! Commands start with `#` (ROOT) or `\` (LaTeX): Greek letters (`#mu` → μ, `#Delta` → Δ),
//! symbols (`#pm`, `#times`, `#rightarrow`, `#ell`, `#sqrt{s}` → √s, `#bar{t}` → t̄), and
//! `#it{..}`, `#bf{..}`, `#rm{..}`, which keep their contents. `_x`/`^x` take one character or a
//! `{group}`; a subscript and a superscript on the same base are stacked (`E_{T}^{miss}`).
//! Unknown commands are kept as written.

/// Size of a script relative to its base.
pub const SCRIPT_SCALE: f64 = 0.7;
/// Baseline rise of a superscript, in units of the base size.
pub const SUP_RISE: f64 = 0.42;
/// Baseline drop of a subscript, in units of the base size.
pub const SUB_DROP: f64 = 0.18;

/// A run of text drawn at one size and baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// The characters (commands already replaced).
    pub text: String,
    /// The size relative to the label's size (1 for the base, 0.7 for a script, 0.49 for a
    /// script of a script).
    pub scale: f64,
    /// The baseline shift in units of the label's size, positive upwards.
    pub rise: f64,
    /// This segment starts a script stacked over the previous one (`^{miss}` in
    /// `E_{T}^{miss}`): it begins at the x where that script began.
    pub stacked: bool,
    /// This segment is the first of a script (`_` or `^`).
    pub starts_script: bool,
}

/// Parses a TLatex label.
///
/// ```
/// use rask::plot::latex::parse;
/// let s = parse("p_{T}^{#mu} [GeV]");
/// assert_eq!(s[0].text, "p");
/// assert_eq!((s[1].text.as_str(), s[1].scale), ("T", 0.7));
/// assert!(s[1].rise < 0.0 && s[2].rise > 0.0 && s[2].stacked);
/// assert_eq!(s[2].text, "μ");
/// assert_eq!(s[3].text, " [GeV]");
/// ```
pub fn parse(label: &str) -> Vec<Segment> {
    let chars: Vec<char> = label.chars().collect();
    let mut p = Parser {
        chars: &chars,
        at: 0,
        out: Vec::new(),
    };
    p.run(1.0, 0.0, false);
    p.out
}

/// The label as plain text with scripts written inline (`E_{T}^{miss}` → `ETmiss`), for
/// measuring and for error messages.
///
/// ```
/// assert_eq!(rask::plot::latex::plain("#Delta#phi_{jj}"), "Δφjj");
/// ```
pub fn plain(label: &str) -> String {
    parse(label).into_iter().map(|s| s.text).collect()
}

/// Text to be shown as written: TLatex's special characters (`_ ^ { } # \\`) escaped with
/// `#`, for names such as file stems (`two_jets`).
///
/// ```
/// use rask::plot::latex::{escape, plain};
/// assert_eq!(plain(&escape("two_jets^#1")), "two_jets^#1");
/// ```
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '_' | '^' | '{' | '}' | '#' | '\\') {
            out.push('#');
        }
        out.push(c);
    }
    out
}

struct Parser<'a> {
    chars: &'a [char],
    at: usize,
    out: Vec<Segment>,
}

impl Parser<'_> {
    /// Parses until the end or (inside a group) the closing brace, which it consumes.
    fn run(&mut self, scale: f64, rise: f64, in_group: bool) {
        // Whether the last thing parsed at this level was a script, and of which kind.
        let mut last_script: Option<char> = None;
        while self.at < self.chars.len() {
            let c = self.chars[self.at];
            match c {
                '}' if in_group => {
                    self.at += 1;
                    return;
                }
                '{' => {
                    self.at += 1;
                    self.run(scale, rise, true);
                    last_script = None;
                }
                '_' | '^' if self.at + 1 < self.chars.len() => {
                    self.at += 1;
                    let stacked = matches!(last_script, Some(k) if k != c);
                    let child = scale * SCRIPT_SCALE;
                    let child_rise = if c == '^' {
                        rise + scale * SUP_RISE
                    } else {
                        rise - scale * SUB_DROP
                    };
                    let first = self.out.len();
                    self.argument(child, child_rise);
                    if let Some(s) = self.out.get_mut(first) {
                        s.starts_script = true;
                        s.stacked = stacked;
                    }
                    last_script = if stacked { None } else { Some(c) };
                }
                '#' | '\\' if self.at + 1 < self.chars.len() => {
                    self.at += 1;
                    self.command(c, scale, rise);
                    last_script = None;
                }
                _ => {
                    self.at += 1;
                    self.push(&c.to_string(), scale, rise);
                    last_script = None;
                }
            }
        }
    }

    /// A script's argument: a `{group}`, a command or one character.
    fn argument(&mut self, scale: f64, rise: f64) {
        match self.chars.get(self.at) {
            Some('{') => {
                self.at += 1;
                self.run(scale, rise, true);
            }
            Some(&p @ ('#' | '\\')) if self.at + 1 < self.chars.len() => {
                self.at += 1;
                self.command(p, scale, rise);
            }
            Some(c) => {
                let c = *c;
                self.at += 1;
                self.push(&c.to_string(), scale, rise);
            }
            None => {}
        }
    }

    /// A command after its `#` or `\` (already consumed).
    fn command(&mut self, prefix: char, scale: f64, rise: f64) {
        let start = self.at;
        while self.at < self.chars.len() && self.chars[self.at].is_ascii_alphabetic() {
            self.at += 1;
        }
        let name: String = self.chars[start..self.at].iter().collect();
        if name.is_empty() {
            // `#{`, `#_`, `##`: the character itself.
            let c = self.chars[self.at];
            self.at += 1;
            self.push(&c.to_string(), scale, rise);
            return;
        }
        let braced = self.chars.get(self.at) == Some(&'{');
        match name.as_str() {
            "it" | "bf" | "rm" | "mathrm" | "textrm" | "mathit" | "mathbf" | "text" if braced => {
                self.at += 1;
                self.run(scale, rise, true);
            }
            "sqrt" => {
                self.push("√", scale, rise);
                if braced {
                    self.at += 1;
                    self.run(scale, rise, true);
                }
            }
            "bar" | "overline" if braced => {
                // Each character of the argument gets a combining macron.
                // The argument may merge into the last segment: mark from where it starts.
                let first = self.out.len().saturating_sub(1);
                let keep = self.out.last().map_or(0, |s| s.text.len());
                self.at += 1;
                self.run(scale, rise, true);
                for (k, s) in self.out.iter_mut().enumerate().skip(first) {
                    let from = if k == first {
                        keep.min(s.text.len())
                    } else {
                        0
                    };
                    let barred: String = s.text[from..]
                        .chars()
                        .flat_map(|c| [c, '\u{0304}'])
                        .collect();
                    s.text.truncate(from);
                    s.text.push_str(&barred);
                }
            }
            _ => match symbol(&name) {
                Some(s) => self.push(s, scale, rise),
                None => self.push(&format!("{prefix}{name}"), scale, rise),
            },
        }
    }

    /// Appends text, merged into the last segment when it has the same size and baseline.
    fn push(&mut self, text: &str, scale: f64, rise: f64) {
        if let Some(last) = self.out.last_mut()
            && last.scale == scale
            && last.rise == rise
        {
            last.text.push_str(text);
            return;
        }
        self.out.push(Segment {
            text: text.to_string(),
            scale,
            rise,
            stacked: false,
            starts_script: false,
        });
    }
}

/// The character of a named symbol (`mu` → μ), or `None`.
fn symbol(name: &str) -> Option<&'static str> {
    Some(match name {
        "alpha" => "α",
        "beta" => "β",
        "gamma" => "γ",
        "delta" => "δ",
        "epsilon" | "varepsilon" => "ε",
        "zeta" => "ζ",
        "eta" => "η",
        "theta" => "θ",
        "iota" => "ι",
        "kappa" => "κ",
        "lambda" => "λ",
        "mu" => "μ",
        "nu" => "ν",
        "xi" => "ξ",
        "omicron" => "ο",
        "pi" => "π",
        "rho" => "ρ",
        "sigma" => "σ",
        "tau" => "τ",
        "upsilon" => "υ",
        "phi" | "varphi" => "φ",
        "chi" => "χ",
        "psi" => "ψ",
        "omega" => "ω",
        "Gamma" => "Γ",
        "Delta" => "Δ",
        "Theta" => "Θ",
        "Lambda" => "Λ",
        "Xi" => "Ξ",
        "Pi" => "Π",
        "Sigma" => "Σ",
        "Upsilon" => "Υ",
        "Phi" => "Φ",
        "Psi" => "Ψ",
        "Omega" => "Ω",
        "pm" => "±",
        "mp" => "∓",
        "times" => "×",
        "cdot" => "·",
        "rightarrow" | "to" => "→",
        "leftarrow" => "←",
        "leftrightarrow" => "↔",
        "ell" => "ℓ",
        "infty" => "∞",
        "leq" | "le" => "≤",
        "geq" | "ge" => "≥",
        "neq" | "ne" => "≠",
        "approx" => "≈",
        "sim" => "∼",
        "circ" | "degree" => "°",
        "prime" => "′",
        "partial" => "∂",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(text: &str, scale: f64, rise: f64) -> Segment {
        Segment {
            text: text.to_string(),
            scale,
            rise,
            stacked: false,
            starts_script: false,
        }
    }

    #[test]
    fn a_subscript_is_smaller_and_lower() {
        let s = parse("p_{T} [GeV]");
        let mut t = seg("T", 0.7, -0.18);
        t.starts_script = true;
        assert_eq!(s, vec![seg("p", 1.0, 0.0), t, seg(" [GeV]", 1.0, 0.0)]);
    }

    #[test]
    fn sub_and_superscript_on_one_base_are_stacked() {
        let s = parse("E_{T}^{miss}");
        assert_eq!(s.len(), 3);
        assert_eq!((s[1].text.as_str(), s[1].rise), ("T", -0.18));
        assert_eq!((s[2].text.as_str(), s[2].rise), ("miss", 0.42));
        assert!(s[1].starts_script && !s[1].stacked);
        assert!(s[2].starts_script && s[2].stacked);
    }

    #[test]
    fn greek_letters_and_symbols() {
        assert_eq!(plain("#mu#eta#phi#Delta"), "μηφΔ");
        assert_eq!(plain("\\mu^{+}\\mu^{-}"), "μ+μ-");
        assert_eq!(plain("#sqrt{s} = 13 TeV"), "√s = 13 TeV");
        assert_eq!(plain("t#bar{t}"), "tt\u{304}");
        assert_eq!(plain("#it{m}_{#ell#ell}"), "mℓℓ");
        // Unknown commands stay as written.
        assert_eq!(plain("#foo x"), "#foo x");
    }

    #[test]
    fn single_character_scripts_and_nesting() {
        let s = parse("x^2_i");
        assert_eq!(s[1], {
            let mut t = seg("2", 0.7, 0.42);
            t.starts_script = true;
            t
        });
        assert!(s[2].stacked && s[2].rise == -0.18);
        // A script of a script: 0.7 × 0.7 of the size, raised by 0.42 + 0.7 × 0.42.
        let n = parse("e^{x^{2}}");
        assert_eq!(n[2].text, "2");
        assert!((n[2].scale - 0.49).abs() < 1e-12);
        assert!((n[2].rise - (0.42 + 0.7 * 0.42)).abs() < 1e-12);
    }

    #[test]
    fn luminosity_text() {
        let s = parse("59.8 fb^{-1} (13 TeV)");
        let texts: Vec<_> = s.iter().map(|s| (s.text.as_str(), s.rise)).collect();
        assert_eq!(
            texts,
            vec![("59.8 fb", 0.0), ("-1", 0.42), (" (13 TeV)", 0.0)]
        );
    }

    #[test]
    fn unbalanced_input_does_not_panic() {
        for l in ["p_{T", "x^", "}{", "#", "a_", "_{}^{}", "#bar{", "\\"] {
            let _ = parse(l);
        }
        assert_eq!(plain("x^"), "x^");
    }
}
