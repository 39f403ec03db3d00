//! The `rolegate` command; everything it does lives in the `rolegate_cli` library.

fn main() -> std::process::ExitCode {
    rolegate_cli::run()
}
