//! Links the kernel with its own linker script (higher-half layout, PVH note, symbol table slot).
fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    println!("cargo:rustc-link-arg-bins=-T{dir}/link.ld");
    println!("cargo:rerun-if-changed={dir}/link.ld");
}
