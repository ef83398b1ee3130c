import Codecs
import Testing
import TestSupport

/// Every file of the bad-input corpus is refused with the right kind of error, never a crash
/// and never a half-grey image.
struct BadInputTests {
    @Test(arguments: BadInputCorpus.entries)
    func refusedWithTheExpectedError(_ entry: BadInputCorpus.Entry) {
        do {
            let (image, _) = try ImageDecoder().decode(entry.bytes)
            Issue.record("\(entry.name) decoded to \(image.width)x\(image.height), expected \(entry.expected)")
        } catch {
            #expect(entry.expected.matches(error), "\(entry.name): got \(error), expected \(entry.expected)")
        }
    }

    @Test func hugeHeaderIsRefusedByProbeAlone() throws {
        let bomb = try #require(BadInputCorpus.entries.first { $0.name.hasPrefix("bomb-100000") })
        #expect(throws: CodecError.tooLarge(width: 100_000, height: 100_000, limit: 64_000_000)) {
            try ImageDecoder().probe(bomb.bytes)
        }
    }

    @Test func pixelLimitIsConfigurable() throws {
        let png = BadInputCorpus.validPNG() // 64×48 = 3072 pixels
        #expect(throws: CodecError.tooLarge(width: 64, height: 48, limit: 3071)) {
            try ImageDecoder(limits: DecodeLimits(maxPixels: 3071)).decode(png)
        }
        #expect(try ImageDecoder(limits: DecodeLimits(maxPixels: 3072)).decode(png).image.pixelCount == 3072)
    }

    @Test func truncationIsReportedAsPossiblyIncomplete() throws {
        let png = BadInputCorpus.validPNG()
        #expect(throws: CodecError.truncated(.png, "premature end of data")) {
            try ImageDecoder().decode(Array(png.dropLast(12)))
        }
        do {
            _ = try ImageDecoder().decode(Array(BadInputCorpus.validJPEG().dropLast(2)))
            Issue.record("a JPEG without EOI decoded")
        } catch {
            #expect(error == .truncated(.jpeg, "premature end of data"))
            #expect(error.mayBeIncomplete)
            #expect(error.description == "truncated JPEG: premature end of data")
        }
        // An empty file is a writer that has not written yet, until it is old.
        #expect(CodecError.empty.mayBeIncomplete && !CodecError.corrupt(.png, "x").mayBeIncomplete)
    }

    @Test func crcErrorMessageNamesTheChunk() throws {
        let entry = try #require(BadInputCorpus.entries.first { $0.name == "bad-crc-idat.png" })
        #expect(throws: CodecError.corrupt(.png, "CRC error in IDAT")) { try ImageDecoder().decode(entry.bytes) }
    }

    @Test func sniffingIgnoresTheFileName() throws {
        // A PNG named .jpg is a PNG.
        #expect(FormatSniffer.sniff(BadInputCorpus.validPNG()) == .supported(.png))
        #expect(FormatSniffer.sniff(BadInputCorpus.validJPEG()) == .supported(.jpeg))
        #expect(FormatSniffer.sniff([0x42, 0x4D] + [UInt8](repeating: 0, count: 20)) == .unsupported("BMP"))
    }
}
