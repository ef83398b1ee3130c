import ArgumentParser

/// `--config FILE`, defaulting to the system configuration; shared by `run` and `status`.
struct ConfigFileOption: ParsableArguments {
    @Option(help: "The configuration file (TOML).")
    var config: String = "/etc/augmentd/augmentd.toml"
}
