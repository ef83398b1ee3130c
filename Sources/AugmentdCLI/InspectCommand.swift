import ArgumentParser
import Codecs
import LinuxSystem

/// `augmentd inspect FILE...`: what each file is, or exactly why augmentd would refuse it.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show format, size, channels and EXIF orientation, or why a file would be refused.",
        discussion: "Exit status 0 when every file is readable, 1 when any is not."
    )

    @Option(name: .customLong("max-pixels"), help: "Refuse images with more pixels than this (as max_pixels).")
    var maxPixels: Int = DecodeLimits().maxPixels

    @Argument(help: "Image files to inspect.")
    var files: [String]

    func validate() throws {
        if maxPixels <= 0 { throw ValidationError("--max-pixels must be a positive number of pixels") }
    }

    func run() throws {
        let inspector = ImageInspector(limits: DecodeLimits(maxPixels: maxPixels))
        var allReadable = true
        for path in files {
            switch inspector.inspect(path) {
            case .success(let info):
                print("\(path): \(info.summary)")
            case .failure(let error):
                allReadable = false
                print("\(path): error: \(error)")
            }
        }
        if !allReadable { throw ExitCode(1) }
    }
}

/// Why a file cannot be used: the file system refused it, or its contents did.
enum FileProblem: Error, CustomStringConvertible {
    case file(SystemError)
    case image(CodecError)

    var description: String {
        switch self {
        case .file(let error): error.description
        case .image(let error): error.description
        }
    }
}

/// Reads and fully decodes a file exactly as ingestion will, reporting the result.
struct ImageInspector {
    let limits: DecodeLimits

    func inspect(_ path: String) -> Result<ImageInfo, FileProblem> {
        let bytes: [UInt8]
        do {
            bytes = try RegularFile.read(path)
        } catch {
            return .failure(.file(error))
        }
        do {
            // A full decode: truncation and corruption only show up in the pixel data.
            return .success(try ImageDecoder(limits: limits).decode(bytes).info)
        } catch {
            return .failure(.image(error))
        }
    }
}

extension ImageInfo {
    /// One line for `inspect`: "JPEG 640x480, 3 channels (YCbCr, progressive), orientation 1 (upright)".
    var summary: String {
        var details = [colorModel]
        if bitDepth != 8 { details.append("\(bitDepth)-bit") }
        if interlaced { details.append(format == .jpeg ? "progressive" : "interlaced") }
        var text = "\(format.displayName) \(width)x\(height), \(channels) channel\(channels == 1 ? "" : "s")"
        text += " (\(details.joined(separator: ", "))), orientation \(orientation.summary)"
        if orientation != .up { text += ", stored as \(storedWidth)x\(storedHeight)" }
        if pages > 1 { text += ", \(pages) pages (the first is augmented)" }
        return text
    }
}
