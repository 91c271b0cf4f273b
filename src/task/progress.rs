//! A task's log: each step with the time it finished, echoed as it happens (a
//! progress line on stderr, or a backend packet) and kept for the final report.

use std::time::Instant;

/// Where log entries go as they are made.
pub trait Sink {
    /// Receives one entry: Drush's log type (`success`, `notice`, `warning`, `error`)
    /// and the message.
    fn entry(&mut self, kind: &str, message: &str);
}

/// Prints `[  0.12s] message` lines on stderr (warnings and errors always, the rest
/// unless quiet).
#[derive(Debug)]
pub struct StderrSink {
    started: Instant,
    quiet: bool,
}

impl StderrSink {
    /// A sink whose times count from now.
    pub fn new(quiet: bool) -> StderrSink {
        StderrSink {
            started: Instant::now(),
            quiet,
        }
    }
}

impl Sink for StderrSink {
    fn entry(&mut self, kind: &str, message: &str) {
        let loud = matches!(kind, "warning" | "error");
        if self.quiet && !loud {
            return;
        }
        let label = if loud {
            format!(" {kind}:")
        } else {
            String::new()
        };
        eprintln!(
            "[{:7.2}s]{label} {message}",
            self.started.elapsed().as_secs_f64()
        );
    }
}

/// The log of one task run.
pub struct Progress<'a> {
    sink: &'a mut dyn Sink,
}

impl<'a> Progress<'a> {
    /// A log that sends every entry to `sink`.
    pub fn new(sink: &'a mut dyn Sink) -> Progress<'a> {
        Progress { sink }
    }

    /// A step done.
    pub fn step(&mut self, message: impl AsRef<str>) {
        self.sink.entry("notice", message.as_ref());
    }

    /// The task's outcome.
    pub fn success(&mut self, message: impl AsRef<str>) {
        self.sink.entry("success", message.as_ref());
    }

    /// Something worth attention that did not stop the task.
    pub fn warning(&mut self, message: impl AsRef<str>) {
        self.sink.entry("warning", message.as_ref());
    }
}
