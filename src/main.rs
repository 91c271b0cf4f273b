//! The `provision` binary: a thin shell over the library.

fn main() {
    std::process::exit(provision::command::run(std::env::args_os().collect()));
}
