import Codecs
import Config
import Foundation
import Ingest
import PostgresLedger
import Ledger
import LinuxSystem

/// Turns file and codec errors into one-line messages that name the file.
enum CLIErrors {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Loads and validates a configuration file; its error already names the file and the key.
    static func loadConfiguration(_ path: String, checkPaths: Bool = true) throws -> Configuration {
        do {
            return try Configuration.load(path, checkPaths: checkPaths)
        } catch {
            throw Failure(description: error.description)
        }
    }

    /// Opens the ledger of `configuration` for a command (`name`; nil: reading only); a damaged
    /// file is named with the way out.
    static func openLedger(_ configuration: Configuration, command name: String?) throws -> any DaemonLedger {
        do {
            return try DatasetLedger.open(configuration, as: name.map { .command($0) } ?? .reader)
        } catch {
            throw ledgerFailure(error, configuration)
        }
    }

    /// A ledger call that failed: damage is named with the way out (`augmentd ledger rebuild`).
    static func ledgerFailure(_ error: LedgerError, _ configuration: Configuration) -> Failure {
        if configuration.ledger.isPostgreSQL {
            return Failure(description: "the ledger database \(PostgresLedger.redacted(configuration.ledger.url)) "
                           + "([ledger] url in \(configuration.file)): \(error.message)")
        }
        guard error.isDamage else { return Failure(description: "state_dir \(configuration.daemon.stateDir): \(error)") }
        let path = Configuration.absolutePath("\(configuration.daemon.stateDir)/ledger.sqlite")
        return Failure(description: "the ledger \(path) is damaged (\(error.message)); "
                       + "rebuild it from the dataset with `augmentd ledger rebuild --config \(configuration.file)`")
    }

    static func readImage(_ path: String, limits: DecodeLimits) throws -> Image {
        let bytes: [UInt8]
        do {
            bytes = try RegularFile.read(path)
        } catch {
            throw Failure(description: "\(path): \(error)")
        }
        do {
            return try ImageDecoder(limits: limits).decode(bytes).image
        } catch {
            throw Failure(description: "\(path): \(error)")
        }
    }

    static func writeImage(_ image: Image, to path: String, as options: EncodeOptions) throws {
        do {
            try DurableFile.write(try ImageEncoder.encode(image, as: options), to: path)
        } catch let error as CodecError {
            throw Failure(description: "\(path): \(error)")
        } catch {
            throw Failure(description: "\(path): cannot write: \(error)")
        }
    }
}
