import ArgumentParser

/// The `augmentd` command line: a thin shell over the library modules, one file per subcommand.
public struct AugmentdCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "augmentd",
        abstract: "Grows image datasets from watched inbox folders with Keras-style augmentation.",
        version: AugmentdVersion.string,
        subcommands: [InspectCommand.self, TransformCommand.self, AugmentCommand.self, PreviewCommand.self,
                      CheckConfigCommand.self, RunCommand.self, StatusCommand.self, RetrainCommand.self,
                      LedgerCommand.self, BalanceCommand.self]
    )

    public init() {}
}

/// The version printed by `--version` and written into failure reports.
public enum AugmentdVersion {
    public static let string = "0.2.0"
}
