import Augment
import Codecs
import Imaging
import Testing
import TestSupport

/// The centered geometry's fixed-point sampler against the exact (scipy) one, on random images
/// and random parameters: never more than one level apart, and rarely apart at all.
struct FastCenteredSamplerTests {
    @Test(arguments: [1, 3, 4])
    func staysWithinOneLevelOfTheExactSampler(channels: Int) {
        var random = SplitMix64(state: 77 + UInt64(channels))
        var maxDifference = 0
        var totalDifference = 0
        var samples = 0
        for trial in 0..<24 {
            let width = 40 + Int(random.next(below: 90)), height = 30 + Int(random.next(below: 90))
            let image = CenteredGeometryTests.randomImage(width: width, height: height, channels: channels,
                                                          seed: UInt64(trial) * 31 + 5)
            var p = KerasParameters()
            p.geometry = .centered
            p.theta = Double(random.next(below: 7200)) / 10 - 360
            p.tx = Double(random.next(below: 400)) / 10 - 20
            p.ty = Double(random.next(below: 400)) / 10 - 20
            p.shear = Double(random.next(below: 600)) / 10 - 30
            p.zx = 0.7 + Double(random.next(below: 60)) / 100
            p.zy = 0.7 + Double(random.next(below: 60)) / 100
            p.flipHorizontal = random.next(below: 2) == 1
            p.flipVertical = random.next(below: 2) == 1
            p.fillMode = FillMode.allCases[Int(random.next(below: FillMode.allCases.count))]
            p.cval = Double(random.next(below: 256))
            var fast = KerasTransform()
            var exact = KerasTransform()
            exact.fastCenteredSampler = false
            let a = fast.apply(p, to: image), b = exact.apply(p, to: image)
            for (x, y) in zip(a.pixels, b.pixels) {
                let d = abs(Int(x) - Int(y))
                maxDifference = max(maxDifference, d)
                totalDifference += d
            }
            samples += a.pixels.count
        }
        let mean = Double(totalDifference) / Double(samples)
        #expect(maxDifference <= 1, "max difference \(maxDifference)")
        #expect(mean <= 0.05, "mean difference \(mean)")
        #expect(totalDifference > 0, "no difference at all: the fixed-point sampler did not run")
        print("fixed-point vs exact, \(channels) channels: max \(maxDifference), mean \(mean)")
    }

    /// Border pixels keep the fill mode's exact semantics: a shift by whole pixels with constant
    /// fill gives the exact sampler's bytes everywhere.
    @Test func wholePixelShiftsAreExact() {
        let image = CenteredGeometryTests.randomImage(width: 33, height: 21, channels: 3, seed: 9)
        var p = KerasParameters()
        p.geometry = .centered
        p.tx = 5
        p.ty = -3
        p.fillMode = .constant
        p.cval = 17
        var fast = KerasTransform()
        var exact = KerasTransform()
        exact.fastCenteredSampler = false
        #expect(fast.apply(p, to: image) == exact.apply(p, to: image))
    }
}
