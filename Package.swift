// swift-tools-version:6.0
import PackageDescription

// Dependencies point one way: C shims → Codecs → (Imaging → Augment) → … → AugmentdCLI → augmentd.
// LinuxSystem (syscalls) and Hashing (libcrypto) sit on the side and import nothing of ours.
let package = Package(
    name: "augmentd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "augmentd", targets: ["augmentd"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
    ],
    targets: [
        // System libraries, reached only through CImageCodecs and Hashing.
        .systemLibrary(name: "CPNG", pkgConfig: "libpng16", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(name: "CWebP", pkgConfig: "libwebpdemux", providers: [.apt(["libwebp-dev"])]),
        .systemLibrary(name: "CTIFF", pkgConfig: "libtiff-4", providers: [.apt(["libtiff-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CPostgres", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),

        // Every libpng/libjpeg/libwebp/libtiff call; setjmp/longjmp never leave this C target.
        .target(name: "CImageCodecs", dependencies: ["CPNG", "CJPEG", "CWebP", "CTIFF"]),
        .target(name: "Codecs", dependencies: ["CImageCodecs"]),
        // Pixel primitives: scipy boundary arithmetic, the affine sampler, histograms, tables.
        .target(name: "Imaging", dependencies: ["Codecs", "CImageKernels"]),
        // SIMD kernels (SSE2, and AVX2 when the CPU has it, bit-identical results).
        .target(name: "CImageKernels"),
        // The operations (one per file), profiles, seeded parameter draws, the variant pipeline.
        .target(name: "Augment", dependencies: ["Codecs", "Imaging", "Hashing"]),
        .target(name: "Hashing", dependencies: ["CCrypto"]),
        // The life of one file, shared by the daemon and the one-shot `augment`: layout, split, variants.
        .target(name: "Ingest", dependencies: ["Augment", "Codecs", "Config", "Hashing", "Ledger", "PostgresLedger", "LinuxSystem"]),
        // Retraining: the trigger policy, the manifest, the runner (lock, process group, timeout).
        .target(name: "Retrain", dependencies: ["Config", "Ledger", "LinuxSystem"]),
        // `augmentd run`: watcher, work queue, workers, repair at start, reload, notify, metrics, graceful stop.
        .target(name: "Daemon", dependencies: ["Ingest", "Augment", "Codecs", "Watch", "Config", "Ledger", "LinuxSystem", "Retrain"]),
        // TOML → typed, validated configuration; errors name the file, the key and what is allowed.
        .target(name: "Config", dependencies: ["Augment", "Imaging", .product(name: "TOMLKit", package: "TOMLKit")]),
        // The ledger's roles and the SQLite ledger: schema, migrations, one transaction per invariant.
        .target(name: "Ledger", dependencies: ["CSQLite"]),
        // The ledger of several hosts in PostgreSQL (libpq): nodes, leases, claims, single-flight retraining.
        .target(name: "PostgresLedger", dependencies: ["Ledger", "CPostgres"]),
        // Inbox events from inotify: one owner of the descriptor and the watch maps; ignore rules.
        .target(name: "Watch", dependencies: ["LinuxSystem"]),
        .target(name: "CLinuxExtras"),
        .target(name: "LinuxSystem", dependencies: ["CLinuxExtras"]),
        .target(
            name: "AugmentdCLI",
            dependencies: [
                "Codecs", "Imaging", "Augment", "Config", "Ingest", "Daemon", "Ledger", "PostgresLedger", "LinuxSystem", "Hashing",
                "Retrain",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "augmentd", dependencies: ["AugmentdCLI", "LinuxSystem"]),
        // Benchmarks beside peers.py (../shared/bench); never run by the tests.
        .executableTarget(
            name: "augmentd-bench",
            dependencies: [
                "Codecs", "Imaging", "Augment", "Hashing", "LinuxSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Fixture builders shared by the test targets (an independent PNG writer, the bad-input corpus).
        .target(name: "TestSupport", dependencies: ["Augment", "Codecs", "Hashing"], path: "Tests/TestSupport"),
        .testTarget(name: "CodecsTests", dependencies: ["Codecs", "Hashing", "LinuxSystem", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "AugmentTests", dependencies: ["Augment", "Imaging", "Codecs", "Hashing", "LinuxSystem", "TestSupport"]),
        .testTarget(name: "WatchTests", dependencies: ["Watch", "LinuxSystem", "TestSupport"]),
        .testTarget(name: "LedgerTests", dependencies: ["Ledger", "TestSupport"]),
        .testTarget(name: "ConfigTests", dependencies: ["Config", "Augment", "TestSupport"]),
        .testTarget(name: "DaemonUnitTests", dependencies: ["Daemon", "Ledger", "TestSupport"]),
        .testTarget(name: "RetrainTests", dependencies: ["Retrain", "Ledger", "Config", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["Codecs", "TestSupport"]),
    ]
)
