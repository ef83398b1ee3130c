import Augment
import Codecs
import Foundation
import LinuxSystem
import Testing
import TestSupport

extension ReferenceCase: CustomTestStringConvertible {}

/// Every golden case of ../shared/reference/cases.json through the library, each within its own
/// tolerance (max and mean absolute difference).
struct ParityTests {
    @Test func theReferenceSetIsPresent() {
        #expect(ReferenceCase.all.count == 101, "expected the 101 cases of ../shared/reference/cases.json")
    }

    @Test(arguments: ReferenceCase.all)
    func matchesTheReference(_ testCase: ReferenceCase) throws {
        let operation = try ReferenceOperation.parse(op: testCase.op, params: testCase.params)
        let input = try ImageDecoder().decode(RegularFile.read(testCase.inputURL.path)).image
        let expected = try ImageDecoder().decode(RegularFile.read(testCase.expectedURL.path)).image
        let actual = operation.apply(to: input)
        #expect(actual.width == expected.width && actual.height == expected.height)
        #expect(actual.channels == expected.channels)
        guard actual.pixels.count == expected.pixels.count else { return }
        let diff = pixelDifference(actual, expected)
        #expect(diff.max <= testCase.tolerance.max_abs && diff.mean <= testCase.tolerance.mean_abs,
                "\(testCase.id): max \(diff.max) mean \(diff.mean), allowed \(testCase.tolerance.max_abs) / \(testCase.tolerance.mean_abs)")
    }
}
