// swift-tools-version:6.1
// kspy — node introspection and debugging for Kubernetes nodes.
//
// Layers (dependencies point down only), see DESIGN.md:
//   kspy, kspy-bench                     executables
//   KspyInspect, KspyDataplane, KspyTrace, KspyRuntime
//   KspyKernel                           typed Swift over kernel interfaces
//   CKspyShim, CLibbpf, CLibnftnl        C: syscalls without wrappers, fork→exec, libraries
import PackageDescription

/// libbpf, libelf, libnftnl are linked from their static archives (Debian's -dev
/// packages ship them): the installed kspy is one file that runs on a node without
/// them, and every start skips loading and relocating three shared libraries (part of
/// `kspy exec`'s start-up budget). libmnl (no archive in Debian) and libz stay shared.
/// The module maps carry no `link` lines, so these flags are the only place they are named.
let staticLibbpf: [LinkerSetting] = [
    .unsafeFlags(["-Xlinker", "-Bstatic", "-Xlinker", "-lbpf", "-Xlinker", "-lelf", "-Xlinker", "-Bdynamic", "-Xlinker", "-lz"])
]
let staticLibnftnl: [LinkerSetting] = [
    .unsafeFlags(["-Xlinker", "-Bstatic", "-Xlinker", "-lnftnl", "-Xlinker", "-Bdynamic", "-Xlinker", "-lmnl"])
]
/// kspy is linked for a fast start. It exports no symbols, so the dynamic loader has no
/// symbol table of kspy's to search. A release build is also position-dependent: no
/// relative relocations to apply (80,000 in a PIE build, touching 250 pages at every
/// start). That needs the Swift runtime linked in, as the README's release build does
/// (`--static-swift-stdlib`); against the shared runtime (debug builds, tests) glibc
/// would warn about protected symbols at every start, so those stay PIE.
let fastStartExecutable: [LinkerSetting] = [
    .unsafeFlags(["-Xlinker", "--no-export-dynamic"]),
    .unsafeFlags(["-Xclang-linker", "-no-pie"], .when(configuration: .release)),
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
        .target(name: "CKspyShim"),
        // System libraries (Debian: libbpf-dev libelf-dev zlib1g-dev, libnftnl-dev libmnl-dev).
        .systemLibrary(name: "CLibbpf"),
        .systemLibrary(name: "CLibnftnl"),

        .target(
            name: "KspyKernel", dependencies: ["CKspyShim", "CLibbpf"],
            linkerSettings: staticLibbpf),
        .target(
            name: "KspyRuntime",
            dependencies: ["KspyKernel", .product(name: "Yams", package: "Yams")]),
        .target(name: "KspyInspect", dependencies: ["KspyKernel", .product(name: "Yams", package: "Yams")]),
        .target(
            name: "KspyDataplane", dependencies: ["KspyKernel", "CLibnftnl"],
            linkerSettings: staticLibnftnl),
        .target(
            name: "KspyTrace", dependencies: ["KspyKernel", "KspyInspect", "CLibbpf"],
            plugins: ["EmbedBPFPlugin"]),
        // Compiles bpf/*.bpf.c with clang -target bpf and embeds the objects (EmbeddedBPF).
        .plugin(name: "EmbedBPFPlugin", capability: .buildTool()),

        .executableTarget(
            name: "kspy",
            dependencies: [
                "KspyKernel", "KspyRuntime", "KspyInspect", "KspyDataplane", "KspyTrace",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ],
            linkerSettings: fastStartExecutable),
        // Parser fuzzing: libFuzzer entry with -DKSPY_LIBFUZZER (scripts/fuzz.sh), a
        // corpus replayer without it.
        .executableTarget(name: "kspy-fuzz", dependencies: ["KspyDataplane"]),
        .executableTarget(
            name: "kspy-bench",
            dependencies: [
                "KspyKernel", "KspyRuntime", "KspyDataplane",
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
            name: "KspyDataplaneTests", dependencies: ["KspyDataplane", "KspyKernel", "KspyTestSupport"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
