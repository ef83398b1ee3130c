import ArgumentParser
import Augment
import Config

/// `--config FILE --profile NAME`, shared by `augment` and `preview`.
struct ProfileOptions: ParsableArguments {
    @Option(help: "The configuration file (TOML) that defines the profile.")
    var config: String

    @Option(help: "The profile name ([profiles.NAME] in the configuration).")
    var profile: String

    /// The validated configuration and the chosen profile. Inboxes need not exist for one-shot use.
    func load() throws -> (Configuration, Profile) {
        let configuration = try CLIErrors.loadConfiguration(config, checkPaths: false)
        guard let chosen = configuration.profiles[profile] else {
            let known = configuration.profiles.keys.sorted().joined(separator: ", ")
            throw CLIErrors.Failure(description: "\(config): no profile \"\(profile)\" (defined: \(known.isEmpty ? "none" : known))")
        }
        return (configuration, chosen)
    }
}
