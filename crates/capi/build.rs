//! What rustc does not set by itself when it links libnet_websocket.so: the SONAME.
//!
//! Programs linked against the library record `libnet_websocket.so.MAJOR` (the package's major
//! version) as the file to load, the name `make install` gives the ABI-compatible series. The
//! export list is rustc's own (only the `#[no_mangle]` functions), checked by
//! scripts/c-tests.sh.
use std::env;
use std::path::{Path, PathBuf};

const LIBRARY: &str = "libnet_websocket.so";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let vendor = env::var("CARGO_CFG_TARGET_VENDOR").unwrap_or_default();
    // ELF only: Mach-O names a library by its install name, PE has no equivalent.
    if vendor == "apple" || os == "windows" {
        return;
    }
    let major = env::var("CARGO_PKG_VERSION_MAJOR").expect("cargo sets CARGO_PKG_VERSION_MAJOR");
    let soname = format!("{LIBRARY}.{major}");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
    link_soname_in_build_tree(&soname);
}

/// `target/<profile>/libnet_websocket.so.MAJOR` → `libnet_websocket.so`: a program linked
/// against the build tree's library (the C tests, the demo, the Autobahn client) asks the
/// loader for the SONAME, so that name must exist beside the library, as an installed one has.
#[cfg(unix)]
fn link_soname_in_build_tree(soname: &str) {
    let Some(out_dir) = env::var_os("OUT_DIR").map(PathBuf::from) else {
        return;
    };
    // OUT_DIR is <profile directory>/build/<package>-<hash>/out.
    let build_dir = out_dir.ancestors().nth(2);
    let profile_dir = match build_dir.and_then(|b| b.parent()) {
        Some(dir) if build_dir.and_then(Path::file_name) == Some("build".as_ref()) => dir,
        _ => {
            println!(
                "cargo:warning=unexpected OUT_DIR layout ({}): no {soname} link made beside {LIBRARY}",
                out_dir.display()
            );
            return;
        }
    };
    let link = profile_dir.join(soname);
    if std::fs::read_link(&link).is_ok_and(|target| target == Path::new(LIBRARY)) {
        return;
    }
    let _ = std::fs::remove_file(&link);
    if let Err(e) = std::os::unix::fs::symlink(LIBRARY, &link) {
        println!(
            "cargo:warning=cannot link {} to {LIBRARY}: {e}",
            link.display()
        );
    }
}

#[cfg(not(unix))]
fn link_soname_in_build_tree(_soname: &str) {}
