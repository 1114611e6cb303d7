//! The `hashscope` command-line tool.
fn main() {
    println!("hashscope");
}
