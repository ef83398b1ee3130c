import ArgumentParser
import Augment
import Codecs
import Config
import Foundation
import LinuxSystem

/// `augmentd transform IN OUT --op OP --params JSON`: one deterministic operation, with the op
/// names and parameter keys of the reference set, for parity checks and experiments.
struct TransformCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transform",
        abstract: "Apply one deterministic operation to an image (reference parity).",
        discussion: """
            OP is one of \(ReferenceOperation.names.joined(separator: ", ")); the JSON keys are those of \
            ../shared/reference/cases.json. keras_apply_transform also takes "geometry": "keras" (default) \
            or "centered". OUT is written as PNG, or as JPEG when it ends in .jpg or .jpeg.
            """)

    @Argument(help: "Input PNG or JPEG.")
    var input: String

    @Argument(help: "Output file (.png, or .jpg/.jpeg).")
    var output: String

    @Option(help: "The operation.")
    var op: String

    @Option(help: "The operation's parameters as a JSON object.")
    var params: String = "{}"

    @Option(help: "JPEG quality when OUT is a JPEG.")
    var quality: Int = 95

    func run() throws {
        let values: [String: JSONValue]
        do {
            values = try JSONDecoder().decode([String: JSONValue].self, from: Data(params.utf8))
        } catch {
            throw ValidationError("--params must be a JSON object, e.g. '{\"theta\": 30}'")
        }
        let operation: ReferenceOperation
        do {
            operation = try ReferenceOperation.parse(op: op, params: values)
        } catch {
            throw ValidationError(error.description)
        }
        let image = try CLIErrors.readImage(input, limits: DecodeLimits())
        let result = operation.apply(to: image)
        let lower = output.lowercased()
        let options: EncodeOptions = lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg")
            ? .jpeg(quality: quality) : .png()
        try CLIErrors.writeImage(result, to: output, as: options)
    }
}
