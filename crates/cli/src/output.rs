//! Writing to standard output, and how a command fails: its message and exit code.

/// Writes a line to standard output; a closed pipe (`rolegate ... | head`) ends quietly.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let result = writeln!(std::io::stdout().lock(), $($arg)*);
        $crate::output::written(result);
    }};
}

/// Like `out!`, without the newline.
macro_rules! out_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let result = write!(std::io::stdout().lock(), $($arg)*);
        $crate::output::written(result);
    }};
}

pub(crate) use {out, out_raw};

/// Ends the process quietly when standard output was closed by the reader; reports any
/// other write error.
pub(crate) fn written(result: std::io::Result<()>) {
    if let Err(e) = result {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("rolegate: cannot write to standard output: {e}");
        std::process::exit(i32::from(EXIT_USAGE));
    }
}

/// Exit code for bad usage or unreadable input.
pub(crate) const EXIT_USAGE: u8 = 2;
/// Exit code for a rejected policy, a refused team change or failed fixtures.
pub(crate) const EXIT_FAILED: u8 = 1;

/// Why a command did not succeed: the message for standard error and the exit code.
pub(crate) struct Failure {
    pub(crate) code: u8,
    pub(crate) message: String,
}

impl Failure {
    /// Bad usage or unreadable input (exit code 2).
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: EXIT_USAGE,
            message: message.into(),
        }
    }

    /// A rejected policy, a refused change or a failed case (exit code 1).
    pub(crate) fn failed(message: impl Into<String>) -> Self {
        Failure {
            code: EXIT_FAILED,
            message: message.into(),
        }
    }
}

/// What every command returns.
pub(crate) type Outcome = Result<(), Failure>;
