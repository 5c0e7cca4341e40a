//! The progress bar of batch runs (`rask adl`, `rask query` on a terminal): events done out of
//! all, the rate as `206k events/s` and the time left, in at most 79 columns. The bar needs the
//! `progress` feature (indicatif); [`rate`] does not.

#[cfg(feature = "progress")]
use indicatif::{HumanCount, ProgressBar, ProgressState, ProgressStyle};

/// The widest line the bar draws (one less than 80, so a terminal never wraps it).
pub const WIDTH: usize = 79;
/// Columns kept for the rate (`999k events/s`) and the time left (`eta 59m`).
#[cfg(feature = "progress")]
const RATE: usize = 13;
#[cfg(feature = "progress")]
const ETA: usize = 8;

/// A rate with an SI prefix and about three significant digits.
///
/// ```
/// use rask::progress::rate;
/// assert_eq!(rate(206_432.7), "206k events/s");
/// assert_eq!(rate(9_540.0), "9.5k events/s");
/// assert_eq!(rate(1_234_567.0), "1.2M events/s");
/// assert_eq!(rate(812.3), "812 events/s");
/// ```
pub fn rate(per_sec: f64) -> String {
    if !per_sec.is_finite() || per_sec <= 0.0 {
        return "0 events/s".to_string();
    }
    let mut value = per_sec;
    let mut prefix = "";
    for next in ["k", "M", "G", "T"] {
        // Round first, so that 999.7 becomes 1.0k, not 1000.
        if value.round() < 1000.0 {
            break;
        }
        value /= 1000.0;
        prefix = next;
    }
    if value < 9.95 && !prefix.is_empty() {
        format!("{value:.1}{prefix} events/s")
    } else {
        format!("{value:.0}{prefix} events/s")
    }
}

/// A progress bar over `total` events whose line fits in [`WIDTH`] columns: the bar takes what
/// the counts, rate and time left leave.
///
/// ```
/// let bar = rask::progress::bar(20_000)?;
/// bar.inc(5_000);
/// bar.finish_and_clear();
/// # Ok::<(), indicatif::style::TemplateError>(())
/// ```
#[cfg(feature = "progress")]
pub fn bar(total: u64) -> Result<ProgressBar, indicatif::style::TemplateError> {
    // " 12,000/20,000 206k events/s eta 3s"
    let count = HumanCount(total).to_string().len();
    let text = 1 + 2 * count + 1 + 1 + RATE + 1 + ETA;
    let width = WIDTH.saturating_sub(text).max(10);
    let style = ProgressStyle::with_template(&format!(
        "{{bar:{width}}} {{human_pos}}/{{human_len}} {{rate}} eta {{eta}}"
    ))?
    .with_key(
        "rate",
        |state: &ProgressState, w: &mut dyn std::fmt::Write| {
            // Writing to indicatif's String buffer cannot fail.
            let _ = w.write_str(&rate(state.per_sec()));
        },
    );
    let bar = ProgressBar::new(total);
    bar.set_style(style);
    Ok(bar)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(feature = "progress")]
    use std::sync::{Arc, Mutex};

    /// A 200-column terminal that keeps what is drawn.
    #[cfg(feature = "progress")]
    #[derive(Debug, Clone, Default)]
    struct Screen(Arc<Mutex<Vec<String>>>);

    #[cfg(feature = "progress")]
    impl indicatif::TermLike for Screen {
        fn width(&self) -> u16 {
            200
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.0.lock().unwrap().push(s.to_string());
            Ok(())
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            self.write_line(s)
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn rates_have_three_digits_and_a_prefix() {
        assert_eq!(rate(0.0), "0 events/s");
        assert_eq!(rate(f64::NAN), "0 events/s");
        assert_eq!(rate(999.7), "1.0k events/s");
        assert_eq!(rate(999_600.0), "1.0M events/s");
        assert_eq!(rate(12_345.0), "12k events/s");
        assert_eq!(rate(2.5e9), "2.5G events/s");
    }

    /// Drawn for 20 thousand and for ten billion events, every line fits in 79 columns and
    /// shows the counts and the rate.
    #[cfg(feature = "progress")]
    #[test]
    fn the_line_fits_in_80_columns() {
        for (total, done, shown) in [
            (20_000u64, 12_000u64, "12,000/20,000 "),
            (
                10_000_000_000,
                9_999_999_999,
                "9,999,999,999/10,000,000,000 ",
            ),
        ] {
            let screen = Screen::default();
            let b = bar(total).unwrap();
            b.set_draw_target(indicatif::ProgressDrawTarget::term_like(Box::new(
                screen.clone(),
            )));
            b.set_position(done);
            std::thread::sleep(std::time::Duration::from_millis(60));
            b.tick();
            let lines = screen.0.lock().unwrap().clone();
            let line = lines
                .iter()
                .rev()
                .find(|l| l.contains('/'))
                .unwrap_or_else(|| panic!("nothing drawn: {lines:?}"));
            assert!(line.contains(shown), "{line}");
            assert!(line.contains(" events/s eta "), "{line}");
            assert!(
                line.chars().count() <= WIDTH,
                "{} > {WIDTH}: {line}",
                line.len()
            );
        }
    }
}
