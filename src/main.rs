//! The `tenantpilot` binary: the service (`serve`, the default) and the operator CLI, both in
//! [`cli`] (one file per command group). Load benchmarks are a separate binary,
//! `tenantpilot-bench` in `tools/bench/`, and never part of this one.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
