//! The `hashscope` command-line tool: a thin layer over the library; one module per
//! subcommand under `src/cli/`.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
