import Codecs
import Config
import Foundation
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
