import Codecs
import Foundation
import Testing
import TestSupport

/// `augmentd transform` (the real binary) over every reference case, judged by the reference
/// set's own checker, ../shared/reference/compare.py.
struct TransformCommandTests {
    /// A Python with numpy and Pillow (Debian's, as .ci/run installs it, or the one on PATH).
    static func pythonWithNumpyAndPillow() -> String? {
        for candidate in ["/usr/bin/python3", "python3"] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [candidate, "-c", "import numpy, PIL"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            if (try? process.run()) != nil {
                process.waitUntilExit()
                if process.terminationStatus == 0 { return candidate }
            }
        }
        return nil
    }

    @Test func everyReferenceCaseThroughTheCLIPassesCompareDotPy() throws {
        let cases = ReferenceCase.all
        #expect(cases.count == 101)
        let out = try TemporaryDirectory("transform-parity")
        for testCase in cases {
            let target = out.file((testCase.expected as NSString).lastPathComponent).path
            let result = try AugmentdBinary.run(["transform", testCase.inputURL.path, target, "--op", testCase.op,
                                                 "--params", testCase.paramsJSON])
            #expect(result.status == 0, "\(testCase.id): \(result.stderr)")
        }
        let python = try #require(Self.pythonWithNumpyAndPillow(), "python3 with numpy and Pillow is needed (see .ci/run)")
        let compare = Process()
        compare.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        compare.arguments = [python, TestPaths.shared.appendingPathComponent("reference/compare.py").path, out.url.path]
        let pipe = Pipe()
        compare.standardOutput = pipe
        compare.standardError = pipe
        try compare.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        compare.waitUntilExit()
        let lastLine = output.split(separator: "\n").last.map(String.init) ?? ""
        #expect(compare.terminationStatus == 0, "compare.py: \(output.split(separator: "\n").filter { $0.contains("FAIL") })")
        #expect(lastLine == "101 passed, 0 failed")
    }

    @Test(arguments: [
        (["--op", "keras_apply_transform", "--params", "{\"theta\": 10, \"colour\": 1}"], "unknown parameter 'colour'"),
        (["--op", "keras_apply_transform", "--params", "{\"cval\": 300}"], "'cval' must be a number in 0.0...255.0, got 300.0"),
        (["--op", "keras_apply_transform", "--params", "{\"fill_mode\": \"mirror\"}"], "'fill_mode' must be one of"),
        (["--op", "skimage_sharpen"], "unknown op 'skimage_sharpen'"),
        (["--op", "skimage_contrast_stretch", "--params", "[2, 98]"], "--params must be a JSON object"),
        (["--op", "skimage_equalize_adapthist", "--params", "{\"kernel_size\": 0}"], "'kernel_size' must be null, a positive integer or [rows, cols]"),
    ])
    func badRequestsAreRefusedByName(arguments: [String], expected: String) throws {
        let out = try TemporaryDirectory()
        let input = TestPaths.referenceInputs.appendingPathComponent("moon_96.png").path
        let result = try AugmentdBinary.run(["transform", input, out.file("x.png").path] + arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains(expected), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.file("x.png").path))
    }

    @Test func centeredGeometryIsAcceptedAndDiffersFromKerasOnNonSquareImages() throws {
        let out = try TemporaryDirectory()
        let input = TestPaths.referenceInputs.appendingPathComponent("chelsea_100x150.png").path
        for geometry in ["keras", "centered"] {
            let result = try AugmentdBinary.run(["transform", input, out.file("\(geometry).png").path,
                                                 "--op", "keras_apply_transform",
                                                 "--params", "{\"theta\": 30, \"geometry\": \"\(geometry)\"}"])
            #expect(result.status == 0, "\(result.stderr)")
        }
        let keras = try ImageDecoder().decode(Array(Data(contentsOf: out.file("keras.png")))).image
        let centered = try ImageDecoder().decode(Array(Data(contentsOf: out.file("centered.png")))).image
        #expect(keras.width == 150 && centered.width == 150)
        #expect(keras != centered)
    }
}
