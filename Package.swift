// swift-tools-version:6.1
// kspy — node introspection and debugging for Kubernetes nodes.
//
// Layers (dependencies point down only), see DESIGN.md:
//   kspy, kspy-bench                     executables
//   KspyInspect, KspyDataplane, KspyTrace, KspyRuntime
//   KspyKernel                           typed Swift over kernel interfaces
//   CKspyShim, CLibbpf, CLibnftnl,       C: syscalls without wrappers, fork→exec, libraries
//   CLibmnl
import PackageDescription

/// libbpf, libelf, libz and libnftnl are linked from their archives (Debian's -dev
/// packages ship them; `-l:NAME.a` picks the archive without switching the linker's
/// mode, so a fully static release link works too). libmnl, which Debian ships only as
/// a shared library, is the CLibmnl target. The installed kspy is then one file that
/// runs on a node without these libraries, and no start pays for loading and
/// relocating them. The module maps carry no `link` lines: these flags are the only
/// place the libraries are named.
let staticLibbpf: [LinkerSetting] = [
    .unsafeFlags(["-Xlinker", "-l:libbpf.a", "-Xlinker", "-l:libelf.a", "-Xlinker", "-l:libz.a"])
]
let staticLibnftnl: [LinkerSetting] = [
    .unsafeFlags(["-Xlinker", "-l:libnftnl.a"])
]
/// kspy exports no symbols, so the dynamic loader of a dynamically linked kspy has no
/// symbol table of kspy's to search. (A release kspy is a static executable, see the
/// README: no dynamic loader at all.)
let fastStartExecutable: [LinkerSetting] = [
    .unsafeFlags(["-Xlinker", "--no-export-dynamic"])
]

/// Kspy's own code reaches the metadata of the generic types it uses (a dictionary of its
/// records, an array of ranges) through accessor functions given the conformances they
/// need, instead of by mangled name: the runtime demangles such a name on first use and
/// looks each conformance up by scanning every conformance record of the executable
/// (6,500 with Foundation linked in), about 0.1 ms apiece. Short runs such as `kspy
/// exec` paid a millisecond for it.
let directMetadataAccess: [SwiftSetting] = [
    .unsafeFlags(["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"])
]

/// Every function of kspy's own code in a section of its own, so that the link can place
/// it (`hotCodeTogether`); the standard library's archives are built that way already.
let functionSections: [SwiftSetting] = [.unsafeFlags(["-Xfrontend", "-function-sections"])]
let cFunctionSections: [CSetting] = [.unsafeFlags(["-ffunction-sections"])]
let kspySwiftSettings = directMetadataAccess + functionSections

/// The functions `kspy exec` runs, and the variables it writes, are laid out next to each
/// other (ld.lld `--symbol-ordering-file`; the list is
/// Sources/kspy/Link/exec-hot-symbols.order, made by scripts/exec-hot-symbols.sh). A short
/// command pays a page fault for each 64 KiB window of the 20 MB text it touches: spread
/// out, exec's 1,900 functions took 120 windows, grouped they take a few. Each .data or
/// .bss page it writes costs one or two more (the runtime's metadata caches and
/// once-tokens, a few bytes in each of hundreds of objects): moving the ~190 objects'
/// sections that hold them together took kspy exec from 240 faults to 185. A name the
/// list holds that no longer exists is skipped.
let packageDirectory = String(#filePath.dropLast("Package.swift".count))
let hotCodeTogether: [LinkerSetting] = [
    .unsafeFlags([
        "-use-ld=lld",
        "-Xlinker", "--symbol-ordering-file=\(packageDirectory)Sources/kspy/Link/exec-hot-symbols.order",
        "-Xlinker", "--no-warn-symbol-ordering",
    ])
]

let package = Package(
    name: "kspy",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "kspy", targets: ["kspy"]),
        .executable(name: "kspy-bench", targets: ["kspy-bench"]),
        .executable(name: "kspy-fuzz", targets: ["kspy-fuzz"]),
        .library(name: "KspyKernel", targets: ["KspyKernel"]),
        .library(name: "KspyRuntime", targets: ["KspyRuntime"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // C: raw syscalls without a glibc wrapper and everything between fork and exec.
        .target(name: "CKspyShim", cSettings: cFunctionSections),
        // System libraries (Debian: libbpf-dev libelf-dev zlib1g-dev, libnftnl-dev libmnl-dev).
        .systemLibrary(name: "CLibbpf"),
        .systemLibrary(name: "CLibnftnl"),
        // libmnl's functions (libmnl-dev's header), for libnftnl's archive.
        .target(name: "CLibmnl"),

        .target(
            name: "KspyKernel", dependencies: ["CKspyShim", "CLibbpf"],
            swiftSettings: kspySwiftSettings, linkerSettings: staticLibbpf),
        .target(
            name: "KspyRuntime",
            dependencies: ["KspyKernel", .product(name: "Yams", package: "Yams")],
            swiftSettings: kspySwiftSettings),
        .target(
            name: "KspyInspect", dependencies: ["KspyKernel", .product(name: "Yams", package: "Yams")],
            swiftSettings: kspySwiftSettings),
        .target(
            name: "KspyDataplane", dependencies: ["KspyKernel", "CLibnftnl", "CLibmnl"],
            swiftSettings: kspySwiftSettings, linkerSettings: staticLibnftnl),
        .target(
            name: "KspyTrace", dependencies: ["KspyKernel", "KspyInspect", "CLibbpf"],
            swiftSettings: kspySwiftSettings, plugins: ["EmbedBPFPlugin"]),
        // Compiles bpf/*.bpf.c with clang -target bpf and embeds the objects (EmbeddedBPF).
        .plugin(name: "EmbedBPFPlugin", capability: .buildTool()),

        .executableTarget(
            name: "kspy",
            dependencies: [
                "KspyKernel", "KspyRuntime", "KspyInspect", "KspyDataplane", "KspyTrace",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["Link"],
            swiftSettings: kspySwiftSettings, linkerSettings: fastStartExecutable + hotCodeTogether),
        // Parser fuzzing: libFuzzer entry with -DKSPY_LIBFUZZER (scripts/fuzz.sh), a
        // corpus replayer without it.
        .executableTarget(name: "kspy-fuzz", dependencies: ["KspyDataplane"]),
        .executableTarget(
            name: "kspy-bench",
            dependencies: [
                "CKspyShim", "KspyKernel", "KspyRuntime", "KspyDataplane",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Helpers every test target shares (requireRoot); linked into tests only.
        .target(name: "KspyTestSupport", path: "Tests/KspyTestSupport"),
        .testTarget(
            name: "KspyKernelTests", dependencies: ["KspyKernel", "CKspyShim", "KspyTestSupport"],
            exclude: ["Fixtures"]),
        .testTarget(name: "KspyRuntimeTests", dependencies: ["KspyRuntime", "KspyKernel", "KspyTestSupport"]),
        .testTarget(name: "KspyInspectTests", dependencies: ["KspyInspect", "KspyKernel", "KspyTestSupport"]),
        .testTarget(name: "KspyCLITests", dependencies: ["kspy", "KspyKernel", "KspyRuntime", "KspyTestSupport"]),
        .testTarget(name: "KspyTraceTests", dependencies: ["KspyTrace", "KspyKernel", "KspyInspect", "KspyTestSupport"]),
        .testTarget(
            name: "KspyDataplaneTests", dependencies: ["KspyDataplane", "KspyKernel", "CLibmnl", "KspyTestSupport"],
            exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
