//! Progress: a bar with rate and ETA when standard error is a terminal, a log line every few seconds otherwise.
//! Neither names a person: only counts.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use crate::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub(crate) enum Reporter {
    Quiet,
    Bar(ProgressBar),
    Lines {
        every: Duration,
        last: Option<Instant>,
        latest: Option<Progress>,
    },
}

impl Reporter {
    pub(crate) fn new(quiet: bool, every: Duration) -> Reporter {
        if quiet {
            return Reporter::Quiet;
        }
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(200));
            Reporter::Bar(bar)
        } else {
            Reporter::Lines {
                every,
                last: None,
                latest: None,
            }
        }
    }

    pub(crate) fn update(&mut self, p: &Progress) {
        match self {
            Reporter::Quiet => {}
            Reporter::Bar(bar) => {
                bar.set_length(p.total);
                bar.set_position(p.finished());
                bar.set_message(format!(
                    "{:.0}/s, ETA {}, {} unknown, {} failed, window {}",
                    p.rate,
                    eta_text(p.eta()),
                    p.unknown,
                    p.failed,
                    p.window
                ));
            }
            Reporter::Lines {
                every,
                last,
                latest,
            } => {
                *latest = Some(*p);
                if last.is_none_or(|t| t.elapsed() >= *every) {
                    *last = Some(Instant::now());
                    eprintln!("{}", line(p));
                }
            }
        }
    }

    pub(crate) fn finish(&mut self) {
        match self {
            Reporter::Quiet => {}
            Reporter::Bar(bar) => {
                bar.finish();
                // The bar stays on screen; what follows starts on a line of its own.
                eprintln!();
            }
            Reporter::Lines { latest, .. } => {
                if let Some(p) = latest.take() {
                    eprintln!("{}", line(&p));
                }
            }
        }
    }
}

fn line(p: &Progress) -> String {
    format!(
        "progress: {}/{} finished ({} done, {} failed), {} unknown, {} pending, {:.1}/s, ETA {}, window {}",
        p.finished(),
        p.total,
        p.done,
        p.failed,
        p.unknown,
        p.pending,
        p.rate,
        eta_text(p.eta()),
        p.window
    )
}

fn eta_text(eta: Option<Duration>) -> String {
    match eta {
        None => "-".to_owned(),
        Some(d) => {
            let s = d.as_secs();
            if s >= 3600 {
                format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
            } else {
                format!("{}m{:02}s", s / 60, s % 60)
            }
        }
    }
}
