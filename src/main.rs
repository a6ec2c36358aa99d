fn main() {
    std::process::exit(tick::cli::main());
}
